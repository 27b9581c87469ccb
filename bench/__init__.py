"""Benchmarks run by ``make bench``; each module in this package has ``run() -> list[Result]``."""
