"""Stretch rules as data: pose TOML files, per-patient profiles, and the one TOML reader."""
