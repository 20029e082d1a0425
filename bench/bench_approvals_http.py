"""Creating cases through the JSON API under load, against a plain JSON view.

A real gunicorn (4 workers, persistent database connections, the production
settings) on 127.0.0.1 and PostgreSQL; wrk with 32 keep-alive connections,
each run bounded in time. First the plain JSON view /healthz/live, then
`POST /api/cases` with a bearer token: an applicant applies online for a
single item, every required field filled and every required material given
as a file uploaded beforehand (`upload:<id>`, as API clients do), so that
each request is a whole submitted application with its receipt notice,
intake clock and audit events. Goals: at least 25 % of the plain view's
requests per second, p99 under 100 ms, no errors; every 201 is a case in
the database. Beside them, the floor: the same body posted to
bench/floor_wsgi.py, which writes the create's rows by hand.
"""

from __future__ import annotations

import json
import urllib.request

import psycopg

from bench import peers
from bench.common import Row, print_table

CONNECTIONS = 32
SECONDS = 10
WORKERS = 4
ITEM = "00013112700401"  # a single item of the demo catalogue with few materials
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

_POST_LUA = """
wrk.method = "POST"
wrk.body = [==[{body}]==]
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer {token}"
"""


def _application(user) -> dict:
    """The request body: the item's required fields and materials (uploaded once, here)."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import transaction

    from bench.bench_approvals import _value
    from onetrip.approvals import selectors
    from onetrip.catalog.models import ServiceItem
    from onetrip.files.services import store_upload

    item = ServiceItem.objects.get(code=ITEM)
    form = selectors.application_form(item=item, user=None)
    materials = {}
    with transaction.atomic():
        for need in form.materials:
            if need.required:
                stored = store_upload(SimpleUploadedFile(f"{need.key}.pdf", PDF,
                                                         "application/pdf"), by=user)
                materials[need.key] = f"upload:{stored.pk}"
    return {
        "item": ITEM,
        "fields": {f["name"]: _value(f) for f in form.fields if f.get("required")},
        "materials": materials,
        "delivery_method": "electronic",
    }


def _post_once(base: str, token: str, body: bytes) -> dict:
    request = urllib.request.Request(
        f"{base}/api/cases", data=body, method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        if response.status != 201:
            raise AssertionError(f"POST /api/cases answered {response.status}")
        return json.loads(response.read())


def _littles_law(plain_per_s: float) -> str:
    """What the two goals ask together: wrk keeps every connection busy, so the
    mean latency is the connections divided by the requests answered per second."""
    at_goal = 0.25 * plain_per_s
    return (f"with {CONNECTIONS} connections always busy, mean latency = {CONNECTIONS} / "
            f"throughput: at 25 % of the plain view ({at_goal:,.0f} req/s) it is "
            f"{CONNECTIONS / at_goal * 1000:,.0f} ms; a mean under 100 ms needs "
            f"{CONNECTIONS / 0.1:,.0f} req/s ({CONNECTIONS / 0.1 / plain_per_s:.2f}x the "
            f"plain view in this run)")


def run() -> list[Row]:
    from bench.django_db import setup

    url = setup("onetrip_bench_http")
    from bench.http import gunicorn, wrk
    from onetrip.accounts import demo as accounts_demo
    from onetrip.accounts.models import User
    from onetrip.accounts.services import issue_api_token
    from onetrip.approvals.models import Case
    from onetrip.catalog import demo as catalog_demo

    accounts_demo.seed()
    catalog_demo.seed()
    applicant = User.objects.get(username="applicant2")
    token = issue_api_token(user=applicant, name="bench")
    body = json.dumps(_application(applicant), ensure_ascii=False)
    from django.db import connection

    with connection.cursor() as cursor:
        # planner statistics for the cases earlier runs left, as a live county has them
        cursor.execute("ANALYZE")

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(peers._FLOOR_SCHEMA)
    post = _POST_LUA.format(body=body, token=token)
    with gunicorn(url, workers=WORKERS, threads=1, app="bench.floor_wsgi:application") as base:
        first = _post_once(base, token, body.encode())
        if first.get("state") != "submitted":
            raise AssertionError(f"the bench's application was not submitted: {first}")
        plain = wrk(f"{base}/healthz/live", connections=CONNECTIONS, seconds=SECONDS)
        before = Case.objects.count()
        creates = wrk(f"{base}/api/cases", connections=CONNECTIONS, seconds=SECONDS, lua=post)
        stored = Case.objects.count() - before
        floor = wrk(f"{base}/bench/floor", connections=CONNECTIONS, seconds=SECONDS, lua=post)
    with psycopg.connect(url, autocommit=True) as conn:
        (floor_stored,) = conn.execute("SELECT count(*) FROM floor_case").fetchone()
        conn.execute(peers._FLOOR_SCHEMA.split("CREATE", 1)[0])
    if floor.errors or floor_stored < floor.requests:
        raise AssertionError(f"the floor answered {floor.summary()}, stored {floor_stored}")
    floor_note = (f"the floor, the rows of such a create written by hand behind the same "
                  f"gunicorn (bench/floor_wsgi.py): {floor.summary()}, "
                  f"{floor.requests_per_s / plain.requests_per_s:.2f}x the plain view")

    ratio = creates.requests_per_s / plain.requests_per_s
    rows = [
        Row(figure="POST /api/cases (one item, submitted), 32 connections",
            value=creates.requests_per_s, baseline="plain JSON view /healthz/live",
            baseline_value=plain.requests_per_s, ratio=ratio, goal=">= 0.25x",
            ok=ratio >= 0.25 and creates.errors == 0, unit="req/s",
            note=f"cases: {creates.summary()}; plain view: {plain.summary()}; {floor_note}"),
        Row(figure="p99 latency of POST /api/cases", value=creates.p99_ms,
            baseline="p99 of the plain JSON view", baseline_value=plain.p99_ms,
            ratio=creates.p99_ms / plain.p99_ms if plain.p99_ms else 0.0, goal="< 100 ms",
            ok=creates.p99_ms < 100, unit="ms", note=_littles_law(plain.requests_per_s)),
        Row(figure="errors; 201s stored as cases", value=creates.errors,
            baseline="requests answered", baseline_value=creates.requests,
            ratio=stored / creates.requests if creates.requests else 0.0,
            goal="0 errors, every answer a case",
            # wrk stops counting at the deadline: up to one request per connection
            # may still be answered (and stored) after it
            ok=creates.errors == 0 and 0 <= stored - creates.requests <= CONNECTIONS,
            unit="errors",
            note=f"{stored:,} cases stored for {creates.requests:,} requests answered"),
    ]
    print_table("cases API under load (PostgreSQL, gunicorn, wrk)", rows)
    return rows


if __name__ == "__main__":
    run()
