"""Exporting the whole catalogue as an Excel workbook or YAML.

Everything is exported, published or not, in code order, so that exporting
twice gives the same file and an export imported into an empty catalogue
exports the same again.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

import yaml

from . import workbook
from .imports import YAML_FORMAT
from .models import Package, ServiceItem
from .records import item_record, package_record


def records() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    items = (ServiceItem.objects.select_related("department")
             .prefetch_related("co_units", "materials").order_by("code"))
    packages = (Package.objects.select_related("lead_department")
                .prefetch_related("members__item", "dependencies__item", "dependencies__requires")
                .order_by("code"))
    return [item_record(i) for i in items], [package_record(p) for p in packages]


# --- YAML ------------------------------------------------------------------------

class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def yaml_text() -> str:
    items, packages = records()
    document = {"format": YAML_FORMAT, "version": 1, "items": items, "packages": packages}
    return yaml.dump(document, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)


def write_yaml(target: str | Path | IO[str]) -> None:
    text = yaml_text()
    if isinstance(target, (str, Path)):
        Path(target).write_text(text, encoding="utf-8")
    else:
        target.write(text)


# --- Excel -------------------------------------------------------------------------

def _rows() -> dict[str, list[dict[str, Any]]]:
    items, packages = records()
    rows: dict[str, list[dict[str, Any]]] = {s.name: [] for s in workbook.SHEETS}
    for item in items:
        rows[workbook.ITEMS.name].append(item)
        for position, material in enumerate(item["materials"], start=1):
            rows[workbook.MATERIALS.name].append(
                {"item": item["code"], "position": position, **material}
            )
    for package in packages:
        rows[workbook.PACKAGES.name].append(package)
        for position, code in enumerate(package["items"], start=1):
            rows[workbook.MEMBERS.name].append(
                {"package": package["code"], "position": position, "item": code}
            )
        for dep in package["dependencies"]:
            rows[workbook.DEPENDENCIES.name].append({"package": package["code"], **dep})
    return rows


def write_xlsx(target: str | Path | IO[bytes]) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="E9EDF1")
    rows = _rows()
    for spec in workbook.SHEETS:
        ws = wb.create_sheet(spec.name)
        ws.append([c.header for c in spec.columns])
        for cell in ws[1]:
            cell.font, cell.fill = bold, fill
            cell.alignment = Alignment(vertical="center", wrap_text=True)
        for row in rows[spec.name]:
            ws.append([c.codec.write(row[c.key]) for c in spec.columns])
        for index, column in enumerate(spec.columns, start=1):
            letter = get_column_letter(index)
            ws.column_dimensions[letter].width = column.width
            if column.text_format:
                for (cell,) in ws.iter_rows(min_row=2, min_col=index, max_col=index):
                    cell.number_format = "@"
        ws.freeze_panes = "B2"
    readme = wb.create_sheet(workbook.README)
    readme.append(["工作表", "列", "填写要求"])
    for cell in readme[1]:
        cell.font, cell.fill = bold, fill
    for spec in workbook.SHEETS:
        for column in spec.columns:
            readme.append([spec.name, column.header, column.codec.hint])
    readme.append([])
    readme.append(["说明", "", "每张表第一行为列名，请勿修改。导入时整份文件校验通过才会写入；"
                   "有任何错误将列出工作表、行号、列名和原因，且不做任何修改。"])
    for letter, width in (("A", 12), ("B", 26), ("C", 60)):
        readme.column_dimensions[letter].width = width
    wb.save(target)
