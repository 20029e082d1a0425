"""Walking the chains and the checkpoints to find the first tampered event."""

from __future__ import annotations

from dataclasses import dataclass, field

from .hashing import GENESIS, checkpoint_hash, event_hash
from .models import Checkpoint, Event


@dataclass(frozen=True)
class Problem:
    kind: str  # altered | removed | inserted | checkpoint
    chain: str
    event_id: int | None
    seq: int | None
    detail: str

    def __str__(self) -> str:
        where = f"event id {self.event_id}" if self.event_id is not None else "no row"
        return f"{self.kind}: {self.chain} seq {self.seq} ({where}): {self.detail}"


@dataclass
class Report:
    events: int = 0
    chains: int = 0
    checkpoints: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify() -> Report:
    """Check every checkpoint, every chain and every chain head; list what is wrong.

    The first problem is the first tampered place in (chain, seq) order.
    Events are streamed, so memory grows with the number of chains, not events.
    """
    report = Report()
    sealed = _verify_checkpoints(report)
    _verify_chains(report, sealed)
    return report


def _verify_checkpoints(report: Report) -> dict[str, tuple[int, str]]:
    """Check the checkpoint chain; return the heads the latest one sealed."""
    prev = GENESIS
    latest: dict[str, tuple[int, str]] = {}
    for cp in Checkpoint.objects.order_by("id").iterator(100):
        report.checkpoints += 1
        recomputed = checkpoint_hash(
            at=cp.at, heads=cp.heads, event_count=cp.event_count, prev_hash=cp.prev_hash
        )
        if recomputed != cp.hash or cp.prev_hash != prev:
            report.problems.append(
                Problem(
                    "checkpoint",
                    f"checkpoint {cp.pk}",
                    None,
                    None,
                    "the checkpoint was altered, or one before it was removed",
                )
            )
        prev = cp.hash
        latest = {k: (v[0], v[1]) for k, v in cp.heads.items()}
    return latest


def _verify_chains(report: Report, sealed: dict[str, tuple[int, str]]) -> None:
    problems = report.problems
    unseen_sealed = set(sealed)
    chain, expected_seq, prev_hash = None, 1, GENESIS
    rows = Event.objects.order_by("object_type", "object_id", "seq").values_list(
        "id",
        "at",
        "actor_name",
        "action",
        "object_type",
        "object_id",
        "seq",
        "payload",
        "prev_hash",
        "hash",
    )
    for eid, at, actor, action, otype, oid, seq, payload, prev, digest in rows.iterator(2000):
        report.events += 1
        key = f"{otype}:{oid}"
        if key != chain:
            chain, expected_seq, prev_hash = key, 1, GENESIS
            report.chains += 1
        recomputed = event_hash(
            at=at,
            actor_name=actor,
            action=action,
            object_type=otype,
            object_id=oid,
            seq=seq,
            payload=payload,
            prev_hash=prev,
        )
        if recomputed != digest:
            problems.append(
                Problem("altered", key, eid, seq, "its content no longer matches its hash")
            )
        elif seq > expected_seq:
            problems.append(
                Problem(
                    "removed",
                    key,
                    eid,
                    seq,
                    f"events {expected_seq}..{seq - 1} before it are missing",
                )
            )
        elif prev != prev_hash:
            problems.append(
                Problem(
                    "inserted",
                    key,
                    eid,
                    seq,
                    "it does not chain to the event before it (inserted or replaced)",
                )
            )
        if key in sealed and sealed[key][0] == seq:
            unseen_sealed.discard(key)
            if sealed[key][1] != digest:
                problems.append(
                    Problem(
                        "altered",
                        key,
                        eid,
                        seq,
                        "it differs from the event the last checkpoint sealed",
                    )
                )
        expected_seq, prev_hash = seq + 1, digest

    for key in sorted(unseen_sealed):
        seq = sealed[key][0]
        problems.append(
            Problem("removed", key, None, seq, "the last checkpoint sealed this event; it is gone")
        )
