"""Measuring the reply-quality checks on labelled appeal-reply pairs (tests and bench)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .quality import FLAG_KINDS, check_reply

PAIRS_FILE = Path(__file__).resolve().parent / "tests" / "reply_pairs.yaml"
HELD_OUT_FILE = PAIRS_FILE.with_name("reply_pairs_heldout.yaml")
HELD_OUT_FILE_2 = PAIRS_FILE.with_name("reply_pairs_heldout2.yaml")


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


@dataclass
class Report:
    pairs: int = 0
    scores: dict[str, Score] = field(default_factory=lambda: {k: Score() for k in FLAG_KINDS})
    mistakes: list[tuple[str, str, set[str], set[str]]] = field(default_factory=list)
    good_flagged: int = 0
    good: int = 0


def load_pairs(path: Path = PAIRS_FILE) -> list[dict]:
    """Flatten the file to [{"appeal", "reply", "flags", "late", "index"}], in order."""
    items = []
    for index, entry in enumerate(yaml.safe_load(path.read_text(encoding="utf-8"))):
        for reply in entry["replies"]:
            items.append(
                {
                    "index": index,
                    "appeal": entry["appeal"],
                    "reply": reply["text"],
                    "flags": set(reply.get("flags") or ()),
                    "late": bool(reply.get("late")),
                }
            )
    return items


def load_all() -> list[dict]:
    """The development pairs, then the held-back ones (their appeals numbered apart)."""
    development = load_pairs(PAIRS_FILE)
    held_out = load_pairs(HELD_OUT_FILE)
    for item in held_out:
        item["index"] += 10_000
        item["held_out"] = True
    clean = load_pairs(HELD_OUT_FILE_2)
    for item in clean:
        item["index"] += 20_000
        item["held_out"] = True
        item["clean"] = True
    return development + held_out + clean


def evaluate(
    items: list[dict] | None = None, *, only_held_out: bool = False, only_clean: bool = False
) -> Report:
    """Check every pair as the service would: earlier replies to other appeals count for copies.

    only_held_out: score only the held-back pairs (the others still count as earlier replies).
    """
    items = load_all() if items is None else items

    def scored(item: dict) -> bool:
        if only_clean:
            return bool(item.get("clean"))
        return bool(item.get("held_out")) or not only_held_out

    report = Report(pairs=sum(1 for i in items if scored(i)))
    seen: list[tuple[int, str]] = []
    for item in items:
        others = [text for index, text in seen if index != item["index"]]
        found = {
            f.kind
            for f in check_reply(item["appeal"], item["reply"], others=others, late=item["late"])
        }
        seen.append((item["index"], item["reply"]))
        if not scored(item):
            continue
        wanted = item["flags"]
        for kind in FLAG_KINDS:
            score = report.scores[kind]
            if kind in found and kind in wanted:
                score.tp += 1
            elif kind in found:
                score.fp += 1
            elif kind in wanted:
                score.fn += 1
        if not wanted:
            report.good += 1
            report.good_flagged += bool(found)
        if found != wanted:
            report.mistakes.append((item["appeal"][:30], item["reply"][:60], wanted, found))
    return report
