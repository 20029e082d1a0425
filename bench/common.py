"""Helpers shared by the bench modules: timing, and the one table they all print.

A table has the columns figure | value | baseline | baseline value | ratio | goal | ok.
Each row compares a figure with its baseline measured in the same run.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TextIO

COLUMNS = ("figure", "value", "baseline", "baseline value", "ratio", "goal", "ok")


@dataclass(frozen=True)
class Row:
    """One figure beside its baseline.

    `value` and `baseline_value` are numbers in `unit` ("s" is shown as ns/µs/ms/s);
    `ratio` is how many times better the figure is than the baseline (for times:
    baseline / value); `goal` says in words what is wanted and `ok` whether it was met.
    """

    figure: str
    value: float
    baseline: str
    baseline_value: float
    ratio: float
    goal: str
    ok: bool
    unit: str = "s"
    note: str = ""


def speedup(
    figure: str,
    seconds: float,
    baseline: str,
    baseline_seconds: float,
    *,
    at_least: float,
    also: bool = True,
    extra_goal: str = "",
    note: str = "",
) -> Row:
    """A row for "the figure takes `seconds`, the baseline `baseline_seconds`; we want
    the figure at least `at_least` times faster" (and `also`, described by `extra_goal`)."""
    ratio = baseline_seconds / seconds if seconds > 0 else float("inf")
    goal = f">= {at_least:g}x faster" + (f" and {extra_goal}" if extra_goal else "")
    return Row(figure, seconds, baseline, baseline_seconds, ratio, goal,
               ratio >= at_least and also, "s", note)


def time_per_call(
    fn: Callable[[], object], *, calls: int = 1, min_time: float = 0.2, repeat: int = 5
) -> float:
    """Seconds per call of `fn` (which makes `calls` calls each time it runs): the best
    of `repeat` rounds, each running `fn` often enough to last about `min_time`."""
    fn()  # warm up
    start = time.perf_counter()
    fn()
    once = max(time.perf_counter() - start, 1e-9)
    number = max(1, int(min_time / once))
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - start) / number)
    return best / calls


def format_value(value: float, unit: str) -> str:
    if unit == "s":
        for scale, name in ((1.0, "s"), (1e-3, "ms"), (1e-6, "µs")):
            if value >= scale:
                return f"{value / scale:.3g} {name}"
        return f"{value / 1e-9:.3g} ns"
    return f"{value:,.6g} {unit}".rstrip()


def format_ratio(ratio: float) -> str:
    if ratio == float("inf"):
        return "inf"
    return f"{ratio:,.1f}x" if ratio < 100 else f"{ratio:,.0f}x"


def format_table(title: str, rows: Iterable[Row]) -> str:
    rows = list(rows)
    cells = [list(COLUMNS)]
    for r in rows:
        cells.append([
            r.figure,
            format_value(r.value, r.unit),
            r.baseline,
            format_value(r.baseline_value, r.unit),
            format_ratio(r.ratio),
            r.goal,
            "yes" if r.ok else "NO",
        ])
    widths = [max(len(row[i]) for row in cells) for i in range(len(COLUMNS))]
    lines = [f"## {title}", ""]
    for n, row in enumerate(cells):
        lines.append("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
        if n == 0:
            lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    notes = [f"- {r.figure}: {r.note}" for r in rows if r.note]
    if notes:
        lines += ["", *notes]
    return "\n".join(lines)


def print_table(title: str, rows: Iterable[Row], *, out: TextIO | None = None) -> None:
    print(format_table(title, rows), file=out or sys.stdout)
    print(file=out or sys.stdout)
