"""Benchmarks of the tracker (run by hand; see benchmarks/README.md)."""
