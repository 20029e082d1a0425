"""Every write to users, units, memberships and API tokens."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from onetrip.audit.services import record_event

from .models import ApiToken, Membership, OrgUnit, Role, User

TOKEN_PREFIX = "ot_"


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


@transaction.atomic
def issue_api_token(*, user: User, by: User | None = None, name: str = "") -> str:
    """Create a token for `user` and return it in clear; only its digest is kept."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=raw[: len(TOKEN_PREFIX) + 6], digest=token_digest(raw)
    )
    record_event(
        action="accounts.token_issued",
        obj=user,
        actor=by,
        payload={"token": token.pk, "prefix": token.prefix, "name": name},
    )
    return raw


@transaction.atomic
def revoke_api_token(*, token: ApiToken, by: User | None) -> None:
    updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if updated:
        record_event(
            action="accounts.token_revoked",
            obj=token.user,
            actor=by,
            payload={"token": token.pk, "prefix": token.prefix},
        )


@transaction.atomic
def upsert_unit(
    *,
    code: str,
    name: str,
    kind: str,
    parent: OrgUnit | None = None,
    short_name: str = "",
    sort_order: int = 0,
    by: User | None = None,
) -> OrgUnit:
    """Create the unit `code`, or bring it up to date; an event only when something changed."""
    wanted = {
        "name": name,
        "kind": kind,
        "parent_id": parent.pk if parent else None,
        "short_name": short_name,
        "sort_order": sort_order,
    }
    unit = OrgUnit.objects.select_for_update().filter(code=code).first()
    if unit is None:
        unit = OrgUnit.objects.create(code=code, **wanted)
        action = "accounts.unit_created"
    else:
        changed = {k: v for k, v in wanted.items() if getattr(unit, k) != v}
        if not changed:
            return unit
        for key, value in changed.items():
            setattr(unit, key, value)
        unit.save(update_fields=list(changed))
        action = "accounts.unit_updated"
    record_event(
        action=action,
        obj=unit,
        actor=by,
        payload={
            "code": code,
            "name": name,
            "kind": kind,
            "parent": parent.code if parent else None,
        },
    )
    return unit


@transaction.atomic
def grant_role(
    *, user: User, unit: OrgUnit, role: Role | str, by: User | None = None
) -> Membership:
    membership, created = Membership.objects.get_or_create(user=user, unit=unit, role=role)
    if created:
        record_event(
            action="accounts.role_granted",
            obj=user,
            actor=by,
            payload={"unit": unit.code, "role": str(role)},
        )
    return membership


@transaction.atomic
def revoke_role(*, user: User, unit: OrgUnit, role: Role | str, by: User | None = None) -> None:
    deleted, _ = Membership.objects.filter(user=user, unit=unit, role=role).delete()
    if deleted:
        record_event(
            action="accounts.role_revoked",
            obj=user,
            actor=by,
            payload={"unit": unit.code, "role": str(role)},
        )
