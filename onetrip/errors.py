"""The one family of errors services raise when a rule is broken.

Views show them beside the field they name; the API maps them, by their
`status`, to one JSON shape: {"detail": ..., "errors": [{"field", "reason", "code"}]}.
Messages are lazily translated so the user reads them in their own language.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class FieldError:
    field: str | None
    reason: str
    code: str = "invalid"


class DomainError(Exception):
    status = 400
    code = "invalid"

    def __init__(
        self,
        reason: object,
        *,
        field: str | None = None,
        code: str | None = None,
        errors: list[FieldError] | None = None,
    ) -> None:
        super().__init__(str(reason))
        self.reason = reason
        self.field = field
        if code:
            self.code = code
        self.errors = errors or [FieldError(field, str(reason), self.code)]


class ValidationFailed(DomainError):
    """Bad input: one or more fields, each with a reason."""

    status = 400
    code = "invalid"


class PermissionDenied(DomainError):
    status = 403
    code = "forbidden"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    """The object changed under the caller (someone else acted first) or the
    action is not allowed in its current state."""

    status = 409
    code = "conflict"


class TransitionNotAllowed(Conflict):
    code = "transition_not_allowed"

    def __init__(self, *, state: str, action: str) -> None:
        super().__init__(
            _("This cannot be done now: “%(action)s” is not allowed in state “%(state)s”.")
            % {"action": action, "state": state},
            field=None,
        )
