"""Benchmarks (run them with ``bench/run``; see ``bench/README.md``)."""
