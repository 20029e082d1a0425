from __future__ import annotations

from django.http import HttpRequest

from onetrip.accounts.selectors import scope_of

from .nav import main_nav


def navigation(request: HttpRequest) -> dict:
    """What the header needs: the main links and the user's roles."""
    scope = scope_of(getattr(request, "user", None))
    return {"scope": scope, "roles": scope.roles, "main_nav": main_nav()}
