"""The benchmark runs without a database and checks its own answers."""

from __future__ import annotations

from bench import bench_workdays
from bench.common import format_table


def test_the_workdays_bench_runs_small(capsys):
    rows = bench_workdays.run(array_size=5_000, samples=10)
    assert [r.figure for r in rows][-1] == "add_workdays_array, 5,000 dates"
    assert "answers identical: yes (5,000 of 5,000)" in capsys.readouterr().out
    table = format_table("t", rows)
    assert "| figure" in table and "baseline value" in table and "| ok" in table
