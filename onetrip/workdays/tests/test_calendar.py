"""The working-day calendar: named cases from the notices, errors, provisional years."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import numpy as np
import pytest

from onetrip.workdays.calendar import SHANGHAI, Calendar, Deadline, base_years, default_calendar


@pytest.fixture(scope="module")
def cal() -> Calendar:
    return default_calendar()


def test_it_holds_the_years_of_the_package(cal):
    assert base_years() == frozenset(range(2004, 2027))
    assert cal.known_years == base_years()


def test_a_make_up_saturday_counts_and_the_spring_festival_does_not(cal):
    # 14 Feb 2026 is a make-up working Saturday; 15–23 Feb are the holidays.
    assert cal.is_workday(date(2026, 2, 14))
    assert not cal.is_workday(date(2026, 2, 16))
    assert cal.add_workdays(date(2026, 2, 10), 5) == date(2026, 2, 24)


def test_the_national_day_week_is_skipped(cal):
    assert cal.add_workdays(date(2026, 9, 30), 1) == date(2026, 10, 8)


def test_the_start_day_is_not_counted(cal):
    assert cal.add_workdays(date(2026, 3, 2), 0) == date(2026, 3, 2)
    assert cal.add_workdays(date(2026, 3, 2), 1) == date(2026, 3, 3)
    # From a Saturday, the first working day is Monday.
    assert cal.add_workdays(date(2026, 3, 7), 1) == date(2026, 3, 9)


def test_workdays_between_counts_the_end_and_not_the_start(cal):
    assert cal.workdays_between(date(2026, 3, 2), date(2026, 3, 2)) == 0
    assert cal.workdays_between(date(2026, 3, 2), date(2026, 3, 6)) == 4
    assert cal.workdays_between(date(2026, 3, 6), date(2026, 3, 2)) == -4
    assert cal.workdays_between(date(2026, 2, 10), date(2026, 2, 24)) == 5


def test_negative_counts_are_refused(cal):
    with pytest.raises(ValueError):
        cal.add_workdays(date(2026, 3, 2), -1)
    with pytest.raises(ValueError):
        cal.add_workdays_array(np.array(["2026-03-02"], dtype="datetime64[D]"), -1)


@pytest.mark.parametrize("bad", [datetime(2026, 3, 2, tzinfo=SHANGHAI), "2026-03-02", 20260302])
def test_only_dates_are_accepted(cal, bad):
    with pytest.raises(TypeError):
        cal.is_workday(bad)
    with pytest.raises(TypeError):
        cal.add_workdays(bad, 1)


def test_a_fractional_count_is_refused(cal):
    with pytest.raises(TypeError):
        cal.add_workdays(date(2026, 3, 2), 1.5)


def test_years_outside_the_package_are_weekends_only_and_flagged(cal):
    # 1 Jan 2027 is a Friday: without a loaded notice it counts as a working day.
    assert cal.is_workday(date(2027, 1, 1))
    assert not cal.is_workday(date(2027, 1, 2))
    assert cal.add_workdays(date(2026, 12, 31), 1) == date(2027, 1, 1)
    assert cal.is_provisional(date(2027, 1, 1))
    assert not cal.covers(date(2027, 1, 1))
    assert cal.covers(date(2026, 12, 31))
    assert cal.deadline(date(2026, 12, 31), 1) == Deadline(date(2027, 1, 1), True)
    assert cal.deadline(date(2026, 12, 1), 5) == Deadline(date(2026, 12, 8), False)
    assert cal.deadline(date(2003, 12, 30), 1) == Deadline(date(2003, 12, 31), True)
    assert cal.add_workdays(date(1999, 12, 31), 1) == date(2000, 1, 3)


def test_overrides_change_the_answers():
    day = date(2026, 3, 3)  # a Tuesday
    cal = Calendar({day: False, date(2026, 3, 7): True})
    assert not cal.is_workday(day)
    assert cal.is_workday(date(2026, 3, 7))
    assert cal.add_workdays(date(2026, 3, 2), 1) == date(2026, 3, 4)
    assert cal.workdays_between(date(2026, 3, 1), date(2026, 3, 8)) == 5
    assert default_calendar().add_workdays(date(2026, 3, 2), 1) == day


def test_overrides_in_an_unknown_year_apply_but_stay_provisional():
    cal = Calendar({date(2027, 1, 1): False})
    assert cal.add_workdays(date(2026, 12, 31), 1) == date(2027, 1, 4)
    assert cal.deadline(date(2026, 12, 31), 1).provisional
    complete = Calendar({date(2027, 1, 1): False}, known_years={2027})
    assert complete.deadline(date(2026, 12, 31), 1) == Deadline(date(2027, 1, 4), False)
    assert not complete.covers(date(2028, 1, 3))
    assert not complete.covers_range(date(2026, 1, 1), date(2028, 1, 1))


def test_a_gap_in_known_years_makes_a_range_provisional():
    cal = Calendar(known_years={2028})
    assert cal.covers(date(2028, 6, 1))
    assert not cal.covers(date(2027, 6, 1))
    assert not cal.covers_range(date(2026, 6, 1), date(2028, 6, 1))
    assert cal.covers_range(date(2028, 6, 1), date(2028, 1, 1))


def test_the_arrays_agree_with_the_scalars(cal):
    starts = np.arange(np.datetime64("2003-06-01"), np.datetime64("2027-07-01"), 17)
    got = cal.add_workdays_array(starts, 20)
    assert got.dtype == np.dtype("datetime64[D]")
    assert [d.item() for d in got] == [cal.add_workdays(s.item(), 20) for s in starts]
    ns = np.arange(starts.size) % 40
    got_n = cal.add_workdays_array(starts, ns)
    assert [d.item() for d in got_n] == [
        cal.add_workdays(s.item(), int(n)) for s, n in zip(starts, ns, strict=True)
    ]
    ends = starts[::-1]
    assert cal.workdays_between_array(starts, ends).tolist() == [
        cal.workdays_between(a.item(), b.item()) for a, b in zip(starts, ends, strict=True)
    ]
    assert cal.is_workday_array(starts).tolist() == [cal.is_workday(s.item()) for s in starts]
    assert cal.covers_array(starts).tolist() == [cal.covers(s.item()) for s in starts]


def test_the_arrays_take_lists_of_dates_and_refuse_nat(cal):
    got = cal.add_workdays_array([date(2026, 2, 10), date(2026, 9, 30)], 1)
    assert got.tolist() == [date(2026, 2, 11), date(2026, 10, 8)]
    with pytest.raises(ValueError):
        cal.is_workday_array(np.array(["NaT"], dtype="datetime64[D]"))
    with pytest.raises(TypeError):
        cal.is_workday_array(np.array([1, 2]))
    with pytest.raises(TypeError):
        cal.add_workdays_array([date(2026, 2, 10)], 1.5)
    assert cal.add_workdays_array(np.array([], dtype="datetime64[D]"), 3).size == 0


def test_the_pure_modules_import_no_django():
    import subprocess
    import sys

    code = (
        "import sys, onetrip.workdays.calendar, onetrip.workdays.clocks;"
        "bad=[m for m in sys.modules if m == 'django' or m.startswith('django.')];"
        "assert not bad, bad"
    )
    root = Path(__file__).resolve().parents[3]
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root)
