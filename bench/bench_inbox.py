"""A department's inbox page with 100,000 open tasks, on PostgreSQL.

The county holds 100,000 open review tasks, every one of them in the one
department whose inbox is read (the worst case for that department: the
issue asks for 100,000 in the county). Rows are made in SQL with
generate_series: cases, their items, running clocks with deadlines spread
over two months, some paused, and the tasks. The page is the real one, through
Django's test client with a logged-in handler (session, scope, count, the
page of ids, its rows, the template); the median of repeated requests is
compared with the goal (< 100 ms) and with a baseline measured in the same
run: the same client fetching the plain JSON view /healthz/live.
"""

from __future__ import annotations

import statistics
import time

from bench.common import Row, print_table

OPEN_TASKS = 100_000
REQUESTS = 40
DEPARTMENT = "zrzy"

_POPULATE = """
WITH item AS (
    SELECT v.id AS version_id, v.item_id, i.name FROM catalog_itemversion v
    JOIN catalog_serviceitem i ON i.id = v.item_id
    WHERE i.department_id = %(dept)s ORDER BY v.id LIMIT 1
), cases AS (
    INSERT INTO approvals_case (number, query_code, state, channel, title, applicant_name,
        applicant_id_number, applicant_phone, application, delivery_method, delivery_address,
        outcome, not_accepted_reason, deemed_accepted, created_at, intake_round, trips,
        extension_days, intake_unit_id, submitted_at, accepted_at)
    SELECT 'BENCH-' || g, 'Q' || g, 'in_review', 'online', item.name, '申请人' || g,
        '', '', '{}'::jsonb, 'electronic', '', '', '', false, %(now)s, 1, 0, 0, %(centre)s,
        %(now)s, %(now)s
    FROM generate_series(1, %(n)s) g, item
    RETURNING id
), items AS (
    INSERT INTO approvals_caseitem (position, name, route, route_label, case_id,
        department_id, item_id, item_version_id)
    SELECT 0, item.name, 'normal', '', cases.id, %(dept)s, item.item_id, item.version_id
    FROM cases, item
    RETURNING id, case_id
)
SELECT count(*) FROM items
"""

_CLOCKS_AND_TASKS = """
WITH clocks AS (
    INSERT INTO monitoring_clock (subject_type, subject_id, purpose, label, unit_id, policy,
        limit_unit, "limit", legal_limit, started_at, pauses, extensions, provisional,
        deadline_at, legal_deadline_at, signal)
    SELECT 'approvals.case', ci.case_id::text, 'task-bench-' || ci.id, '选址', %(dept)s,
        'default', 'workdays', 20, 20, %(now)s,
        CASE WHEN ci.id %% 50 = 0
             THEN '[{"reason": "supplement", "start": "2026-03-02T10:00:00+08:00", "end": null}]'
             ELSE '[]' END::jsonb,
        '[]'::jsonb, false,
        CASE WHEN ci.id %% 50 = 0 THEN NULL
             ELSE %(now)s + make_interval(mins => ((ci.id * 7919) %% 86400)::int) END,
        %(now)s + interval '60 days', 'normal'
    FROM approvals_caseitem ci WHERE ci.department_id = %(dept)s
    RETURNING id, subject_id::bigint AS case_id, deadline_at
)
INSERT INTO approvals_task (kind, state, route, extension_days, created_at, decision_note,
    case_id, case_item_id, department_id, clock_id, started_at, deadline_at)
SELECT 'review', CASE WHEN clocks.deadline_at IS NULL THEN 'supplement' ELSE 'pending' END,
    'normal', 0, %(now)s, '', ci.case_id, ci.id, %(dept)s, clocks.id, %(now)s,
    clocks.deadline_at
FROM clocks JOIN approvals_caseitem ci ON ci.case_id = clocks.case_id
"""


def _populate(now) -> None:
    from django.db import connection

    from onetrip.accounts.models import OrgUnit

    dept = OrgUnit.objects.get(code=DEPARTMENT).pk
    centre = OrgUnit.objects.filter(kind="centre").order_by("pk").first().pk
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE approvals_task, approvals_caseitem, approvals_case CASCADE")
        cursor.execute(
            "DELETE FROM monitoring_clock WHERE subject_type = 'approvals.case'"
        )
        params = {"dept": dept, "centre": centre, "now": now, "n": OPEN_TASKS}
        cursor.execute(_POPULATE, params)
        cursor.execute(_CLOCKS_AND_TASKS, params)
        cursor.execute("VACUUM ANALYZE approvals_task")
        cursor.execute("VACUUM ANALYZE approvals_case")
        cursor.execute("VACUUM ANALYZE approvals_caseitem")
        cursor.execute("VACUUM ANALYZE monitoring_clock")


def _median_ms(client, path: str) -> float:
    times = []
    for _ in range(REQUESTS):
        start = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            raise AssertionError(f"{path} answered {response.status_code}")
    return statistics.median(times)


def run() -> list[Row]:
    from bench.django_db import setup

    setup("onetrip_bench_inbox")
    from datetime import UTC, datetime

    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from onetrip.accounts import demo as accounts_demo
    from onetrip.accounts.models import User
    from onetrip.catalog import demo as catalog_demo

    settings.ALLOWED_HOSTS = ["*"]
    accounts_demo.seed()
    catalog_demo.seed()
    _populate(datetime(2026, 3, 2, 2, tzinfo=UTC))
    client = Client()
    client.force_login(User.objects.get(username=f"handler-{DEPARTMENT}"))
    client.get("/cases/work/inbox/")  # warm up: templates, translations, the calendar
    queries: list[str] = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        page = client.get("/cases/work/inbox/")
    if page.status_code != 200 or page.content.count(b"BENCH-") < 20:
        raise AssertionError("the inbox did not list the bench's tasks")
    inbox = _median_ms(client, "/cases/work/inbox/")
    filtered = _median_ms(client, "/cases/work/inbox/?state=pending&page=3")
    plain = _median_ms(client, "/healthz/live")
    rows = [
        Row(figure=f"inbox page, {OPEN_TASKS:,} open tasks in the department", value=inbox,
            baseline="plain JSON view, same client", baseline_value=plain,
            ratio=inbox / plain, goal="< 100 ms", ok=inbox < 100, unit="ms (median)",
            note=f"{len(queries)} queries; {REQUESTS} requests"),
        Row(figure="the same, filtered by state, page 3", value=filtered,
            baseline="plain JSON view, same client", baseline_value=plain,
            ratio=filtered / plain, goal="< 100 ms", ok=filtered < 100, unit="ms (median)"),
    ]
    print_table("department inbox (PostgreSQL)", rows)
    return rows


if __name__ == "__main__":
    run()
