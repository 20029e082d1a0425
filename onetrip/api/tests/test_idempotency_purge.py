"""Idempotency-Keys replay for the retention, then the cron purge deletes them in batches."""

import threading
from datetime import timedelta
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from onetrip.api.idempotency import purge
from onetrip.api.models import IdempotencyKey
from onetrip.files.models import StoredFile

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def applicant(county, client, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    client.force_login(county.applicant)
    return county.applicant


def upload(client, key):
    return client.post("/api/uploads", {"file": SimpleUploadedFile("a.pdf", PDF)},
                       HTTP_IDEMPOTENCY_KEY=key)


def age_keys(hours):
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=hours))


def run_purge(*args):
    out = StringIO()
    call_command("purge_idempotency_keys", *args, stdout=out)
    return out.getvalue()


def make_keys(user, n, *, hours_ago):
    created_at = timezone.now() - timedelta(hours=hours_ago)
    IdempotencyKey.objects.bulk_create(
        IdempotencyKey(user=user, key=f"k{hours_ago}-{i}", method="POST", path="/api/uploads",
                       fingerprint="0" * 64, status_code=201, created_at=created_at)
        for i in range(n)
    )


def test_a_key_inside_the_retention_survives_the_purge_and_still_replays(client, applicant):
    first = upload(client, "upload-1")
    assert first.status_code == 201
    age_keys(23)
    assert "purged 0 idempotency keys older than 24 hours" in run_purge()
    assert IdempotencyKey.objects.filter(key="upload-1").exists()
    again = upload(client, "upload-1")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert StoredFile.objects.filter(uploaded_by=applicant).count() == 1


def test_a_key_past_the_retention_is_purged_and_the_same_key_acts_again(client, applicant):
    first = upload(client, "upload-1")
    age_keys(25)
    assert "purged 1 idempotency keys older than 24 hours" in run_purge()
    assert not IdempotencyKey.objects.exists()
    again = upload(client, "upload-1")
    assert again.status_code == 201 and not again.has_header("Idempotent-Replayed")
    assert again.json()["ref"] != first.json()["ref"]
    assert StoredFile.objects.filter(uploaded_by=applicant).count() == 2
    # the new answer is kept in turn
    assert upload(client, "upload-1")["Idempotent-Replayed"] == "true"


def test_the_retention_comes_from_the_setting(client, applicant, settings):
    settings.IDEMPOTENCY_HOURS = 2
    upload(client, "upload-1")
    age_keys(3)
    # past the retention the key acts as new even before any purge has run
    again = upload(client, "upload-1")
    assert not again.has_header("Idempotent-Replayed")
    age_keys(3)
    assert "purged 1 idempotency keys older than 2 hours" in run_purge()


def test_older_than_hours_overrides_the_setting(county):
    make_keys(county.applicant, 2, hours_ago=30)
    make_keys(county.applicant, 3, hours_ago=50)
    assert "purged 3 idempotency keys older than 48 hours" in run_purge("--older-than-hours", "48")
    assert IdempotencyKey.objects.count() == 2
    assert "purged 2 idempotency keys" in run_purge()
    assert "purged 0 idempotency keys" in run_purge()


def test_it_deletes_in_batches_one_statement_each(county):
    make_keys(county.applicant, 5, hours_ago=25)
    make_keys(county.applicant, 2, hours_ago=1)
    with CaptureQueriesContext(connection) as queries:
        assert purge(batch_size=2) == 5
    deletes = [q["sql"] for q in queries if q["sql"].startswith("DELETE")]
    assert len(deletes) == 3  # 2 + 2 + 1, never one statement over the whole table
    # fast delete: the kept bodies are never loaded into Python to be deleted
    assert not any('"body"' in q["sql"] for q in queries)
    assert IdempotencyKey.objects.count() == 2


@pytest.mark.parametrize("args", [("--older-than-hours", "0"), ("--batch-size", "0")])
def test_bad_arguments_are_refused(county, args):
    make_keys(county.applicant, 1, hours_ago=25)
    with pytest.raises(CommandError, match=args[0]):
        run_purge(*args)
    assert IdempotencyKey.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_purges_at_once_share_the_work_and_delete_each_key_once(county):
    make_keys(county.applicant, 500, hours_ago=25)
    counts, errors = [], []
    start = threading.Barrier(2)

    def run():
        try:
            start.wait()
            counts.append(purge(batch_size=20))
        except Exception as exc:  # reported below: a failure in a thread must fail the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sum(counts) == 500
    assert not IdempotencyKey.objects.exists()
