"""Benchmarks of the order-history query against a bare Starlette floor (see bench/README.md)."""
