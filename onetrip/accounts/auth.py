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


# The user's columns read with the token: the ones an API request uses, in the
# model's order (as Model.from_db wants them). The rest (password, dates) are
# deferred and read only if something asks.
_USER_FIELDS = tuple(
    f.attname for f in User._meta.concrete_fields
    if f.attname in {"id", "username", "first_name", "last_name", "email", "display_name",
                     "phone", "is_staff", "is_active", "is_superuser"}
)


@cache
def _token_sql() -> str:
    """The one query; the same SQL for PostgreSQL and SQLite."""
    q = connection.ops.quote_name
    user_columns = ", ".join(f"u.{q(User._meta.get_field(name).column)}" for name in _USER_FIELDS)
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
    # A cursor rather than User.objects.raw(): this runs on every API request,
    # and the raw queryset's machinery cost more than the query.
    with connection.cursor() as cursor:
        cursor.execute(_token_sql(), [token_digest(raw)])
        rows = cursor.fetchall()
    if not rows:
        return None
    token_id, last_used, *user_values = rows[0][: 2 + len(_USER_FIELDS)]
    user = User.from_db(connection.alias, _USER_FIELDS, [
        bool(v) if name.startswith("is_") else v  # SQLite answers 0/1
        for name, v in zip(_USER_FIELDS, user_values, strict=True)
    ])
    remember_scope(user, [(r[-2], r[-1]) for r in rows if r[-2] is not None])
    now = timezone.now()
    if isinstance(last_used, str):  # SQLite gives the datetime as text
        last_used = parse_datetime(last_used)
    if last_used is not None and timezone.is_naive(last_used):  # or naive, in UTC
        last_used = timezone.make_aware(last_used, UTC)
    # A busy client must not turn every request into a write: once a minute, and the
    # condition is repeated in the UPDATE so that racing processes write it once.
    if last_used is None or now - last_used > LAST_USED_EVERY:
        ApiToken.objects.filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_EVERY),
            pk=token_id,
        ).update(last_used_at=now)
    return user


class BearerTokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user
