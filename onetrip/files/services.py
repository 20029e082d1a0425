"""Checking and storing uploads: allowed types by content, a size limit, no web root."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, QuerySet
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
    return store_uploads({field: upload}, by=by)[field]


def store_uploads(uploads: Mapping[str, UploadedFile], *, by=None) -> dict[str, StoredFile]:
    """Check and store several uploads, keyed by the form field each came in (named in
    any refusal). The same content is stored once on disk; all of them take one
    lock statement and one INSERT, whatever their number."""
    checked = []
    for field, upload in uploads.items():
        content_type, extension = check_upload(upload, field=field)
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        checked.append((field, upload, content_type, extension, digest.hexdigest()))
    if not checked:
        return {}
    # No savepoint: inside a service's transaction it adds two round trips.
    with transaction.atomic(savepoint=False):
        _lock_contents({sha for *_rest, sha in checked})
        rows = []
        for _field, upload, content_type, extension, sha in checked:
            relative = Path(sha[:2]) / f"{sha}{extension}"
            target = Path(settings.MEDIA_ROOT) / relative
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                tmp = target.with_suffix(target.suffix + f".{os.getpid()}.tmp")
                with open(tmp, "wb") as out:
                    for chunk in upload.chunks():
                        out.write(chunk)
                os.replace(tmp, target)
            rows.append(StoredFile(
                sha256=sha,
                content_type=content_type,
                size=upload.size,
                original_name=os.path.basename(upload.name or "file")[:255],
                path=str(relative),
                uploaded_by=by if getattr(by, "pk", None) else None,
            ))
        stored = StoredFile.objects.bulk_create(rows)
    return {field: row for (field, *_rest), row in zip(checked, stored, strict=True)}


def _lock_contents(sha256s: set[str]) -> None:
    """Serialise storing and purging these contents until the transaction ends.

    Without it a purge could remove the file on disk between an upload's
    "the file is already there" and its row becoming visible. The locks are
    taken in one statement, in a fixed order (so two writers cannot deadlock).
    On SQLite write transactions are serialised already.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended(s, 0))"
                " FROM (SELECT s FROM unnest(%s::text[]) AS s ORDER BY s) AS sorted",
                [sorted(sha256s)],
            )


# --- removing what nothing uses -------------------------------------------------------------

PURGE_BATCH = 500


@dataclass
class Purged:
    rows: int = 0
    files: int = 0


def _unused() -> QuerySet[StoredFile]:
    """Stored files no row of any app refers to (found from the foreign keys to StoredFile,
    so a new app's attachments are covered without changing this)."""
    queryset = StoredFile.objects.all()
    # include_hidden: the foreign keys are declared with related_name="+"
    relations = [f for f in StoredFile._meta.get_fields(include_hidden=True)
                 if f.auto_created and not f.concrete and (f.one_to_many or f.one_to_one)]
    for relation in relations:
        referrers = relation.related_model._base_manager.filter(
            **{relation.field.attname: OuterRef("pk")}
        )
        queryset = queryset.filter(~Exists(referrers))
    return queryset


def purge_unused(*, now: datetime, older_than: timedelta, batch_size: int = PURGE_BATCH
                 ) -> Purged:
    """Delete uploads nothing refers to that are older than `older_than`, and their content
    on disk once no stored file has it.

    Uploads wait unreferenced for a while on purpose: a draft's page, an API
    client between `POST /api/uploads` and its case, a citizen on the hotline's
    check-your-answers step. Each batch is its own short transaction; the
    reference check is repeated in the DELETE, so a file that gained a
    reference meanwhile stays.
    """
    result = Purged()
    cutoff = now - older_than
    while True:
        with transaction.atomic():
            batch = list(_unused().filter(uploaded_at__lt=cutoff)
                         .order_by("pk").values_list("pk", "sha256", "path")[:batch_size])
            if not batch:
                return result
            deleted, _per_model = _unused().filter(pk__in=[row[0] for row in batch]).delete()
            result.rows += deleted
        for sha, path in {(row[1], row[2]) for row in batch}:
            with transaction.atomic():
                _lock_contents({sha})
                if not StoredFile.objects.filter(sha256=sha).exists():
                    (Path(settings.MEDIA_ROOT) / path).unlink(missing_ok=True)
                    result.files += 1
        if len(batch) < batch_size:
            return result


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
