"""What an application asks for, computed from the catalogue snapshots it was made under.

Pure functions over item-version snapshots (the canonical records of
`catalog.records`): the merged form fields, each material once however many
items need it (and none another item of the same case produces), and the
route each item takes at intake (green channel, approval on commitment).
Services and selectors both use them; nothing here touches the database.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from onetrip.catalog import green_channel
from onetrip.catalog.figures import material_key
from onetrip.errors import FieldError

ROUTE_NORMAL, ROUTE_ZERO_DAY, ROUTE_COMMITMENT, ROUTE_FILING = (
    "normal", "zero_day", "commitment", "filing",
)

FIELD_ERROR_MESSAGES = {
    "required": _("This field is required."),
    "not_a_number": _("Enter a number (zero or more)."),
    "not_yes_or_no": _("Choose yes or no."),
    "not_a_choice": _("Choose one of the options."),
}


@dataclass(frozen=True)
class MaterialNeed:
    """One material the application asks for, once for the whole case."""

    key: str
    name: str
    required: bool
    item_codes: tuple[str, ...]
    condition: str = ""
    source: str = "applicant"
    form: str = ""
    paper_copies: int = 0
    # The code of another item of the same case whose result this material is:
    # passed on inside the case, never asked of the applicant.
    produced_by: str | None = None

    @property
    def asked(self) -> bool:
        return self.produced_by is None


@dataclass(frozen=True)
class RouteDecision:
    route: str
    label: str = ""
    rule: int | None = None


@dataclass
class CleanedApplication:
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[FieldError] = field(default_factory=list)


def merged_fields(snapshots: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The application form's fields: every item's fields, each name once (first wins)."""
    seen: dict[str, dict[str, Any]] = {}
    for snapshot in snapshots:
        for spec in snapshot.get("application_fields") or ():
            name = spec.get("name")
            if not name:
                continue
            if name not in seen:
                seen[name] = dict(spec)
            elif spec.get("required") and not seen[name].get("required"):
                seen[name]["required"] = True
    return list(seen.values())


def clean_fields(
    snapshots: Sequence[Mapping[str, Any]], raw: Mapping[str, Any]
) -> CleanedApplication:
    """Typed values of the form's fields, or a FieldError per bad field (`fields.<name>`)."""
    specs = merged_fields(snapshots)
    try:
        values = green_channel.clean_application(specs, raw)
    except green_channel.ApplicationError as exc:
        return CleanedApplication(
            errors=[
                FieldError(f"fields.{name}", str(FIELD_ERROR_MESSAGES.get(code, code)), code)
                for name, code in exc.errors.items()
            ]
        )
    return CleanedApplication(values=values)


def material_needs(snapshots: Sequence[Mapping[str, Any]]) -> list[MaterialNeed]:
    """Each material of the case once, in the order it first appears.

    Required if any item requires it. A material whose key is the result of
    another item of the case (e.g. the business licence the food licence
    asks for) is marked `produced_by` that item and not asked for.
    """
    producers = {
        material_key(s.get("result_name") or ""): s["code"]
        for s in snapshots if s.get("result_name")
    }
    producers.pop("", None)
    merged: dict[str, dict[str, Any]] = {}
    for snapshot in snapshots:
        for material in snapshot.get("materials") or ():
            key = material.get("key") or material_key(material.get("name", ""))
            entry = merged.get(key)
            if entry is None:
                producer = producers.get(key)
                entry = merged[key] = {
                    "key": key,
                    "name": material.get("name", key),
                    "required": False,
                    "item_codes": [],
                    "condition": material.get("condition", ""),
                    "source": material.get("source", "applicant"),
                    "form": material.get("form", ""),
                    "paper_copies": material.get("paper_copies", 0) or 0,
                    "produced_by": producer if producer != snapshot["code"] else None,
                }
            entry["item_codes"].append(snapshot["code"])
            entry["required"] |= material.get("requirement", "required") == "required"
    return [
        MaterialNeed(**{**entry, "item_codes": tuple(entry["item_codes"])})
        for entry in merged.values()
    ]


def decide_route(
    snapshot: Mapping[str, Any], values: Mapping[str, Any], *, commitment_signed: bool
) -> RouteDecision:
    """The route an item takes at intake.

    An item with green-channel rules is routed by them alone: the first rule
    that holds decides (zero-day, commitment, filing), and an application no
    rule matches takes normal review, even if the item also offers approval on
    commitment. A commitment route needs the applicant's signed commitment;
    without it the item goes to normal review. An item without rules that
    offers approval on commitment is decided on commitment when the applicant
    signed.
    """
    rules = snapshot.get("green_channel_rules") or []
    if rules:
        decision = green_channel.evaluate(rules, values)
        if decision.outcome in (ROUTE_ZERO_DAY, ROUTE_FILING):
            return RouteDecision(decision.outcome, decision.label, decision.rule)
        if decision.outcome == ROUTE_COMMITMENT and commitment_signed:
            return RouteDecision(ROUTE_COMMITMENT, decision.label, decision.rule)
        return RouteDecision(ROUTE_NORMAL, "", None)
    if snapshot.get("approval_on_commitment") and commitment_signed:
        return RouteDecision(ROUTE_COMMITMENT, "", None)
    return RouteDecision(ROUTE_NORMAL, "", None)


def offers_commitment(snapshot: Mapping[str, Any]) -> bool:
    """Whether the applicant may sign a commitment for this item at all."""
    if snapshot.get("approval_on_commitment"):
        return True
    return any(rule.get("outcome") == ROUTE_COMMITMENT
               for rule in snapshot.get("green_channel_rules") or ())


def delivery_methods(snapshots: Sequence[Mapping[str, Any]]) -> list[str]:
    """Delivery methods every item with a result allows (results are delivered together).

    An item without a result (nothing to deliver) does not restrict the choice;
    collecting at the window is always possible.
    """
    order = ["electronic", "post", "window"]
    allowed = set(order)
    for snapshot in snapshots:
        if snapshot.get("result_name"):
            allowed &= set(snapshot.get("delivery_methods") or ["window"]) | {"window"}
    return [m for m in order if m in allowed]


def missing_required(
    needs: Sequence[MaterialNeed], provided: Collection[str]
) -> list[MaterialNeed]:
    return [n for n in needs if n.asked and n.required and n.key not in provided]
