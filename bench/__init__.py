"""Benchmarks: each prints absolute figures beside a ratio to a baseline measured in the same run."""
