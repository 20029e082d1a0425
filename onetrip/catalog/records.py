"""An item's or a package's canonical record: one plain dict shape for every door.

The same record is an item version's snapshot, a YAML entry, a workbook
row (with its materials rows), and what services.save_item takes. Keeping
one shape is what makes export → import exact.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any

from django.utils.translation import gettext as _

from onetrip.errors import FieldError

from . import green_channel
from .figures import material_key
from .graph import find_cycle
from .models import (
    Delivery,
    Handling,
    ItemKind,
    MaterialForm,
    MaterialSource,
    OnlineDepth,
    Package,
    PackageCategory,
    Requirement,
    ServiceItem,
    SpecialProcedure,
)

ITEM_FIELDS = (
    "code", "name", "kind", "department", "co_units", "legal_basis", "conditions",
    "legal_limit", "committed_limit", "handling", "trips_required", "online_depth",
    "charges_fee", "fee", "fee_basis", "delivery_methods", "result_name", "special_procedures",
    "approval_on_commitment", "window", "location", "hours", "phone", "is_active",
    "application_fields", "green_channel_rules", "materials",
)
MATERIAL_FIELDS = (
    "name", "key", "requirement", "condition", "form", "paper_copies", "source",
    "blank_form", "sample", "notes",
)
PACKAGE_FIELDS = (
    "code", "name", "category", "lead_department", "committed_limit", "description",
    "is_active", "items", "dependencies",
)

ITEM_DEFAULTS: dict[str, Any] = {
    "kind": ItemKind.LICENSING.value, "co_units": [], "legal_basis": "", "conditions": "",
    "handling": Handling.COMMITTED.value, "trips_required": 1,
    "online_depth": OnlineDepth.APPLY.value, "charges_fee": False, "fee": "", "fee_basis": "",
    "delivery_methods": [Delivery.WINDOW.value], "result_name": "", "special_procedures": [],
    "approval_on_commitment": False, "window": "", "location": "", "hours": "", "phone": "",
    "is_active": True, "application_fields": [], "green_channel_rules": [], "materials": [],
}
MATERIAL_DEFAULTS: dict[str, Any] = {
    "key": "", "requirement": Requirement.REQUIRED.value, "condition": "",
    "form": MaterialForm.ORIGINAL.value, "paper_copies": 1,
    "source": MaterialSource.APPLICANT.value, "blank_form": "", "sample": "", "notes": "",
}
PACKAGE_DEFAULTS: dict[str, Any] = {
    "category": PackageCategory.BUSINESS.value, "lead_department": "", "description": "",
    "is_active": True, "items": [], "dependencies": [],
}

TEXT_LIMITS = {
    "name": 200, "fee": 200, "result_name": 200, "window": 200, "location": 200, "hours": 200,
    "phone": 64,
}
MATERIAL_TEXT_LIMITS = {"name": 200, "key": 80, "condition": 200, "blank_form": 200, "sample": 200}
MAX_DAYS = 400
MAX_TRIPS = 9
MAX_COPIES = 99
ITEM_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,39}$")
PACKAGE_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")


def _order(values: Collection[str], choices: type) -> list[str]:
    """Known values in their declared order, then unknown ones (left for validation)."""
    known = [c.value for c in choices if c.value in values]
    return known + [v for v in values if v not in known]


def _clean_str(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


# --- from the database ------------------------------------------------------

def item_record(item: ServiceItem) -> dict[str, Any]:
    """The item as a canonical record; uses prefetched materials and co-units when present."""
    return {
        "code": item.code,
        "name": item.name,
        "kind": item.kind,
        "department": item.department.code,
        "co_units": sorted(unit.code for unit in item.co_units.all()),
        "legal_basis": item.legal_basis,
        "conditions": item.conditions,
        "legal_limit": item.legal_limit,
        "committed_limit": item.committed_limit,
        "handling": item.handling,
        "trips_required": item.trips_required,
        "online_depth": item.online_depth,
        "charges_fee": item.charges_fee,
        "fee": item.fee,
        "fee_basis": item.fee_basis,
        "delivery_methods": item.delivery_methods,
        "result_name": item.result_name,
        "special_procedures": list(item.special_procedures),
        "approval_on_commitment": item.approval_on_commitment,
        "window": item.window,
        "location": item.location,
        "hours": item.hours,
        "phone": item.phone,
        "is_active": item.is_active,
        "application_fields": list(item.application_fields),
        "green_channel_rules": list(item.green_channel_rules),
        "materials": [
            {
                "name": m.name, "key": m.key, "requirement": m.requirement,
                "condition": m.condition, "form": m.form, "paper_copies": m.paper_copies,
                "source": m.source, "blank_form": m.blank_form, "sample": m.sample,
                "notes": m.notes,
            }
            for m in item.materials.all()
        ],
    }


def package_record(package: Package) -> dict[str, Any]:
    members = sorted(package.members.all(), key=lambda m: (m.position, m.pk))
    codes = [m.item.code for m in members]
    rank = {code: i for i, code in enumerate(codes)}
    deps = sorted(
        ((d.item.code, d.requires.code) for d in package.dependencies.all()),
        key=lambda pair: (rank.get(pair[0], 0), rank.get(pair[1], 0)),
    )
    return {
        "code": package.code,
        "name": package.name,
        "category": package.category,
        "lead_department": package.lead_department.code if package.lead_department else "",
        "committed_limit": package.committed_limit,
        "description": package.description,
        "is_active": package.is_active,
        "items": codes,
        "dependencies": [{"item": item, "requires": requires} for item, requires in deps],
    }


# --- normalising what came in ----------------------------------------------

def normalise_item(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Defaults filled, text stripped, lists in canonical order, material keys derived.

    Values of the wrong type are left alone for item_errors to name.
    """
    record = {name: _clean_str(raw.get(name)) for name in ITEM_FIELDS}
    for name, default in ITEM_DEFAULTS.items():
        if record[name] is None:
            record[name] = list(default) if isinstance(default, list) else default
    if isinstance(record["co_units"], list):
        record["co_units"] = sorted({_clean_str(c) for c in record["co_units"]})
    if isinstance(record["delivery_methods"], list):
        record["delivery_methods"] = _order(set(record["delivery_methods"]), Delivery)
    if isinstance(record["special_procedures"], list):
        record["special_procedures"] = _order(set(record["special_procedures"]), SpecialProcedure)
    materials = record["materials"]
    if isinstance(materials, list):
        record["materials"] = [normalise_material(m) if isinstance(m, Mapping) else m
                               for m in materials]
    return record


def normalise_material(raw: Mapping[str, Any]) -> dict[str, Any]:
    material = {name: _clean_str(raw.get(name)) for name in MATERIAL_FIELDS}
    for name, default in MATERIAL_DEFAULTS.items():
        if material[name] is None:
            material[name] = default
    if not material["key"] and isinstance(material["name"], str):
        material["key"] = material_key(material["name"])
    return material


def normalise_package(raw: Mapping[str, Any]) -> dict[str, Any]:
    record = {name: _clean_str(raw[name]) if name in raw else None for name in PACKAGE_FIELDS}
    for name, default in PACKAGE_DEFAULTS.items():
        if record[name] is None:
            record[name] = list(default) if isinstance(default, list) else default
    if isinstance(record["items"], list):
        record["items"] = [_clean_str(code) for code in record["items"]]
    deps = record["dependencies"]
    if isinstance(deps, list):
        record["dependencies"] = [
            {"item": _clean_str(dep.get("item")), "requires": _clean_str(dep.get("requires"))}
            if isinstance(dep, Mapping) else dep
            for dep in deps
        ]
    return record


def canonical_package(record: Mapping[str, Any]) -> dict[str, Any]:
    """A valid, normalised package record with its dependencies in the items' order.

    Validation reports dependencies by their position as given; storage and
    comparison use this order, the one package_record reads back.
    """
    rank = {code: i for i, code in enumerate(record["items"])}
    deps = sorted(record["dependencies"],
                  key=lambda d: (rank[d["item"]], rank[d["requires"]]))
    return {**record, "dependencies": deps}


# --- validation --------------------------------------------------------------

def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _choice_error(value: Any, choices: type) -> str | None:
    if value not in choices.values:
        return _("“%(value)s” is not one of: %(choices)s") % {
            "value": value, "choices": "、".join(str(c.label) for c in choices),
        }
    return None


def item_errors(record: Mapping[str, Any], *, unit_codes: Collection[str]) -> list[FieldError]:
    """Every broken rule in a normalised item record, each naming its field."""
    errors: list[FieldError] = []

    def bad(field: str, reason: str) -> None:
        errors.append(FieldError(field, reason))

    code = record["code"]
    if not code:
        bad("code", _("The item code is required."))
    elif not isinstance(code, str) or not ITEM_CODE.match(code):
        bad("code", _("An item code has up to 40 letters, digits or hyphens."))
    if not record["name"]:
        bad("name", _("The name is required."))
    for field_name in ("name", "legal_basis", "conditions", "fee", "fee_basis", "result_name",
                       "window", "location", "hours", "phone"):
        value = record[field_name]
        if not isinstance(value, str):
            bad(field_name, _("Must be text."))
        elif field_name in TEXT_LIMITS and len(value) > TEXT_LIMITS[field_name]:
            bad(field_name, _("At most %(n)d characters.") % {"n": TEXT_LIMITS[field_name]})
    for field_name, choices in (("kind", ItemKind), ("handling", Handling),
                                ("online_depth", OnlineDepth)):
        reason = _choice_error(record[field_name], choices)
        if reason:
            bad(field_name, reason)
    department = record["department"]
    if not department:
        bad("department", _("The department is required."))
    elif department not in unit_codes:
        bad("department", _("No organisation unit has the code “%(code)s”.") % {"code": department})
    co_units = record["co_units"]
    if not isinstance(co_units, list):
        bad("co_units", _("Must be a list of unit codes."))
    else:
        for unit in co_units:
            if unit not in unit_codes:
                bad("co_units", _("No organisation unit has the code “%(code)s”.") % {"code": unit})
            elif unit == department:
                bad("co_units", _("The department itself cannot be a co-handling unit."))
    limits_ok = True
    for field_name in ("legal_limit", "committed_limit"):
        value = record[field_name]
        if not _is_int(value) or not 0 <= value <= MAX_DAYS:
            bad(field_name, _("Must be a whole number of working days from 0 to %(n)d.")
                % {"n": MAX_DAYS})
            limits_ok = False
    if limits_ok and record["committed_limit"] > record["legal_limit"]:
        bad("committed_limit",
            _("The committed limit (%(committed)d) cannot exceed the legal limit (%(legal)d).")
            % {"committed": record["committed_limit"], "legal": record["legal_limit"]})
    trips = record["trips_required"]
    if not _is_int(trips) or not 0 <= trips <= MAX_TRIPS:
        bad("trips_required", _("Must be a whole number from 0 to %(n)d.") % {"n": MAX_TRIPS})
    for field_name in ("charges_fee", "approval_on_commitment", "is_active"):
        if not isinstance(record[field_name], bool):
            bad(field_name, _("Must be yes or no."))
    if record["charges_fee"] is True and not record["fee"]:
        bad("fee", _("Say what the fee is when the item charges one."))
    methods = record["delivery_methods"]
    if not isinstance(methods, list) or not methods:
        bad("delivery_methods", _("Give at least one way the result is delivered."))
    else:
        for method in methods:
            reason = _choice_error(method, Delivery)
            if reason:
                bad("delivery_methods", reason)
    procedures = record["special_procedures"]
    if not isinstance(procedures, list):
        bad("special_procedures", _("Must be a list."))
    else:
        for procedure in procedures:
            reason = _choice_error(procedure, SpecialProcedure)
            if reason:
                bad("special_procedures", reason)
    for reason in green_channel.field_errors(record["application_fields"]):
        bad("application_fields", reason)
    for reason in green_channel.rule_errors(record["green_channel_rules"],
                                            record["application_fields"]):
        bad("green_channel_rules", reason)
    materials = record["materials"]
    if not isinstance(materials, list):
        bad("materials", _("Must be a list."))
        return errors
    seen: dict[str, int] = {}
    for index, material in enumerate(materials, start=1):
        prefix = f"materials.{index}."
        if not isinstance(material, dict):
            bad(f"materials.{index}", _("Must be a mapping."))
            continue
        errors.extend(FieldError(prefix + e.field, e.reason) for e in material_errors(material))
        key = material.get("key")
        if isinstance(key, str) and key:
            if key in seen:
                bad(prefix + "key", _("Material %(other)d of this item has the same key “%(key)s”.")
                    % {"other": seen[key], "key": key})
            else:
                seen[key] = index
    return errors


def material_errors(material: Mapping[str, Any]) -> list[FieldError]:
    errors: list[FieldError] = []
    if not material.get("name"):
        errors.append(FieldError("name", _("The material's name is required.")))
    if not material.get("key"):
        errors.append(FieldError("key", _("The material key is required.")))
    for field_name, limit in MATERIAL_TEXT_LIMITS.items():
        value = material.get(field_name)
        if not isinstance(value, str):
            errors.append(FieldError(field_name, _("Must be text.")))
        elif len(value) > limit:
            errors.append(FieldError(field_name, _("At most %(n)d characters.") % {"n": limit}))
    if not isinstance(material.get("notes"), str):
        errors.append(FieldError("notes", _("Must be text.")))
    for field_name, choices in (("requirement", Requirement), ("form", MaterialForm),
                                ("source", MaterialSource)):
        reason = _choice_error(material.get(field_name), choices)
        if reason:
            errors.append(FieldError(field_name, reason))
    copies = material.get("paper_copies")
    if not _is_int(copies) or not 0 <= copies <= MAX_COPIES:
        errors.append(FieldError("paper_copies",
                                 _("Must be a whole number from 0 to %(n)d.") % {"n": MAX_COPIES}))
    return errors


def package_errors(
    record: Mapping[str, Any], *, item_names: Mapping[str, str], unit_codes: Collection[str]
) -> list[FieldError]:
    """Every broken rule in a normalised package record.

    item_names: the codes (and names, for messages) of every item the
    package may refer to.
    """
    errors: list[FieldError] = []

    def bad(field: str, reason: str) -> None:
        errors.append(FieldError(field, reason))

    code = record["code"]
    if not code:
        bad("code", _("The package code is required."))
    elif not isinstance(code, str) or not PACKAGE_CODE.match(code):
        bad("code", _("A package code has up to 40 lower-case letters, digits or hyphens."))
    if not record["name"]:
        bad("name", _("The name is required."))
    elif not isinstance(record["name"], str) or len(record["name"]) > 200:
        bad("name", _("At most %(n)d characters.") % {"n": 200})
    if not isinstance(record["description"], str):
        bad("description", _("Must be text."))
    reason = _choice_error(record["category"], PackageCategory)
    if reason:
        bad("category", reason)
    lead = record["lead_department"]
    if lead and lead not in unit_codes:
        bad("lead_department", _("No organisation unit has the code “%(code)s”.") % {"code": lead})
    limit = record["committed_limit"]
    if not _is_int(limit) or not 0 <= limit <= MAX_DAYS:
        bad("committed_limit", _("Must be a whole number of working days from 0 to %(n)d.")
            % {"n": MAX_DAYS})
    if not isinstance(record["is_active"], bool):
        bad("is_active", _("Must be yes or no."))
    members = record["items"]
    if not isinstance(members, list) or not members:
        bad("items", _("A package needs at least one item."))
        return errors
    seen: set[str] = set()
    for index, item in enumerate(members, start=1):
        if item not in item_names:
            bad(f"items.{index}", _("No item has the code “%(code)s”.") % {"code": item})
        elif item in seen:
            bad(f"items.{index}", _("The item “%(code)s” is listed twice.") % {"code": item})
        seen.add(item)
    deps = record["dependencies"]
    if not isinstance(deps, list):
        bad("dependencies", _("Must be a list."))
        return errors
    edges: list[tuple[str, str]] = []
    edge_index: dict[tuple[str, str], int] = {}
    pairs: set[tuple[str, str]] = set()
    for index, dep in enumerate(deps, start=1):
        field = f"dependencies.{index}"
        if not isinstance(dep, dict):
            bad(field, _("Must be a mapping."))
            continue
        item, requires = dep.get("item"), dep.get("requires")
        ok = True
        for side in (item, requires):
            if side not in seen:
                bad(field, _("“%(code)s” is not an item of this package.") % {"code": side})
                ok = False
        if not ok:
            continue
        if item == requires:
            bad(field, _("“%(name)s” cannot wait for itself.") % {"name": item_names[item]})
        elif (item, requires) in pairs:
            bad(field, _("This dependency is listed twice."))
        else:
            pairs.add((item, requires))
            edges.append((requires, item))
            edge_index[(requires, item)] = index
    if edges:
        cycle = find_cycle(list(dict.fromkeys(members)), edges)
        if cycle:
            # Reported on the dependency that closes the circle.
            closing = edge_index.get((cycle[-2], cycle[-1]))
            reason = _("The dependencies go round in a circle: %(cycle)s. Remove one of them.") % {
                "cycle": " → ".join(f"{item_names[c]}（{c}）" for c in cycle)}
            bad(f"dependencies.{closing}" if closing else "dependencies", reason)
    return errors
