"""Benchmarks: `python -m bench run` times every implementation on shared workloads."""
