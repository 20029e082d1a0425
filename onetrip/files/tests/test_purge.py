"""Uploads nothing refers to are purged after the retention; anything in use stays."""

from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from onetrip.approvals import services as approvals
from onetrip.approvals.models import CaseMaterial
from onetrip.approvals.tests.builders import make_world, single_uploads
from onetrip.files.models import StoredFile
from onetrip.files.services import purge_unused, store_upload

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
OTHER_PDF = PDF + b"% another document\n"
MONTH = timedelta(days=30)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored(content: bytes, *, days_old: int) -> StoredFile:
    row = store_upload(SimpleUploadedFile("扫描件.pdf", content))
    StoredFile.objects.filter(pk=row.pk).update(
        uploaded_at=timezone.now() - timedelta(days=days_old))
    return row


def on_disk(media, row: StoredFile) -> bool:
    return (Path(media) / row.path).exists()


def test_an_old_upload_nothing_refers_to_is_removed_with_its_content(media):
    old = stored(PDF, days_old=31)
    recent = stored(OTHER_PDF, days_old=29)
    purged = purge_unused(now=timezone.now(), older_than=MONTH)
    assert (purged.rows, purged.files) == (1, 1)
    assert not StoredFile.objects.filter(pk=old.pk).exists() and not on_disk(media, old)
    assert StoredFile.objects.filter(pk=recent.pk).exists() and on_disk(media, recent)


def test_content_another_upload_still_has_stays_on_disk(media):
    old = stored(PDF, days_old=40)
    newer = stored(PDF, days_old=1)  # the same bytes uploaded again: one file on disk
    purged = purge_unused(now=timezone.now(), older_than=MONTH)
    assert (purged.rows, purged.files) == (1, 0)
    assert old.path == newer.path and on_disk(media, newer)


def test_materials_of_a_case_are_never_purged(county, media):
    world = make_world(county)
    case = approvals.apply_online(by=world.applicant, item=world.item_a,
                                  uploads=single_uploads(world.item_a))
    used = StoredFile.objects.filter(pk__in=CaseMaterial.objects.filter(case=case)
                                     .values("file_id"))
    StoredFile.objects.update(uploaded_at=timezone.now() - timedelta(days=365))
    assert purge_unused(now=timezone.now(), older_than=MONTH).rows == 0
    assert all(on_disk(media, row) for row in used)


def test_storing_the_content_again_after_a_purge_writes_it_again(media):
    old = stored(PDF, days_old=31)
    purge_unused(now=timezone.now(), older_than=MONTH)
    again = store_upload(SimpleUploadedFile("again.pdf", PDF))
    assert again.path == old.path and on_disk(media, again)


def test_the_command_purges_in_batches_and_says_how_many(media):
    for i in range(5):
        stored(PDF + f"% copy {i}\n".encode(), days_old=60)
    out = StringIO()
    call_command("purge_unused_uploads", "--older-than-days", "30", "--batch-size", "2",
                 stdout=out)
    assert "purged 5 unused uploads older than 30 days (5 files" in out.getvalue()
    assert StoredFile.objects.count() == 0
