"""What a package saves, computed from its items (never typed in): pure Python.

The rules (docs/catalog.md says why):

- one by one, days: the sum of the items' committed limits (and, beside it,
  of their legal limits), as if each were applied for on its own;
- critical path: the longest chain of waits through the dependency graph,
  summing committed limits along it: items that run in parallel count the
  longest of them;
- the package's own committed limit is typed by the administrator and shown
  beside these; it is usually shorter than the critical path, because the
  departments work on one shared file and review together;
- trips one by one: the sum of the items' trips; as a package: the largest
  single item's trips (one window takes everything at once and the results
  are delivered together, so visits for different items coincide, but an
  item that itself needs two visits still needs two);
- materials one by one: every material of every item; as a package: each
  material key once, and none that another item of the same package
  produces (its result is passed on inside the package, e.g. the business
  licence the food licence asks for).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .graph import CriticalPath, critical_path

_DROP = re.compile(r"[\s\u3000·•,，.。、;；:：'\"“”‘’()（）\[\]【】《》<>〈〉/\\_\-—–]+")


def material_key(name: str) -> str:
    """A material's identity across items: its name without spaces, brackets or punctuation.

    "法定代表人身份证（复印件）" and "法定代表人 身份证(复印件)" share a key; a
    different wording needs an explicit key in the catalogue.
    """
    text = unicodedata.normalize("NFKC", name or "").lower()
    return _DROP.sub("", text)[:80]


@dataclass(frozen=True)
class ItemFacts:
    """The few facts about one item that a package's figures need."""

    code: str
    committed_limit: int
    legal_limit: int = 0
    trips_required: int = 1
    material_keys: Sequence[str] = ()
    result_name: str = ""
    name: str = ""


@dataclass(frozen=True)
class PackageFigures:
    items: int
    one_by_one_days: int
    one_by_one_legal_days: int
    critical_path: CriticalPath
    package_limit: int
    trips_one_by_one: int
    trips_package: int
    materials_one_by_one: int
    materials_package: int
    produced_inside: frozenset[str] = field(default_factory=frozenset)

    @property
    def critical_path_days(self) -> int:
        return self.critical_path.length

    @property
    def days_saved(self) -> int:
        return self.one_by_one_days - self.package_limit

    @property
    def days_saved_percent(self) -> int:
        if not self.one_by_one_days:
            return 0
        return round(100 * self.days_saved / self.one_by_one_days)

    @property
    def materials_saved(self) -> int:
        return self.materials_one_by_one - self.materials_package

    @property
    def trips_saved(self) -> int:
        return self.trips_one_by_one - self.trips_package


def compute(
    items: Sequence[ItemFacts],
    dependencies: Iterable[tuple[str, str]],
    *,
    package_limit: int,
) -> PackageFigures:
    """The figures of one package.

    dependencies: (item, requires) pairs of item codes: `item` waits for `requires`.
    Raises graph.CycleError if they go round in a circle.
    """
    by_code = {item.code: item for item in items}
    edges = [(requires, waiting) for waiting, requires in dependencies]
    path = critical_path(
        {item.code: item.committed_limit for item in items},
        edges,
        label=lambda code: by_code[code].name or code,
    )
    results = {material_key(item.result_name) for item in items if item.result_name}
    results.discard("")
    all_keys = [key for item in items for key in item.material_keys]
    distinct = set(all_keys)
    produced = frozenset(distinct & results)
    return PackageFigures(
        items=len(items),
        one_by_one_days=sum(item.committed_limit for item in items),
        one_by_one_legal_days=sum(item.legal_limit for item in items),
        critical_path=path,
        package_limit=package_limit,
        trips_one_by_one=sum(item.trips_required for item in items),
        trips_package=max((item.trips_required for item in items), default=0),
        materials_one_by_one=len(all_keys),
        materials_package=len(distinct - produced),
        produced_inside=produced,
    )


@dataclass(frozen=True)
class Totals:
    packages: int
    one_by_one_days: int
    critical_path_days: int
    package_days: int
    trips_one_by_one: int
    trips_package: int
    materials_one_by_one: int
    materials_package: int

    @property
    def days_saved_percent(self) -> int:
        if not self.one_by_one_days:
            return 0
        return round(100 * (self.one_by_one_days - self.package_days) / self.one_by_one_days)


def totals(figures: Iterable[PackageFigures]) -> Totals:
    figures = list(figures)
    return Totals(
        packages=len(figures),
        one_by_one_days=sum(f.one_by_one_days for f in figures),
        critical_path_days=sum(f.critical_path_days for f in figures),
        package_days=sum(f.package_limit for f in figures),
        trips_one_by_one=sum(f.trips_one_by_one for f in figures),
        trips_package=sum(f.trips_package for f in figures),
        materials_one_by_one=sum(f.materials_one_by_one for f in figures),
        materials_package=sum(f.materials_package for f in figures),
    )
