"""The working-day calendar in Django: the current calendar, and every write to
its overrides and known years.

Django code asks `current_calendar()` for the calendar: `chinesecalendar`'s
data plus the database's overrides, with the years in `CalendarYear`
(complete=True) counted as known. It is built once per process and rebuilt
only when the version token (one primary-key read per call) has changed.

Every change goes through a function here: it runs in one transaction, writes
an audit event per calendar year touched, moves the version token, and calls
each registered deadline recomputer with the new calendar and the years
touched, so the apps that store deadlines fix them in the same transaction.
"""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from onetrip.errors import ValidationFailed

from .calendar import Calendar
from .models import CalendarOverride, CalendarVersion, CalendarYear

COLUMNS = ("date", "is_workday", "note")
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
REQUIRED_COLUMNS = ("date", "is_workday")
TRUE_WORDS = frozenset({"true", "t", "yes", "y", "1", "是", "班", "workday"})
FALSE_WORDS = frozenset({"false", "f", "no", "n", "0", "否", "休", "holiday"})

#: fn(calendar, years) -> number of deadlines recomputed.
DeadlineRecomputer = Callable[[Calendar, set[int]], int]
_recomputers: list[DeadlineRecomputer] = []

_cache_lock = threading.Lock()
_cache: tuple[str, Calendar] | None = None


# --- reading ------------------------------------------------------------------


def _build_calendar() -> Calendar:
    overrides = dict(CalendarOverride.objects.values_list("date", "is_workday"))
    years = set(CalendarYear.objects.filter(complete=True).values_list("year", flat=True))
    return Calendar(overrides, known_years=years)


def _current_token() -> str:
    # Read on every use (clocks compute with it inside their transactions),
    # so as one plain statement rather than through the ORM's compiler.
    table = connection.ops.quote_name(CalendarVersion._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT token FROM {table} WHERE id = 1")
        row = cursor.fetchone()
    return row[0] if row else ""


def current_calendar() -> Calendar:
    """The calendar Django code must use: the package's data plus the database's."""
    global _cache
    token = _current_token()
    cached = _cache
    if cached is not None and cached[0] == token:
        return cached[1]
    calendar = _build_calendar()
    with _cache_lock:
        _cache = (token, calendar)
    return calendar


def clear_calendar_cache() -> None:
    global _cache
    with _cache_lock:
        _cache = None


# --- the recomputer registry --------------------------------------------------


def register_deadline_recomputer(fn: DeadlineRecomputer) -> DeadlineRecomputer:
    """Register `fn(calendar, years) -> int`, called after every calendar change in
    the same transaction (usable as a decorator; registering twice is harmless)."""
    if fn not in _recomputers:
        _recomputers.append(fn)
    return fn


def unregister_deadline_recomputer(fn: DeadlineRecomputer) -> None:
    if fn in _recomputers:
        _recomputers.remove(fn)


def recompute_deadlines(*, calendar: Calendar, years: set[int]) -> int:
    return sum(int(fn(calendar, set(years))) for fn in list(_recomputers))


# --- parsing rows -------------------------------------------------------------


class CalendarRowError(ValidationFailed):
    """A row of a calendar file is wrong; nothing was loaded."""

    def __init__(self, message: str, *, row: int | None, column: str | None) -> None:
        parts = []
        if row is not None:
            parts.append(f"row {row}")
        if column:
            parts.append(f"column '{column}'")
        where = ", ".join(parts)
        super().__init__(f"{where}: {message}" if where else message, field=column)
        self.row = row
        self.column = column
        self.message = message


@dataclass(frozen=True)
class OverrideRow:
    date: date
    is_workday: bool
    note: str = ""


def parse_date(value: object) -> date:
    if isinstance(value, datetime):
        raise ValueError(f"{value!r} is a date and time; give the day only (YYYY-MM-DD)")
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DAY.fullmatch(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f"{value!r} is not a date (expected YYYY-MM-DD)")


def parse_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    raise ValueError(f"{value!r} is not true or false (use true/false, yes/no, 1/0, 是/否, 班/休)")


def parse_rows(rows: Iterable[Mapping[str, Any]]) -> list[OverrideRow]:
    """Check every row; the first bad one raises CalendarRowError (rows count from 1)."""
    parsed: list[OverrideRow] = []
    seen: dict[date, int] = {}
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, Mapping):
            raise CalendarRowError(
                "expected a mapping of date, is_workday, note", row=number, column=None
            )
        for key in row:
            if key not in COLUMNS:
                raise CalendarRowError(
                    f"unknown column (expected {', '.join(COLUMNS)})", row=number, column=str(key)
                )
        for key in REQUIRED_COLUMNS:
            if row.get(key) in (None, ""):
                raise CalendarRowError("missing value", row=number, column=key)
        try:
            day = parse_date(row["date"])
        except ValueError as exc:
            raise CalendarRowError(str(exc), row=number, column="date") from None
        if day in seen:
            raise CalendarRowError(
                f"{day.isoformat()} already given in row {seen[day]}", row=number, column="date"
            )
        seen[day] = number
        try:
            flag = parse_bool(row["is_workday"])
        except ValueError as exc:
            raise CalendarRowError(str(exc), row=number, column="is_workday") from None
        note = row.get("note")
        parsed.append(OverrideRow(day, flag, "" if note is None else str(note).strip()))
    return parsed


# --- writing ------------------------------------------------------------------


@dataclass
class LoadResult:
    years: set[int]
    complete_years: set[int]
    created: list[date] = field(default_factory=list)
    updated: list[date] = field(default_factory=list)
    unchanged: list[date] = field(default_factory=list)
    deleted: list[date] = field(default_factory=list)
    recomputed: int = 0


def _bump_version(now: datetime) -> None:
    CalendarVersion.objects.update_or_create(
        pk=1, defaults={"token": uuid.uuid4().hex, "changed_at": now}
    )


def _record(action: str, year: int, by: Any, payload: dict[str, Any]) -> None:
    # Looked up at call time so tests can watch the calls.
    from onetrip.audit import services as audit

    audit.record_event(
        action=action, object_type="calendar", object_id=str(year), actor=by, payload=payload
    )


def _after_change(years: set[int]) -> int:
    """Move the version token and let every app recompute its deadlines."""
    _bump_version(timezone.now())
    return recompute_deadlines(calendar=_build_calendar(), years=years)


def load_overrides(
    rows: Iterable[Mapping[str, Any]],
    *,
    by: Any,
    complete_years: Iterable[int] | None = None,
    replace: bool = False,
    source: str = "",
) -> LoadResult:
    """Load override rows (date, is_workday, note), all or nothing.

    `complete_years`: the years these rows complete (default: every year that
    appears in the rows); each gets a CalendarYear(complete=True).
    `replace`: also delete existing overrides in those years that the rows do
    not mention (a full year reloaded from a corrected notice).
    Raises CalendarRowError naming the row and column of the first bad row.
    """
    parsed = parse_rows(rows)
    row_years = {row.date.year for row in parsed}
    if complete_years is None:
        complete = set(row_years)
    else:
        complete = set()
        for year in complete_years:
            if isinstance(year, bool) or not isinstance(year, int) or not 1900 <= year <= 9999:
                raise CalendarRowError(f"{year!r} is not a year", row=None, column="complete_years")
            complete.add(year)
    years = row_years | complete
    result = LoadResult(years=years, complete_years=complete)
    if not years:
        return result

    with transaction.atomic():
        now = timezone.now()
        wanted = {row.date: row for row in parsed}
        existing = {
            o.date: o for o in CalendarOverride.objects.select_for_update().filter(date__in=wanted)
        }
        to_create: list[CalendarOverride] = []
        to_update: list[CalendarOverride] = []
        before: dict[date, dict[str, Any]] = {}
        for day, row in wanted.items():
            current = existing.get(day)
            if current is None:
                to_create.append(
                    CalendarOverride(date=day, is_workday=row.is_workday, note=row.note)
                )
                result.created.append(day)
            elif current.is_workday != row.is_workday or current.note != row.note:
                before[day] = {"is_workday": current.is_workday, "note": current.note}
                current.is_workday, current.note, current.updated = row.is_workday, row.note, now
                to_update.append(current)
                result.updated.append(day)
            else:
                result.unchanged.append(day)
        CalendarOverride.objects.bulk_create(to_create)
        CalendarOverride.objects.bulk_update(to_update, ["is_workday", "note", "updated"])
        if replace:
            stale = CalendarOverride.objects.filter(date__year__in=years).exclude(date__in=wanted)
            for old in stale.order_by("date"):
                before[old.date] = {"is_workday": old.is_workday, "note": old.note}
                result.deleted.append(old.date)
            stale.delete()
        for year in sorted(complete):
            CalendarYear.objects.update_or_create(year=year, defaults={"complete": True})
        result.recomputed = _after_change(years)

        for year in sorted(years):
            def of_year(days: list[date], y: int = year) -> list[str]:
                return [d.isoformat() for d in sorted(days) if d.year == y]

            _record(
                "calendar.override_loaded",
                year,
                by,
                {
                    "source": source,
                    "complete": year in complete,
                    "created": of_year(result.created),
                    "updated": of_year(result.updated),
                    "deleted": of_year(result.deleted),
                    "unchanged": len(of_year(result.unchanged)),
                    "days": {
                        d.isoformat(): {"is_workday": r.is_workday, "note": r.note}
                        for d, r in sorted(wanted.items())
                        if d.year == year
                    },
                    "before": {
                        d.isoformat(): v for d, v in sorted(before.items()) if d.year == year
                    },
                    "recomputed": result.recomputed,
                },
            )
    return result


@transaction.atomic
def save_override(*, day: date, is_workday: bool, note: str = "", by: Any) -> CalendarOverride:
    """Create or change the override of one day."""
    override = CalendarOverride.objects.select_for_update().filter(date=day).first()
    before = None
    if override is None:
        override = CalendarOverride.objects.create(date=day, is_workday=is_workday, note=note)
    else:
        before = {"is_workday": override.is_workday, "note": override.note}
        override.is_workday, override.note = is_workday, note
        override.save(update_fields=["is_workday", "note", "updated"])
    recomputed = _after_change({day.year})
    _record(
        "calendar.override_saved",
        day.year,
        by,
        {
            "date": day.isoformat(),
            "is_workday": is_workday,
            "note": note,
            "before": before,
            "recomputed": recomputed,
        },
    )
    return override


@transaction.atomic
def delete_override(*, day: date, by: Any) -> bool:
    """Remove the override of one day (the package's data applies again)."""
    override = CalendarOverride.objects.select_for_update().filter(date=day).first()
    if override is None:
        return False
    before = {"is_workday": override.is_workday, "note": override.note}
    override.delete()
    recomputed = _after_change({day.year})
    _record(
        "calendar.override_deleted",
        day.year,
        by,
        {"date": day.isoformat(), "before": before, "recomputed": recomputed},
    )
    return True


@transaction.atomic
def set_year(*, year: int, complete: bool, note: str = "", by: Any) -> CalendarYear:
    """Declare a year complete (its answers final) or not."""
    row = CalendarYear.objects.select_for_update().filter(year=year).first()
    before = None
    if row is None:
        row = CalendarYear.objects.create(year=year, complete=complete, note=note)
    else:
        before = {"complete": row.complete, "note": row.note}
        row.complete, row.note = complete, note
        row.save(update_fields=["complete", "note", "updated"])
    recomputed = _after_change({year})
    _record(
        "calendar.year_saved",
        year,
        by,
        {"complete": complete, "note": note, "before": before, "recomputed": recomputed},
    )
    return row


@transaction.atomic
def delete_year(*, year: int, by: Any) -> bool:
    row = CalendarYear.objects.select_for_update().filter(year=year).first()
    if row is None:
        return False
    before = {"complete": row.complete, "note": row.note}
    row.delete()
    recomputed = _after_change({year})
    _record("calendar.year_deleted", year, by, {"before": before, "recomputed": recomputed})
    return True
