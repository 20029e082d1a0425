"""Writing to the audit log: one function that every service calls in its own transaction."""

from __future__ import annotations

import json
import secrets
from datetime import datetime
from typing import Any

from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone

from .hashing import GENESIS, canonical_json, checkpoint_hash, event_hash, timestamp
from .models import Checkpoint, Event


def object_key(obj: models.Model) -> tuple[str, str]:
    """The chain an object's events belong to: its model label and primary key."""
    return obj._meta.label_lower, str(obj.pk)


def _chain_tail(object_type: str, object_id: str) -> tuple[int, str]:
    """The last (seq, hash) of an object's chain, or (0, GENESIS) for a new chain."""
    tail = (
        Event.objects.filter(object_type=object_type, object_id=object_id)
        .order_by("-seq")
        .values_list("seq", "hash")
        .first()
    )
    return tail or (0, GENESIS)


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

    object_id = str(object_id)
    # No lock of its own (every service already holds the lock of the object
    # it changes): the event goes in at the position after the chain's tail.
    # The tail is remembered per connection, so the next event on the chain
    # is one statement; the INSERT itself checks that the remembered tail is
    # still there and the next position free. When it is not (another writer
    # came first, or the remembered event was rolled back) nothing is
    # inserted and the tail is read again.
    tail = _remembered_tail(object_type, object_id)
    while True:
        if tail is None:
            tail = _chain_tail(object_type, object_id)
        last_seq, prev_hash = tail
        event = Event(
            at=at, actor=actor_obj, actor_name=actor_name, action=action,
            object_type=object_type, object_id=object_id, seq=last_seq + 1,
            payload=clean_payload, prev_hash=prev_hash,
        )
        event.hash = event_hash(
            at=at, actor_name=actor_name, action=action, object_type=object_type,
            object_id=object_id, seq=event.seq, payload=clean_payload, prev_hash=prev_hash,
        )
        if _insert_after(event):
            _remember_tail(event)
            return event
        tail = None


# The last (seq, hash) this connection wrote or read per chain: a hint,
# checked by the database on every use, never trusted on its own.
_TAILS_KEPT = 4096


def _tails() -> dict[tuple[str, str], tuple[int, str]]:
    tails = getattr(connection, "_onetrip_audit_tails", None)
    if tails is None or len(tails) > _TAILS_KEPT:
        tails = connection._onetrip_audit_tails = {}
    return tails


def _remembered_tail(object_type: str, object_id: str) -> tuple[int, str] | None:
    if connection.vendor != "postgresql":
        return None
    return _tails().get((object_type, object_id))


def _remember_tail(event: Event) -> None:
    if connection.vendor == "postgresql":
        _tails()[(event.object_type, event.object_id)] = (event.seq, event.hash)


_INSERT_SQL = (
    "INSERT INTO audit_event (at, actor_id, actor_name, action, object_type, object_id, seq,"
    " payload, prev_hash, hash)"
    # Typed, so that the statement prepares the same with server-side binding.
    " SELECT %(at)s::timestamptz, %(actor_id)s::bigint, %(actor_name)s::varchar,"
    " %(action)s::varchar, %(object_type)s::varchar, %(object_id)s::varchar, %(seq)s::integer,"
    " %(payload)s::jsonb, %(prev_hash)s::varchar, %(hash)s::varchar"
    " WHERE %(seq)s::integer = 1 OR EXISTS (SELECT 1 FROM audit_event"
    " WHERE object_type = %(object_type)s::varchar AND object_id = %(object_id)s::varchar"
    " AND seq = %(seq)s::integer - 1 AND hash = %(prev_hash)s::varchar)"
    " ON CONFLICT (object_type, object_id, seq) DO NOTHING RETURNING id"
)


def _insert_after(event: Event) -> bool:
    """Insert `event` if its predecessor is the chain's tail; False if it no longer is."""
    if connection.vendor != "postgresql":
        # SQLite runs one write transaction at a time and the tail was just
        # read in it: the position is free.
        event.save(force_insert=True)
        return True
    from psycopg.types.json import Jsonb

    with connection.cursor() as cursor:
        cursor.execute(_INSERT_SQL, {
            "at": event.at, "actor_id": event.actor_id, "actor_name": event.actor_name,
            "action": event.action, "object_type": event.object_type,
            "object_id": event.object_id, "seq": event.seq, "payload": Jsonb(event.payload),
            "prev_hash": event.prev_hash, "hash": event.hash,
        })
        row = cursor.fetchone()
    if row is None:
        return False
    event.pk = row[0]
    event._state.adding = False
    event._state.db = connection.alias
    return True


def first_event_sql(
    *,
    source: str,
    action: str,
    object_type: str,
    actor: Any = None,
    at: datetime,
    payload: dict[str, Any],
    fill: dict[str, str],
) -> tuple[str, list[Any]]:
    """A `WITH` member that inserts the first event of an object that the same
    statement creates (PostgreSQL): (sql, params).

    `source` names the earlier member that inserted the object and returns its
    `id`. `fill` maps payload keys to SQL text expressions over `source` for
    values only the database knows (a number made from the new id). The event
    is hashed exactly as `record_event` hashes it (the canonical form is built
    here, with one-off marks where the id and the filled values go, and the
    database puts them in before taking the SHA-256), so `verify_audit` checks
    it like any other. The member returns the event's `hash`.

    A one-statement write is its own transaction: the object and its first
    event commit together without a BEGIN and COMMIT of their own.
    """
    actor_obj = actor if getattr(actor, "pk", None) is not None else None
    actor_name = actor_obj.get_username() if actor_obj is not None else (actor or "system")
    # Marks no submitted text can contain: one-off random tokens.
    marks = {key: f"@@{key}-{secrets.token_hex(8)}@@" for key in ("id", *fill)}
    clean = json.loads(canonical_json({**(payload or {}), **{k: marks[k] for k in fill}}))
    body = canonical_json({
        "at": timestamp(at), "actor": actor_name, "action": action,
        "object": [object_type, marks["id"], 1], "payload": clean, "prev": GENESIS,
    })
    stored = canonical_json(clean)
    # JSON strings: the filled values must need no escaping (numbers, codes).
    exprs = {"id": f"{source}.id::text", **fill}
    filled_body, filled_payload = "%s", "%s"
    params_body: list[Any] = [body]
    params_payload: list[Any] = [stored]
    for key, expr in exprs.items():
        filled_body = f"replace({filled_body}, %s, {expr})"
        params_body.append(marks[key])
        if key in fill:
            filled_payload = f"replace({filled_payload}, %s, {expr})"
            params_payload.append(marks[key])
    sql = (
        "INSERT INTO audit_event (at, actor_id, actor_name, action, object_type, object_id,"
        " seq, payload, prev_hash, hash)"
        " SELECT %s::timestamptz, %s::bigint, %s::varchar, %s::varchar, %s::varchar,"
        f" {source}.id::text, 1, ({filled_payload})::jsonb, %s::varchar,"
        f" encode(sha256(convert_to({filled_body}, 'UTF8')), 'hex') FROM {source}"
        " RETURNING object_id, hash"
    )
    params = [at, actor_obj.pk if actor_obj else None, actor_name, action, object_type,
              *params_payload, GENESIS, *params_body]
    return sql, params


def remember_first_event(object_type: str, object_id: str, hash_value: str) -> None:
    """Note the tail of a chain started by `first_event_sql`, for the next event on it."""
    if connection.vendor == "postgresql":
        _tails()[(object_type, str(object_id))] = (1, hash_value)


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
    heads = {f"{t}:{i}": [seq, h] for t, i, seq, h in chain_tails()}
    # The sum of the heads' positions, not a separate COUNT: it must describe
    # exactly the snapshot of heads taken above.
    event_count = sum(seq for seq, _hash in heads.values())
    prev = last.hash if last else GENESIS
    digest = checkpoint_hash(at=now, heads=heads, event_count=event_count, prev_hash=prev)
    return Checkpoint.objects.create(
        at=now, heads=heads, event_count=event_count, prev_hash=prev, hash=digest
    )


def chain_tails():
    """(object_type, object_id, seq, hash) of the last event of every chain, in order."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT e.object_type, e.object_id, e.seq, e.hash FROM audit_event e JOIN ("
            " SELECT object_type, object_id, MAX(seq) AS seq FROM audit_event"
            " GROUP BY object_type, object_id) t"
            " ON e.object_type = t.object_type AND e.object_id = t.object_id AND e.seq = t.seq"
            " ORDER BY e.object_type, e.object_id"
        )
        yield from cursor.fetchall()
