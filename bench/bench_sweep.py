"""The e-monitoring sweep's cost follows the signals due, not the clocks open.

On PostgreSQL: 1,000,000 open clocks of which 10,000 are due must sweep in
under 1 s; with 100,000 open and the same 10,000 due the sweep must take at
least half as long (so growing the open set tenfold costs at most 2x).
Rows are loaded with COPY; the sweep itself is the real service (raising
the signals, their audit events and moving `next_signal_at` on).
"""

from __future__ import annotations

import io
import time
from datetime import UTC, datetime, timedelta

from bench.common import Row, print_table

DUE = 10_000
SIZES = (1_000_000, 100_000)


def _load(cursor, total: int, due: int, unit_id: int, now: datetime) -> None:
    buf = io.StringIO()
    start = now - timedelta(days=30)
    for i in range(total):
        if i < due:
            pre = now - timedelta(hours=1 + i % 20)
            nxt = pre
        else:
            pre = now + timedelta(days=1 + i % 20, minutes=i % 1440)
            nxt = pre
        yellow = pre + timedelta(days=2)
        red = pre + timedelta(days=9)
        buf.write(
            f"approvals.task\t{i}\tdecision\tbench {i}\t{unit_id}\tdefault\tworkdays\t5\t20\t"
            f"{start.isoformat()}\t[]\t[]\t{yellow.isoformat()}\t{red.isoformat()}\tf\t"
            f"{pre.isoformat()}\t{yellow.isoformat()}\t{red.isoformat()}\tnormal\t{nxt.isoformat()}\n"
        )
    buf.seek(0)
    columns = (
        "subject_type, subject_id, purpose, label, unit_id, policy, limit_unit, \"limit\", "
        "legal_limit, started_at, pauses, extensions, deadline_at, legal_deadline_at, provisional, "
        "prewarning_at, yellow_at, red_at, signal, next_signal_at"
    )
    with cursor.copy(f"COPY monitoring_clock ({columns}) FROM STDIN") as copy:
        while chunk := buf.read(1 << 20):
            copy.write(chunk)


def _reset(cursor) -> None:
    cursor.execute(
        "TRUNCATE monitoring_noticeread, monitoring_raisedsignal, monitoring_clock, "
        "audit_event, audit_checkpoint CASCADE"
    )


def _timed_sweep(now: datetime) -> tuple[float, int]:
    from onetrip.monitoring.services import sweep

    t0 = time.perf_counter()
    result = sweep(now=now)
    return time.perf_counter() - t0, result.total


def run() -> list[Row]:
    from bench.django_db import setup

    setup("onetrip_bench_sweep")
    from django.db import connection

    from onetrip.accounts.models import OrgUnit, UnitKind

    unit, _ = OrgUnit.objects.get_or_create(
        code="bench-dept", defaults={"name": "基准测试局", "kind": UnitKind.DEPARTMENT}
    )
    now = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
    timings: dict[int, float] = {}
    for total in SIZES:
        with connection.cursor() as cursor:
            _reset(cursor)
            _load(cursor.cursor, total, DUE, unit.pk, now)
            cursor.execute("ANALYZE monitoring_clock")
        seconds, raised = _timed_sweep(now)
        if raised != DUE:
            raise AssertionError(f"expected {DUE} signals, raised {raised}")
        again, raised_again = _timed_sweep(now)
        if raised_again != 0:
            raise AssertionError("a second sweep raised signals again")
        timings[total] = seconds
    with connection.cursor() as cursor:
        _reset(cursor)
    big, small = timings[SIZES[0]], timings[SIZES[1]]
    rows = [
        Row(
            figure=f"sweep: {DUE:,} due among {SIZES[0]:,} open",
            value=big, baseline="absolute goal", baseline_value=1.0, ratio=1.0 / big,
            goal="< 1 s", ok=big < 1.0,
            note="raises 10,000 pre-warnings with their audit events; a second sweep raises none",
        ),
        Row(
            figure=f"sweep: {DUE:,} due among {SIZES[1]:,} open",
            value=small, baseline=f"the same {DUE:,} due among {SIZES[0]:,} open",
            baseline_value=big, ratio=small / big,
            goal=">= 0.5x the 1,000,000 time (cost follows what is due)", ok=small / big >= 0.5,
        ),
    ]
    print_table("e-monitoring sweep (PostgreSQL)", rows)
    return rows


if __name__ == "__main__":
    run()
