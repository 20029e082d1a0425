"""Writing to the audit log: one function that every service calls in its own transaction."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.db import IntegrityError, models, transaction
from django.utils import timezone

from .hashing import GENESIS, canonical_json, checkpoint_hash, event_hash
from .models import ChainHead, Checkpoint, Event


def object_key(obj: models.Model) -> tuple[str, str]:
    """The chain an object's events belong to: its model label and primary key."""
    return obj._meta.label_lower, str(obj.pk)


def _lock_head(object_type: str, object_id: str) -> ChainHead:
    """Lock (creating if needed) the head of one object's chain for this transaction."""
    head = (
        ChainHead.objects.select_for_update()
        .filter(object_type=object_type, object_id=object_id)
        .first()
    )
    if head is not None:
        return head
    try:
        with transaction.atomic():
            return ChainHead.objects.create(
                object_type=object_type, object_id=object_id, seq=0, hash=GENESIS
            )
    except IntegrityError:
        # Another transaction created this chain first; wait for its lock.
        return ChainHead.objects.select_for_update().get(
            object_type=object_type, object_id=object_id
        )


def record_event(
    *,
    action: str,
    obj: models.Model | None = None,
    actor: Any = None,
    payload: dict[str, Any] | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    at: datetime | None = None,
) -> Event:
    """Append one event to the chain of `obj` (or of `object_type`/`object_id`).

    Must be called inside the caller's `transaction.atomic()`, so that the
    state change and its event commit or roll back together.
    """
    if obj is not None:
        object_type, object_id = object_key(obj)
    if not object_type or object_id is None:
        raise ValueError("record_event needs obj, or object_type and object_id")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("record_event must run inside the caller's transaction.atomic()")
    at = at or timezone.now()
    # Stored exactly as hashed: the round trip through JSON fixes dates,
    # decimals and tuples into their JSON forms before the hash is taken.
    clean_payload = json.loads(canonical_json(payload or {}))
    actor_obj = actor if getattr(actor, "pk", None) is not None else None
    actor_name = actor_obj.get_username() if actor_obj is not None else (actor or "system")

    head = _lock_head(object_type, str(object_id))
    seq = head.seq + 1
    digest = event_hash(
        at=at,
        actor_name=actor_name,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        seq=seq,
        payload=clean_payload,
        prev_hash=head.hash,
    )
    event = Event.objects.create(
        at=at,
        actor=actor_obj,
        actor_name=actor_name,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        seq=seq,
        payload=clean_payload,
        prev_hash=head.hash,
        hash=digest,
    )
    ChainHead.objects.filter(pk=head.pk).update(seq=seq, hash=digest)
    return event


def seal(*, now: datetime | None = None, attempts: int = 5) -> Checkpoint:
    """Chain the heads of every object chain into a new global checkpoint.

    Safe to run from cron, also twice at once: a checkpoint's predecessor is
    unique, so of two racing seals one lands and the other retries on top of it.
    """
    for attempt in range(attempts):
        try:
            with transaction.atomic():
                return _seal_once(now=now or timezone.now())
        except IntegrityError:
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


def _seal_once(*, now: datetime) -> Checkpoint:
    last = Checkpoint.objects.select_for_update().order_by("-id").first()
    heads = {
        f"{t}:{i}": [seq, h]
        for t, i, seq, h in ChainHead.objects.order_by("object_type", "object_id").values_list(
            "object_type", "object_id", "seq", "hash"
        )
    }
    # The sum of the heads' positions, not a separate COUNT: it must describe
    # exactly the snapshot of heads taken above.
    event_count = sum(seq for seq, _hash in heads.values())
    prev = last.hash if last else GENESIS
    digest = checkpoint_hash(at=now, heads=heads, event_count=event_count, prev_hash=prev)
    return Checkpoint.objects.create(
        at=now, heads=heads, event_count=event_count, prev_hash=prev, hash=digest
    )
