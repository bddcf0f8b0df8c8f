"""Crash-safe streaming of a live or routine set: a Session sink that writes the landmark
trace and the events to disk in chunks as the set goes, so a kill -9, a crash or a power
cut loses at most the last second (CHUNK_S).

Layout: `<out>/<stem>.stream/head.json` (what the set is: stretch, profile, source, image
size, writer pid) and `chunk-000001.npz`, ... (times, landmarks and events since the last
chunk), each written atomically (coach/io/atomic.py), so every file there is whole.

When the set ends normally the stream folder is removed (the loop wrote the final trace
and report) or, with `finalise=True` (the routine), turned into them here. When the
process died instead, `finalise_stream` at the next start (coach/app/recovery.py) rebuilds
the trace from the chunks, re-scores it with the set's rules and writes the report marked
partial in JSON and CSV; the history's set row keeps what it had committed."""

from __future__ import annotations

import json
import logging
import os
import shutil
import sqlite3
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np

from coach.core.landmarks import N_LANDMARKS
from coach.io import atomic
from coach.io.safe_text import file_stem
from coach.io.trace import Trace, load_trace, save_trace

log = logging.getLogger(__name__)

CHUNK_S = 1.0            # a chunk is written at least this often (wall-clock seconds)
HEAD = "head.json"
SUFFIX = ".stream"
RECOVERED = "interrupted: the coach process ended before the session did (recovered from what was streamed)"


class StreamSink:
    """Session sink (docs/architecture.md) that streams one set to `<out_dir>/<stem>.stream/`.

    on_start(spec, source, profile) writes the head; on_trace(t, landmarks) (raw landmarks,
    None for nobody) and on_events(spec, events) buffer and write a chunk each CHUNK_S;
    on_finish(record) ends the stream. `history`: a HistorySink whose open set records the
    stream folder, so recovery finds it from the database."""

    def __init__(self, out_dir: Path | str, stem: str, *, width: int, height: int, model: str = "",
                 history: Any = None, finalise: bool = False,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.out_dir = Path(out_dir)
        self.stem = file_stem(stem)
        self.dir = self.out_dir / f"{self.stem}{SUFFIX}"
        self.width, self.height, self.model = width, height, model
        self.history, self.finalise, self.clock = history, finalise, clock
        self.set_id: int | None = None
        self.chunks = 0
        self._t: list[float] = []
        self._lm: list[np.ndarray] = []
        self._events: list[dict[str, Any]] = []
        self._last_write = clock()
        self._open = False

    # -- protocol
    def on_start(self, spec: Any, source: str = "", profile: str = "") -> None:
        self.set_id = getattr(getattr(self.history, "_open", None), "set_id", None)
        if self.history is not None and self.set_id is not None:   # first, so recovery finds even a bare folder
            set_stream(self.history.con, self.set_id, str(self.dir.resolve()))
        self.dir.mkdir(parents=True, exist_ok=True)
        head = {"version": 1, "pose": spec.name, "title": spec.title, "pose_source": str(spec.source),
                "profile": str(profile or ""), "source": str(source), "width": self.width, "height": self.height,
                "model": self.model, "stem": self.stem, "pid": os.getpid(),
                "started": datetime.now(timezone.utc).isoformat(timespec="seconds"), "set_id": self.set_id}
        atomic.write_text(self.dir / HEAD, json.dumps(head, indent=1))
        self._open = True
        self._last_write = self.clock()

    def on_trace(self, t: float, landmarks: np.ndarray | None) -> None:
        if not self._open:
            return
        self._t.append(float(t))
        self._lm.append(np.full((N_LANDMARKS, 4), np.nan, np.float32) if landmarks is None
                        else np.asarray(landmarks, np.float32))
        if self.clock() - self._last_write >= CHUNK_S:
            self.flush()

    def on_events(self, spec: Any, events: Iterable[Any]) -> None:
        if not self._open:
            return
        for e in events:
            self._events.append(e.to_dict() if hasattr(e, "to_dict") else dict(e))

    def on_finish(self, record: Any) -> None:
        """End of the set: the outputs are written (here with `finalise`, else by the loop)
        and the stream folder goes."""
        if not self._open:
            return
        self._open = False
        if self.finalise:
            self.flush()
            finalise_stream(self.dir, record=record)
        elif output_paths(self.out_dir, self.stem)["trace.npz"].exists():
            (self.dir / HEAD).unlink(missing_ok=True)     # first: a folder without a head is being removed
            shutil.rmtree(self.dir, ignore_errors=True)
        else:                       # the loop could not save: keep the chunks for recovery
            self.flush()
            return
        if self.history is not None and self.set_id is not None:
            set_stream(self.history.con, self.set_id, "")

    def flush(self) -> None:
        """Write what is buffered as the next chunk (atomically)."""
        self._last_write = self.clock()
        if not self._t and not self._events:
            return
        self.chunks += 1
        with atomic.atomic_path(self.dir / f"chunk-{self.chunks:06d}.npz") as tmp:
            np.savez(tmp, t=np.asarray(self._t, np.float64),
                     lm=np.stack(self._lm) if self._lm else np.zeros((0, N_LANDMARKS, 4), np.float32),
                     events=np.array(json.dumps(self._events)))
        self._t, self._lm, self._events = [], [], []


def output_paths(out_dir: Path, stem: str) -> dict[str, Path]:
    from coach.core.record import output_paths as paths

    return paths(out_dir, stem)


def set_stream(con: sqlite3.Connection, set_id: int, path: str) -> None:
    con.execute("UPDATE sets SET stream = ? WHERE id = ?", (path, set_id))


def read_stream(folder: Path) -> tuple[dict[str, Any], Trace, list[dict[str, Any]]] | None:
    """The head, the trace and the events streamed to `folder` (None without a head)."""
    try:
        head = json.loads((folder / HEAD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    ts, lms, events = [], [], []
    for p in sorted(folder.glob("chunk-*.npz")):
        try:
            with np.load(p, allow_pickle=False) as z:
                t, lm, ev = np.asarray(z["t"], np.float64), np.asarray(z["lm"], np.float32), json.loads(str(z["events"]))
        except Exception:  # noqa: BLE001 - chunks are atomic; an unreadable one is skipped
            log.warning("skipping unreadable stream chunk %s", p)
            continue
        if lm.shape[1:] == (N_LANDMARKS, 4) and len(t) == len(lm):
            ts.append(t)
            lms.append(lm)
            events += ev
    t = np.concatenate(ts) if ts else np.zeros(0)
    lm = np.concatenate(lms) if lms else np.zeros((0, N_LANDMARKS, 4), np.float32)
    trace = Trace(t, lm, int(head.get("width") or 0), int(head.get("height") or 0), str(head.get("model", "")),
                  str(head.get("source", "")))
    return head, trace, events


def _spec(head: dict[str, Any]):
    """The set's rules: the named stretch with its profile (the profile alone dropped if it
    is gone), or the custom pose file it came from; None when neither loads."""
    from coach.rules.pose_spec import load_pose_file
    from coach.rules.profiles import load_spec

    pose, profile = head.get("pose", ""), head.get("profile") or None
    for attempt in ((lambda: load_spec(pose, profile)), (lambda: load_spec(pose)),
                    (lambda: load_pose_file(str(head.get("pose_source", "")).split(" + ")[0]))):
        try:
            return attempt()
        except Exception:  # noqa: BLE001 - try the next way
            continue
    return None


def finalise_stream(folder: Path | str, con: sqlite3.Connection | None = None, record: Any = None) -> list[Path]:
    """Turn a stream folder into `<stem>.trace.npz` and, when its rules load, the JSON and CSV
    report (`record` given: the set ended normally; None: re-scored from the trace and
    marked partial). The folder is removed once they are written. Returns the files."""
    from coach.core.record import write_csv, write_json

    folder = Path(folder)
    got = read_stream(folder)
    if got is None:
        shutil.rmtree(folder, ignore_errors=True)
        return []
    head, trace, events = got
    paths = output_paths(folder.parent, head.get("stem") or folder.name[: -len(SUFFIX)])
    written: list[Path] = []
    if record is None and paths["trace.npz"].exists():   # the loop saved its trace before it died
        try:
            saved = load_trace(paths["trace.npz"])
        except Exception:  # noqa: BLE001 - a bad file there is replaced by the streamed trace
            saved = None
        if saved is not None and len(saved) >= len(trace):
            trace = saved
    if len(trace):
        written.append(save_trace(trace, paths["trace.npz"]))
        if record is None and (spec := _spec(head)) is not None:
            from coach.core.scoring import score_trace

            record = score_trace(trace, spec, profile=str(head.get("profile") or "")).record
            record.events.append({"t": round(float(trace.t[-1]), 2), "kind": "incomplete", "text": RECOVERED,
                                  "side": "none", "data": {"streamed_events": len(events)}})
        if record is not None:
            write_json(record, paths["report.json"])
            write_csv(record, paths["report.csv"])
            written += [paths["report.json"], paths["report.csv"]]
        if con is not None and head.get("set_id") is not None:
            con.execute("UPDATE sets SET duration_s = MAX(COALESCE(duration_s, 0), ?) WHERE id = ?",
                        (float(trace.t[-1]), head["set_id"]))
    shutil.rmtree(folder, ignore_errors=True)
    return written


def _writer_alive(folder: Path) -> bool:
    try:
        pid = int(json.loads((folder / HEAD).read_text(encoding="utf-8")).get("pid") or 0)
    except (OSError, ValueError, TypeError):
        return False
    return atomic.process_alive(pid)


def recover_streams(con: sqlite3.Connection | None, out_dirs: Iterable[Path | str] = ()) -> list[Path]:
    """Finalise every stream a dead process left: those the history names (sets of
    sessions no longer running) and orphan `*.stream` folders in `out_dirs`."""
    done: list[Path] = []
    if con is not None:
        rows = con.execute("SELECT sets.id, sets.stream FROM sets JOIN stretches ON sets.stretch_id = stretches.id "
                           "JOIN sessions ON stretches.session_id = sessions.id "
                           "WHERE sets.stream != '' AND sessions.status != 'running'").fetchall()
        for set_id, stream in rows:
            folder = Path(stream)
            if folder.is_dir():                       # its session ended or was closed: nobody writes it
                done += finalise_stream(folder, con)
                atomic.sweep_temps(folder.parent)     # a final output the dead process was writing
            if not folder.is_dir():
                set_stream(con, set_id, "")
    for d in out_dirs:
        for folder in sorted(Path(d).glob(f"*{SUFFIX}")) if Path(d).is_dir() else []:
            if folder.is_dir() and not _writer_alive(folder):
                done += finalise_stream(folder, con)
        atomic.sweep_temps(d)
    return done
