"""The canonical form of events and checkpoints, and their SHA-256."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64


def canonical_json(value: Any) -> str:
    """JSON with sorted keys, no insignificant whitespace, non-ASCII kept as is."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def timestamp(at: datetime) -> str:
    # Microseconds in UTC: the same instant always hashes the same, whatever
    # timezone the database hands back.
    if at.tzinfo is None:
        raise ValueError("audit timestamps must be timezone-aware")
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_hash(
    *,
    at: datetime,
    actor_name: str,
    action: str,
    object_type: str,
    object_id: str,
    seq: int,
    payload: dict[str, Any],
    prev_hash: str,
) -> str:
    body = canonical_json(
        {
            "at": timestamp(at),
            "actor": actor_name,
            "action": action,
            "object": [object_type, object_id, seq],
            "payload": payload,
            "prev": prev_hash,
        }
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def checkpoint_hash(
    *, at: datetime, heads: dict[str, list], event_count: int, prev_hash: str
) -> str:
    body = canonical_json(
        {"at": timestamp(at), "heads": heads, "events": event_count, "prev": prev_hash}
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()
