"""Benchmarks: each `bench_*.py` module measures figures beside their baselines in
one run and prints a table; `python -m bench` runs them all."""
