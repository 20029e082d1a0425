"""Cases on PostgreSQL: the whole lifecycle through the services, against its peers.

An 8-department package case (the demo county's site-selection joint review)
is driven from online application to delivery: apply, accept, 8 sign-fors and
8 approvals (the last one decides the case and delivers the electronic
certificates), everything persisted with its events, clocks and audit on
PostgreSQL, in one process. Beside it, in the same run: SpiffWorkflow running
the same 8-way parallel approval while saving its state after each step, a
plain psycopg loop of single-row INSERTs, and the floor: the rows such a case
leaves written by hand, one round trip per action, no rule checked.
"""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import datetime
from zoneinfo import ZoneInfo

from bench.common import Row, print_table

CASES = 40
PACKAGE = "xuanzhi"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _lifecycle(package, form, applicant, clerk, handlers, now, spent=None) -> int:
    """Drive one case through; return the number of write transactions it took.

    `spent`, if given, collects the seconds each kind of action took.
    """
    from django.core.files.uploadedfile import SimpleUploadedFile

    from onetrip.approvals import services
    from onetrip.approvals.models import Task

    spent = spent if spent is not None else defaultdict(float)

    def timed(kind, fn, **kwargs):
        start = time.perf_counter()
        result = fn(**kwargs)
        spent[kind] += time.perf_counter() - start
        return result

    uploads = {
        need.key: SimpleUploadedFile(f"{need.key}.pdf", PDF, "application/pdf")
        for need in form.materials if need.required
    }
    fields = {f["name"]: _value(f) for f in form.fields if f.get("required")}
    case = timed("apply", services.apply_online, by=applicant, package=package, fields=fields,
                 uploads=uploads, now=now)
    timed("accept", services.accept_case, case=case, by=clerk, now=now)
    tasks = list(Task.objects.filter(case=case).select_related("department"))
    for task in tasks:
        timed("sign for", services.sign_for_task, task=task,
              by=handlers[task.department.code], now=now)
    for task in tasks:
        timed("approve", services.approve_task, task=task,
              by=handlers[task.department.code], now=now)
    case.refresh_from_db()
    if case.state != "completed":
        raise AssertionError(f"the case ended in state {case.state}")
    return 2 + 2 * len(tasks)


def _value(field: dict):
    kind = field.get("type")
    if kind in ("number", "decimal", "integer"):
        return 1
    if kind in ("bool", "boolean", "yesno"):
        return False
    if choices := field.get("choices"):
        return choices[0] if isinstance(choices[0], str) else choices[0][0]
    return "基准测试"


def run() -> list[Row]:
    from bench.django_db import setup

    url = setup("onetrip_bench")
    from bench import peers
    from onetrip.accounts import demo as accounts_demo
    from onetrip.accounts.models import User
    from onetrip.catalog import demo as catalog_demo
    from onetrip.catalog.models import Package

    accounts_demo.seed()
    catalog_demo.seed()
    package = Package.objects.get(code=PACKAGE)
    applicant = User.objects.get(username="applicant2")
    clerk = User.objects.get(username="clerk")
    handlers = {u.username.removeprefix("handler-"): u
                for u in User.objects.filter(username__startswith="handler-")}
    now = datetime(2026, 3, 2, 10, tzinfo=ZoneInfo("Asia/Shanghai"))

    from onetrip.approvals import selectors

    # The form is read once: the page that shows it is not part of the lifecycle.
    form = selectors.application_form(package=package, user=None)
    _lifecycle(package, form, applicant, clerk, handlers, now)  # warm up
    transactions = 0
    spent: dict[str, float] = defaultdict(float)
    start = time.perf_counter()
    for _ in range(CASES):
        transactions += _lifecycle(package, form, applicant, clerk, handlers, now, spent)
    elapsed = time.perf_counter() - start
    per_case = {"apply": 1, "accept": 1, "sign for": 8, "approve": 8}
    breakdown = ", ".join(f"{kind} {spent[kind] / CASES / n * 1000:.1f} ms"
                          for kind, n in per_case.items())
    ours_cases, ours_tps = CASES / elapsed, transactions / elapsed

    spiff_cases, spiff_tps = peers.spiff_persisted(url, instances=60)
    spiff_memory = peers.spiff_in_memory(instances=200)
    insert_tps = peers.insert_loop_tps(url, seconds=3)
    floor_cases, floor_tps = peers.sql_floor(url, cases=CASES)
    floor = ("the floor, the same rows written by hand with one round trip per action and no "
             "rule checked: {value} ({ratio:.2f}x the baseline)")
    rows = [
        Row(
            figure="8-department case, apply → delivery, persisted", value=ours_cases,
            baseline="SpiffWorkflow, saving its state after each step", baseline_value=spiff_cases,
            ratio=ours_cases / spiff_cases, goal=">= 2x", ok=ours_cases >= 2 * spiff_cases,
            unit="cases/s",
            note=(f"{CASES} cases, {transactions // CASES} write transactions each "
                  f"(each action: {breakdown}); "
                  f"SpiffWorkflow in memory, persisting nothing: {spiff_memory:,.0f} instances/s; "
                  + floor.format(value=f"{floor_cases:.1f} cases/s",
                                 ratio=floor_cases / spiff_cases)),
        ),
        Row(
            figure="write transactions/s in that run", value=ours_tps,
            baseline="psycopg single-row INSERT loop", baseline_value=insert_tps,
            ratio=ours_tps / insert_tps, goal=">= 0.25x", ok=ours_tps >= 0.25 * insert_tps,
            unit="tx/s",
            note=(f"SpiffWorkflow's saves: {spiff_tps:,.0f} tx/s; "
                  + floor.format(value=f"{floor_tps:,.0f} tx/s", ratio=floor_tps / insert_tps)),
        ),
    ]
    print_table("case lifecycle (PostgreSQL, one process)", rows)
    return rows


if __name__ == "__main__":
    run()
