"""Benchmarks: accuracy against truth files and speed ratios (print figures, assert nothing)."""
