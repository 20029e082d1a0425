"""Every calendar function against a day-by-day walk over `chinese_calendar.is_workday`."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from onetrip.workdays.calendar import SHANGHAI, Calendar, default_calendar

from .reference import (
    FIRST,
    LAST,
    ref_add_work_hours,
    ref_add_workdays,
    ref_is_workday,
    ref_work_hours_between,
    ref_workdays_between,
)

CAL = default_calendar()
covered = st.dates(min_value=FIRST, max_value=LAST)
anywhere = st.dates(min_value=date(1990, 1, 1), max_value=date(2040, 12, 31))
counts = st.integers(min_value=0, max_value=400)
SOME = settings(max_examples=300, deadline=None)


@SOME
@given(covered)
def test_is_workday_matches_the_package(d):
    assert CAL.is_workday(d) == ref_is_workday(d)


@SOME
@given(covered, counts)
def test_add_workdays_matches_the_walk(start, n):
    assert CAL.add_workdays(start, n) == ref_add_workdays(start, n)


@SOME
@given(covered, covered)
def test_workdays_between_matches_the_walk(a, b):
    assert CAL.workdays_between(a, b) == ref_workdays_between(a, b)
    assert CAL.workdays_between(b, a) == -CAL.workdays_between(a, b)


@SOME
@given(covered, st.integers(min_value=1, max_value=400))
def test_add_and_between_are_inverse(start, n):
    end = CAL.add_workdays(start, n)
    assert CAL.is_workday(end)
    assert CAL.workdays_between(start, end) == n
    assert CAL.workdays_between(start, end - timedelta(days=1)) == n - 1


@SOME
@given(anywhere, counts, anywhere)
def test_outside_the_package_only_weekends_count_and_answers_are_provisional(start, n, other):
    end = CAL.add_workdays(start, n)
    assert end == ref_add_workdays(start, n)
    assert CAL.workdays_between(start, other) == ref_workdays_between(start, other)
    assert CAL.is_workday(other) == ref_is_workday(other)
    years = range(start.year, end.year + 1)
    assert CAL.deadline(start, n).provisional == any(not 2004 <= y <= 2026 for y in years)
    assert CAL.is_provisional(other) == (not 2004 <= other.year <= 2026)


@settings(max_examples=100, deadline=None)
@given(
    st.dictionaries(st.dates(date(2002, 1, 1), date(2029, 12, 31)), st.booleans(), max_size=40),
    st.lists(st.tuples(anywhere, counts, anywhere), min_size=1, max_size=5),
)
def test_overrides_win_over_the_package(overrides, queries):
    cal = Calendar(overrides)
    for start, n, other in queries:
        assert cal.is_workday(other) == ref_is_workday(other, overrides)
        assert cal.add_workdays(start, n) == ref_add_workdays(start, n, overrides)
        assert cal.workdays_between(start, other) == ref_workdays_between(start, other, overrides)
    for d in list(overrides)[:10]:
        assert cal.is_workday(d) == overrides[d]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(anywhere, counts, anywhere), min_size=1, max_size=30))
def test_the_arrays_match_the_walk(rows):
    starts = np.array([r[0] for r in rows], dtype="datetime64[D]")
    ns = np.array([r[1] for r in rows])
    others = np.array([r[2] for r in rows], dtype="datetime64[D]")
    assert CAL.add_workdays_array(starts, ns).tolist() == [
        ref_add_workdays(s, n) for s, n, _ in rows
    ]
    expected = [ref_add_workdays(s, 7) for s, _, _ in rows]
    assert CAL.add_workdays_array(starts, 7).tolist() == expected
    assert CAL.workdays_between_array(starts, others).tolist() == [
        ref_workdays_between(s, o) for s, _, o in rows
    ]
    assert CAL.is_workday_array(others).tolist() == [ref_is_workday(o) for _, _, o in rows]


moments = st.datetimes(
    min_value=datetime(2004, 1, 1),
    max_value=datetime(2026, 11, 30),
    timezones=st.sampled_from([SHANGHAI, UTC, ZoneInfo("America/New_York")]),
)
hours = st.one_of(
    st.integers(min_value=0, max_value=80), st.integers(0, 80 * 60).map(lambda m: m / 60)
)


@SOME
@given(moments, hours)
def test_add_work_hours_matches_the_walk(start, h):
    got = CAL.add_work_hours(start, h)
    assert got == ref_add_work_hours(start, h)
    assert got.tzinfo is SHANGHAI


@SOME
@given(moments, moments)
def test_work_hours_between_matches_the_walk(a, b):
    assert CAL.work_hours_between(a, b) == ref_work_hours_between(a, b)


@SOME
@given(moments, st.integers(min_value=1, max_value=80 * 60))
def test_work_hours_there_and_back(start, minutes):
    end = CAL.add_work_hours(start, minutes / 60)
    assert abs(CAL.work_hours_between(start, end) - minutes / 60) < 1e-9
