"""Time-limit clocks and their e-monitoring signals: pure Python, no Django.

A clock has a start (an aware datetime), a committed limit and optionally a
legal limit (both in working days or both in working hours), paused intervals
and extensions. From those and a `Calendar` it computes its deadlines, the
working time elapsed and remaining at a given moment, its signal
(normal / prewarning / yellow / red) and the moments each signal becomes due.

The rules (docs/workdays.md has the reasons):

- Working-day limits: N working days from the event end at the end of the
  N-th counted working day after the day of the event (that day not counted).
  A deadline is an exclusive instant: 00:00 Asia/Shanghai of the day after
  that last day. The clock is late at that instant and after.
- A working day is *paused* when the clock was paused at its end: a pause from
  moment a to moment b pauses the days from a's day up to, not including, b's
  day; an open pause pauses every day from a's day on. Paused working days are
  not counted, so each one moves the deadline one working day later. A pause
  that begins and ends on the same day pauses nothing.
- Working-hour limits count office hours (default 08:30–12:00, 14:30–17:30) on
  working days; time inside a pause is not counted.
- Extensions add their amount (in the clock's unit) to the committed and to
  the legal limit.
- While an open pause holds back a signal, that signal's time is None.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from fractions import Fraction
from typing import Literal

from .calendar import (
    DEFAULT_OFFICE_HOURS,
    Calendar,
    OfficeHours,
    local_date,
    office_hours_per_day,
    start_of_day,
    to_local,
)

__all__ = [
    "Clock",
    "ClockDeadline",
    "ClockStatus",
    "DEFAULT_POLICY",
    "Extension",
    "Limit",
    "Pause",
    "Signal",
    "SignalPolicy",
]

WORKDAYS = "workdays"
WORKHOURS = "workhours"
Unit = Literal["workdays", "workhours"]
_US_PER_HOUR = 3_600_000_000
_ONE_DAY = timedelta(days=1)


class Signal(StrEnum):
    """A clock's e-monitoring state, from least to most severe."""

    NORMAL = "normal"
    PREWARNING = "prewarning"
    YELLOW = "yellow"
    RED = "red"


_SEVERITY = (Signal.PREWARNING, Signal.YELLOW, Signal.RED)


@dataclass(frozen=True)
class Limit:
    amount: int | float
    unit: Unit = WORKDAYS

    def __post_init__(self) -> None:
        if self.unit not in (WORKDAYS, WORKHOURS):
            raise ValueError(f"unit must be 'workdays' or 'workhours', got {self.unit!r}")
        _check_amount(self.amount, self.unit, "limit")


@dataclass(frozen=True)
class Pause:
    """The clock stood still from `start` until `end` (None: still paused)."""

    reason: str
    start: datetime
    end: datetime | None = None

    def __post_init__(self) -> None:
        to_local(self.start)
        if self.end is not None and to_local(self.end) < self.start:
            raise ValueError("a pause cannot end before it starts")


@dataclass(frozen=True)
class Extension:
    """More time, in the clock's unit, approved for `reason`."""

    amount: int | float
    reason: str


@dataclass(frozen=True)
class SignalPolicy:
    """Thresholds of the e-monitoring signals (DOMAIN.md's defaults).

    Pre-warning when `prewarn_workdays_left` working days or fewer are left
    before the committed deadline, or at most `prewarn_fraction_left` of the
    committed limit, whichever comes first. For working-hour clocks the first
    rule uses `prewarn_workhours_left` (default 0: the fraction alone).
    Yellow past the committed deadline; red past the legal deadline or
    `yellow_grace` counted working days after the committed deadline (the
    deadline the yellow card sets), whichever comes first. Working-hour
    clocks use `yellow_grace_workhours`, by default `yellow_grace` office days.
    """

    prewarn_workdays_left: int = 1
    prewarn_fraction_left: Fraction = Fraction(1, 3)
    prewarn_workhours_left: float = 0.0
    yellow_grace: int = 5
    yellow_grace_workhours: float | None = None

    def __post_init__(self) -> None:
        if not 0 <= Fraction(self.prewarn_fraction_left) <= 1:
            raise ValueError("prewarn_fraction_left must lie between 0 and 1")
        if self.prewarn_workdays_left < 0 or self.prewarn_workhours_left < 0:
            raise ValueError("pre-warning thresholds cannot be negative")
        if self.yellow_grace < 0 or (self.yellow_grace_workhours or 0) < 0:
            raise ValueError("yellow_grace cannot be negative")


DEFAULT_POLICY = SignalPolicy()


@dataclass(frozen=True)
class ClockDeadline:
    """`at`: the instant the time runs out (late from then on), Asia/Shanghai.

    `last_day`: the last day of the limit (for working-day limits, the N-th
    counted working day; `at` is 00:00 of the following day).
    `provisional`: the computation crossed a year the calendar does not know.
    """

    at: datetime
    last_day: date
    provisional: bool


@dataclass(frozen=True)
class ClockStatus:
    """A clock seen at one moment."""

    now: datetime
    signal: Signal
    elapsed: int | float
    remaining: int | float
    deadline: ClockDeadline | None
    paused: bool
    done: bool


def _check_amount(amount: object, unit: str, what: str) -> None:
    if isinstance(amount, bool) or not isinstance(amount, int | float | Fraction):
        raise TypeError(f"{what} amount must be a number, got {amount!r}")
    if not math.isfinite(amount) or amount < 0:
        raise ValueError(f"{what} amount must be finite and not negative, got {amount!r}")
    if unit == WORKDAYS and int(amount) != amount:
        raise ValueError(f"{what} in working days must be a whole number, got {amount!r}")


@dataclass(frozen=True, kw_only=True)
class Clock:
    """One time limit running from `start`. Pass the calendar from
    `onetrip.workdays.services.current_calendar()` in Django code."""

    calendar: Calendar
    start: datetime
    limit: Limit
    legal_limit: Limit | None = None
    pauses: tuple[Pause, ...] = ()
    extensions: tuple[Extension, ...] = ()
    done_at: datetime | None = None
    office_hours: OfficeHours = DEFAULT_OFFICE_HOURS
    _day_ranges: tuple[tuple[date, date | None], ...] = field(init=False, repr=False)
    _position_ranges: tuple[tuple[int, int | None], ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "start", to_local(self.start))
        set_(self, "pauses", tuple(sorted(self.pauses, key=lambda p: p.start)))
        set_(self, "extensions", tuple(self.extensions))
        set_(self, "office_hours", tuple(self.office_hours))
        if self.done_at is not None:
            set_(self, "done_at", to_local(self.done_at))
        if self.legal_limit is not None:
            if self.legal_limit.unit != self.limit.unit:
                raise ValueError("the committed and the legal limit must use the same unit")
            if self.legal_limit.amount < self.limit.amount:
                raise ValueError("the committed limit cannot exceed the legal limit")
        for ext in self.extensions:
            _check_amount(ext.amount, self.limit.unit, "extension")
        if self.unit == WORKDAYS:
            set_(self, "_day_ranges", self._paused_day_ranges())
            set_(self, "_position_ranges", ())
        else:
            set_(self, "_day_ranges", ())
            set_(self, "_position_ranges", self._paused_position_ranges())

    # --- derived values -------------------------------------------------------

    @property
    def unit(self) -> Unit:
        return self.limit.unit

    @property
    def event_day(self) -> date:
        return self.start.date()

    def _extra(self) -> int | float:
        return sum(ext.amount for ext in self.extensions)

    def total(self) -> int | float:
        """The committed limit plus extensions, in the clock's unit."""
        return self._as_unit(self.limit.amount + self._extra())

    def legal_total(self) -> int | float | None:
        if self.legal_limit is None:
            return None
        return self._as_unit(self.legal_limit.amount + self._extra())

    def _as_unit(self, amount: float) -> int | float:
        return int(amount) if self.unit == WORKDAYS else float(amount)

    # --- pauses, normalised ---------------------------------------------------

    def _paused_day_ranges(self) -> tuple[tuple[date, date | None], ...]:
        """Merged, sorted inclusive ranges of paused days after the event day (None: open)."""
        first_counted = self.event_day + _ONE_DAY
        ranges: list[tuple[date, date | None]] = []
        for pause in self.pauses:
            lo = max(local_date(pause.start), first_counted)
            hi = None if pause.end is None else local_date(pause.end) - _ONE_DAY
            if hi is not None and hi < lo:
                continue
            if ranges:
                plo, phi = ranges[-1]
                if phi is None:
                    break
                if lo <= phi + _ONE_DAY:
                    ranges[-1] = (plo, None if hi is None else max(phi, hi))
                    continue
            ranges.append((lo, hi))
        return tuple(ranges)

    def _pos(self, moment: datetime) -> int:
        return self.calendar.work_position(moment, office_hours=self.office_hours)

    def _paused_position_ranges(self) -> tuple[tuple[int, int | None], ...]:
        """Merged, sorted [a, b) ranges of paused work positions after the start."""
        origin = self._pos(self.start)
        ranges: list[tuple[int, int | None]] = []
        for pause in self.pauses:
            lo = max(self._pos(pause.start), origin)
            hi = None if pause.end is None else self._pos(pause.end)
            if hi is not None and hi <= lo:
                continue
            if ranges:
                plo, phi = ranges[-1]
                if phi is None:
                    break
                if lo <= phi:
                    ranges[-1] = (plo, None if hi is None else max(phi, hi))
                    continue
            ranges.append((lo, hi))
        return tuple(ranges)

    # --- counting -------------------------------------------------------------

    def _nth_counted_day(self, k: int) -> date | None:
        """The k-th (k >= 1) counted working day after the event day; None if an open
        pause begins before it."""
        cal = self.calendar
        cursor = self.event_day
        need = k
        for lo, hi in self._day_ranges:
            candidate = cal.add_workdays(cursor, need)
            if candidate < lo:
                return candidate
            need -= cal.workdays_between(cursor, lo - _ONE_DAY)
            if hi is None:
                return None
            cursor = hi
        return cal.add_workdays(cursor, need)

    def _counted_days(self, last: date) -> int:
        """Counted (working, not paused) days d with event day < d <= last."""
        cal = self.calendar
        first = self.event_day
        if last <= first:
            return 0
        count = cal.workdays_between(first, last)
        for lo, hi in self._day_ranges:
            if lo > last:
                break
            top = last if hi is None or hi > last else hi
            count -= cal.workdays_between(lo - _ONE_DAY, top)
        return count

    def _reach_position(self, amount_us: int) -> datetime | None:
        """The moment `amount_us` office microseconds have been counted; None if an
        open pause begins before."""
        cursor = self._pos(self.start)
        need = amount_us
        for lo, hi in self._position_ranges:
            if cursor + need <= lo:
                break
            need -= lo - cursor
            if hi is None:
                return None
            cursor = hi
        return self.calendar.from_work_position(cursor + need, office_hours=self.office_hours)

    def _reach(self, amount: int | float | Fraction) -> ClockDeadline | None:
        """The moment `elapsed` reaches `amount` (the clock's unit); None while an open
        pause holds it back. Amount <= 0: the start."""
        if amount <= 0:
            provisional = not self.calendar.covers(self.event_day)
            return ClockDeadline(self.start, self.event_day, provisional)
        if self.unit == WORKDAYS:
            last = self._nth_counted_day(math.ceil(amount))
            if last is None:
                return None
            at = start_of_day(last + _ONE_DAY)
        else:
            moment = self._reach_position(round(Fraction(amount) * _US_PER_HOUR))
            if moment is None:
                return None
            at, last = moment, moment.date()
        return ClockDeadline(at, last, not self.calendar.covers_range(self.event_day, last))

    def _deadline_for(self, amount: int | float | Fraction) -> ClockDeadline | None:
        """The deadline of a limit of `amount`: like `_reach`, except that a limit of
        0 working days ends at the end of the event day (a same-day limit)."""
        if self.unit == WORKDAYS and amount == 0:
            e = self.event_day
            return ClockDeadline(start_of_day(e + _ONE_DAY), e, not self.calendar.covers(e))
        return self._reach(amount)

    def deadline(self) -> ClockDeadline | None:
        """The committed deadline (limit + extensions), or None while an open pause holds it."""
        return self._deadline_for(self.total())

    def legal_deadline(self) -> ClockDeadline | None:
        legal = self.legal_total()
        return None if legal is None else self._deadline_for(legal)

    def _effective(self, now: datetime) -> datetime:
        now = to_local(now)
        if self.done_at is not None and self.done_at < now:
            return self.done_at
        return now

    def elapsed(self, now: datetime) -> int | float:
        """Counted time used by `now` (or by `done_at` if earlier).

        Working days: counted working days that have ended. Working hours: office
        hours outside pauses, as a float.
        """
        now = self._effective(now)
        if now <= self.start:
            return 0 if self.unit == WORKDAYS else 0.0
        if self.unit == WORKDAYS:
            return self._counted_days(now.date() - _ONE_DAY)
        origin = self._pos(self.start)
        end = self._pos(now)
        used = end - origin
        for lo, hi in self._position_ranges:
            if lo >= end:
                break
            top = end if hi is None or hi > end else hi
            used -= top - lo
        return used / _US_PER_HOUR

    def remaining(self, now: datetime) -> int | float:
        """The committed total less `elapsed(now)`; negative once overrun."""
        return self.total() - self.elapsed(now)

    def is_paused(self, now: datetime) -> bool:
        now = to_local(now)
        return any(p.start <= now and (p.end is None or now < p.end) for p in self.pauses)

    # --- signals --------------------------------------------------------------

    def signal_times(self, policy: SignalPolicy = DEFAULT_POLICY) -> dict[Signal, datetime | None]:
        """The moment each signal becomes due: {PREWARNING, YELLOW, RED} → datetime or None.

        None: not due as things stand (held back by an open pause, or the clock
        was done before it). The state at `now` is the most severe signal whose
        time is <= now.
        """
        total = Fraction(self.total())
        if self.unit == WORKDAYS:
            left = max(Fraction(policy.prewarn_workdays_left), total * policy.prewarn_fraction_left)
            prewarn_used = total - math.floor(left)
            grace = Fraction(policy.yellow_grace)
        else:
            left = max(
                Fraction(policy.prewarn_workhours_left), total * policy.prewarn_fraction_left
            )
            prewarn_used = total - left
            if policy.yellow_grace_workhours is not None:
                grace = Fraction(policy.yellow_grace_workhours)
            else:
                grace = policy.yellow_grace * Fraction(office_hours_per_day(self.office_hours))
        red_candidates = [self._deadline_for(total + grace)]
        legal = self.legal_total()
        if legal is not None:
            red_candidates.append(self._deadline_for(legal))
        red_ats = [d.at for d in red_candidates if d is not None]
        prewarn = self._reach(prewarn_used)
        yellow = self._deadline_for(total)
        times: dict[Signal, datetime | None] = {
            Signal.PREWARNING: prewarn.at if prewarn else None,
            Signal.YELLOW: yellow.at if yellow else None,
            Signal.RED: min(red_ats) if red_ats else None,
        }
        if self.done_at is not None:
            for signal, at in times.items():
                if at is not None and at > self.done_at:
                    times[signal] = None
        return times

    def state(self, now: datetime, policy: SignalPolicy = DEFAULT_POLICY) -> Signal:
        """The signal at `now` (frozen at `done_at` once the clock is done)."""
        now = self._effective(now)
        current = Signal.NORMAL
        times = self.signal_times(policy)
        for signal in _SEVERITY:
            at = times[signal]
            if at is not None and at <= now:
                current = signal
        return current

    def status(self, now: datetime, policy: SignalPolicy = DEFAULT_POLICY) -> ClockStatus:
        now = to_local(now)
        return ClockStatus(
            now=now,
            signal=self.state(now, policy),
            elapsed=self.elapsed(now),
            remaining=self.remaining(now),
            deadline=self.deadline(),
            paused=self.is_paused(now),
            done=self.done_at is not None and self.done_at <= now,
        )
