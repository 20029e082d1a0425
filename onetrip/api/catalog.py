"""The public catalogue API: items and packages, with the sunshine list's filters. No login."""

from __future__ import annotations

import math
from typing import Any, Literal

from django.http import HttpRequest
from django.urls import reverse
from ninja import Query, Router, Schema

from onetrip.catalog import selectors
from onetrip.catalog.models import ItemKind, OnlineDepth, PackageCategory, ServiceItem

router = Router(auth=None, tags=["catalogue"])

PAGE_SIZE = 50


class ItemFilters(Schema):
    q: str = ""
    department: str = ""
    kind: ItemKind | None = None
    trips: Literal["0", "1", "2"] | None = None
    online_depth: OnlineDepth | None = None
    page: int = 1

    def selector_filters(self, **extra: Any) -> selectors.Filters:
        return selectors.Filters(
            q=self.q[:100], department=self.department,
            kind=self.kind.value if self.kind else "", trips=self.trips or "",
            online_depth=self.online_depth.value if self.online_depth else "", **extra,
        )


class UnitOut(Schema):
    code: str
    name: str


class MaterialOut(Schema):
    name: str
    key: str
    requirement: str
    condition: str
    form: str
    paper_copies: int
    source: str
    blank_form: str
    sample: str
    notes: str


class ItemSummaryOut(Schema):
    code: str
    name: str
    kind: ItemKind
    department: UnitOut
    legal_limit: int
    committed_limit: int
    handling: str
    trips_required: int
    online_depth: OnlineDepth
    green_channel: bool
    approval_on_commitment: bool
    url: str


class ItemOut(ItemSummaryOut):
    version: int
    co_units: list[UnitOut]
    legal_basis: str
    conditions: str
    charges_fee: bool
    fee: str
    fee_basis: str
    delivery_methods: list[str]
    result_name: str
    special_procedures: list[str]
    window: str
    location: str
    hours: str
    phone: str
    application_fields: list[dict[str, Any]]
    green_channel_rules: list[dict[str, Any]]
    materials: list[MaterialOut]
    packages: list[str]


class FiguresOut(Schema):
    items: int
    one_by_one_days: int
    one_by_one_legal_days: int
    critical_path_days: int
    critical_path: list[str]
    package_limit: int
    days_saved_percent: int
    trips_one_by_one: int
    trips_package: int
    materials_one_by_one: int
    materials_package: int


class PackageSummaryOut(Schema):
    code: str
    name: str
    category: PackageCategory
    description: str
    lead_department: UnitOut | None
    committed_limit: int
    figures: FiguresOut
    url: str


class DependencyOut(Schema):
    item: str
    requires: str


class SharedMaterialOut(Schema):
    key: str
    name: str
    items: list[str]
    required: bool
    produced_by: str | None


class PackageOut(PackageSummaryOut):
    version: int
    items: list[ItemSummaryOut]
    dependencies: list[DependencyOut]
    materials: list[SharedMaterialOut]


class ItemPage(Schema):
    count: int
    page: int
    pages: int
    results: list[ItemSummaryOut]


class PackagePage(Schema):
    count: int
    page: int
    pages: int
    results: list[PackageSummaryOut]


def _unit(unit) -> dict[str, str] | None:
    return {"code": unit.code, "name": unit.name} if unit is not None else None


def _item_summary(item: ServiceItem) -> dict[str, Any]:
    return {
        "code": item.code, "name": item.name, "kind": item.kind,
        "department": _unit(item.department), "legal_limit": item.legal_limit,
        "committed_limit": item.committed_limit, "handling": item.handling,
        "trips_required": item.trips_required, "online_depth": item.online_depth,
        "green_channel": item.is_green_channel,
        "approval_on_commitment": item.approval_on_commitment,
        "url": reverse("catalog:item", args=[item.code]),
    }


def _figures(view: selectors.PackageView) -> dict[str, Any]:
    f = view.figures
    return {
        "items": f.items, "one_by_one_days": f.one_by_one_days,
        "one_by_one_legal_days": f.one_by_one_legal_days,
        "critical_path_days": f.critical_path_days, "critical_path": list(f.critical_path.path),
        "package_limit": f.package_limit, "days_saved_percent": f.days_saved_percent,
        "trips_one_by_one": f.trips_one_by_one, "trips_package": f.trips_package,
        "materials_one_by_one": f.materials_one_by_one, "materials_package": f.materials_package,
    }


def _package_summary(view: selectors.PackageView) -> dict[str, Any]:
    p = view.package
    return {
        "code": p.code, "name": p.name, "category": p.category, "description": p.description,
        "lead_department": _unit(p.lead_department), "committed_limit": p.committed_limit,
        "figures": _figures(view), "url": reverse("catalog:package", args=[p.code]),
    }


def _page(rows: list, page: int) -> tuple[list, int, int]:
    pages = max(1, math.ceil(len(rows) / PAGE_SIZE))
    page = min(max(page, 1), pages)
    return rows[(page - 1) * PAGE_SIZE: page * PAGE_SIZE], page, pages


@router.get("/items", response=ItemPage, summary="List published service items")
def list_items(request: HttpRequest, filters: Query[ItemFilters]):
    """Published items, with the sunshine list's search and filters.

    trips: 0 = zero trips, 1 = at most one trip, 2 = two or more.
    """
    items = selectors.find_items(filters.selector_filters())
    rows, page, pages = _page(items, filters.page)
    return {"count": len(items), "page": page, "pages": pages,
            "results": [_item_summary(i) for i in rows]}


@router.get("/items/{code}", response=ItemOut, summary="One service item with its guide")
def get_item(request: HttpRequest, code: str):
    item = selectors.item_by_code(code)
    return {
        **_item_summary(item),
        "version": item.version,
        "co_units": [_unit(u) for u in item.co_units.all()],
        "legal_basis": item.legal_basis, "conditions": item.conditions,
        "charges_fee": item.charges_fee, "fee": item.fee, "fee_basis": item.fee_basis,
        "delivery_methods": item.delivery_methods, "result_name": item.result_name,
        "special_procedures": list(item.special_procedures), "window": item.window,
        "location": item.location, "hours": item.hours, "phone": item.phone,
        "application_fields": item.application_fields,
        "green_channel_rules": item.green_channel_rules,
        "materials": [
            {f: getattr(m, f) for f in MaterialOut.model_fields} for m in item.materials.all()
        ],
        "packages": [p.code for p in item.packages.all()],
    }


@router.get("/packages", response=PackagePage,
            summary="List published packages with their figures")
def list_packages(request: HttpRequest, filters: Query[ItemFilters]):
    """Published packages. Department, kind and online depth match packages with such an item;
    trips matches the package's own trips (as a package)."""
    views = selectors.find_packages(filters.selector_filters())
    rows, page, pages = _page(views, filters.page)
    return {"count": len(views), "page": page, "pages": pages,
            "results": [_package_summary(v) for v in rows]}


@router.get("/packages/{code}", response=PackageOut,
            summary="One package with its items, graph and figures")
def get_package(request: HttpRequest, code: str):
    view = selectors.package_by_code(code)
    return {
        **_package_summary(view),
        "version": view.package.version,
        "items": [_item_summary(i) for i in view.items],
        "dependencies": [{"item": i, "requires": r} for i, r in view.dependencies],
        "materials": [
            {"key": m.key, "name": m.name, "items": [i.code for i in m.items],
             "required": m.required, "produced_by": m.produced_by.code if m.produced_by else None}
            for m in selectors.package_materials(view)
        ],
    }
