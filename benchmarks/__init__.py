"""Benchmarks: scripts that measure the project (run as ``python benchmarks/NAME.py``)."""
