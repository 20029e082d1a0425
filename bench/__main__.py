"""`python -m bench`: run every bench/bench_*.py module's run() in name order.

Each module runs in its own process, so that modules which set Django up
(each with its own database) never share one configuration. Each run()
prints its table and returns its rows. With --strict the exit status is 1
when a goal was not met.
"""

from __future__ import annotations

import argparse
import pkgutil
import subprocess
import sys
from pathlib import Path

MARKER = "@@bench-missed:"
CHILD = (
    "import sys, bench.{name} as m\n"
    "rows = m.run() or []\n"
    "print('" + MARKER + "' + '|'.join(r.figure for r in rows if not r.ok), flush=True)\n"
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--strict", action="store_true", help="exit 1 if a goal is not met")
    parser.add_argument("only", nargs="*", help="module names to run (default: all)")
    args = parser.parse_args(argv)

    root = Path(__file__).resolve().parent
    names = sorted(
        info.name
        for info in pkgutil.iter_modules([str(root)])
        if info.name.startswith("bench_") and (not args.only or info.name in args.only)
    )
    missed = []
    for name in names:
        proc = subprocess.Popen(
            [sys.executable, "-c", CHILD.format(name=name)], cwd=root.parent,
            stdout=subprocess.PIPE, text=True,
        )
        assert proc.stdout is not None
        reported = False
        for line in proc.stdout:
            if line.startswith(MARKER):
                reported = True
                missed += [f"{name}: {f}" for f in line[len(MARKER):].strip().split("|") if f]
            else:
                print(line, end="", flush=True)
        if proc.wait() != 0 or not reported:
            missed.append(f"{name}: the module failed (exit {proc.returncode})")
    if missed:
        print("Goals not met:\n" + "\n".join(f"- {m}" for m in missed))
    else:
        print(f"All goals met ({len(names)} bench modules).")
    return 1 if missed and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
