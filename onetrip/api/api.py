"""The JSON API: one NinjaAPI, one error shape, session (with CSRF) or bearer auth."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import django_auth

from onetrip.accounts.auth import BearerTokenAuth
from onetrip.accounts.selectors import scope_of
from onetrip.errors import DomainError

api = NinjaAPI(
    title="OneTrip API",
    version="1",
    description="Government services, the 12345 hotline and efficiency supervision.",
    auth=[BearerTokenAuth(), django_auth],
    urls_namespace="api",
)


class FieldErrorOut(Schema):
    field: str | None
    reason: str
    code: str


class ErrorOut(Schema):
    detail: str
    errors: list[FieldErrorOut]


def error_body(detail: str, errors: list[dict]) -> dict:
    return {"detail": detail, "errors": errors}


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError):
    errors = [{"field": e.field, "reason": str(e.reason), "code": e.code} for e in exc.errors]
    return api.create_response(request, error_body(str(exc.reason), errors), status=exc.status)


@api.exception_handler(NinjaValidationError)
def on_validation_error(request: HttpRequest, exc: NinjaValidationError):
    errors = []
    for err in exc.errors:
        loc = [
            str(part)
            for part in err.get("loc", ())
            if part not in ("body", "payload", "query", "path")
        ]
        errors.append(
            {"field": ".".join(loc) or None, "reason": err.get("msg", ""), "code": "invalid"}
        )
    return api.create_response(
        request, error_body(_("The request has invalid fields."), errors), status=422
    )


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError):
    return api.create_response(
        request,
        error_body(
            _("Log in or send a valid API token."),
            [{"field": None, "reason": _("Not authenticated"), "code": "unauthenticated"}],
        ),
        status=401,
    )


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError):
    return api.create_response(
        request,
        error_body(str(exc), [{"field": None, "reason": str(exc), "code": "error"}]),
        status=exc.status_code,
    )


class MembershipOut(Schema):
    unit: str
    unit_name: str
    role: str


class MeOut(Schema):
    username: str
    name: str
    roles: list[MembershipOut]
    county_wide: bool


@api.get("/me", response=MeOut, tags=["accounts"])
def me(request: HttpRequest):
    """Who the caller is, and their roles: what a token acts as."""
    user = request.user
    memberships = user.memberships.select_related("unit").order_by("unit__code", "role")
    return {
        "username": user.username,
        "name": str(user),
        "roles": [
            {"unit": m.unit.code, "unit_name": m.unit.name, "role": m.role} for m in memberships
        ],
        "county_wide": scope_of(user).county_wide,
    }


from onetrip.api.catalog import router as catalog_router  # noqa: E402

api.add_router("/catalog", catalog_router)

from onetrip.api.hotline import router as hotline_router  # noqa: E402

api.add_router("/hotline", hotline_router)

from onetrip.api.approvals import router as approvals_router  # noqa: E402

api.add_router("", approvals_router)
