from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from onetrip.accounts.models import Role
from onetrip.accounts.selectors import scope_of, units_of


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html")


@login_required
def workbench(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request.user)
    memberships = request.user.memberships.select_related("unit").order_by("unit__sort_order")
    return render(
        request,
        "web/workbench.html",
        {
            "memberships": memberships,
            "scope": scope,
            "departments": units_of(request.user, Role.HANDLER, Role.HEAD),
            # Registering at the window is a centre clerk's own work: county-wide
            # roles see the intake queue but do not register walk-ins.
            "registers_walk_ins": bool(scope.units(Role.CLERK)),
        },
    )


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure to reach the database is "unhealthy"
        connection.close_if_unusable_or_obsolete()
        return JsonResponse({"status": "unavailable", "database": str(exc)[:200]}, status=503)
    return JsonResponse({"status": "ok", "database": connection.vendor})


@never_cache
@require_GET
def liveness(request: HttpRequest) -> JsonResponse:
    """The process answers (no database): for load balancers, and the benches' plain JSON view."""
    return JsonResponse({"status": "alive"})
