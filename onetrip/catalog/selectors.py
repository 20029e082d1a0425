"""Every read of the catalogue: the public list, search and filters, figures, versions.

The catalogue is public: nothing here is scoped by user. Unpublished items
and packages are left out of every public read.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from onetrip.accounts.models import OrgUnit
from onetrip.errors import NotFound

from . import search
from .figures import ItemFacts, PackageFigures, Totals, compute, material_key, totals
from .graph import layers
from .green_channel import describe_condition
from .models import (
    ItemKind,
    ItemVersion,
    Material,
    OnlineDepth,
    Package,
    PackageCategory,
    PackageMember,
    PackageVersion,
    Requirement,
    ServiceItem,
)

TRIPS_CHOICES = [
    ("0", gettext_lazy("zero trips")),
    ("1", gettext_lazy("at most one trip")),
    ("2", gettext_lazy("two trips or more")),
]


@dataclass(frozen=True)
class Filters:
    """The public list's filters, as given in a query string (bad values are ignored)."""

    q: str = ""
    department: str = ""
    kind: str = ""
    trips: str = ""
    online_depth: str = ""
    packages_only: bool = False

    @classmethod
    def from_params(cls, params) -> Filters:
        def pick(name: str, allowed: Iterable[str] | None = None) -> str:
            value = (params.get(name) or "").strip()
            if allowed is not None and value not in allowed:
                return ""
            return value[:100]

        return cls(
            q=pick("q"),
            department=pick("department"),
            kind=pick("kind", ItemKind.values),
            trips=pick("trips", [c for c, _label in TRIPS_CHOICES]),
            online_depth=pick("online_depth", OnlineDepth.values),
            packages_only=(params.get("packages") or "") in ("1", "on", "true"),
        )

    @property
    def active(self) -> bool:
        return bool(self.q or self.department or self.kind or self.trips or self.online_depth
                    or self.packages_only)


def _trips_match(trips: int, wanted: str) -> bool:
    if wanted == "0":
        return trips == 0
    if wanted == "1":
        return trips <= 1
    if wanted == "2":
        return trips >= 2
    return True


# --- items -------------------------------------------------------------------

def published_items() -> QuerySet[ServiceItem]:
    return ServiceItem.objects.filter(is_active=True)


def _filtered_items(filters: Filters) -> QuerySet[ServiceItem]:
    queryset = published_items()
    if filters.department:
        queryset = queryset.filter(
            Q(department__code=filters.department) | Q(co_units__code=filters.department)
        ).distinct()
    if filters.kind:
        queryset = queryset.filter(kind=filters.kind)
    if filters.online_depth:
        queryset = queryset.filter(online_depth=filters.online_depth)
    if filters.trips == "0":
        queryset = queryset.filter(trips_required=0)
    elif filters.trips == "1":
        queryset = queryset.filter(trips_required__lte=1)
    elif filters.trips == "2":
        queryset = queryset.filter(trips_required__gte=2)
    return queryset


def _ranked(queryset: QuerySet, query: str, *, name: str, result: str | None) -> list[int] | None:
    """Ids in rank order for `query`, or None when there is no query."""
    terms = search.terms(query)
    if not terms:
        return None
    fields = ["id", "name", "search_text"] + ([result] if result else [])
    rows = [
        search.Row(r["id"], r["name"], r.get(result, "") if result else "", r["search_text"])
        for r in queryset.order_by(*_default_order(name)).values(*fields)
    ]
    return search.rank(rows, terms)


def _default_order(kind: str) -> list[str]:
    if kind == "item":
        return ["department__sort_order", "department__code", "code"]
    return ["category", "code"]


def find_items(filters: Filters) -> list[ServiceItem]:
    """Published items for the public list: filtered, searched, ranked."""
    queryset = _filtered_items(filters)
    ids = _ranked(queryset, filters.q, name="item", result="result_name")
    rows = queryset.select_related("department")
    if ids is None:
        return list(rows.order_by(*_default_order("item")))
    by_id = {item.pk: item for item in rows.filter(pk__in=ids)}
    return [by_id[i] for i in ids if i in by_id]


def item_by_code(code: str) -> ServiceItem:
    """A published item with what its guide shows; NotFound otherwise."""
    return _published_by_code(
        published_items()
        .select_related("department")
        .prefetch_related(
            "co_units", "materials",
            Prefetch("packages", queryset=Package.objects.filter(is_active=True).distinct()),
        ),
        code,
    )


def published_item(code: str) -> ServiceItem:
    """A published item by its code, without its guide (to apply for it); NotFound otherwise."""
    return _published_by_code(published_items().select_related("department"), code)


def _published_by_code(items: QuerySet[ServiceItem], code: str) -> ServiceItem:
    item = items.filter(code=code).first()
    if item is None:
        raise NotFound(_("No published service item has the code “%(code)s”.") % {"code": code})
    return item


def current_version(item: ServiceItem) -> ItemVersion:
    """The version a case made now would be made under."""
    return ItemVersion.objects.get(item=item, number=item.version)


def item_version(code: str, number: int) -> ItemVersion:
    version = ItemVersion.objects.select_related("item").filter(
        item__code=code, number=number
    ).first()
    if version is None:
        raise NotFound(_("Item “%(code)s” has no version %(number)d.")
                       % {"code": code, "number": number})
    return version


def departments_with_items() -> list[OrgUnit]:
    """Units that decide or co-handle a published item: the department filter's choices."""
    return list(
        OrgUnit.objects.filter(
            Q(catalog_items__is_active=True) | Q(co_handled_items__is_active=True)
        ).distinct().order_by("sort_order", "code")
    )


# --- packages ------------------------------------------------------------------

@dataclass
class PackageView:
    """A package with its items in order, its dependencies and its computed figures."""

    package: Package
    items: list[ServiceItem]
    dependencies: list[tuple[str, str]]  # (item code, code of the item it waits for)
    figures: PackageFigures
    waits_for: dict[str, list[str]] = field(default_factory=dict)

    @property
    def critical_codes(self) -> set[str]:
        return set(self.figures.critical_path.path)


def _package_queryset() -> QuerySet[Package]:
    return Package.objects.select_related("lead_department").prefetch_related(
        Prefetch(
            "members",
            queryset=PackageMember.objects.select_related("item__department").prefetch_related(
                Prefetch("item__materials", queryset=Material.objects.order_by("position", "id"))
            ),
        ),
        "dependencies__item",
        "dependencies__requires",
    )


def facts_of(item: ServiceItem) -> ItemFacts:
    return ItemFacts(
        code=item.code, name=item.name, committed_limit=item.committed_limit,
        legal_limit=item.legal_limit, trips_required=item.trips_required,
        material_keys=[m.key for m in item.materials.all()], result_name=item.result_name,
    )


def view_of(package: Package) -> PackageView:
    """Figures from prefetched members (see _package_queryset)."""
    members = sorted(package.members.all(), key=lambda m: (m.position, m.pk))
    items = [m.item for m in members]
    deps = [(d.item.code, d.requires.code) for d in package.dependencies.all()]
    waits_for: dict[str, list[str]] = {item.code: [] for item in items}
    for item_code, requires in deps:
        waits_for.setdefault(item_code, []).append(requires)
    figures = compute([facts_of(i) for i in items], deps, package_limit=package.committed_limit)
    return PackageView(package, items, deps, figures, waits_for)


def find_packages(filters: Filters) -> list[PackageView]:
    """Published packages for the public list.

    A package shows when one of its items matches the department, kind and
    online-depth filters, and when its own trips (as a package) match the
    trips filter.
    """
    queryset = Package.objects.filter(is_active=True)
    if filters.department:
        code = filters.department
        queryset = queryset.filter(
            Q(items__department__code=code) | Q(items__co_units__code=code)
            | Q(lead_department__code=code)
        )
    if filters.kind:
        queryset = queryset.filter(items__kind=filters.kind)
    if filters.online_depth:
        queryset = queryset.filter(items__online_depth=filters.online_depth)
    queryset = Package.objects.filter(pk__in=queryset.values("pk"))
    ids = _ranked(queryset, filters.q, name="package", result=None)
    loaded = _package_queryset().filter(pk__in=queryset.values("pk"))
    if ids is None:
        packages = list(loaded.order_by(*_default_order("package")))
    else:
        by_id = {p.pk: p for p in loaded}
        packages = [by_id[i] for i in ids if i in by_id]
    views = [view_of(p) for p in packages]
    if filters.trips:
        views = [v for v in views if _trips_match(v.figures.trips_package, filters.trips)]
    return views


def package_by_code(code: str) -> PackageView:
    package = _package_queryset().filter(code=code, is_active=True).first()
    if package is None:
        raise NotFound(_("No published package has the code “%(code)s”.") % {"code": code})
    return view_of(package)


def current_package_version(package: Package) -> PackageVersion:
    return PackageVersion.objects.get(package=package, number=package.version)


@dataclass(frozen=True)
class CategoryTotals:
    category: str
    label: str
    totals: Totals


def totals_by_category(views: Sequence[PackageView]) -> list[CategoryTotals]:
    """One line of totals per category present (开办一件事, 工程建设联合审查)."""
    result = []
    for category in PackageCategory:
        members = [v.figures for v in views if v.package.category == category.value]
        if members:
            result.append(CategoryTotals(category.value, str(category.label), totals(members)))
    return result


@dataclass
class SharedMaterial:
    """One material of a package, asked for once however many items need it."""

    key: str
    name: str
    items: list[ServiceItem]
    required: bool
    produced_by: ServiceItem | None = None
    materials: list[Material] = field(default_factory=list)

    @property
    def shared(self) -> bool:
        return len(self.items) > 1


def package_materials(view: PackageView) -> list[SharedMaterial]:
    """The package's materials, each once, in the order they first appear.

    A material another item of the package produces (its result, e.g. the
    business licence) is marked as produced inside: the applicant does not
    bring it.
    """
    producers = {material_key(i.result_name): i for i in view.items if i.result_name}
    merged: dict[str, SharedMaterial] = {}
    for item in view.items:
        for material in item.materials.all():
            entry = merged.get(material.key)
            if entry is None:
                entry = merged[material.key] = SharedMaterial(
                    key=material.key, name=material.name, items=[], required=False,
                    produced_by=producers.get(material.key),
                )
            entry.items.append(item)
            entry.materials.append(material)
            entry.required |= material.requirement == Requirement.REQUIRED
    return list(merged.values())


def all_package_views() -> list[PackageView]:
    return [view_of(p) for p in _package_queryset().filter(is_active=True)]


# --- what the guides show ----------------------------------------------------------

OUTCOME_LABELS = {
    "zero_day": gettext_lazy("zero-day approval"),
    "commitment": gettext_lazy("approval on commitment"),
    "filing": gettext_lazy("filing"),
    "normal": gettext_lazy("normal review"),
}


@dataclass(frozen=True)
class RuleView:
    outcome: str
    outcome_label: str
    label: str
    conditions: list[str]


def describe_green_channel(item: ServiceItem) -> list[RuleView]:
    """The item's green-channel rules in plain words, the normal route last."""
    if not item.green_channel_rules:
        return []
    fields = item.application_fields
    rules = [
        RuleView(rule["outcome"], str(OUTCOME_LABELS[rule["outcome"]]), rule.get("label", ""),
                 [describe_condition(c, fields) for c in rule.get("when", [])])
        for rule in item.green_channel_rules
    ]
    rules.append(RuleView("normal", str(OUTCOME_LABELS["normal"]),
                          _("Any other case: reviewed within the committed limit."), []))
    return rules


@dataclass(frozen=True)
class Stage:
    number: int
    entries: list[tuple[ServiceItem, list[ServiceItem]]]  # (item, what it waits for)


def package_stages(view: PackageView) -> list[Stage]:
    """The items grouped into steps: step 1 starts at once, each later step waits for earlier."""
    by_code = {item.code: item for item in view.items}
    edges = [(requires, item) for item, requires in view.dependencies]
    return [
        Stage(number, [(by_code[c], [by_code[r] for r in view.waits_for.get(c, [])])
                       for c in column])
        for number, column in enumerate(layers(list(by_code), edges), start=1)
    ]


def package_departments(view: PackageView) -> list[OrgUnit]:
    seen: dict[int, OrgUnit] = {}
    for item in view.items:
        seen.setdefault(item.department_id, item.department)
    return list(seen.values())
