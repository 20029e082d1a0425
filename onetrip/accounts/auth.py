"""Bearer-token authentication for programs calling the JSON API.

A request with a token costs one query: the live token, its active user and
the user's roles with every sub-unit of the units they are held in (a
recursive CTE), from which the user's scope is set. Revoking the token,
deactivating the user or changing a role therefore takes effect on the next
request. `last_used_at` is written at most once a minute per token.
"""

from __future__ import annotations

from datetime import UTC, timedelta
from functools import cache

from django.db import connection
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from ninja.security import HttpBearer

from .models import ApiToken, Membership, OrgUnit, User
from .selectors import remember_scope
from .services import token_digest

LAST_USED_EVERY = timedelta(seconds=60)


@cache
def _token_sql() -> str:
    """The one query; the same SQL for PostgreSQL and SQLite."""
    q = connection.ops.quote_name
    user_columns = ", ".join(f"u.{q(f.column)}" for f in User._meta.concrete_fields)
    token, user = ApiToken._meta.db_table, User._meta.db_table
    membership, unit = Membership._meta.db_table, OrgUnit._meta.db_table
    return (
        "WITH RECURSIVE tok AS ("
        f" SELECT t.id AS token_id, t.last_used_at AS token_last_used, {user_columns}"
        f" FROM {q(token)} t JOIN {q(user)} u ON u.id = t.user_id"
        " WHERE t.digest = %s AND t.revoked_at IS NULL AND u.is_active),"
        " grants(role, unit_id) AS ("
        f" SELECT m.role, m.unit_id FROM {q(membership)} m JOIN tok ON m.user_id = tok.id"
        f" UNION SELECT g.role, o.id FROM grants g JOIN {q(unit)} o ON o.parent_id = g.unit_id)"
        " SELECT tok.*, grants.role AS grant_role, grants.unit_id AS grant_unit"
        " FROM tok LEFT JOIN grants ON 1 = 1"
    )


def user_for_token(raw: str) -> User | None:
    """The active user a live token stands for (with its scope set), or None."""
    rows = list(User.objects.raw(_token_sql(), [token_digest(raw)]))
    if not rows:
        return None
    user = rows[0]
    remember_scope(user, [(r.grant_role, r.grant_unit) for r in rows if r.grant_role is not None])
    now = timezone.now()
    last_used = user.token_last_used
    if isinstance(last_used, str):  # SQLite gives an annotation's datetime as text
        last_used = parse_datetime(last_used)
    if last_used is not None and timezone.is_naive(last_used):  # or naive, in UTC
        last_used = timezone.make_aware(last_used, UTC)
    # A busy client must not turn every request into a write: once a minute, and the
    # condition is repeated in the UPDATE so that racing processes write it once.
    if last_used is None or now - last_used > LAST_USED_EVERY:
        ApiToken.objects.filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_EVERY),
            pk=user.token_id,
        ).update(last_used_at=now)
    return user


class BearerTokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user
