"""`Idempotency-Key` for the API's writes: a retried request gets the first answer again.

Decorate an operation with `@decorate_view(idempotent)` (any router):

- no header: the request runs as usual;
- a new key: the request runs and its response (status and body) is kept
  for a day, unless it is a server error (then the client may retry);
- the same key again, from the same user, with the same method, path and
  body: the kept response is sent again with `Idempotent-Replayed: true`,
  and nothing runs a second time;
- the same key with another body or path: 422, naming the header;
- the same key while the first request still runs: 409, naming the header.

The key is claimed by a unique (user, key) row before the request runs, so
two requests racing with one key cannot both run. JSON bodies are compared
by meaning (key order and spacing do not matter), multipart bodies by their
fields and the SHA-256 of each file.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import IdempotencyKey

HEADER = "Idempotency-Key"
KEEP_FOR = timedelta(hours=24)
MAX_LENGTH = 255
REPLAYED_HEADER = "Idempotent-Replayed"


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
    IdempotencyKey.objects.filter(user=user, key=key, created_at__lt=now - KEEP_FOR).delete()
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


def purge(*, now: Any = None) -> int:
    """Delete keys older than a day (from a periodic job); returns how many."""
    now = now or timezone.now()
    deleted, _detail = IdempotencyKey.objects.filter(created_at__lt=now - KEEP_FOR).delete()
    return deleted
