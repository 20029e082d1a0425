"""What every case page shares: domain errors as pages, htmx detection, staff-only pages."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from onetrip.accounts.selectors import scope_of
from onetrip.errors import Conflict, DomainError, NotFound, PermissionDenied

View = Callable[..., HttpResponse]


def is_htmx(request: HttpRequest) -> bool:
    """A request htmx sent (it wants a fragment back, not a whole page)."""
    return request.headers.get("HX-Request") == "true" and not request.headers.get(
        "HX-History-Restore-Request")


def error_page(request: HttpRequest, exc: DomainError, *, status: int | None = None
               ) -> HttpResponse:
    status = status or exc.status
    titles = {403: _("You cannot do this"), 404: _("Page not found"),
              409: _("This could not be done"), 400: _("There is a problem")}
    return render(request, "approvals/error.html", {
        "title": titles.get(status, _("There is a problem")), "message": str(exc.reason),
        "status": status,
    }, status=status)


def domain_errors(view: View) -> View:
    """NotFound → 404 and PermissionDenied → 403 pages; a Conflict left unhandled → 409 page."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except (NotFound, Http404) as exc:
            if isinstance(exc, Http404):
                exc = NotFound(_("This page does not exist, or you may not see it."))
            return error_page(request, exc, status=404)
        except PermissionDenied as exc:
            return error_page(request, exc, status=403)
        except Conflict as exc:
            return error_page(request, exc, status=409)

    return wrapper


def staff_only(view: View) -> View:
    """The workbench: staff of some unit (or county-wide roles); others get 403."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not scope_of(request.user).is_staff_member:
            return error_page(request, PermissionDenied(
                _("The workbench is for the staff of the centre and the departments.")),
                status=403)
        return view(request, *args, **kwargs)

    return wrapper


def safe_next(request: HttpRequest, fallback: str) -> str:
    """Where to go back to after an action (a local URL only)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                   require_https=request.is_secure()):
        return target
    return fallback


def with_query(url: str, params: dict[str, str]) -> str:
    query = urlencode({k: v for k, v in params.items() if v})
    return f"{url}?{query}" if query else url


def flash_conflict(request: HttpRequest, exc: DomainError) -> None:
    messages.error(request, str(exc.reason))
