"""Who may see what: the one place every app scopes its queries through.

Rules:
- administrators (and superusers), efficiency officers and county leaders see
  the whole county;
- staff (clerk, handler, head, operator) see rows belonging to the units they
  hold a staff role in (and that unit's sub-units);
- everyone sees rows they own themselves (an applicant's own cases).

Apps call `visible_to(queryset, user, unit_field=..., owner_field=...)` and
never filter by role themselves; a view that shows a row a user could not
find through this function is a bug.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from django.db.models import Q, QuerySet

from .models import Membership, OrgUnit, Role, User

COUNTY_WIDE_ROLES = frozenset({Role.ADMIN, Role.OFFICER, Role.LEADER})
STAFF_ROLES = frozenset({Role.CLERK, Role.HANDLER, Role.HEAD, Role.OPERATOR})


@dataclass(frozen=True)
class Scope:
    user_id: int | None
    roles: frozenset[str]
    county_wide: bool
    units_by_role: dict[str, frozenset[int]]

    def units(self, *roles: str) -> frozenset[int]:
        wanted = roles or tuple(STAFF_ROLES)
        found: set[int] = set()
        for role in wanted:
            found |= self.units_by_role.get(role, frozenset())
        return frozenset(found)

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @cached_property
    def is_staff_member(self) -> bool:
        return self.county_wide or bool(self.roles & STAFF_ROLES)


ANONYMOUS = Scope(user_id=None, roles=frozenset(), county_wide=False, units_by_role={})


def scope_of(user: User | None) -> Scope:
    """The user's scope, computed once per user object (two queries)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return ANONYMOUS
    cached = getattr(user, "_onetrip_scope", None)
    if cached is not None:
        return cached
    memberships = list(Membership.objects.filter(user=user).values_list("role", "unit_id"))
    direct: dict[str, set[int]] = {}
    for role, unit_id in memberships:
        direct.setdefault(role, set()).add(unit_id)
    children = _children_index() if direct else {}
    return remember_scope(
        user,
        [(role, unit) for role, ids in direct.items() for unit in _with_descendants(ids, children)],
    )


def remember_scope(user: User, grants: Iterable[tuple[str, int]]) -> Scope:
    """Set and return the scope of `user` from (role, unit id) pairs that already include
    every sub-unit of each unit a role is held in.

    For callers that read the memberships together with something else in one
    query (the bearer-token authentication does): the rules stay here.
    """
    units_by_role: dict[str, set[int]] = {}
    for role, unit_id in grants:
        units_by_role.setdefault(role, set()).add(unit_id)
    roles = frozenset(units_by_role)
    scope = Scope(
        user_id=user.pk,
        roles=roles,
        county_wide=user.is_superuser or bool(roles & COUNTY_WIDE_ROLES),
        units_by_role={role: frozenset(ids) for role, ids in units_by_role.items()},
    )
    user._onetrip_scope = scope
    return scope


def _children_index() -> dict[int, list[int]]:
    index: dict[int, list[int]] = {}
    for unit_id, parent_id in OrgUnit.objects.values_list("id", "parent_id"):
        if parent_id is not None:
            index.setdefault(parent_id, []).append(unit_id)
    return index


def _with_descendants(unit_ids: set[int], children: dict[int, list[int]]) -> set[int]:
    seen: set[int] = set()
    stack = list(unit_ids)
    while stack:
        unit_id = stack.pop()
        if unit_id in seen:
            continue
        seen.add(unit_id)
        stack.extend(children.get(unit_id, ()))
    return seen


def visible_to(
    queryset: QuerySet,
    user: User | None,
    *,
    unit_field: str | None = None,
    owner_field: str | None = None,
    unit_roles: tuple[str, ...] = (),
) -> QuerySet:
    """Restrict `queryset` to the rows `user` may see.

    unit_field: the path to the org unit a row belongs to (e.g. "department").
    owner_field: the path to the user who owns a row (e.g. "applicant").
    unit_roles: which roles in that unit grant sight (default: every staff role).
    """
    scope = scope_of(user)
    if scope.county_wide:
        return queryset
    condition = Q(pk__in=[])
    if unit_field:
        units = scope.units(*unit_roles)
        if units:
            condition |= Q(**{f"{unit_field}__in": units})
    if owner_field and scope.user_id is not None:
        condition |= Q(**{owner_field: scope.user_id})
    return queryset.filter(condition)


def units_of(user: User, *roles: str) -> QuerySet[OrgUnit]:
    """The units in which `user` holds one of `roles` (directly)."""
    return OrgUnit.objects.filter(memberships__user=user, memberships__role__in=roles).distinct()
