"""Importing the whole catalogue from an Excel workbook or YAML: all or nothing.

Every row is read and checked before anything is written; any problem is
reported with its sheet, row and column and a reason in Chinese, and then
nothing changes. A valid file is saved in one transaction through the same
services the admin uses (versions and audit events included); records equal
to what is stored are left alone, so importing the same file twice changes
nothing the second time.

Items and packages absent from the file are left as they are: withdraw one
by importing it with 是否发布 = 否.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import yaml
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import override

from onetrip.accounts.models import OrgUnit, User
from onetrip.errors import FieldError, ValidationFailed

from . import services, workbook
from .models import ServiceItem
from .records import item_errors, normalise_item, normalise_package, package_errors

YAML_FORMAT = "onetrip-catalog"


@dataclass(frozen=True)
class Issue:
    """One problem in the file: where it is and why (in Chinese)."""

    sheet: str
    row: int | None
    column: str | None
    reason: str
    entry: bool = False  # a YAML entry number rather than a worksheet row

    def __str__(self) -> str:
        where = f"「{self.sheet}」"
        if self.row is not None:
            where += (_("entry %(n)d") if self.entry else _("row %(n)d")) % {"n": self.row}
        if self.column:
            where += " " + (_("field %(c)s") if self.entry else _("column %(c)s")) % {
                "c": self.column
            }
        return f"{where}：{self.reason}"


class ImportFailed(ValidationFailed):
    """The file has problems; `issues` lists every one. Nothing was saved."""

    def __init__(self, issues: Sequence[Issue]) -> None:
        self.issues = list(issues)
        super().__init__(
            _("The catalogue file has %(n)d problem(s); nothing was imported.")
            % {"n": len(self.issues)},
            errors=[FieldError(f"{i.sheet}:{i.row}:{i.column or ''}", str(i)) for i in self.issues],
        )


Locate = Callable[[str], tuple[int | None, str | None, str]]  # field -> (row, column, sheet)


@dataclass
class Entry:
    record: dict[str, Any]
    locate: Locate


@dataclass
class Parsed:
    items: list[Entry] = field(default_factory=list)
    packages: list[Entry] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    yaml: bool = False  # locations are entry numbers and field paths, not rows and columns


@dataclass
class Result:
    items: Counter = field(default_factory=Counter)
    packages: Counter = field(default_factory=Counter)

    def counts(self) -> dict[str, int]:
        return {
            **{f"items_{k}": v for k, v in self.items.items()},
            **{f"packages_{k}": v for k, v in self.packages.items()},
        }

    def __str__(self) -> str:
        def part(counter: Counter) -> str:
            return _("%(created)d created, %(updated)d updated, %(unchanged)d unchanged") % {
                "created": counter[services.CREATED], "updated": counter[services.UPDATED],
                "unchanged": counter[services.UNCHANGED],
            }

        return _("Items: %(items)s. Packages: %(packages)s.") % {
            "items": part(self.items), "packages": part(self.packages)
        }


# --- reading a workbook ----------------------------------------------------------------

def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


class _SheetReader:
    """Rows of one worksheet as dicts, remembering where each value came from."""

    def __init__(self, ws, spec: workbook.Sheet, issues: list[Issue]) -> None:
        self.spec = spec
        self.issues = issues
        self.rows: list[tuple[int, dict[str, Any]]] = []
        rows = ws.iter_rows(values_only=True)
        header = next(rows, None) or ()
        positions: dict[str, int] = {}
        for index, cell in enumerate(header, start=1):
            text = workbook._text_in(cell)
            for column in spec.columns:
                if text in (column.header, column.key):
                    positions[column.key] = index
        self.positions = positions
        missing = [c for c in spec.columns if c.key not in positions]
        for column in missing:
            issues.append(Issue(spec.name, 1, None, _("The column “%(header)s” is missing.")
                                % {"header": column.header}))
        self.complete = not missing
        if missing:
            return
        for row_no, values in enumerate(rows, start=2):
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            data: dict[str, Any] = {}
            for column in spec.columns:
                index = positions[column.key]
                raw = values[index - 1] if index - 1 < len(values) else None
                try:
                    data[column.key] = column.codec.read(raw)
                except workbook.CellError as exc:
                    issues.append(Issue(spec.name, row_no, self.where(column.key), str(exc)))
                    data[column.key] = _INVALID
            self.rows.append((row_no, data))

    def where(self, key: str) -> str:
        column = self.spec.column(key)
        return f"{_column_letter(self.positions[key])}（{column.header}）"


class _Invalid:
    """A cell that could not be read; already reported, never saved."""

    def __repr__(self) -> str:
        return "<invalid>"


_INVALID = _Invalid()


def read_xlsx(source: str | Path | IO[bytes]) -> Parsed:
    from openpyxl import load_workbook

    parsed = Parsed()
    try:
        wb = load_workbook(source, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        reason = _("The file is not an Excel workbook (.xlsx): %(e)s") % {"e": exc}
        parsed.issues.append(Issue("—", None, None, reason))
        return parsed
    readers: dict[str, _SheetReader] = {}
    for spec in workbook.SHEETS:
        if spec.name not in wb.sheetnames:
            parsed.issues.append(Issue(spec.name, None, None, _("The sheet is missing.")))
            continue
        readers[spec.name] = _SheetReader(wb[spec.name], spec, parsed.issues)
    wb.close()
    if len(readers) < len(workbook.SHEETS) or not all(r.complete for r in readers.values()):
        return parsed  # rows cannot be matched across sheets until the layout is right
    items_r, materials_r, packages_r, members_r, deps_r = (
        readers[s.name] for s in workbook.SHEETS
    )

    materials: dict[str, list[tuple[int, int, dict[str, Any]]]] = {}
    for row_no, data in materials_r.rows:
        materials.setdefault(data["item"], []).append((data["position"], row_no, data))
    item_codes = {data["code"] for _row, data in items_r.rows}
    for code, rows in materials.items():
        if code not in item_codes and code is not _INVALID:
            row_no = rows[0][1]
            reason = _("No item in the sheet “%(sheet)s” has the code “%(code)s”.") % {
                "sheet": items_r.spec.name, "code": code}
            parsed.issues.append(Issue(materials_r.spec.name, row_no, materials_r.where("item"),
                                       reason))
    for row_no, data in items_r.rows:
        own = sorted(materials.get(data["code"], []),
                     key=lambda t: (t[0] if isinstance(t[0], int) else 0, t[1]))
        record = {k: v for k, v in data.items()}
        record["materials"] = [
            {k: v for k, v in m.items() if k not in ("item", "position")} for _p, _r, m in own
        ]
        material_rows = [r for _p, r, _m in own]
        parsed.items.append(Entry(record, _xlsx_item_locator(items_r, materials_r, row_no,
                                                             material_rows)))

    members: dict[str, list[tuple[Any, int, str]]] = {}
    for row_no, data in members_r.rows:
        members.setdefault(data["package"], []).append((data["position"], row_no, data["item"]))
    deps: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for row_no, data in deps_r.rows:
        deps.setdefault(data["package"], []).append((row_no, data))
    package_codes = {data["code"] for _row, data in packages_r.rows}
    for reader, grouped in ((members_r, members), (deps_r, deps)):
        for code, rows in grouped.items():
            if code not in package_codes and code is not _INVALID:
                first_row = rows[0][1] if reader is members_r else rows[0][0]
                parsed.issues.append(Issue(
                    reader.spec.name, first_row, reader.where("package"),
                    _("No package in the sheet “%(sheet)s” has the code “%(code)s”.")
                    % {"sheet": packages_r.spec.name, "code": code}))
    for row_no, data in packages_r.rows:
        own_members = sorted(members.get(data["code"], []),
                             key=lambda t: (t[0] if isinstance(t[0], int) else 0, t[1]))
        own_deps = deps.get(data["code"], [])
        record = dict(data)
        record["items"] = [code for _p, _r, code in own_members]
        record["dependencies"] = [{"item": d["item"], "requires": d["requires"]}
                                  for _r, d in own_deps]
        parsed.packages.append(Entry(record, _xlsx_package_locator(
            packages_r, members_r, deps_r, row_no,
            [r for _p, r, _c in own_members], [r for r, _d in own_deps],
        )))
    return parsed


def _xlsx_item_locator(items_r: _SheetReader, materials_r: _SheetReader, row_no: int,
                       material_rows: list[int]) -> Locate:
    def locate(path: str) -> tuple[int | None, str | None, str]:
        parts = path.split(".")
        if parts[0] == "materials" and len(parts) >= 2 and parts[1].isdigit():
            index = int(parts[1]) - 1
            if 0 <= index < len(material_rows):
                key = parts[2] if len(parts) > 2 else "name"
                column = materials_r.where(key) if key in materials_r.positions else None
                return material_rows[index], column, materials_r.spec.name
        if parts[0] in items_r.positions:
            return row_no, items_r.where(parts[0]), items_r.spec.name
        return row_no, items_r.where("code"), items_r.spec.name

    return locate


def _xlsx_package_locator(packages_r: _SheetReader, members_r: _SheetReader,
                          deps_r: _SheetReader, row_no: int, member_rows: list[int],
                          dep_rows: list[int]) -> Locate:
    def locate(path: str) -> tuple[int | None, str | None, str]:
        parts = path.split(".")
        if len(parts) == 2 and parts[1].isdigit():
            index = int(parts[1]) - 1
            if parts[0] == "items" and 0 <= index < len(member_rows):
                return member_rows[index], members_r.where("item"), members_r.spec.name
            if parts[0] == "dependencies" and 0 <= index < len(dep_rows):
                return dep_rows[index], deps_r.where("requires"), deps_r.spec.name
        if parts[0] == "items":
            return row_no, packages_r.where("code"), packages_r.spec.name
        if parts[0] == "dependencies" and dep_rows:
            return dep_rows[0], deps_r.where("requires"), deps_r.spec.name
        if parts[0] in packages_r.positions:
            return row_no, packages_r.where(parts[0]), packages_r.spec.name
        return row_no, packages_r.where("code"), packages_r.spec.name

    return locate


# --- reading YAML ------------------------------------------------------------------

def read_yaml(source: str | Path | IO[str] | IO[bytes]) -> Parsed:
    parsed = Parsed(yaml=True)
    try:
        if isinstance(source, (str, Path)):
            with open(source, encoding="utf-8") as handle:
                data = yaml.safe_load(handle)
        else:
            data = yaml.safe_load(source)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        parsed.issues.append(Issue("YAML", line, None, _("The file is not valid YAML: %(e)s")
                                   % {"e": getattr(exc, "problem", exc)}))
        return parsed
    if not isinstance(data, dict) or data.get("format") != YAML_FORMAT:
        parsed.issues.append(Issue("YAML", None, None,
                                   _("The file is not a OneTrip catalogue (format: %(f)s).")
                                   % {"f": YAML_FORMAT}))
        return parsed
    for section, target in (("items", parsed.items), ("packages", parsed.packages)):
        entries = data.get(section) or []
        if not isinstance(entries, list):
            parsed.issues.append(Issue(section, None, None, _("Must be a list.")))
            continue
        for number, entry in enumerate(entries, start=1):
            if not isinstance(entry, dict):
                parsed.issues.append(Issue(section, number, None, _("Must be a mapping."),
                                           entry=True))
                continue
            target.append(Entry(entry, _yaml_locator(section, number)))
    return parsed


def _yaml_locator(section: str, number: int) -> Locate:
    def locate(path: str) -> tuple[int | None, str | None, str]:
        return number, path, section

    return locate


def read(path: str | Path) -> Parsed:
    """Read a catalogue file, .xlsx or .yaml/.yml by its extension."""
    suffix = Path(path).suffix.lower()
    if suffix == ".xlsx":
        return read_xlsx(path)
    if suffix in (".yaml", ".yml"):
        return read_yaml(path)
    raise ImportFailed([Issue(str(path), None, None,
                              _("Unknown file type “%(s)s”: use .xlsx or .yaml.") % {"s": suffix})])


# --- checking and saving -------------------------------------------------------------

def _issue(entry: Entry, error: FieldError, *, yaml_entry: bool) -> Issue:
    row, column, sheet = entry.locate(error.field or "")
    return Issue(sheet, row, column, error.reason, entry=yaml_entry)


def check(parsed: Parsed) -> list[Issue]:
    """Every problem in a parsed file, including those between records (unknown codes, cycles)."""
    issues = list(parsed.issues)
    yaml_entry = parsed.yaml
    records = []
    for entry in parsed.items:
        record = normalise_item(entry.record)
        records.append((entry, record))
    unit_codes = set(OrgUnit.objects.values_list("code", flat=True))
    seen: dict[Any, int] = {}
    for entry, record in records:
        if _has_invalid(record):
            continue  # its unreadable cells are reported already
        for error in item_errors(record, unit_codes=unit_codes):
            issues.append(_issue(entry, error, yaml_entry=yaml_entry))
        code = record["code"]
        if code in seen:
            issues.append(_issue(entry, FieldError("code", _("The code “%(code)s” is used twice.")
                                                   % {"code": code}), yaml_entry=yaml_entry))
        seen[code] = 1
    names = dict(ServiceItem.objects.values_list("code", "name"))
    names.update({r["code"]: r["name"] for _e, r in records if isinstance(r["code"], str)})
    package_seen: set[Any] = set()
    for entry in parsed.packages:
        record = normalise_package(entry.record)
        if _has_invalid(record):
            continue
        for error in package_errors(record, item_names=names, unit_codes=unit_codes):
            issues.append(_issue(entry, error, yaml_entry=yaml_entry))
        if record["code"] in package_seen:
            issues.append(_issue(entry, FieldError("code", _("The code “%(code)s” is used twice.")
                                                   % {"code": record["code"]}),
                                 yaml_entry=yaml_entry))
        package_seen.add(record["code"])
    return issues


def _has_invalid(value: Any) -> bool:
    if value is _INVALID:
        return True
    if isinstance(value, Mapping):
        return any(_has_invalid(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_invalid(v) for v in value)
    return False


def apply(parsed: Parsed, *, by: User | None = None, language: str = "zh-hans") -> Result:
    """Check the whole file, then save it in one transaction; ImportFailed if anything is wrong."""
    with override(language):
        issues = check(parsed)
        if issues:
            raise ImportFailed(issues)
        result = Result()
        with transaction.atomic():
            for entry in parsed.items:
                result.items[services.save_item(record=entry.record, by=by).outcome] += 1
            for entry in parsed.packages:
                result.packages[services.save_package(record=entry.record, by=by).outcome] += 1
        return result


def import_file(path: str | Path, *, by: User | None = None) -> Result:
    return apply(read(path), by=by)


def load_records(*, items: Iterable[Mapping[str, Any]], packages: Iterable[Mapping[str, Any]],
                 by: User | None = None) -> Result:
    """Import records built in Python (the demo seed), with the same checks as a file."""
    parsed = Parsed(
        items=[Entry(dict(r), _yaml_locator("items", n)) for n, r in enumerate(items, start=1)],
        packages=[Entry(dict(r), _yaml_locator("packages", n))
                  for n, r in enumerate(packages, start=1)],
        yaml=True,
    )
    return apply(parsed, by=by)
