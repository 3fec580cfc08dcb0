"""Benchmarks for the targets the issues set; `make bench` runs them all."""
