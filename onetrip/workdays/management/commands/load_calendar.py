"""Load a year's working-day calendar (the State Council's notice) from YAML or CSV.

YAML: a list of {date, is_workday, note}, or a mapping
    complete_years: [2027]      # optional; default: every year in `days`
    days: [{date: 2027-01-01, is_workday: false, note: 元旦}, ...]
CSV: a header line with date,is_workday[,note], then one day per line.

All or nothing: the first bad row stops the load and nothing is changed.
Safe to run twice: unchanged rows are left alone.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import yaml
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from onetrip.workdays.services import CalendarRowError, load_overrides


class _TextDatesLoader(yaml.SafeLoader):
    """A safe loader that leaves dates as text, so that a bad date such as
    2027-02-30 is reported with its row and column instead of failing the parse."""


_TextDatesLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_yaml(path: Path) -> tuple[list[Any], list[int] | None]:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_TextDatesLoader)  # noqa: S506
    except yaml.YAMLError as exc:
        raise CommandError(f"{path}: not valid YAML: {exc}") from None
    if isinstance(data, list):
        return data, None
    if isinstance(data, dict):
        unknown = set(data) - {"days", "complete_years"}
        if unknown:
            raise CommandError(
                f"{path}: unknown top-level keys {sorted(map(str, unknown))}"
                " (expected 'days' and optionally 'complete_years')"
            )
        days = data.get("days") or []
        years = data.get("complete_years")
        if not isinstance(days, list):
            raise CommandError(f"{path}: 'days' must be a list")
        if years is not None and not isinstance(years, list):
            raise CommandError(f"{path}: 'complete_years' must be a list of years")
        return days, years
    raise CommandError(f"{path}: expected a list of days or a mapping with 'days'")


def read_csv(path: Path) -> tuple[list[dict[str, str]], list[int]]:
    """The rows, and the line each one starts on (for error messages)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None:
            raise CommandError(f"{path}: empty file (expected a header date,is_workday,note)")
        rows: list[dict[str, str]] = []
        lines: list[int] = []
        for row in reader:
            if None in row:
                raise CommandError(f"{path}: line {reader.line_num}: more values than columns")
            rows.append({key.strip(): value for key, value in row.items()})
            lines.append(reader.line_num)
    return rows, lines


class Command(BaseCommand):
    help = "Load working-day overrides (date, is_workday, note) from a YAML or CSV file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--complete-years",
            help="comma-separated years the file completes (default: every year in the file)",
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="also delete existing overrides of those years that the file does not list",
        )
        parser.add_argument("--by", metavar="USERNAME", help="the administrator loading the file")
        parser.add_argument("--format", choices=("yaml", "csv"), help="default: from the extension")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        kind = options["format"] or {".yaml": "yaml", ".yml": "yaml", ".csv": "csv"}.get(
            path.suffix.lower()
        )
        if kind is None:
            raise CommandError(
                f"{path}: cannot tell the format; name it .yaml or .csv, or use --format"
            )
        lines: list[int] | None = None
        if kind == "yaml":
            rows, file_years = read_yaml(path)
        else:
            rows, lines = read_csv(path)
            file_years = None
        years: list[Any] | None = file_years
        if options["complete_years"]:
            try:
                years = [int(y) for y in options["complete_years"].split(",") if y.strip()]
            except ValueError:
                raise CommandError("--complete-years: expected years like 2027,2028") from None

        by = None
        if options["by"]:
            try:
                by = get_user_model().objects.get(username=options["by"], is_active=True)
            except get_user_model().DoesNotExist:
                raise CommandError(f"--by: no active user named {options['by']!r}") from None

        try:
            result = load_overrides(
                rows, by=by, complete_years=years, replace=options["replace"], source=path.name
            )
        except CalendarRowError as exc:
            where = exc.args[0]
            if lines is not None and exc.row is not None:
                where = f"{where} (line {lines[exc.row - 1]})"
            raise CommandError(f"{path}: {where}; nothing was loaded") from None

        self.stdout.write(
            f"{path.name}: {len(rows)} rows for {', '.join(map(str, sorted(result.years))) or '-'}:"
            f" {len(result.created)} created, {len(result.updated)} updated,"
            f" {len(result.unchanged)} unchanged, {len(result.deleted)} deleted"
        )
        self.stdout.write(
            "years declared complete: "
            + (", ".join(map(str, sorted(result.complete_years))) or "none")
        )
        self.stdout.write(f"deadlines recomputed: {result.recomputed}")
