"""The working-day calendar against the obvious baselines (no database needed).

1. add_workdays(d, 20) vs walking day by day with chinese_calendar.is_workday.
2. workdays_between over the same spans vs the same walk.
3. add_workdays_array over 1,000,000 start dates vs numpy.busday_offset given the
   same calendar (every day in the weekmask, every non-working day a holiday),
   with identical answers required.

Run: python -m bench.bench_workdays
"""

from __future__ import annotations

import random
from datetime import date, timedelta

import chinese_calendar
import numpy as np

from bench.common import Row, print_table, speedup, time_per_call
from onetrip.workdays.calendar import default_calendar

FIRST, LAST = date(2004, 1, 1), date(2026, 12, 31)
LAST_START = date(2026, 11, 30)  # + 20 working days stays inside the package's years
N = 20
ONE_DAY = timedelta(days=1)


def walk_add(start: date, n: int) -> date:
    d = start
    while n > 0:
        d += ONE_DAY
        if chinese_calendar.is_workday(d):
            n -= 1
    return d


def walk_between(start: date, end: date) -> int:
    count, d = 0, start
    while d < end:
        d += ONE_DAY
        count += chinese_calendar.is_workday(d)
    return count


def run(*, seed: int = 12345, array_size: int = 1_000_000, samples: int = 300) -> list[Row]:
    rng = random.Random(seed)
    cal = default_calendar()
    span = (LAST_START - FIRST).days
    starts = [FIRST + timedelta(days=rng.randrange(span + 1)) for _ in range(samples)]
    ends = [walk_add(s, N) for s in starts]
    assert [cal.add_workdays(s, N) for s in starts] == ends
    assert [cal.workdays_between(s, e) for s, e in zip(starts, ends, strict=True)] == [N] * samples
    assert [walk_between(s, e) for s, e in zip(starts, ends, strict=True)] == [N] * samples

    rows = []
    add = cal.add_workdays
    ours = time_per_call(lambda: [add(s, N) for s in starts], calls=len(starts))
    base = time_per_call(lambda: [walk_add(s, N) for s in starts], calls=len(starts),
                         min_time=0.0, repeat=2)
    rows.append(speedup("add_workdays(d, 20), one call", ours,
                        "day-by-day loop, chinese_calendar.is_workday", base, at_least=200,
                        note=f"{samples} random start days 2004-2026, same answers checked"))

    between = cal.workdays_between
    pairs = list(zip(starts, ends, strict=True))
    ours = time_per_call(lambda: [between(s, e) for s, e in pairs], calls=len(pairs))
    base = time_per_call(lambda: [walk_between(s, e) for s, e in pairs], calls=len(pairs),
                         min_time=0.0, repeat=2)
    rows.append(speedup("workdays_between(d, d+20 wd), one call", ours,
                        "day-by-day loop, chinese_calendar.is_workday", base, at_least=200,
                        note=f"the same {samples} spans of 20 working days"))

    # 3. a million start dates, against NumPy's business-day calendar.
    gen = np.random.default_rng(seed)
    first64 = np.datetime64(FIRST.isoformat(), "D")
    start_arr = first64 + gen.integers(0, span + 1, size=array_size).astype("timedelta64[D]")
    days_off = [
        np.datetime64(d, "D")
        for d in (FIRST + timedelta(days=i) for i in range((LAST - FIRST).days + 1))
        if not chinese_calendar.is_workday(d)
    ]
    busdaycal = np.busdaycalendar(weekmask="1111111", holidays=days_off)
    one = np.timedelta64(1, "D")

    def numpy_offset() -> np.ndarray:
        # The day after the start, rolled forward to a working day, is the 1st working
        # day after the start; 19 more working days make the 20th.
        return np.busday_offset(start_arr + one, N - 1, roll="forward", busdaycal=busdaycal)

    ours_arr = cal.add_workdays_array(start_arr, N)
    theirs = numpy_offset()
    same = int(np.count_nonzero(ours_arr == theirs))
    identical = same == array_size
    assert identical, f"answers differ on {array_size - same} of {array_size} dates"
    ours = time_per_call(lambda: cal.add_workdays_array(start_arr, N), repeat=3, min_time=0.0)
    base = time_per_call(numpy_offset, repeat=3, min_time=0.0)
    rows.append(speedup(f"add_workdays_array, {array_size:,} dates", ours,
                        "numpy.busday_offset, same calendar", base, at_least=2,
                        also=identical, extra_goal="identical answers",
                        note=f"answers identical: {'yes' if identical else 'NO'}"
                        f" ({same:,} of {array_size:,})"))
    print_table("workdays", rows)
    return rows


if __name__ == "__main__":
    run()
