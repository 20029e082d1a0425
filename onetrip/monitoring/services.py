"""Every write to clocks, and the sweep that raises their signals.

Apps never touch Clock rows themselves: they start, pause, resume, extend and
stop clocks here, inside their own transaction, and these functions keep the
stored deadline and signal times equal to their recomputation from the
clock's own history (tests hold them to that).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from onetrip.audit.services import object_key, record_event
from onetrip.bulk import update_by_pk
from onetrip.errors import Conflict
from onetrip.prepared import update_where
from onetrip.workdays import clocks as pure
from onetrip.workdays.calendar import SHANGHAI, Calendar
from onetrip.workdays.services import current_calendar

from .models import SEVERITY, Clock, ClockUnit, RaisedSignal, SignalKind
from .policies import policy_named


def as_pure_clock(clock: Clock, calendar: Calendar | None = None) -> pure.Clock:
    """The pure model of a stored clock, for computing deadlines and states."""
    unit = clock.limit_unit

    def amount(value: float) -> int | float:
        return int(value) if unit == ClockUnit.WORKDAYS else float(value)

    return pure.Clock(
        calendar=calendar or current_calendar(),
        start=clock.started_at,
        limit=pure.Limit(amount(clock.limit), unit),
        legal_limit=(
            pure.Limit(amount(clock.legal_limit), unit) if clock.legal_limit is not None else None
        ),
        pauses=tuple(
            pure.Pause(
                reason=p["reason"],
                start=_dt(p["start"]),
                end=_dt(p["end"]) if p.get("end") else None,
            )
            for p in clock.pauses
        ),
        extensions=tuple(
            pure.Extension(amount(e["amount"]), e["reason"]) for e in clock.extensions
        ),
        done_at=clock.done_at,
    )


def _dt(value: str | datetime) -> datetime:
    return value if isinstance(value, datetime) else parse_datetime(value)


def refresh(clock: Clock, calendar: Calendar | None = None) -> None:
    """Recompute the stored deadline columns and the next signal (in memory)."""
    model = as_pure_clock(clock, calendar)
    deadline = model.deadline()
    legal = model.legal_deadline()
    times = model.signal_times(policy_named(clock.policy))
    clock.deadline_at = deadline.at if deadline else None
    clock.legal_deadline_at = legal.at if legal else None
    clock.provisional = bool((deadline and deadline.provisional) or (legal and legal.provisional))
    clock.prewarning_at = times[pure.Signal.PREWARNING]
    clock.yellow_at = times[pure.Signal.YELLOW]
    clock.red_at = times[pure.Signal.RED]
    clock.next_signal_at = next_signal_at(clock)


def next_signal_at(clock: Clock) -> datetime | None:
    """The earliest time of a signal more severe than the one already raised."""
    if clock.done_at is not None:
        return None
    raised = SEVERITY.index(clock.signal) if clock.signal in SEVERITY else -1
    pending = [
        at for kind, at in _signal_times(clock) if SEVERITY.index(kind) > raised and at is not None
    ]
    return min(pending) if pending else None


def _signal_times(clock: Clock) -> list[tuple[str, datetime | None]]:
    return [
        (SignalKind.PREWARNING, clock.prewarning_at),
        (SignalKind.YELLOW, clock.yellow_at),
        (SignalKind.RED, clock.red_at),
    ]


def _snapshot(clock: Clock) -> dict[str, Any]:
    return {
        "clock": clock.pk,
        "purpose": clock.purpose,
        "deadline": clock.deadline_at,
        "legal_deadline": clock.legal_deadline_at,
        "provisional": clock.provisional,
    }


def _subject_key(clock: Clock) -> dict[str, str]:
    return {"object_type": clock.subject_type, "object_id": clock.subject_id}


@dataclass(frozen=True)
class ClockSpec:
    """What `start_clocks` needs to start one clock."""

    subject: models.Model
    purpose: str
    limit: float
    start: datetime
    unit: str = ClockUnit.WORKDAYS
    legal_limit: float | None = None
    responsible_unit: Any = None
    assignee: Any = None
    label: str = ""
    policy: str = "default"


def start_clock(*, by: Any = None, **spec: Any) -> Clock:
    """Start the clock `purpose` of `subject`; call inside the caller's transaction."""
    (clock,) = start_clocks([ClockSpec(**spec)], by=by)
    return clock


def start_clocks(specs: list[ClockSpec], *, by: Any = None) -> list[Clock]:
    """Start several clocks at once (one INSERT), each with its `clock.started` event."""
    calendar = current_calendar()
    clocks = []
    for spec in specs:
        policy_named(spec.policy)
        subject_type, subject_id = object_key(spec.subject)
        clock = Clock(
            subject_type=subject_type, subject_id=subject_id, purpose=spec.purpose,
            label=spec.label, unit=spec.responsible_unit, assignee=spec.assignee,
            policy=spec.policy, limit_unit=spec.unit, limit=spec.limit,
            legal_limit=spec.legal_limit, started_at=spec.start,
        )
        refresh(clock, calendar)
        clocks.append(clock)
    Clock.objects.bulk_create(clocks)
    for spec, clock in zip(specs, clocks, strict=True):
        record_event(
            action="clock.started",
            actor=by,
            **_subject_key(clock),
            payload={
                **_snapshot(clock),
                "limit": spec.limit,
                "legal_limit": spec.legal_limit,
                "unit": spec.unit,
                "start": spec.start,
            },
        )
    return clocks


# What a clock operation writes: never `signal`, which only the sweep moves.
_OWN_FIELDS = (
    "pauses", "extensions", "done_at", "deadline_at", "legal_deadline_at", "provisional",
    "prewarning_at", "yellow_at", "red_at", "next_signal_at",
)


def _change(clock: Clock, action: str, by: Any, change: Callable[[Clock], dict | None]
            ) -> Clock:
    """Apply `change` to the clock, recompute it and store it with its event.

    Optimistic: the row is written only if its `revision` is still the one
    the caller read (one UPDATE, no locking read). When the sweep or a
    calendar recompute moved it meanwhile, the row is read again under lock
    and `change` applied to that. `change` returns the event's payload, or
    None when there is nothing to do.
    """
    for fresh in (False, True):
        if fresh:
            clock = Clock.objects.select_for_update().get(pk=clock.pk)
        payload = change(clock)
        if payload is None:
            return clock
        refresh(clock)
        written = update_where(
            Clock, {"revision": clock.revision + 1, **{f: getattr(clock, f) for f in _OWN_FIELDS}},
            pk=clock.pk, revision=clock.revision,
        )
        if written:
            clock.revision += 1
            record_event(action=action, actor=by, **_subject_key(clock),
                         payload={**_snapshot(clock), **payload})
            return clock
    raise AssertionError("a clock locked for update could not be written")


def pause_clock(*, clock: Clock, reason: str, at: datetime, by: Any = None) -> Clock:
    """Stop counting from `at` (supplements, special procedures) until resumed."""

    def pause(clock: Clock) -> dict:
        if clock.done_at is not None:
            raise Conflict("the clock has already stopped")
        if clock.is_paused:
            raise Conflict("the clock is already paused")
        clock.pauses = [*clock.pauses, {"reason": reason, "start": at.isoformat(), "end": None}]
        return {"reason": reason, "at": at}

    return _change(clock, "clock.paused", by, pause)


def resume_clock(*, clock: Clock, at: datetime, by: Any = None) -> Clock:
    def resume(clock: Clock) -> dict:
        if not clock.is_paused:
            raise Conflict("the clock is not paused")
        last = dict(clock.pauses[-1])
        if _dt(last["start"]) > at:
            raise Conflict("a pause cannot end before it starts")
        last["end"] = at.isoformat()
        clock.pauses = [*clock.pauses[:-1], last]
        return {"reason": last["reason"], "at": at}

    return _change(clock, "clock.resumed", by, resume)


def extend_clock(*, clock: Clock, amount: float, reason: str, by: Any = None) -> Clock:
    def extend(clock: Clock) -> dict:
        if clock.done_at is not None:
            raise Conflict("the clock has already stopped")
        clock.extensions = [*clock.extensions, {"amount": amount, "reason": reason}]
        return {"amount": amount, "reason": reason}

    return _change(clock, "clock.extended", by, extend)


def stop_clock(*, clock: Clock, at: datetime, by: Any = None) -> Clock:
    """The timed step is done: no more signals; its final state is kept."""

    def stop(clock: Clock) -> dict | None:
        if clock.done_at is not None:
            return None
        if clock.is_paused:
            last = dict(clock.pauses[-1])
            last["end"] = at.isoformat()
            clock.pauses = [*clock.pauses[:-1], last]
        clock.done_at = at
        return {"at": at}

    return _change(clock, "clock.stopped", by, stop)


def reassign_clock(*, clock: Clock, assignee: Any) -> None:
    update_where(Clock, {"assignee_id": getattr(assignee, "pk", assignee)}, pk=clock.pk)


# --- the sweep ------------------------------------------------------------------

SweepHook = Callable[[datetime], dict[str, int]]
_SWEEP_HOOKS: list[SweepHook] = []


def register_sweep_hook(fn: SweepHook) -> SweepHook:
    """Run `fn(now)` on every `sweep_clocks` after the signals are raised.

    For rules that act when a clock runs out rather than only signalling
    (a case deemed accepted after 5 silent working days, a ticket's
    reminder). A hook must be as safe to run twice at once as the sweep, and
    returns counts to print.
    """
    if fn not in _SWEEP_HOOKS:
        _SWEEP_HOOKS.append(fn)
    return fn


def run_sweep_hooks(now: datetime) -> dict[str, int]:
    counts: dict[str, int] = {}
    for hook in _SWEEP_HOOKS:
        counts.update(hook(now))
    return counts


@dataclass
class SweepResult:
    raised: dict[str, int] = field(default_factory=lambda: {k: 0 for k in SEVERITY})
    clocks: int = 0

    @property
    def total(self) -> int:
        return sum(self.raised.values())


def sweep(*, now: datetime | None = None, batch_size: int = 10000) -> SweepResult:
    """Raise every signal that is due, exactly once, in batches.

    Safe to run every minute and twice at once: each batch locks the due
    clocks it takes (on PostgreSQL, skipping those another sweep holds) and
    moves their `next_signal_at` on in the same transaction, and a unique
    (clock, kind) row makes a second raise impossible to store. Its cost
    follows the signals due: it reads `next_signal_at <= now` from an index.
    """
    now = now or timezone.now()
    result = SweepResult()
    while True:
        with transaction.atomic():
            taken = _sweep_batch(now, batch_size, result)
        if taken < batch_size:
            return result


def _sweep_batch(now: datetime, batch_size: int, result: SweepResult) -> int:
    claimed, signals = _claim_due(now, batch_size)
    if not claimed:
        return 0
    signals.sort(key=lambda s: (s[0], SEVERITY.index(s[1])))
    for signal in signals:
        result.raised[signal[1]] += 1
    # One audit event per batch, listing every signal it raised: appending
    # 10,000 events to 10,000 chains cost more than half of the 1 s budget.
    # The RaisedSignal rows are each subject's own record of its signals.
    # Times go in as str() gives them, as the canonical form would write them,
    # so that the JSON encoder calls back into Python for none of them.
    record_event(
        action="monitoring.signals_raised", object_type="monitoring.sweep",
        object_id=now.astimezone(SHANGHAI).date().isoformat(), at=now,
        payload={
            "now": now,
            "signals": [[c, kind, f"{t}:{i}", str(due)] for c, kind, due, t, i in signals],
        },
    )
    result.clocks += claimed
    return claimed


# The new signal of a due clock is the most severe one whose time has come
# (never less than what it had); its next signal time is the earliest time
# of a more severe one; a signal is raised for each level above the old one
# whose time has come. Written once here in SQL for PostgreSQL, where one
# statement claims and moves a whole batch and stores its raised signals,
# and once in Python (`_claim_due_in_python`).
_CLAIM_SQL = """
WITH due AS (
    SELECT id, signal AS old_signal FROM monitoring_clock
    WHERE next_signal_at <= %(now)s ORDER BY next_signal_at LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
), moved AS (
    UPDATE monitoring_clock AS c SET
        signal = CASE
            WHEN c.red_at <= %(now)s OR due.old_signal = 'red' THEN 'red'
            WHEN c.yellow_at <= %(now)s OR due.old_signal = 'yellow' THEN 'yellow'
            ELSE 'prewarning' END,
        next_signal_at = CASE
            WHEN c.red_at <= %(now)s OR due.old_signal = 'red' THEN NULL
            WHEN c.yellow_at <= %(now)s OR due.old_signal = 'yellow' THEN c.red_at
            ELSE LEAST(c.yellow_at, c.red_at) END,
        revision = c.revision + 1
    FROM due WHERE c.id = due.id
    RETURNING c.id, c.subject_type, c.subject_id, c.unit_id, due.old_signal,
              c.prewarning_at, c.yellow_at, c.red_at
), raised AS (
    INSERT INTO monitoring_raisedsignal
        (clock_id, kind, due_at, raised_at, unit_id, subject_type, subject_id)
    SELECT moved.id, level.kind, level.at, %(now)s, moved.unit_id, moved.subject_type,
           moved.subject_id
    FROM moved CROSS JOIN LATERAL (VALUES
        (0, 'prewarning', moved.prewarning_at), (1, 'yellow', moved.yellow_at),
        (2, 'red', moved.red_at)) AS level (rank, kind, at)
    WHERE level.at <= %(now)s AND level.rank > CASE moved.old_signal
        WHEN 'prewarning' THEN 0 WHEN 'yellow' THEN 1 WHEN 'red' THEN 2 ELSE -1 END
    RETURNING clock_id, kind, due_at, subject_type, subject_id
)
SELECT claimed.n, raised.* FROM (SELECT count(*) AS n FROM moved) AS claimed
LEFT JOIN raised ON true
"""


def _claim_due(now: datetime, batch_size: int) -> tuple[int, list[tuple]]:
    """Take up to `batch_size` due clocks, move their signal state on and store the
    signals they raise; (clocks taken, [(clock, kind, due, subject type, subject id)])."""
    if connection.vendor != "postgresql":
        return _claim_due_in_python(now, batch_size)
    with connection.cursor() as cursor:
        cursor.execute(_CLAIM_SQL, {"now": now, "limit": batch_size})
        rows = cursor.fetchall()
    claimed = rows[0][0] if rows else 0
    return claimed, [row[1:] for row in rows if row[1] is not None]


def _claim_due_in_python(now: datetime, batch_size: int) -> tuple[int, list[tuple]]:
    # SQLite: IMMEDIATE transactions already serialise writers.
    rows = list(
        Clock.objects.filter(next_signal_at__lte=now).order_by("next_signal_at").values_list(
            "id", "subject_type", "subject_id", "unit_id", "signal",
            "prewarning_at", "yellow_at", "red_at",
        )[:batch_size]
    )
    new_signal, new_next, signals = [], [], []
    for pk, s_type, s_id, unit_id, signal, pre, yellow, red in rows:
        raised = SEVERITY.index(signal) if signal in SEVERITY else -1
        times = (pre, yellow, red)
        for level, at in enumerate(times):
            if at is not None and at <= now and level > raised:
                signals.append((pk, SEVERITY[level], at, s_type, s_id, unit_id))
                raised = level
        new_signal.append(SEVERITY[raised] if raised >= 0 else signal)
        pending = [at for level, at in enumerate(times) if level > raised and at is not None]
        new_next.append(min(pending) if pending else None)
    ids = [row[0] for row in rows]
    update_by_pk(Clock, ids, {"signal": new_signal, "next_signal_at": new_next})
    Clock.objects.filter(pk__in=ids).update(revision=models.F("revision") + 1)
    RaisedSignal.objects.bulk_create(
        [RaisedSignal(clock_id=pk, kind=kind, due_at=at, raised_at=now, unit_id=unit_id,
                      subject_type=s_type, subject_id=s_id)
         for pk, kind, at, s_type, s_id, unit_id in signals], batch_size=2000)
    return len(rows), [signal[:5] for signal in signals]


# --- calendar changes -------------------------------------------------------------


def recompute_provisional(calendar: Calendar, years: set[int]) -> int:
    """Recompute every provisional clock once a year's calendar is loaded."""
    count = 0
    for clock in Clock.objects.select_for_update().filter(provisional=True):
        refresh(clock, calendar)
        clock.revision += 1
        clock.save()
        record_event(
            action="clock.recomputed",
            **_subject_key(clock),
            payload={**_snapshot(clock), "years": sorted(years)},
        )
        count += 1
    return count
