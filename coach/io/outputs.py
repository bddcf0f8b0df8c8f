"""Output folders: proved writable before any work starts, and every output written even
when one fails, the failures reported as one OutputError (review, the live loop)."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from coach.errors import UserError, os_reason
from coach.io import atomic


class OutputError(UserError, RuntimeError):
    """The output folder cannot be written; the message says why."""


def prepare_out_dir(out_dir: Path) -> Path:
    """Create the output folder and prove it is writable before any work starts."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        probe = atomic.temp_path(out_dir / "coach_write_test")   # per process: runs may share a folder
        probe.write_bytes(b"x" * 1024)
        probe.unlink()
        atomic.sweep_temps(out_dir)          # what a killed run was writing
    except OSError as e:
        raise OutputError(f"cannot write to output folder {out_dir}: {os_reason(e)}") from None
    return out_dir


def save_all(steps: list[tuple[Path, Callable[[], object]]]) -> None:
    """Write every output even when one fails (a full disk loses as little as possible),
    then report the failures as one OutputError."""
    failed: list[tuple[Path, OSError]] = []
    for path, write in steps:
        try:
            write()
        except OSError as e:
            failed.append((path, e))
    if failed:
        names = ", ".join(str(p) for p, _ in failed)
        raise OutputError(f"cannot write {names}: {os_reason(failed[0][1])}")
