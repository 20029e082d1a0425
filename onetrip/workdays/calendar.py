"""China's working-day calendar: pure Python and NumPy, no Django.

Working days are Monday to Friday, less the statutory holidays, plus the
make-up working days (调休) the State Council's yearly notice puts on a
Saturday or Sunday. The notices come from the `chinesecalendar` package
(2004 to its last year); administrators add overrides and declare later years
complete. Django code uses `onetrip.workdays.services.current_calendar()`,
which adds the database's overrides; `default_calendar()` here is the
package's data alone.

Every answer is a constant number of list or array look-ups: a `Calendar`
precomputes, over the span of years it holds data for, how many working days
come before each day (a prefix count) and the ordinal of every working day.
Outside that span only weekends are left out; such answers are flagged
provisional by `covers`, `covers_range`, `is_provisional` and `deadline`.

Counting rules (docs/workdays.md):
- `add_workdays(start, n)`: the n-th working day after `start`, the start
  day itself not counted; n = 0 gives `start`.
- `workdays_between(start, end)`: working days d with start < d <= end,
  negated when end < start.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np

__all__ = [
    "Calendar",
    "DEFAULT_OFFICE_HOURS",
    "Deadline",
    "OfficeHours",
    "SHANGHAI",
    "base_years",
    "default_calendar",
    "local_date",
    "start_of_day",
]

SHANGHAI = ZoneInfo("Asia/Shanghai")

#: Office hours as (start, end) pairs of local times, in order, not overlapping.
OfficeHours = Sequence[tuple[time, time]]
DEFAULT_OFFICE_HOURS: tuple[tuple[time, time], ...] = (
    (time(8, 30), time(12, 0)),
    (time(14, 30), time(17, 30)),
)

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()  # datetime64[D] counts days from here
_US_PER_HOUR = 3_600_000_000
_US_PER_DAY = 24 * _US_PER_HOUR


@dataclass(frozen=True, slots=True)
class Deadline:
    """A computed day and whether it rests on years the calendar does not know."""

    date: date
    provisional: bool


# --- weekday arithmetic (the rule outside the known span) ---------------------
# Ordinal 1 (0001-01-01) is a Monday. G(x) = Mondays-to-Fridays with ordinal < x.


def _weekdays_before(x: int) -> int:
    weeks, rest = divmod(x - 1, 7)
    return 5 * weeks + (rest if rest < 5 else 5)


def _nth_weekday(k: int) -> int:
    """The ordinal of the weekday with exactly k weekdays before it."""
    weeks, rest = divmod(k, 5)
    return 1 + 7 * weeks + rest


def _weekdays_before_arr(x: np.ndarray) -> np.ndarray:
    y = x - 1
    return 5 * np.floor_divide(y, 7) + np.minimum(np.remainder(y, 7), 5)


def _nth_weekday_arr(k: np.ndarray) -> np.ndarray:
    return 1 + 7 * np.floor_divide(k, 5) + np.remainder(k, 5)


def _ordinal(d: object) -> int:
    # datetime is a date subclass: refuse it rather than guess its timezone.
    if type(d) is date:
        return d.toordinal()
    if isinstance(d, datetime) or not isinstance(d, date):
        raise TypeError(
            f"expected a datetime.date, got {type(d).__name__}"
            " (convert datetimes with onetrip.workdays.calendar.local_date)"
        )
    return d.toordinal()


def _as_index(n: object) -> int:
    try:
        value = operator.index(n)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(f"a number of working days must be an integer, got {n!r}") from None
    if value < 0:
        raise ValueError(f"a number of working days cannot be negative, got {value}")
    return value


def local_date(moment: datetime) -> date:
    """The Asia/Shanghai calendar day of an aware datetime."""
    return to_local(moment).date()


def to_local(moment: datetime) -> datetime:
    if not isinstance(moment, datetime):
        raise TypeError(f"expected a datetime, got {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("an aware datetime is required (naive datetimes are ambiguous)")
    return moment.astimezone(SHANGHAI)


def start_of_day(d: date) -> datetime:
    """00:00 of day `d` in Asia/Shanghai."""
    return datetime(d.year, d.month, d.day, tzinfo=SHANGHAI)


def _time_us(t: time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * 1_000_000 + t.microsecond


@dataclass(frozen=True, slots=True)
class _Office:
    periods: tuple[tuple[int, int], ...]  # microseconds of the day, [start, end)
    before: tuple[int, ...]  # office microseconds in the periods before each one
    day_us: int  # office microseconds in a working day

    def worked(self, t_us: int) -> int:
        """Office microseconds of a working day that lie before time-of-day t_us."""
        total = 0
        for start, end in self.periods:
            if t_us <= start:
                break
            total += (t_us if t_us < end else end) - start
        return total

    def time_at(self, r: int) -> int:
        """The time of day (µs) at which r office microseconds (0 < r <= day_us) are spent."""
        for (start, end), before in zip(self.periods, self.before, strict=True):
            if r <= before + (end - start):
                return start + (r - before)
        raise AssertionError("r beyond the office day")


@lru_cache(maxsize=64)
def _office(office_hours: tuple[tuple[time, time], ...]) -> _Office:
    periods: list[tuple[int, int]] = []
    previous_end = -1
    for pair in office_hours:
        if len(pair) != 2:
            raise ValueError(f"office hours must be (start, end) pairs, got {pair!r}")
        start, end = pair
        if not (isinstance(start, time) and isinstance(end, time)):
            raise TypeError("office hours must be datetime.time pairs")
        if start.tzinfo is not None or end.tzinfo is not None:
            raise ValueError("office hours are local Asia/Shanghai times without tzinfo")
        s, e = _time_us(start), _time_us(end)
        if s >= e:
            raise ValueError(f"office period {start}-{end} ends before it starts")
        if s < previous_end:
            raise ValueError("office periods must be in order and must not overlap")
        periods.append((s, e))
        previous_end = e
    if not periods:
        raise ValueError("office hours need at least one period")
    before: list[int] = []
    total = 0
    for s, e in periods:
        before.append(total)
        total += e - s
    return _Office(tuple(periods), tuple(before), total)


def office_hours_per_day(office_hours: OfficeHours = DEFAULT_OFFICE_HOURS) -> float:
    """Working hours in one working day (6.5 for the default office hours)."""
    return _office(tuple(office_hours)).day_us / _US_PER_HOUR


# --- the package's data -------------------------------------------------------


@lru_cache(maxsize=1)
def _base_data() -> tuple[dict[date, bool], frozenset[int]]:
    import chinese_calendar.constants as cc

    exceptions: dict[date, bool] = {}
    for d in cc.holidays:
        exceptions[d] = False
    for d in cc.workdays:
        exceptions[d] = True
    years = {d.year for d in cc.holidays} | {d.year for d in cc.workdays}
    return exceptions, frozenset(range(min(years), max(years) + 1))


def base_years() -> frozenset[int]:
    """The years `chinesecalendar` holds the State Council's notices for."""
    return _base_data()[1]


class Calendar:
    """Working days from `chinesecalendar`, with overrides on top.

    `overrides` maps a date to whether it is a working day and wins over the
    package. `known_years` adds years declared complete (by an administrator
    who loaded the year's notice) to those the package holds.
    """

    def __init__(
        self, overrides: Mapping[date, bool] | None = None, known_years: Iterable[int] | None = None
    ) -> None:
        overrides = dict(overrides or {})
        for d, flag in overrides.items():
            _ordinal(d)
            if not isinstance(flag, bool | np.bool_):
                raise TypeError(f"override for {d}: expected a bool, got {flag!r}")
        base, years = _base_data()
        known = set(years) | {operator.index(y) for y in (known_years or ())}
        self._known_years = frozenset(known)
        span_years = known | {d.year for d in overrides}
        self._first_year = min(span_years)
        self._last_year = max(span_years)

        s_ord = date(self._first_year, 1, 1).toordinal()
        e_ord = date(self._last_year + 1, 1, 1).toordinal()
        length = e_ord - s_ord
        ords = np.arange(s_ord, e_ord, dtype=np.int64)
        mask = np.remainder(ords - 1, 7) < 5
        for d, flag in base.items():
            mask[d.toordinal() - s_ord] = flag
        for d, flag in overrides.items():
            mask[d.toordinal() - s_ord] = bool(flag)

        g_s = _weekdays_before(s_ord)
        cum = np.empty(length + 1, dtype=np.int64)
        cum[0] = g_s
        np.cumsum(mask, out=cum[1:])
        cum[1:] += g_s
        work_ords = ords[mask]

        self._s = s_ord
        self._e = e_ord
        self._len = length
        self._k_s = g_s
        self._k_e = int(cum[-1])
        self._delta = self._k_e - _weekdays_before(e_ord)
        self._overrides = overrides
        # Python lists for scalar look-ups (indexing a list beats a NumPy scalar).
        self._cum = cum.tolist()
        self._work = work_ords.tolist()
        self._mask = mask.tolist()
        # NumPy arrays, in days since 1970-01-01 (datetime64[D]'s integer), for arrays.
        self._s_epoch = s_ord - _EPOCH_ORDINAL
        self._e_epoch = e_ord - _EPOCH_ORDINAL
        self._cum_np = cum
        self._work_np = work_ords - _EPOCH_ORDINAL
        self._mask_np = mask
        known_flags = np.array(
            [y in known for y in range(self._first_year, self._last_year + 1)], dtype=bool
        )
        self._known_np = known_flags

    # --- description ----------------------------------------------------------

    @property
    def known_years(self) -> frozenset[int]:
        return self._known_years

    @property
    def overrides(self) -> Mapping[date, bool]:
        return dict(self._overrides)

    def __repr__(self) -> str:
        return (
            f"<Calendar known {min(self._known_years)}–{max(self._known_years)}"
            f" ({len(self._known_years)} years), {len(self._overrides)} overrides>"
        )

    # --- the count function W and its inverse ----------------------------------
    # W(x) = working days with ordinal < x (plus a constant). Inside the span it is
    # the prefix count; outside, the weekday count, shifted to stay continuous.

    def _w(self, x: int) -> int:
        i = x - self._s
        if i < 0:
            return _weekdays_before(x)
        if i <= self._len:
            return self._cum[i]
        return _weekdays_before(x) + self._delta

    def _winv(self, k: int) -> int:
        """The ordinal of the working day with exactly k working days before it."""
        if k < self._k_s:
            return _nth_weekday(k)
        if k < self._k_e:
            return self._work[k - self._k_s]
        return _nth_weekday(k - self._delta)

    # --- scalar API -----------------------------------------------------------

    def is_workday(self, d: date) -> bool:
        x = _ordinal(d)
        i = x - self._s
        if 0 <= i < self._len:
            return self._mask[i]
        return (x - 1) % 7 < 5

    def add_workdays(self, start: date, n: int) -> date:
        """The n-th working day after `start` (not counting `start`); n = 0 gives `start`."""
        x = _ordinal(start)
        n = _as_index(n)
        if n == 0:
            return start
        return date.fromordinal(self._winv(self._w(x + 1) + n - 1))

    def workdays_between(self, start: date, end: date) -> int:
        """Working days d with start < d <= end; -(workdays_between(end, start)) if end < start."""
        return self._w(_ordinal(end) + 1) - self._w(_ordinal(start) + 1)

    def covers(self, d: date) -> bool:
        """Whether the calendar knows the year of `d` (its answers there are final)."""
        _ordinal(d)
        return d.year in self._known_years

    def is_provisional(self, d: date) -> bool:
        """Whether answers about `d` rest on weekends alone (an unknown year)."""
        return not self.covers(d)

    def covers_range(self, start: date, end: date) -> bool:
        """Whether every year from `start` to `end` (either order, inclusive) is known."""
        y1, y2 = sorted((start.year, end.year))
        if y1 < self._first_year or y2 > self._last_year:
            return False
        if y2 - y1 <= 3:
            return all(y in self._known_years for y in range(y1, y2 + 1))
        return bool(self._known_np[y1 - self._first_year : y2 - self._first_year + 1].all())

    def deadline(self, start: date, n: int) -> Deadline:
        """`add_workdays(start, n)`, flagged provisional unless start..result are all known."""
        end = self.add_workdays(start, n)
        return Deadline(end, not self.covers_range(start, end))

    # --- working hours --------------------------------------------------------

    def work_position(
        self, moment: datetime, *, office_hours: OfficeHours = DEFAULT_OFFICE_HOURS
    ) -> int:
        """Office microseconds elapsed before `moment`, on a fixed but arbitrary origin.

        Differences of positions are elapsed working time; `from_work_position` inverts it.
        """
        office = _office(tuple(office_hours))
        local = to_local(moment)
        x = local.toordinal()
        w = self._w(x)
        if self._w(x + 1) == w:  # not a working day
            return w * office.day_us
        t_us = _time_us(local.time())
        return w * office.day_us + office.worked(t_us)

    def from_work_position(
        self, position: int, *, office_hours: OfficeHours = DEFAULT_OFFICE_HOURS
    ) -> datetime:
        """The earliest moment whose work position is `position` (Asia/Shanghai)."""
        office = _office(tuple(office_hours))
        k, r = divmod(position, office.day_us)
        if r == 0:
            # Exactly k whole days: the end of the last office period of day k - 1.
            x = self._winv(k - 1)
            t_us = office.periods[-1][1]
        else:
            x = self._winv(k)
            t_us = office.time_at(r)
        day = date.fromordinal(x)
        return start_of_day(day) + timedelta(microseconds=t_us)

    def add_work_hours(
        self, start: datetime, hours: float, *, office_hours: OfficeHours = DEFAULT_OFFICE_HOURS
    ) -> datetime:
        """The moment `hours` office hours after `start`, in Asia/Shanghai.

        A start outside office hours counts from the next office period; hours = 0
        gives `start` itself (in Asia/Shanghai).
        """
        if hours < 0:
            raise ValueError(f"a number of working hours cannot be negative, got {hours}")
        if hours == 0:
            return to_local(start)
        amount = round(hours * _US_PER_HOUR)
        begin = self.work_position(start, office_hours=office_hours)
        return self.from_work_position(begin + amount, office_hours=office_hours)

    def work_hours_between(
        self, start: datetime, end: datetime, *, office_hours: OfficeHours = DEFAULT_OFFICE_HOURS
    ) -> float:
        """Office hours from `start` to `end` (negative if end < start)."""
        a = self.work_position(start, office_hours=office_hours)
        b = self.work_position(end, office_hours=office_hours)
        return (b - a) / _US_PER_HOUR

    # --- arrays (datetime64[D]) -----------------------------------------------

    def _w_arr(self, x: np.ndarray) -> np.ndarray:
        """W for epoch-day integers."""
        idx = x - self._s_epoch
        if idx.size and idx.min() >= 0 and idx.max() <= self._len:
            return self._cum_np[idx]
        out = _weekdays_before_arr(x + _EPOCH_ORDINAL)
        out[idx > self._len] += self._delta
        inside = (idx >= 0) & (idx <= self._len)
        out[inside] = self._cum_np[idx[inside]]
        return out

    def _winv_arr(self, k: np.ndarray) -> np.ndarray:
        """W's inverse, as epoch-day integers."""
        j = k - self._k_s
        n_work = self._k_e - self._k_s
        if j.size and j.min() >= 0 and j.max() < n_work:
            return self._work_np[j]
        below = j < 0
        above = j >= n_work
        out = np.empty_like(k)
        out[below] = _nth_weekday_arr(k[below]) - _EPOCH_ORDINAL
        out[above] = _nth_weekday_arr(k[above] - self._delta) - _EPOCH_ORDINAL
        inside = ~(below | above)
        out[inside] = self._work_np[j[inside]]
        return out

    def is_workday_array(self, dates: object) -> np.ndarray:
        x = _epoch_days(dates)
        idx = x - self._s_epoch
        if idx.size and idx.min() >= 0 and idx.max() < self._len:
            return self._mask_np[idx]
        out = np.remainder(x + 3, 7) < 5  # 1970-01-01 was a Thursday
        inside = (idx >= 0) & (idx < self._len)
        out[inside] = self._mask_np[idx[inside]]
        return out

    def add_workdays_array(self, starts: object, n: object) -> np.ndarray:
        """`add_workdays` element-wise; `n` is an integer or an integer array (broadcast)."""
        x = _epoch_days(starts)
        n_arr = np.asarray(n)
        if not np.issubdtype(n_arr.dtype, np.integer):
            raise TypeError(f"n must be integers, got dtype {n_arr.dtype}")
        if n_arr.ndim == 0:
            steps = int(n_arr)
            if steps < 0:
                raise ValueError(f"a number of working days cannot be negative, got {steps}")
            if steps == 0:
                return x.astype("datetime64[D]")
            out = self._winv_arr(self._w_arr(x + 1) + (steps - 1))
            return out.astype("datetime64[D]")
        if n_arr.size and n_arr.min() < 0:
            raise ValueError("a number of working days cannot be negative")
        x, steps_arr = np.broadcast_arrays(x, n_arr.astype(np.int64))
        out = self._winv_arr(self._w_arr(x + 1) + steps_arr - 1)
        out = np.where(steps_arr == 0, x, out)
        return out.astype("datetime64[D]")

    def workdays_between_array(self, starts: object, ends: object) -> np.ndarray:
        """`workdays_between` element-wise (broadcast)."""
        a, b = np.broadcast_arrays(_epoch_days(starts), _epoch_days(ends))
        return self._w_arr(b + 1) - self._w_arr(a + 1)

    def covers_array(self, dates: object) -> np.ndarray:
        """`covers` element-wise."""
        x = _epoch_days(dates)
        years = x.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
        idx = years - self._first_year
        inside = (idx >= 0) & (idx < self._known_np.size)
        out = np.zeros(x.shape, dtype=bool)
        out[inside] = self._known_np[idx[inside]]
        return out


def _epoch_days(values: object) -> np.ndarray:
    """Dates as int64 days since 1970-01-01; NaT and non-day inputs are refused."""
    arr = np.asarray(values)
    if arr.dtype.kind == "M":
        if np.datetime_data(arr.dtype)[0] != "D":
            raise TypeError(f"expected datetime64[D] dates, got {arr.dtype}")
    elif arr.dtype == object or arr.dtype.kind == "U":
        if arr.dtype == object and any(isinstance(v, datetime) for v in arr.flat):
            raise TypeError("expected dates, not datetimes")
        arr = arr.astype("datetime64[D]")
    else:
        raise TypeError(f"expected datetime64[D] dates, got {arr.dtype}")
    days = arr.view(np.int64)
    if days.size and np.isnat(arr).any():
        raise ValueError("NaT is not a date")
    return days


@lru_cache(maxsize=1)
def default_calendar() -> Calendar:
    """The calendar from `chinesecalendar` alone (no administrator overrides).

    Django code should use `onetrip.workdays.services.current_calendar()`.
    """
    return Calendar()
