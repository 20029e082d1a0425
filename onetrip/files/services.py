"""Checking and storing uploads: allowed types by content, a size limit, no web root."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse
from django.utils.translation import gettext_lazy as _

from onetrip.errors import ValidationFailed

from .models import StoredFile

# Content signatures: what a file IS, whatever its name says.
SIGNATURES: list[tuple[bytes, str, str]] = [
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
]


def sniff(head: bytes) -> tuple[str, str] | None:
    for magic, content_type, extension in SIGNATURES:
        if head.startswith(magic):
            return content_type, extension
    return None


def check_upload(upload: UploadedFile, *, field: str = "file") -> tuple[str, str]:
    """Refuse what is too large, empty or not a PDF, JPEG or PNG by content.

    Returns (content_type, extension). Raises ValidationFailed naming `field`.
    """
    limit = settings.UPLOAD_MAX_BYTES
    if upload.size is None or upload.size == 0:
        raise ValidationFailed(_("The file is empty."), field=field, code="empty_file")
    if upload.size > limit:
        raise ValidationFailed(
            _("The file is %(size).1f MB; the limit is %(limit).1f MB.")
            % {"size": upload.size / 1048576, "limit": limit / 1048576},
            field=field,
            code="file_too_large",
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    found = sniff(head)
    if found is None:
        raise ValidationFailed(
            _("Only PDF, JPEG and PNG files are accepted; this file is none of them."),
            field=field,
            code="file_type",
        )
    return found


def store_upload(upload: UploadedFile, *, by=None, field: str = "file") -> StoredFile:
    """Check and store `upload`; the same content is stored once on disk."""
    content_type, extension = check_upload(upload, field=field)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    sha = digest.hexdigest()
    relative = Path(sha[:2]) / f"{sha}{extension}"
    target = Path(settings.MEDIA_ROOT) / relative
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(target.suffix + f".{os.getpid()}.tmp")
        with open(tmp, "wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        os.replace(tmp, target)
    return StoredFile.objects.create(
        sha256=sha,
        content_type=content_type,
        size=upload.size,
        original_name=os.path.basename(upload.name or "file")[:255],
        path=str(relative),
        uploaded_by=by if getattr(by, "pk", None) else None,
    )


def file_response(stored: StoredFile, *, inline: bool = True) -> FileResponse:
    """Serve a stored file. Callers check permission first; this only sends bytes."""
    path = Path(settings.MEDIA_ROOT) / stored.path
    response = FileResponse(
        open(path, "rb"),
        content_type=stored.content_type,
        as_attachment=not inline,
        filename=stored.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
