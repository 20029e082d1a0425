"""Stored clocks keep their deadlines exact; the sweep raises each signal once."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from onetrip.audit.models import Event
from onetrip.audit.verify import verify
from onetrip.errors import Conflict
from onetrip.monitoring import services
from onetrip.monitoring.models import Clock, RaisedSignal

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def at(y, m, d, h=10, mi=0):
    return datetime(y, m, d, h, mi, tzinfo=SH)


def start(subject, *, limit=5, legal=None, when=None, purpose="decision"):
    with transaction.atomic():
        return services.start_clock(
            subject=subject,
            purpose=purpose,
            limit=limit,
            legal_limit=legal,
            start=when or at(2026, 2, 10),
            responsible_unit=subject,
            label="test",
        )


def test_a_clock_ends_at_the_end_of_the_nth_working_day_across_a_make_up_saturday(county):
    clock = start(county.dept_a, limit=5, legal=20)
    # 2026-02-10 + 5 working days = 2026-02-24 (14 Feb is a make-up Saturday,
    # 15-23 Feb the Spring Festival): late from 00:00 on the 25th.
    assert clock.deadline_at == at(2026, 2, 25, 0)
    assert clock.provisional is False
    assert Event.objects.filter(action="clock.started").count() == 1


def test_pausing_moves_the_deadline_by_the_paused_working_days(county):
    clock = start(county.dept_a, limit=5, when=at(2026, 3, 2))  # Monday
    assert clock.deadline_at == at(2026, 3, 10, 0)  # Mon 9 March is the 5th
    with transaction.atomic():
        clock = services.pause_clock(clock=clock, reason="补正", at=at(2026, 3, 3, 9))
    assert clock.deadline_at is None and clock.next_signal_at is None  # held by an open pause
    with transaction.atomic():
        clock = services.resume_clock(clock=clock, at=at(2026, 3, 5, 16))
    # paused at the end of 3 and 4 March: two working days later
    assert clock.deadline_at == at(2026, 3, 12, 0)


def test_extensions_add_working_days(county):
    clock = start(county.dept_a, limit=5, legal=20, when=at(2026, 3, 2))
    with transaction.atomic():
        clock = services.extend_clock(clock=clock, amount=10, reason="情况复杂")
    assert clock.deadline_at == at(2026, 3, 24, 0)


def test_a_stopped_clock_raises_nothing(county):
    clock = start(county.dept_a, limit=1, when=at(2026, 3, 2))
    with transaction.atomic():
        services.stop_clock(clock=clock, at=at(2026, 3, 2, 15))
    assert services.sweep(now=at(2026, 4, 30)).total == 0


def test_the_sweep_raises_each_signal_exactly_once_in_order(county):
    clock = start(county.dept_a, limit=3, legal=5, when=at(2026, 3, 2))  # Mon
    assert services.sweep(now=at(2026, 3, 3)).total == 0
    # 3 days, 1/3 left = 1 day: pre-warning from the start of the 3rd day (Thu 5th)
    first = services.sweep(now=at(2026, 3, 5, 9))
    assert first.raised["prewarning"] == 1 and first.total == 1
    assert services.sweep(now=at(2026, 3, 5, 10)).total == 0
    second = services.sweep(now=at(2026, 3, 6, 9))  # committed deadline passed at 00:00 on the 6th
    assert second.raised == {"prewarning": 0, "yellow": 1, "red": 0}
    third = services.sweep(now=at(2026, 3, 10, 9))  # legal 5 days ended with Mon 9th
    assert third.raised["red"] == 1
    assert services.sweep(now=at(2026, 5, 1)).total == 0
    kinds = list(
        RaisedSignal.objects.filter(clock=clock).order_by("id").values_list("kind", flat=True)
    )
    assert kinds == ["prewarning", "yellow", "red"]
    clock.refresh_from_db()
    assert clock.signal == "red" and clock.next_signal_at is None
    assert verify().ok


def test_a_late_sweep_raises_every_missed_signal_at_once(county):
    start(county.dept_a, limit=3, legal=5, when=at(2026, 3, 2))
    result = services.sweep(now=at(2026, 6, 1))
    assert result.raised == {"prewarning": 1, "yellow": 1, "red": 1}


def test_the_sweeps_audit_event_lists_exactly_the_signals_it_stored(county):
    clocks = [start(county.dept_a, limit=3, legal=5, when=at(2026, 3, 2), purpose=f"p{i}")
              for i in range(3)]
    services.sweep(now=at(2026, 3, 5, 9))  # pre-warnings only
    services.sweep(now=at(2026, 3, 10, 9))  # then yellow and red together
    events = Event.objects.filter(action="monitoring.signals_raised").order_by("id")
    listed = [tuple(signal) for event in events for signal in event.payload["signals"]]
    stored = [
        (s.clock_id, s.kind, f"{s.subject_type}:{s.subject_id}", str(s.due_at))
        for s in RaisedSignal.objects.order_by("raised_at", "clock_id", "due_at")
    ]
    assert listed == stored
    assert [(c, k) for c, k, _, _ in listed] == (
        [(c.pk, "prewarning") for c in clocks]
        + [(c.pk, kind) for c in clocks for kind in ("yellow", "red")])
    assert all(s.unit_id == county.dept_a.pk and s.raised_at in (at(2026, 3, 5, 9),
                                                                at(2026, 3, 10, 9))
               for s in RaisedSignal.objects.all())
    assert verify().ok


def test_the_sweep_works_in_batches(county):
    for i in range(7):
        start(county.dept_a, limit=1, when=at(2026, 3, 2), purpose=f"p{i}")
    result = services.sweep(now=at(2026, 3, 20), batch_size=3)
    assert result.clocks == 7
    assert RaisedSignal.objects.count() == 7 * 3


def test_sweep_queries_do_not_grow_with_the_signals_due(county, django_assert_max_num_queries):
    for i in range(30):
        start(county.dept_a, limit=1, when=at(2026, 3, 2), purpose=f"p{i}")
    with django_assert_max_num_queries(20):
        assert services.sweep(now=at(2026, 3, 20)).total == 90


def test_pausing_twice_or_resuming_a_running_clock_is_a_conflict(county):
    clock = start(county.dept_a)
    with pytest.raises(Conflict), transaction.atomic():
        services.resume_clock(clock=clock, at=at(2026, 2, 11))
    with transaction.atomic():
        services.pause_clock(clock=clock, reason="x", at=at(2026, 2, 11))
    with pytest.raises(Conflict), transaction.atomic():
        services.pause_clock(clock=clock, reason="y", at=at(2026, 2, 12))


def test_stored_columns_equal_their_recomputation(county):
    clock = start(county.dept_a, limit=4, legal=20, when=at(2026, 9, 28))
    with transaction.atomic():
        clock = services.pause_clock(clock=clock, reason="特别程序", at=at(2026, 9, 29))
        clock = services.resume_clock(clock=clock, at=at(2026, 10, 9, 11))
        clock = services.extend_clock(clock=clock, amount=2, reason="延期")
    stored = Clock.objects.get(pk=clock.pk)
    recomputed = Clock.objects.get(pk=clock.pk)
    services.refresh(recomputed)
    for name in (
        "deadline_at",
        "legal_deadline_at",
        "prewarning_at",
        "yellow_at",
        "red_at",
        "next_signal_at",
        "provisional",
    ):
        assert getattr(stored, name) == getattr(recomputed, name), name


def _assert_stored_equals_recomputation(clock):
    stored = Clock.objects.get(pk=clock.pk)
    recomputed = Clock.objects.get(pk=clock.pk)
    services.refresh(recomputed)
    for name in ("deadline_at", "legal_deadline_at", "prewarning_at", "yellow_at", "red_at",
                 "next_signal_at", "provisional"):
        assert getattr(stored, name) == getattr(recomputed, name), name


@pytest.mark.parametrize("paused", [False, True])
def test_a_stopped_clock_keeps_columns_equal_to_their_recomputation(county, paused):
    clock = start(county.dept_a, limit=4, legal=20, when=at(2026, 9, 28))
    if paused:
        with transaction.atomic():
            clock = services.pause_clock(clock=clock, reason="补正", at=at(2026, 9, 29))
    running_deadline = clock.deadline_at
    with transaction.atomic():
        clock = services.stop_clock(clock=clock, at=at(2026, 10, 12, 11))
    _assert_stored_equals_recomputation(clock)
    assert clock.next_signal_at is None
    # a pause closed by the stop moved the deadline on by the paused working days
    assert (clock.deadline_at != running_deadline) is paused


def test_a_deadline_in_an_unknown_year_is_provisional_until_the_year_is_loaded(county):
    from onetrip.workdays.services import load_overrides

    clock = start(county.dept_a, limit=5, when=at(2026, 12, 28))
    assert clock.provisional is True
    weekend_only = clock.deadline_at
    # 2027: 1 January a holiday (not a weekend day) moves the deadline one day on
    load_overrides([{"date": "2027-01-01", "is_workday": False, "note": "元旦"}], by=None)
    clock.refresh_from_db()
    assert clock.provisional is False
    assert clock.deadline_at > weekend_only
    assert Event.objects.filter(action="clock.recomputed").count() == 1


def test_a_change_to_a_clock_the_sweep_moved_meanwhile_keeps_the_raised_signal(county):
    stale = start(county.dept_a, limit=3, legal=10, when=at(2026, 3, 2))  # Mon
    assert services.sweep(now=at(2026, 3, 5, 9)).raised["prewarning"] == 1
    with transaction.atomic():
        # `stale` was read before the sweep: it still says "normal"
        extended = services.extend_clock(clock=stale, amount=2, reason="情况复杂")
    stored = Clock.objects.get(pk=stale.pk)
    assert stored.signal == "prewarning"
    assert stored.extensions == [{"amount": 2, "reason": "情况复杂"}]
    # 3 + 2 working days counted from Tue 3 March end with Mon 9 March: late from
    # 00:00 on the 10th; the next signal is the yellow card then, not the
    # pre-warning raised already
    assert stored.deadline_at == at(2026, 3, 10, 0)
    assert stored.next_signal_at == stored.yellow_at == at(2026, 3, 10, 0)
    assert (extended.signal, extended.revision) == (stored.signal, stored.revision)
    assert services.sweep(now=at(2026, 3, 6, 9)).total == 0
