import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from onetrip.errors import ValidationFailed
from onetrip.files.services import check_upload, file_response, store_upload

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.mark.parametrize(
    "content, kind", [(PDF, "application/pdf"), (PNG, "image/png"), (JPEG, "image/jpeg")]
)
def test_pdf_jpeg_and_png_are_accepted_by_content(content, kind):
    upload = SimpleUploadedFile("营业执照.bin", content)
    assert check_upload(upload)[0] == kind


def test_a_renamed_executable_is_refused_whatever_its_name():
    upload = SimpleUploadedFile("身份证.pdf", b"MZ\x90\x00 this is not a pdf")
    with pytest.raises(ValidationFailed) as caught:
        check_upload(upload, field="id_card")
    assert caught.value.field == "id_card" and caught.value.code == "file_type"


def test_empty_and_oversized_files_are_refused(settings):
    settings.UPLOAD_MAX_BYTES = 1024
    with pytest.raises(ValidationFailed, match="empty|空"):
        check_upload(SimpleUploadedFile("a.pdf", b""))
    with pytest.raises(ValidationFailed) as caught:
        check_upload(SimpleUploadedFile("a.pdf", PDF + b"x" * 2048))
    assert caught.value.code == "file_too_large"


def test_stored_files_live_under_media_root_named_by_content(media):
    stored = store_upload(SimpleUploadedFile("申请表.pdf", PDF))
    again = store_upload(SimpleUploadedFile("另一个名字.pdf", PDF))
    assert stored.path == again.path and (media / stored.path).read_bytes() == PDF
    assert stored.original_name == "申请表.pdf"
    response = file_response(stored)
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF


@pytest.mark.django_db
def test_several_uploads_are_stored_at_once_each_named_by_its_field(media):
    from onetrip.files.models import StoredFile
    from onetrip.files.services import store_uploads

    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
    stored = store_uploads({
        "materials.a": SimpleUploadedFile("甲.pdf", PDF),
        "materials.b": SimpleUploadedFile("乙.pdf", PDF),
        "materials.c": SimpleUploadedFile("照片.png", png),
    })
    assert {k: v.original_name for k, v in stored.items()} == {
        "materials.a": "甲.pdf", "materials.b": "乙.pdf", "materials.c": "照片.png"}
    assert all(v.pk for v in stored.values())
    assert stored["materials.a"].path == stored["materials.b"].path  # one content, once on disk
    assert sorted(p.name for p in media.rglob("*.*")) == sorted(
        {stored["materials.a"].path.split("/")[-1], stored["materials.c"].path.split("/")[-1]})

    with pytest.raises(ValidationFailed) as caught:
        store_uploads({"materials.d": SimpleUploadedFile("d.pdf", PDF),
                       "materials.e": SimpleUploadedFile("e.pdf", b"MZ\x90\x00not a pdf")})
    assert caught.value.errors[0].field == "materials.e"
    assert StoredFile.objects.count() == 3  # nothing of the refused batch was stored
