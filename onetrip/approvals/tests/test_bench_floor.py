"""The benches' floors write, per case, the rows that OneTrip itself writes: the lifecycle
bench's for a whole case, the API bench's for one create."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from bench import bench_approvals, peers
from onetrip.accounts import demo as accounts_demo
from onetrip.accounts.models import User
from onetrip.approvals.models import (
    Case,
    CaseItem,
    CaseMaterial,
    Certificate,
    Delivery,
    Notice,
    Task,
)
from onetrip.audit.models import Event
from onetrip.catalog import demo as catalog_demo
from onetrip.catalog.models import Package
from onetrip.files.models import StoredFile
from onetrip.monitoring.models import Clock

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

KINDS = ("case", "item", "file", "material", "clock", "task", "certificate", "notice",
         "delivery", "audit")


def _onetrip_rows_of_one_case() -> dict[str, int]:
    from onetrip.approvals import selectors

    accounts_demo.seed()
    catalog_demo.seed()
    package = Package.objects.get(code=bench_approvals.PACKAGE)
    form = selectors.application_form(package=package, user=None)
    handlers = {u.username.removeprefix("handler-"): u
                for u in User.objects.filter(username__startswith="handler-")}
    before = Event.objects.count()
    bench_approvals._lifecycle(
        package, form, User.objects.get(username="applicant2"), User.objects.get(username="clerk"),
        handlers, datetime(2026, 3, 2, 10, tzinfo=ZoneInfo("Asia/Shanghai")))
    (case,) = Case.objects.all()
    counts = {
        "case": 1,
        "item": CaseItem.objects.filter(case=case).count(),
        "file": StoredFile.objects.count(),
        "material": CaseMaterial.objects.filter(case=case).count(),
        "clock": Clock.objects.count(),
        "task": Task.objects.filter(case=case).count(),
        "certificate": Certificate.objects.filter(case=case).count(),
        "notice": Notice.objects.filter(case=case).count(),
        "delivery": Delivery.objects.filter(case=case).count(),
        "audit": Event.objects.count() - before,
    }
    return counts


def _floor_rows_of_one_case() -> tuple[dict[str, int], int]:
    connection.ensure_connection()
    raw = connection.connection  # the test database, through Django's own psycopg connection
    with raw.cursor() as cursor:
        cursor.execute(peers._FLOOR_SCHEMA)
    raw.commit()
    transactions = peers._floor_case(raw, peers._FloorChain(), departments=8)
    with raw.cursor() as cursor:
        counts = {}
        for kind in KINDS:
            cursor.execute(f"SELECT count(*) FROM floor_{kind}")  # noqa: S608 (names above)
            counts[kind] = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM floor_audit a JOIN floor_audit b "
                       "ON b.case_id = a.case_id AND b.seq = a.seq + 1 AND b.prev = a.hash")
        links = cursor.fetchone()[0]
        cursor.execute(peers._FLOOR_SCHEMA.split("CREATE", 1)[0])
    raw.commit()
    assert links == counts["audit"] - 1, "the floor's audit events form one chain"
    return counts, transactions


def test_the_floor_writes_the_rows_and_transactions_of_onetrips_lifecycle():
    floor, transactions = _floor_rows_of_one_case()
    assert floor == _onetrip_rows_of_one_case()
    assert transactions == 2 + 2 * 8  # apply, accept, 8 sign-fors, 8 approvals


def test_the_api_floor_writes_the_rows_of_one_api_create(client):
    import json

    from bench import bench_approvals_http
    from onetrip.accounts.services import issue_api_token

    accounts_demo.seed()
    catalog_demo.seed()
    applicant = User.objects.get(username="applicant2")
    body = bench_approvals_http._application(applicant)
    token = issue_api_token(user=applicant, name="bench")
    events_before, files_before = Event.objects.count(), StoredFile.objects.count()
    answer = client.post("/api/cases", json.dumps(body), content_type="application/json",
                         HTTP_AUTHORIZATION=f"Bearer {token}")
    assert answer.status_code == 201, answer.content
    case = Case.objects.get(number=answer.json()["number"])
    ours = {
        "case": 1, "item": CaseItem.objects.filter(case=case).count(),
        "file": StoredFile.objects.count() - files_before,
        "material": CaseMaterial.objects.filter(case=case).count(),
        "clock": Clock.objects.filter(subject_id=str(case.pk)).count(),
        "notice": Notice.objects.filter(case=case).count(),
        "audit": Event.objects.count() - events_before,
    }
    connection.ensure_connection()
    raw = connection.connection
    with raw.cursor() as cursor:
        cursor.execute(peers._FLOOR_SCHEMA)
    raw.commit()
    with raw.transaction():
        peers.floor_apply(raw, peers._FloorChain(), fields=json.dumps(body["fields"]), items=1,
                          files=0, materials=list(body["materials"]))
    floor = {}
    with raw.cursor() as cursor:
        for kind in ours:
            cursor.execute(f"SELECT count(*) FROM floor_{kind}")  # noqa: S608 (names above)
            floor[kind] = cursor.fetchone()[0]
        cursor.execute(peers._FLOOR_SCHEMA.split("CREATE", 1)[0])
    raw.commit()
    assert floor == ours
    assert ours["material"] >= 1 and ours["audit"] >= 2
