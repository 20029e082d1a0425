"""Brute-force references: walk day by day over `chinese_calendar.is_workday`.

The package is asked once per day of 2004–2026 and the answers kept, so the
walks stay fast enough for property tests; outside those years only weekends
are days off (the rule the calendar uses for years it does not know).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import chinese_calendar

from onetrip.workdays.calendar import SHANGHAI

FIRST = date(2004, 1, 1)
LAST = date(2026, 12, 31)
ONE_DAY = timedelta(days=1)


@lru_cache(maxsize=1)
def _package_days() -> dict[date, bool]:
    days = {}
    d = FIRST
    while d <= LAST:
        days[d] = chinese_calendar.is_workday(d)
        d += ONE_DAY
    return days


def ref_is_workday(d: date, overrides: Mapping[date, bool] | None = None) -> bool:
    if overrides and d in overrides:
        return overrides[d]
    known = _package_days().get(d)
    if known is not None:
        return known
    return d.weekday() < 5


def ref_add_workdays(start: date, n: int, overrides: Mapping[date, bool] | None = None) -> date:
    d = start
    while n > 0:
        d += ONE_DAY
        if ref_is_workday(d, overrides):
            n -= 1
    return d


def ref_workdays_between(a: date, b: date, overrides: Mapping[date, bool] | None = None) -> int:
    if b < a:
        return -ref_workdays_between(b, a, overrides)
    count = 0
    d = a
    while d < b:
        d += ONE_DAY
        count += ref_is_workday(d, overrides)
    return count


DEFAULT_PERIODS = ((time(8, 30), time(12, 0)), (time(14, 30), time(17, 30)))


def _us(t: time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * 1_000_000 + t.microsecond


def _periods_of(d: date, periods=DEFAULT_PERIODS):
    base = datetime(d.year, d.month, d.day, tzinfo=SHANGHAI)
    for a, b in periods:
        yield base + timedelta(microseconds=_us(a)), base + timedelta(microseconds=_us(b))


def ref_add_work_hours(start: datetime, hours: float, periods=DEFAULT_PERIODS) -> datetime:
    start = start.astimezone(SHANGHAI)
    if hours == 0:
        return start
    need = timedelta(microseconds=round(hours * 3_600_000_000))
    d = start.date()
    while True:
        if ref_is_workday(d):
            for a, b in _periods_of(d, periods):
                a = max(a, start)
                if a >= b:
                    continue
                if need <= b - a:
                    return a + need
                need -= b - a
        d += ONE_DAY


def ref_work_hours_between(start: datetime, end: datetime, periods=DEFAULT_PERIODS) -> float:
    if end < start:
        return -ref_work_hours_between(end, start, periods)
    start, end = start.astimezone(SHANGHAI), end.astimezone(SHANGHAI)
    total = timedelta(0)
    d = start.date()
    while d <= end.date():
        if ref_is_workday(d):
            for a, b in _periods_of(d, periods):
                a, b = max(a, start), min(b, end)
                if b > a:
                    total += b - a
        d += ONE_DAY
    return total / timedelta(hours=1)
