"""Every write to the catalogue: each atomic, each leaving an audit event and a version.

An item or package is saved whole, from its canonical record (records.py):
the admin, the importer and the demo seed all call save_item / save_package.
Saving a record equal to what is stored changes nothing and writes nothing,
which makes imports and the demo seed safe to run again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from onetrip.accounts.models import OrgUnit, User
from onetrip.audit.services import record_event
from onetrip.errors import ValidationFailed

from . import vocab
from .models import (
    Delivery,
    ItemVersion,
    Material,
    Package,
    PackageDependency,
    PackageMember,
    PackageVersion,
    ServiceItem,
)
from .records import (
    canonical_package,
    item_errors,
    item_record,
    normalise_item,
    normalise_package,
    package_errors,
    package_record,
)
from .search import search_text

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"

_ITEM_SCALARS = (
    "name", "kind", "legal_basis", "conditions", "legal_limit", "committed_limit", "handling",
    "trips_required", "online_depth", "charges_fee", "fee", "fee_basis", "result_name",
    "special_procedures", "approval_on_commitment", "window", "location", "hours", "phone",
    "is_active", "application_fields", "green_channel_rules",
)
_PACKAGE_SCALARS = ("name", "category", "description", "committed_limit", "is_active")


@dataclass(frozen=True)
class Saved:
    obj: Any
    outcome: str  # created, updated or unchanged
    changed: tuple[str, ...] = ()


def _actor(by: User | None) -> User | None:
    return by if getattr(by, "pk", None) is not None else None


def _units(codes: set[Any]) -> dict[str, OrgUnit]:
    wanted = [c for c in codes if isinstance(c, str) and c]
    return {u.code: u for u in OrgUnit.objects.filter(code__in=wanted)}


def item_search_text(record: Mapping[str, Any], department: OrgUnit) -> str:
    return search_text(
        record["code"], record["name"], record["result_name"], department.name,
        department.short_name, vocab.term(vocab.KIND, record["kind"]),
        " ".join(m["name"] for m in record["materials"]), record["conditions"],
    )


def _load_item(code: str, *, lock: bool) -> ServiceItem | None:
    queryset = ServiceItem.objects.filter(code=code)
    if lock:
        queryset = queryset.select_for_update()
    item = queryset.first()
    if item is not None:
        # Fresh, un-prefetched relations for the comparison below.
        item = (ServiceItem.objects.select_related("department")
                .prefetch_related("co_units", "materials").get(pk=item.pk))
    return item


@transaction.atomic
def save_item(*, record: Mapping[str, Any], by: User | None = None) -> Saved:
    """Create the item `record["code"]` or bring it up to date with `record`.

    Raises ValidationFailed listing every broken rule (committed ≤ legal,
    known departments, valid green-channel rules, ...). Each change makes a
    new version with an immutable snapshot, and one audit event.
    """
    record = normalise_item(record)
    co_units = record["co_units"] if isinstance(record["co_units"], list) else []
    units = _units({record["department"], *co_units})
    errors = item_errors(record, unit_codes=units.keys())
    if errors:
        raise ValidationFailed(
            _("The item “%(code)s” has errors.") % {"code": record["code"] or "?"}, errors=errors
        )
    item = _load_item(record["code"], lock=True)
    if item is not None:
        before = item_record(item)
        changed = tuple(k for k in record if record[k] != before[k])
        if not changed:
            return Saved(item, UNCHANGED)
        outcome = UPDATED
    else:
        item = ServiceItem(code=record["code"])
        changed, outcome = tuple(record), CREATED
    department = units[record["department"]]
    for name in _ITEM_SCALARS:
        setattr(item, name, record[name])
    item.department = department
    methods = set(record["delivery_methods"])
    item.delivery_window = Delivery.WINDOW in methods
    item.delivery_post = Delivery.POST in methods
    item.delivery_electronic = Delivery.ELECTRONIC in methods
    item.search_text = item_search_text(record, department)
    item.version += 1
    item.save()
    if outcome == CREATED or "co_units" in changed:
        item.co_units.set([units[code] for code in record["co_units"]])
    if outcome == CREATED or "materials" in changed:
        item.materials.all().delete()
        Material.objects.bulk_create(
            Material(item=item, position=position, **material)
            for position, material in enumerate(record["materials"], start=1)
        )
    if outcome == UPDATED and {"name", "result_name"} & set(changed):
        _refresh_package_search_text(item)
    actor = _actor(by)
    ItemVersion.objects.create(item=item, number=item.version, snapshot=record, created_by=actor)
    record_event(
        action=f"catalog.item_{outcome}", obj=item, actor=by,
        payload={"code": item.code, "version": item.version,
                 "changed": [] if outcome == CREATED else list(changed)},
    )
    return Saved(item, outcome, changed)


@transaction.atomic
def set_item_published(*, item: ServiceItem, published: bool, by: User | None = None) -> Saved:
    """Publish or withdraw an item: a new version like any other change."""
    current = _load_item(item.code, lock=False)
    assert current is not None
    return save_item(record={**item_record(current), "is_active": published}, by=by)


def _package_search_text(record: Mapping[str, Any], items: Mapping[str, ServiceItem],
                         lead: OrgUnit | None) -> str:
    return search_text(
        record["code"], record["name"], record["description"],
        lead.name if lead else "", vocab.term(vocab.CATEGORY, record["category"]),
        " ".join(items[c].name for c in record["items"]),
        " ".join(items[c].result_name for c in record["items"]),
    )


def _refresh_package_search_text(item: ServiceItem) -> None:
    """Packages match their items' names: keep their derived text in step (no new version)."""
    for package in Package.objects.filter(members__item=item).select_related("lead_department"):
        loaded = _load_package(package.code, lock=False)
        assert loaded is not None
        record = package_record(loaded)
        items = {m.item.code: m.item for m in loaded.members.all()}
        Package.objects.filter(pk=package.pk).update(
            search_text=_package_search_text(record, items, loaded.lead_department)
        )


def _load_package(code: str, *, lock: bool) -> Package | None:
    queryset = Package.objects.filter(code=code)
    if lock:
        queryset = queryset.select_for_update()
    package = queryset.first()
    if package is not None:
        package = (Package.objects.select_related("lead_department")
                   .prefetch_related("members__item", "dependencies__item",
                                     "dependencies__requires")
                   .get(pk=package.pk))
    return package


@transaction.atomic
def save_package(*, record: Mapping[str, Any], by: User | None = None) -> Saved:
    """Create the package `record["code"]` or bring it up to date with `record`.

    Its items must exist; dependencies must join two of its items and must
    not go round in a circle (the error names the circle).
    """
    record = normalise_package(record)
    mentioned: set[str] = set()
    if isinstance(record["items"], list):
        mentioned |= {c for c in record["items"] if isinstance(c, str)}
    items = {i.code: i for i in ServiceItem.objects.filter(code__in=mentioned)}
    units = _units({record["lead_department"]})
    errors = package_errors(
        record, item_names={code: item.name for code, item in items.items()},
        unit_codes=units.keys(),
    )
    if errors:
        raise ValidationFailed(
            _("The package “%(code)s” has errors.") % {"code": record["code"] or "?"},
            errors=errors,
        )
    record = canonical_package(record)
    package = _load_package(record["code"], lock=True)
    if package is not None:
        before = package_record(package)
        changed = tuple(k for k in record if record[k] != before[k])
        if not changed:
            return Saved(package, UNCHANGED)
        outcome = UPDATED
    else:
        package = Package(code=record["code"])
        changed, outcome = tuple(record), CREATED
    for name in _PACKAGE_SCALARS:
        setattr(package, name, record[name])
    lead = units.get(record["lead_department"]) if record["lead_department"] else None
    package.lead_department = lead
    package.search_text = _package_search_text(record, items, lead)
    package.version += 1
    package.save()
    if outcome == CREATED or "items" in changed or "dependencies" in changed:
        package.dependencies.all().delete()
        package.members.all().delete()
        PackageMember.objects.bulk_create(
            PackageMember(package=package, item=items[code], position=position)
            for position, code in enumerate(record["items"], start=1)
        )
        PackageDependency.objects.bulk_create(
            PackageDependency(package=package, item=items[d["item"]], requires=items[d["requires"]])
            for d in record["dependencies"]
        )
    snapshot = {**record, "item_versions": {code: items[code].version for code in record["items"]}}
    PackageVersion.objects.create(
        package=package, number=package.version, snapshot=snapshot, created_by=_actor(by)
    )
    record_event(
        action=f"catalog.package_{outcome}", obj=package, actor=by,
        payload={"code": package.code, "version": package.version,
                 "changed": [] if outcome == CREATED else list(changed)},
    )
    return Saved(package, outcome, changed)
