"""Physiotherapist tools: calibration, what-if replay of traces, the threshold tuning panel."""
