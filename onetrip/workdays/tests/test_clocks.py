"""Clocks: deadlines, pauses, extensions, elapsed time and e-monitoring signals."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from onetrip.workdays.calendar import SHANGHAI, Calendar, default_calendar
from onetrip.workdays.clocks import (
    Clock,
    ClockDeadline,
    Extension,
    Limit,
    Pause,
    Signal,
    SignalPolicy,
)

from .reference import ref_is_workday

CAL = default_calendar()
P, Y, R = Signal.PREWARNING, Signal.YELLOW, Signal.RED


def at(y, m, d, hh=0, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


def clock(start, amount, unit="workdays", **kwargs):
    return Clock(calendar=CAL, start=start, limit=Limit(amount, unit), **kwargs)


# --- working-day deadlines ------------------------------------------------------


def test_a_limit_ends_at_the_end_of_the_nth_working_day_after_the_event_day():
    c = clock(at(2026, 2, 10, 16, 45), 5)
    assert c.deadline() == ClockDeadline(at(2026, 2, 25), date(2026, 2, 24), False)


def test_a_same_day_limit_ends_at_midnight():
    c = clock(at(2026, 3, 2, 9), 0)
    assert c.deadline().at == at(2026, 3, 3)
    assert c.state(at(2026, 3, 2, 23, 59)) == P
    assert c.state(at(2026, 3, 3)) == Y


def test_an_event_on_a_holiday_counts_from_the_next_working_day():
    c = clock(at(2026, 10, 3, 11), 1)
    assert c.deadline().last_day == date(2026, 10, 8)


def test_a_deadline_in_an_unknown_year_is_provisional():
    c = clock(at(2026, 12, 28, 10), 10)
    assert c.deadline().provisional
    loaded = Clock(calendar=Calendar(known_years={2027}), start=at(2026, 12, 28, 10),
                   limit=Limit(10))
    assert not loaded.deadline().provisional


# --- pauses ---------------------------------------------------------------------


def test_paused_working_days_move_the_deadline_later():
    # Paused over the ends of 11 and 12 Feb: two working days are not counted.
    c = clock(at(2026, 2, 10, 10), 5,
              pauses=[Pause("expert review", at(2026, 2, 11, 9), at(2026, 2, 13, 9))])
    assert c.deadline().last_day == date(2026, 2, 26)


def test_a_pause_that_ends_the_day_it_began_pauses_nothing():
    c = clock(at(2026, 3, 2, 10), 3, pauses=[Pause("call", at(2026, 3, 3, 9), at(2026, 3, 3, 17))])
    assert c.deadline().last_day == date(2026, 3, 5)


def test_a_pause_over_a_weekend_only_changes_nothing():
    c = clock(at(2026, 3, 2, 10), 5,
              pauses=[Pause("waiting", at(2026, 3, 7, 9), at(2026, 3, 9, 8))])
    assert c.deadline().last_day == date(2026, 3, 9)


def test_a_pause_begun_after_hours_still_pauses_that_day():
    # Paused at the end of Friday 6 March, so Friday is not counted; Monday is.
    c = clock(at(2026, 3, 2, 10), 5,
              pauses=[Pause("waiting", at(2026, 3, 6, 18), at(2026, 3, 9, 8))])
    assert c.deadline().last_day == date(2026, 3, 10)


def test_a_pause_before_the_start_is_ignored_and_overlapping_pauses_merge():
    c = clock(at(2026, 3, 2, 10), 5, pauses=[
        Pause("old", at(2026, 2, 1), at(2026, 3, 2, 12)),
        Pause("supplements", at(2026, 3, 3, 10), at(2026, 3, 5, 10)),
        Pause("inspection", at(2026, 3, 4, 10), at(2026, 3, 6, 10)),
    ])
    # 3, 4 and 5 March paused: 2 Mar + 5 counted days = 6, 9, 10, 11, 12 March.
    assert c.deadline().last_day == date(2026, 3, 12)


def test_an_open_pause_holds_the_deadline_and_freezes_elapsed_time():
    c = clock(at(2026, 3, 2, 10), 5, pauses=[Pause("supplements", at(2026, 3, 4, 15))])
    assert c.deadline() is None
    assert c.is_paused(at(2026, 3, 20))
    assert c.elapsed(at(2026, 3, 4, 12)) == 1
    assert c.elapsed(at(2026, 4, 30)) == 1
    assert c.remaining(at(2026, 4, 30)) == 4
    times = c.signal_times()
    assert times[Y] is None and times[R] is None
    resumed = clock(at(2026, 3, 2, 10), 5,
                    pauses=[Pause("supplements", at(2026, 3, 4, 15), at(2026, 3, 10, 9))])
    # 4–9 March paused (4 working days: 4, 5, 6, 9).
    assert resumed.deadline().last_day == date(2026, 3, 13)


def test_a_pause_after_the_deadline_does_not_move_it():
    c = clock(at(2026, 3, 2, 10), 2, pauses=[Pause("late", at(2026, 3, 10))])
    assert c.deadline().last_day == date(2026, 3, 4)
    assert c.state(at(2026, 3, 11)) == Y


# --- extensions -----------------------------------------------------------------


def test_an_extension_moves_the_committed_and_the_legal_deadline():
    base = clock(at(2026, 3, 2, 10), 20, legal_limit=Limit(20))
    longer = clock(at(2026, 3, 2, 10), 20, legal_limit=Limit(20),
                   extensions=[Extension(10, "head approved (Art. 42)")])
    assert base.deadline().last_day == date(2026, 3, 30)
    assert longer.total() == 30 and longer.legal_total() == 30
    assert longer.deadline().last_day == CAL.add_workdays(date(2026, 3, 2), 30)
    assert longer.legal_deadline() == longer.deadline()


# --- elapsed and remaining --------------------------------------------------------


def test_elapsed_counts_working_days_that_have_ended():
    c = clock(at(2026, 2, 10, 10), 5)
    assert c.elapsed(at(2026, 2, 9)) == 0
    assert c.elapsed(at(2026, 2, 11, 17)) == 0
    assert c.elapsed(at(2026, 2, 12)) == 1
    assert c.elapsed(at(2026, 2, 15)) == 4  # 11, 12, 13 and the make-up Saturday
    assert c.remaining(at(2026, 2, 20)) == 1  # through the Spring Festival
    assert c.remaining(at(2026, 2, 26)) == -1


# --- signals ----------------------------------------------------------------------


def test_prewarning_with_one_working_day_left_or_a_third_whichever_first():
    five = clock(at(2026, 2, 10, 10), 5)
    assert five.signal_times()[P] == at(2026, 2, 15)  # one day left: the 24th
    twenty = clock(at(2026, 3, 2, 10), 20)
    # a third of 20 is 6.67: pre-warning with 6 days left, after 14 counted days.
    assert twenty.signal_times()[P] == at(2026, 3, 21)
    assert twenty.state(at(2026, 3, 20, 23)) == Signal.NORMAL
    assert twenty.state(at(2026, 3, 21)) == P


def test_yellow_past_the_committed_limit_red_past_the_legal_one():
    c = clock(at(2026, 3, 2, 10), 5, legal_limit=Limit(7))
    times = c.signal_times()
    assert times[Y] == at(2026, 3, 10)
    assert times[R] == at(2026, 3, 12)
    assert c.state(at(2026, 3, 9, 12)) == P
    assert c.state(at(2026, 3, 10)) == Y
    assert c.state(at(2026, 3, 12)) == R


def test_red_when_the_yellow_cards_grace_runs_out_first():
    c = clock(at(2026, 3, 2, 10), 5, legal_limit=Limit(20))
    assert c.signal_times()[R] == at(2026, 3, 17)  # 5 + 5 counted days
    strict = SignalPolicy(yellow_grace=1)
    assert c.signal_times(strict)[R] == at(2026, 3, 11)
    assert c.state(at(2026, 3, 11), strict) == R


def test_a_done_clock_keeps_the_signal_it_had():
    c = clock(at(2026, 3, 2, 10), 5, done_at=at(2026, 3, 10, 9))
    assert c.state(at(2026, 6, 1)) == Y
    times = c.signal_times()
    assert times[Y] == at(2026, 3, 10) and times[R] is None
    on_time = clock(at(2026, 3, 2, 10), 5, done_at=at(2026, 3, 5, 9))
    assert on_time.state(at(2026, 6, 1)) == Signal.NORMAL
    assert on_time.status(at(2026, 6, 1)).done


def test_policy_thresholds_are_configurable():
    c = clock(at(2026, 3, 2, 10), 20)
    loose = SignalPolicy(prewarn_workdays_left=3, prewarn_fraction_left=Fraction(0))
    assert c.signal_times(loose)[P] == datetime.combine(
        CAL.add_workdays(date(2026, 3, 2), 17) + timedelta(days=1), datetime.min.time(), SHANGHAI
    )


# --- working-hour clocks ----------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "hours", "end"),
    [
        (at(2026, 3, 2, 11), 2, at(2026, 3, 2, 15, 30)),  # across lunch
        (at(2026, 3, 2, 17), 1, at(2026, 3, 3, 9)),  # across the night
        (at(2026, 3, 6, 17), 1, at(2026, 3, 9, 9)),  # across the weekend
        (at(2026, 9, 30, 17), 1, at(2026, 10, 8, 9)),  # across National Day
        (at(2026, 2, 13, 16), 3, at(2026, 2, 14, 10)),  # onto a make-up Saturday
        (at(2026, 3, 2, 7), 1, at(2026, 3, 2, 9, 30)),  # before office hours
        (at(2026, 3, 2, 12, 30), 0.5, at(2026, 3, 2, 15)),  # in the lunch break
        (at(2026, 3, 2, 10), 2, at(2026, 3, 2, 12)),  # exactly to the lunch break
    ],
)
def test_working_hours(start, hours, end):
    assert CAL.add_work_hours(start, hours) == end
    assert clock(start, hours, "workhours").deadline().at == end


def test_working_hours_accept_any_timezone_and_answer_in_shanghai():
    utc = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)  # 11:00 in Shanghai
    assert CAL.add_work_hours(utc, 2) == at(2026, 3, 2, 15, 30)
    with pytest.raises(ValueError):
        CAL.add_work_hours(datetime(2026, 3, 2, 11), 2)


def test_office_hours_are_configurable():
    from datetime import time

    hours = ((time(9), time(12)), (time(13), time(17)))
    assert CAL.add_work_hours(at(2026, 3, 2, 11), 2, office_hours=hours) == at(2026, 3, 2, 14)
    assert CAL.work_hours_between(at(2026, 3, 2), at(2026, 3, 3), office_hours=hours) == 7
    with pytest.raises(ValueError):
        CAL.add_work_hours(at(2026, 3, 2), 1, office_hours=((time(12), time(9)),))


def test_a_pause_stops_a_working_hour_clock():
    c = clock(at(2026, 3, 2, 9), 2, "workhours",
              pauses=[Pause("citizen unreachable", at(2026, 3, 2, 10), at(2026, 3, 2, 11))])
    assert c.deadline().at == at(2026, 3, 2, 12)
    assert c.elapsed(at(2026, 3, 2, 10, 30)) == 1.0
    assert c.elapsed(at(2026, 3, 2, 11, 30)) == 1.5


def test_signals_of_a_working_hour_clock():
    c = clock(at(2026, 3, 2, 9), 2, "workhours", legal_limit=Limit(3, "workhours"))
    times = c.signal_times()
    assert times[P] == at(2026, 3, 2, 10, 20)
    assert times[Y] == at(2026, 3, 2, 11)
    assert times[R] == at(2026, 3, 2, 12)
    assert c.state(at(2026, 3, 2, 11, 59)) == Y


# --- validation -------------------------------------------------------------------


def test_bad_clocks_are_refused():
    with pytest.raises(ValueError):
        clock(at(2026, 3, 2), 5, legal_limit=Limit(3))
    with pytest.raises(ValueError):
        clock(at(2026, 3, 2), 5, legal_limit=Limit(5, "workhours"))
    with pytest.raises(ValueError):
        Limit(1.5)
    with pytest.raises(ValueError):
        Limit(-1)
    with pytest.raises(ValueError):
        Limit(2, "hours")
    with pytest.raises(ValueError):
        clock(datetime(2026, 3, 2), 5)
    with pytest.raises(ValueError):
        Pause("x", at(2026, 3, 3), at(2026, 3, 2))
    with pytest.raises(ValueError):
        clock(at(2026, 3, 2), 5, extensions=[Extension(0.5, "half a day")])


# --- against a day-by-day walk ------------------------------------------------------


def _paused_at_end_of(day, pauses):
    end = datetime(day.year, day.month, day.day, tzinfo=SHANGHAI) + timedelta(days=1)
    return any(p.start < end and (p.end is None or p.end >= end) for p in pauses)


def _counted(day, c):
    return day > c.event_day and ref_is_workday(day) and not _paused_at_end_of(day, c.pauses)


def ref_nth_counted(c, n, horizon=800):
    if n == 0:
        return c.event_day
    d = c.event_day
    for _ in range(horizon):
        d += timedelta(days=1)
        if _counted(d, c):
            n -= 1
            if n == 0:
                return d
    return None


def ref_elapsed(c, now):
    now = min(now, c.done_at) if c.done_at else now
    if now <= c.start:
        return 0
    count, d = 0, c.event_day
    while d < now.astimezone(SHANGHAI).date() - timedelta(days=1):
        d += timedelta(days=1)
        count += _counted(d, c)
    return count


starts = st.datetimes(datetime(2025, 1, 1), datetime(2026, 12, 20)).map(
    lambda d: d.replace(tzinfo=SHANGHAI)
)
pause_spec = st.tuples(
    st.integers(-3 * 24 * 60, 40 * 24 * 60), st.one_of(st.none(), st.integers(0, 20 * 24 * 60))
)


@settings(max_examples=300, deadline=None)
@given(
    starts,
    st.integers(1, 30),
    st.lists(pause_spec, max_size=4),
    st.integers(0, 60 * 24 * 60),
    st.one_of(st.none(), st.integers(0, 60 * 24 * 60)),
)
def test_working_day_clocks_match_a_walk(start, n, specs, now_after, done_after):
    pauses = []
    for offset, length in specs:
        p_start = start + timedelta(minutes=offset)
        pauses.append(
            Pause("p", p_start, None if length is None else p_start + timedelta(minutes=length))
        )
    done = None if done_after is None else start + timedelta(minutes=done_after)
    c = clock(start, n, legal_limit=Limit(n + 3), pauses=pauses, done_at=done)
    now = start + timedelta(minutes=now_after)

    def end_of(k):
        day = ref_nth_counted(c, k)
        if day is None:
            return None
        return datetime(day.year, day.month, day.day, tzinfo=SHANGHAI) + timedelta(days=1)

    deadline = c.deadline()
    assert (deadline.at if deadline else None) == end_of(n)
    elapsed = ref_elapsed(c, now)
    assert c.elapsed(now) == elapsed
    assert c.remaining(now) == n - elapsed

    effective = min(now, done) if done else now
    thr = max(1, n // 3)
    yellow_at, red_ats = end_of(n), [t for t in (end_of(n + 3), end_of(n + 5)) if t]
    if red_ats and effective >= min(red_ats):
        expected = R
    elif yellow_at and effective >= yellow_at:
        expected = Y
    elif n - elapsed <= thr:
        expected = P
    else:
        expected = Signal.NORMAL
    assert c.state(now) == expected


@settings(max_examples=200, deadline=None)
@given(
    starts,
    st.integers(1, 40 * 60),
    st.lists(st.tuples(st.integers(-600, 5 * 24 * 60), st.integers(0, 3 * 24 * 60)), max_size=3),
)
def test_a_working_hour_clock_is_used_up_exactly_at_its_deadline(start, minutes, specs):
    pauses = [
        Pause("p", start + timedelta(minutes=a), start + timedelta(minutes=a + b)) for a, b in specs
    ]
    c = clock(start, minutes / 60, "workhours", pauses=pauses)
    end = c.deadline().at
    assert abs(c.elapsed(end) - minutes / 60) < 1e-9
    assert c.elapsed(end - timedelta(microseconds=1)) < minutes / 60
