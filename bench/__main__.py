"""`python -m bench`: run every bench/bench_*.py module's run() in name order.

Each run() prints its table and returns its rows. With --strict the exit
status is 1 when a goal was not met.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--strict", action="store_true", help="exit 1 if a goal is not met")
    parser.add_argument("only", nargs="*", help="module names to run (default: all)")
    args = parser.parse_args(argv)

    names = sorted(
        info.name
        for info in pkgutil.iter_modules([str(Path(__file__).parent)])
        if info.name.startswith("bench_") and (not args.only or info.name in args.only)
    )
    missed = []
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        rows = module.run() or []
        missed += [f"{name}: {row.figure}" for row in rows if not row.ok]
    if missed:
        print("Goals not met:\n" + "\n".join(f"- {m}" for m in missed))
    else:
        print(f"All goals met ({len(names)} bench modules).")
    return 1 if missed and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
