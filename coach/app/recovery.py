"""At the start of a command that uses the history: close sessions a dead process left
'running' as 'interrupted', and finalise what they streamed to disk (coach/io/stream.py)
into a trace and a report marked partial, so a kill -9 or a power cut loses at most the
last second of a live or routine session."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from coach.app.history_db import close_dead_sessions

log = logging.getLogger(__name__)


def recover(con: sqlite3.Connection, out_dirs: tuple[Path, ...] = ()) -> list[int]:
    """Close dead sessions; finalise their streamed sets and any orphan stream folder in
    `out_dirs`. Returns the ids of the sessions closed as interrupted."""
    closed = close_dead_sessions(con)
    try:
        from coach.io.stream import recover_streams
    except ImportError:          # pragma: no cover - streaming not installed
        return closed
    recover_streams(con, out_dirs)
    return closed
