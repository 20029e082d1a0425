"""Answer 503 with a plain message when the database is gone, never a 500 traceback."""

from __future__ import annotations

import logging

from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        if isinstance(exception, DatabaseError) and not _looks_like_lost_connection(exception):
            return None
        log.warning("database unavailable: %s", exception)
        # Drop the broken connection so the next request reconnects by itself.
        for conn in connections.all(initialized_only=True):
            conn.close_if_unusable_or_obsolete()
        message = _("The service is briefly unavailable. Please try again in a moment.")
        response: HttpResponse
        if request.path.startswith(("/api/", "/open311/")) or "json" in request.headers.get(
            "Accept", ""
        ):
            response = JsonResponse({"detail": message, "code": "unavailable"}, status=503)
        else:
            response = HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = "5"
        return response


def _looks_like_lost_connection(exc: Exception) -> bool:
    text = str(exc).lower()
    markers = (
        "connection",
        "server closed",
        "terminating",
        "could not connect",
        "shutting down",
        "database is locked",
        "the database system is",
        "ssl syscall",
    )
    return isinstance(exc, InterfaceError) or any(m in text for m in markers)
