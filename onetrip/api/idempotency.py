"""`Idempotency-Key` for the API's writes: a retried request gets the first answer again.

Decorate an operation with `@decorate_view(idempotent)` (any router):

- no header: the request runs as usual;
- a new key: the request runs and its response (status and body) is kept
  for the retention (`settings.IDEMPOTENCY_HOURS`, a day by default), unless
  it is a server error (then the client may retry);
- the same key again, from the same user, with the same method, path and
  body: the kept response is sent again with `Idempotent-Replayed: true`,
  and nothing runs a second time;
- the same key with another body or path: 422, naming the header;
- the same key while the first request still runs: 409, naming the header.

The key is claimed by a unique (user, key) row before the request runs, so
two requests racing with one key cannot both run. JSON bodies are compared
by meaning (key order and spacing do not matter), multipart bodies by their
fields and the SHA-256 of each file.

A key past the retention acts as a new one; `purge()` (the cron job
`manage.py purge_idempotency_keys`) deletes such keys so the table stays small.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import IdempotencyKey

HEADER = "Idempotency-Key"
MAX_LENGTH = 255
REPLAYED_HEADER = "Idempotent-Replayed"
PURGE_BATCH = 1000


def retention() -> timedelta:
    """How long a key replays its first answer (read per call, so tests may override it)."""
    return timedelta(hours=settings.IDEMPOTENCY_HOURS)


def _error(status: int, reason: str, code: str) -> JsonResponse:
    return JsonResponse({"detail": reason,
                         "errors": [{"field": HEADER, "reason": reason, "code": code}]},
                        status=status)


def _caller(request: HttpRequest) -> Any:
    """Who sends the request, by the API's own authentication (bearer token or session)."""
    from .api import api

    for auth in api.auth or ():
        try:
            user = auth(request)
        except Exception:  # a failed CSRF check: the operation itself will say so
            user = None
        if user:
            return user
    return None


def fingerprint(request: HttpRequest) -> str:
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.path}\n".encode())
    content_type = request.content_type or ""
    if content_type.startswith("multipart/"):
        for name in sorted(request.POST):
            for value in request.POST.getlist(name):
                digest.update(f"field {name}={value}\n".encode())
        for name in sorted(request.FILES):
            for upload in request.FILES.getlist(name):
                file_digest = hashlib.sha256()
                for chunk in upload.chunks():
                    file_digest.update(chunk)
                upload.seek(0)
                digest.update(f"file {name}={upload.name}:{file_digest.hexdigest()}\n".encode())
        return digest.hexdigest()
    body = request.body
    if content_type == "application/json" or body[:1] in (b"{", b"["):
        try:
            body = json.dumps(json.loads(body or b"null"), sort_keys=True,
                              separators=(",", ":")).encode()
        except ValueError:
            pass
    digest.update(body)
    return digest.hexdigest()


def _claim(user: Any, key: str, request: HttpRequest, print_: str
           ) -> tuple[IdempotencyKey, bool]:
    now = timezone.now()
    IdempotencyKey.objects.filter(user=user, key=key, created_at__lt=now - retention()).delete()
    try:
        with transaction.atomic():
            return IdempotencyKey.objects.create(
                user=user, key=key, method=request.method or "", path=request.path[:400],
                fingerprint=print_, created_at=now,
            ), True
    except IntegrityError:
        found = IdempotencyKey.objects.filter(user=user, key=key).first()
        if found is None:  # expired and deleted by a concurrent request meanwhile
            return _claim(user, key, request, print_)
        return found, False


def idempotent(run: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @functools.wraps(run)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        raw = request.headers.get(HEADER)
        if raw is None:
            return run(request, *args, **kwargs)
        key = raw.strip()
        if not key or len(key) > MAX_LENGTH:
            return _error(400, _("An Idempotency-Key is 1 to %(max)d characters.")
                          % {"max": MAX_LENGTH}, "invalid")
        user = _caller(request)
        if user is None:
            return run(request, *args, **kwargs)  # answers 401 or 403 itself
        print_ = fingerprint(request)
        record, created = _claim(user, key, request, print_)
        if not created:
            if record.fingerprint != print_:
                return _error(422, _("This Idempotency-Key was used for a different request; "
                                     "use a new key for a new request."), "idempotency_mismatch")
            if record.status_code is None:
                return _error(409, _("A request with this Idempotency-Key is still being "
                                     "processed; retry in a moment."), "idempotency_in_progress")
            replay = HttpResponse(bytes(record.body), status=record.status_code,
                                  content_type=record.content_type or "application/json")
            replay[REPLAYED_HEADER] = "true"
            return replay
        try:
            response = run(request, *args, **kwargs)
        except BaseException:
            IdempotencyKey.objects.filter(pk=record.pk).delete()
            raise
        if response.status_code >= 500 or getattr(response, "streaming", False):
            IdempotencyKey.objects.filter(pk=record.pk).delete()
            return response
        IdempotencyKey.objects.filter(pk=record.pk).update(
            status_code=response.status_code, body=response.content,
            content_type=response.get("Content-Type", "")[:100],
        )
        return response

    return wrapper


def purge(*, now: datetime | None = None, older_than: timedelta | None = None,
          batch_size: int = PURGE_BATCH) -> int:
    """Delete the keys created before `now - older_than` (default: the retention);
    returns how many this call deleted.

    One short transaction per batch of `batch_size` rows, found through the
    index on `created_at`, so a large backlog never holds locks for long. Two
    purges at once (cron overlapping itself) share the work: on PostgreSQL each
    skips the rows the other has locked, and a row is counted by whoever
    deleted it.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    cutoff = (now or timezone.now()) - (retention() if older_than is None else older_than)
    expired = IdempotencyKey.objects.filter(created_at__lt=cutoff).order_by("created_at")
    total = 0
    while True:
        with transaction.atomic():
            pks = list(expired.select_for_update(skip_locked=True)
                       .values_list("pk", flat=True)[:batch_size])
            if not pks:
                return total
            deleted, _detail = IdempotencyKey.objects.filter(pk__in=pks).delete()
        total += deleted
