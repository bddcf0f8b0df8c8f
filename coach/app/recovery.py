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


def recover(con: sqlite3.Connection | None, out_dirs: tuple[Path, ...] = ()) -> list[int]:
    """Close dead sessions (with a database); finalise their streamed sets and any orphan
    stream folder in `out_dirs`. Returns the ids of the sessions closed as interrupted.
    A failure here is logged and never stops the command that called it."""
    from coach.io.stream import recover_streams

    closed = close_dead_sessions(con) if con is not None else []
    try:
        recover_streams(con, out_dirs)
    except Exception:  # noqa: BLE001 - recovery is a courtesy; the new session matters more
        log.exception("recovering interrupted sessions failed")
    return closed
