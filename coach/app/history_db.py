"""Session history in SQLite: sessions, stretches, sets, reps, holds, faults, measure samples.

Written as the session goes by `HistorySink` (the live loop's Session sink protocol): every
rep, hold end and fault end is committed at once in WAL mode, so a crash or a pulled plug
loses nothing recorded so far. Finished records (e.g. `coach review` reports) are imported
with `import_record`. The schema is versioned with PRAGMA user_version; `MIGRATIONS[i]`
takes a database from version i to i + 1 and they are applied in order on open.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import re
import socket
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterable

from coach.core import events as ev
from coach.core.events import Event
from coach.errors import UserError
from coach.io.atomic import private_dir, private_file, process_alive
from coach.rules.pose_spec import PoseSpec

log = logging.getLogger(__name__)

DEFAULT_DB = Path("~/.local/share/coach/history.sqlite")
SAMPLE_HZ = 5.0          # measure samples stored per second (the report's angle plots)
SAMPLE_FLUSH_S = 1.0     # samples are committed at least this often (seconds of session time)

# Each entry moves the schema one version up. Never edit a released entry: add a new one.
MIGRATIONS: list[str] = [
    # v1: the session, each stretch done in it, each set of a stretch, and what happened in it.
    """
    CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        started_at TEXT NOT NULL,            -- ISO 8601, UTC
        ended_at TEXT,
        kind TEXT NOT NULL DEFAULT 'live',   -- live | routine | review
        status TEXT NOT NULL DEFAULT 'running'  -- running | finished | stopped
    );
    CREATE TABLE stretches (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id),
        pose TEXT NOT NULL,
        title TEXT NOT NULL,
        profile TEXT NOT NULL DEFAULT '',
        UNIQUE (session_id, pose, profile)
    );
    CREATE TABLE sets (
        id INTEGER PRIMARY KEY,
        stretch_id INTEGER NOT NULL REFERENCES stretches(id),
        started_at TEXT NOT NULL,            -- wall clock of the set's t = 0
        source TEXT NOT NULL DEFAULT '',
        duration_s REAL,
        complete INTEGER NOT NULL DEFAULT 0  -- the set's target was reached (SET_COMPLETE)
    );
    CREATE TABLE reps (
        id INTEGER PRIMARY KEY,
        set_id INTEGER NOT NULL REFERENCES sets(id),
        idx INTEGER NOT NULL, side TEXT NOT NULL,
        start_s REAL, end_s REAL, low_peak REAL, high_peak REAL
    );
    CREATE TABLE holds (
        id INTEGER PRIMARY KEY,
        set_id INTEGER NOT NULL REFERENCES sets(id),
        side TEXT NOT NULL, start_s REAL, end_s REAL,
        in_tolerance_s REAL, target_s REAL, completed INTEGER NOT NULL DEFAULT 0,
        pauses INTEGER NOT NULL DEFAULT 0,
        peaks TEXT NOT NULL DEFAULT '{}'     -- JSON: measure -> [min, max]
    );
    CREATE TABLE faults (
        id INTEGER PRIMARY KEY,
        set_id INTEGER NOT NULL REFERENCES sets(id),
        check_id TEXT NOT NULL, side TEXT NOT NULL,
        start_s REAL, end_s REAL, worst REAL, text TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX stretches_session ON stretches(session_id);
    CREATE INDEX sets_stretch ON sets(stretch_id);
    CREATE INDEX reps_set ON reps(set_id);
    CREATE INDEX holds_set ON holds(set_id);
    CREATE INDEX faults_set ON faults(set_id);
    """,
    # v2: downsampled measure series for angle plots, the rules each set was judged by,
    # the routine round, and a key/value table (e.g. the safety screen's acceptance).
    """
    CREATE TABLE samples (
        set_id INTEGER NOT NULL REFERENCES sets(id),
        t REAL NOT NULL, side TEXT NOT NULL, measure TEXT NOT NULL, value REAL NOT NULL
    );
    CREATE INDEX samples_set ON samples(set_id, measure, t);
    ALTER TABLE sets ADD COLUMN round INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE sets ADD COLUMN rules TEXT NOT NULL DEFAULT '{}';  -- JSON, see spec_rules()
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
    # v3: crash safety. A running session names its process (pid, host), so the next start
    # can close sessions whose process died as 'interrupted'. An imported report keeps its
    # content hash (import_key), so importing it again adds nothing. A set streamed to disk
    # names the folder of its trace and event chunks (stream), finalised at recovery.
    """
    ALTER TABLE sessions ADD COLUMN pid INTEGER;
    ALTER TABLE sessions ADD COLUMN host TEXT NOT NULL DEFAULT '';
    ALTER TABLE sessions ADD COLUMN import_key TEXT;
    CREATE UNIQUE INDEX sessions_import_key ON sessions(import_key) WHERE import_key IS NOT NULL;
    ALTER TABLE sets ADD COLUMN stream TEXT NOT NULL DEFAULT '';
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)


class HistoryError(UserError, RuntimeError):
    """The history database (or a report to import) cannot be used; the message says which and why."""


def default_db_path(override: str | os.PathLike | None = None) -> Path:
    """--db if given, else $COACH_DB, else ~/.local/share/coach/history.sqlite."""
    p = override or os.environ.get("COACH_DB") or DEFAULT_DB
    return Path(p).expanduser()


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def migrate(con: sqlite3.Connection, target: int = SCHEMA_VERSION) -> int:
    """Apply the migrations past the database's user_version, in order, each in one
    transaction with its version bump. Returns the version reached."""
    version = con.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise HistoryError(f"history database is version {version}; this coach knows up to {SCHEMA_VERSION}")
    for v in range(version, target):
        stmts = [s.strip() for s in MIGRATIONS[v].split(";") if s.strip()]
        con.execute("BEGIN IMMEDIATE")
        if con.execute("PRAGMA user_version").fetchone()[0] != v:    # another process migrated it
            con.execute("ROLLBACK")
            continue
        try:
            for s in stmts:
                con.execute(s)
            con.execute(f"PRAGMA user_version = {v + 1}")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return max(version, target)


def connect(path: str | os.PathLike | None = None, *, target: int = SCHEMA_VERSION) -> sqlite3.Connection:
    """Open (creating if needed) the history database, in WAL mode, migrated to `target`.
    Private by default: the default data folder is 0700 and the database file 0600. A path
    that is a folder, another program's database or a damaged file is a HistoryError."""
    p = default_db_path(path)
    if p.is_dir():
        raise HistoryError(f"{p}: is a folder, not a history database (give a file name with --db)")
    private_dir(p.parent, own=p.parent == DEFAULT_DB.expanduser().parent)
    private_file(p)
    try:
        con = sqlite3.connect(str(p), isolation_level=None, timeout=30.0)   # autocommit; explicit BEGIN
        con.row_factory = sqlite3.Row
        con.execute("PRAGMA busy_timeout = 30000")       # concurrent writers wait, never fail at once
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=NORMAL")
        con.execute("PRAGMA foreign_keys=ON")
        version = con.execute("PRAGMA user_version").fetchone()[0]
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if version == 0 and tables:
            raise HistoryError(f"{p}: not a coach history database (it holds other tables: "
                               f"{', '.join(sorted(tables)[:3])})")
        try:
            migrate(con, target)
        except HistoryError as e:
            raise HistoryError(f"{p}: {e}") from None
    except sqlite3.DatabaseError as e:
        if isinstance(e, sqlite3.OperationalError) and ("disk" in str(e) or "readonly" in str(e)):
            raise HistoryError(f"{p}: cannot write to the history database ({e}): is the disk full "
                               "or the folder read-only?") from None
        raise HistoryError(f"{p}: not a coach history database, or it is damaged ({e})") from None
    return con


# ---------------------------------------------------------------- small helpers

def get_meta(con: sqlite3.Connection, key: str) -> str | None:
    row = con.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return None if row is None else row[0]


def set_meta(con: sqlite3.Connection, key: str, value: str) -> None:
    con.execute("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value))


def spec_rules(spec: PoseSpec, rom: dict[str, str] | None = None) -> dict[str, Any]:
    """What the report needs of a pose's rules: the main measure (whose range of motion is
    trended; `rom` = {"measure", "better"} from the routine plan, else the reps measure or the
    last target check's) and each check's band, so plots show the thresholds in use then."""
    main, better = (rom or {}).get("measure"), (rom or {}).get("better")
    if main not in spec.measures:
        main, better = None, None
        if spec.reps:
            main, better = spec.reps.measure, "range"
        else:
            for role in ("target", "form"):
                cs = [c for c in spec.checks if c.role == role]
                if cs:
                    main, better = cs[-1].measure, "up" if cs[-1].min is not None else "down"
                    break
    return {
        "main": main, "better": better or ("range" if spec.reps else "up"), "per_side": spec.side.mode == "per_side",
        "units": {n: m.unit for n, m in spec.measures.items()},
        "bands": [{"id": c.id, "measure": c.measure, "role": c.role, "min": c.min, "max": c.max}
                  for c in spec.checks],
        "reps": None if not spec.reps else {"low": spec.reps.low_enter, "high": spec.reps.high_enter,
                                             "target": spec.reps.target},
        "hold": None if not spec.hold else {"seconds": spec.hold.seconds, "count": spec.hold.count},
    }


def _f(x: Any) -> float | None:
    return None if x is None else float(x)


# ---------------------------------------------------------------- writing

def start_session(con: sqlite3.Connection, kind: str = "live", started_at: str | None = None) -> int:
    """A new session, 'running' under this process until end_session (see close_dead_sessions)."""
    cur = con.execute("INSERT INTO sessions(started_at, kind, pid, host) VALUES (?, ?, ?, ?)",
                      (started_at or now_iso(), kind, os.getpid(), socket.gethostname()))
    return int(cur.lastrowid)


def close_dead_sessions(con: sqlite3.Connection) -> list[int]:
    """Sessions left 'running' by a process that is gone (killed, crashed, power cut) are
    closed as 'interrupted', keeping everything they had stored. Sessions of another
    machine sharing the file are left alone. Returns the ids closed."""
    host = socket.gethostname()
    dead = [r["id"] for r in con.execute("SELECT id, pid, host FROM sessions WHERE status = 'running'")
            if r["pid"] is None or (r["host"] in ("", host) and r["pid"] != os.getpid() and not process_alive(r["pid"]))]
    for sid in dead:
        con.execute("UPDATE sessions SET status = 'interrupted', ended_at = COALESCE(ended_at, ?) "
                    "WHERE id = ? AND status = 'running'", (now_iso(), sid))
    return dead


def end_session(con: sqlite3.Connection, session_id: int, status: str = "finished", ended_at: str | None = None) -> None:
    con.execute("UPDATE sessions SET ended_at = ?, status = ? WHERE id = ?", (ended_at or now_iso(), status, session_id))


def start_set(con: sqlite3.Connection, session_id: int, pose: str, title: str, profile: str = "", *,
              source: str = "", round_no: int = 1, rules: dict[str, Any] | None = None,
              started_at: str | None = None) -> int:
    """A stretch row (once per pose and profile in a session) and a new set under it."""
    con.execute("BEGIN IMMEDIATE")
    set_id = _start_set_rows(con, session_id, pose, title, profile, source=source, round_no=round_no,
                             rules=rules, started_at=started_at)
    con.execute("COMMIT")
    return set_id


def _start_set_rows(con: sqlite3.Connection, session_id: int, pose: str, title: str, profile: str = "", *,
                    source: str = "", round_no: int = 1, rules: dict[str, Any] | None = None,
                    started_at: str | None = None) -> int:
    con.execute("INSERT OR IGNORE INTO stretches(session_id, pose, title, profile) VALUES (?, ?, ?, ?)",
                (session_id, pose, title, profile or ""))
    sid = con.execute("SELECT id FROM stretches WHERE session_id = ? AND pose = ? AND profile = ?",
                      (session_id, pose, profile or "")).fetchone()[0]
    cur = con.execute("INSERT INTO sets(stretch_id, started_at, source, round, rules) VALUES (?, ?, ?, ?, ?)",
                      (sid, started_at or now_iso(), source, round_no, json.dumps(rules or {})))
    return int(cur.lastrowid)


def _insert_rep(con: sqlite3.Connection, set_id: int, r: dict[str, Any]) -> None:
    con.execute("INSERT INTO reps(set_id, idx, side, start_s, end_s, low_peak, high_peak) VALUES (?,?,?,?,?,?,?)",
                (set_id, int(r["index"]), r.get("side", "none"), _f(r.get("start")), _f(r.get("end")),
                 _f(r.get("low_peak")), _f(r.get("high_peak"))))


def _insert_hold(con: sqlite3.Connection, set_id: int, h: dict[str, Any]) -> None:
    con.execute("INSERT INTO holds(set_id, side, start_s, end_s, in_tolerance_s, target_s, completed, pauses, peaks) "
                "VALUES (?,?,?,?,?,?,?,?,?)",
                (set_id, h.get("side", "none"), _f(h.get("start")), _f(h.get("end")), _f(h.get("in_tolerance_s")),
                 _f(h.get("target_s")), int(bool(h.get("completed"))), int(h.get("pauses") or 0),
                 json.dumps(h.get("peaks") or {})))


def _insert_fault(con: sqlite3.Connection, set_id: int, f: dict[str, Any]) -> None:
    con.execute("INSERT INTO faults(set_id, check_id, side, start_s, end_s, worst, text) VALUES (?,?,?,?,?,?,?)",
                (set_id, f["id"], f.get("side", "none"), _f(f.get("start")), _f(f.get("end")),
                 _f(f.get("worst")), f.get("text") or ""))


def write_record(con: sqlite3.Connection, set_id: int, record: Any) -> None:
    """Make a set's rows exactly a finished StretchRecord's (peaks, worst values), in one
    transaction: the rows streamed during the session are replaced, never lost half-way."""
    d = record.to_dict() if hasattr(record, "to_dict") else dict(record)
    con.execute("BEGIN IMMEDIATE")
    try:
        _write_record_rows(con, set_id, d)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _write_record_rows(con: sqlite3.Connection, set_id: int, d: dict[str, Any]) -> None:
    for table in ("reps", "holds", "faults"):
        con.execute(f"DELETE FROM {table} WHERE set_id = ?", (set_id,))
    for r in d.get("reps", []):
        _insert_rep(con, set_id, r)
    for h in d.get("holds", []):
        _insert_hold(con, set_id, h)
    for f in d.get("faults", []):
        _insert_fault(con, set_id, f)
    complete = any(e.get("kind") == ev.SET_COMPLETE for e in d.get("events", []))
    con.execute("UPDATE sets SET duration_s = ?, complete = MAX(complete, ?) WHERE id = ?",
                (_f(d.get("duration_s")), int(complete), set_id))


def import_record(con: sqlite3.Connection, record: Any, *, started_at: str | None = None,
                  kind: str = "review", rules: dict[str, Any] | None = None,
                  rom: dict[str, dict[str, str]] | None = None,
                  samples: list[tuple[float, str, str, float]] | None = None) -> int:
    """Store a finished StretchRecord (or its to_dict / `coach review` report JSON) as a
    session of its own, in one transaction, after validating it (HistoryError names what
    is wrong; nothing is written then). The same record imported again adds nothing and
    returns the first session's id. `samples` ((t, side, measure, value), e.g. from
    samples_from_trace) give the report its angle-over-time plots."""
    d = record.to_dict() if hasattr(record, "to_dict") else record
    d = validate_report(d)
    key = import_key(d)
    if (row := con.execute("SELECT id FROM sessions WHERE import_key = ?", (key,)).fetchone()) is not None:
        return int(row[0])
    if rules is None:
        try:
            from coach.rules.pose_spec import load_pose
            rules = spec_rules(load_pose(d["pose"]), (rom or {}).get(d["pose"]))
        except Exception:  # an unknown or renamed pose: the data still lands
            rules = {}
    when = started_at or now_iso()
    con.execute("BEGIN IMMEDIATE")
    try:
        if (row := con.execute("SELECT id FROM sessions WHERE import_key = ?", (key,)).fetchone()) is not None:
            con.execute("ROLLBACK")
            return int(row[0])
        sid = int(con.execute("INSERT INTO sessions(started_at, ended_at, kind, status, import_key) "
                              "VALUES (?, ?, ?, 'finished', ?)", (when, when, kind, key)).lastrowid)
        set_id = _start_set_rows(con, sid, d["pose"], d.get("title") or d["pose"], d.get("profile") or "",
                                 source=d.get("source") or "", rules=rules, started_at=when)
        _write_record_rows(con, set_id, d)
        if samples:
            con.executemany("INSERT INTO samples(set_id, t, side, measure, value) VALUES (?,?,?,?,?)",
                            [(set_id, t, side, m, v) for t, side, m, v in samples])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return sid


def trace_for_report(path: str | os.PathLike) -> Path | None:
    """The landmark trace `coach review` wrote next to a report (X.report.json -> X.trace.npz)."""
    p = Path(path)
    t = p.with_name(p.name.replace(".report.json", ".trace.npz"))
    return t if t != p and t.is_file() else None


def samples_from_trace(trace_path: str | os.PathLike, pose: str, profile: str | None = None
                       ) -> list[tuple[float, str, str, float]]:
    """A reviewed video's measures at SAMPLE_HZ, re-scored from its saved trace (no pose
    model runs), so an imported review plots its angles like a live session."""
    from coach.core.scoring import score_trace
    from coach.io.trace import load_trace
    from coach.rules.profiles import load_spec

    scored = score_trace(load_trace(Path(trace_path)), load_spec(pose, profile), keep_results=True)
    out: list[tuple[float, str, str, float]] = []
    last = -1e9
    for r in scored.results or []:
        if r.t - last < 1.0 / SAMPLE_HZ - 1e-9:
            continue
        last = r.t
        out += [(float(r.t), r.side, n, float(v)) for n, v in r.measures.items() if v is not None]
    return out


def import_key(d: dict[str, Any]) -> str:
    """The content hash that makes an import idempotent (key order and spacing ignored)."""
    return hashlib.sha256(json.dumps(d, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


_NAME = re.compile(r"^[a-z0-9_]{1,64}$")
_FIELDS = {  # list -> field -> (types, required)
    "reps": {"index": ((int,), True), "side": ((str,), False), "start": ((int, float, type(None)), False),
             "end": ((int, float, type(None)), False), "low_peak": ((int, float, type(None)), False),
             "high_peak": ((int, float, type(None)), False)},
    "holds": {"side": ((str,), False), "start": ((int, float, type(None)), False),
              "end": ((int, float, type(None)), False), "in_tolerance_s": ((int, float, type(None)), False),
              "target_s": ((int, float, type(None)), False), "completed": ((bool, int), False),
              "pauses": ((int,), False), "peaks": ((dict,), False)},
    "faults": {"id": ((str,), True), "side": ((str,), False), "start": ((int, float, type(None)), False),
               "end": ((int, float, type(None)), False), "worst": ((int, float, type(None)), False),
               "text": ((str, type(None)), False)},
    "events": {"kind": ((str,), True)},
}
_TOP = {"title": (str,), "profile": (str,), "source": (str,), "duration_s": (int, float),
        "frames": (int,), "frames_with_person": (int,)}


def validate_report(d: Any, where: str = "report") -> dict[str, Any]:
    """Check a report's shape before anything is written: a JSON object with a stretch name
    (`pose`), and the reps, holds, faults and events as lists of objects with fields of the
    right types and finite numbers. Raises HistoryError naming the first problem."""
    def bad(problem: str) -> HistoryError:
        return HistoryError(f"{where}: not a coach review report: {problem}")

    def number_ok(v: Any) -> bool:
        return not isinstance(v, float) or math.isfinite(v)

    if not isinstance(d, dict):
        raise bad(f"expected a JSON object, got {type(d).__name__}")
    pose = d.get("pose")
    if not isinstance(pose, str) or not _NAME.match(pose):
        raise bad(f"'pose' must be a stretch name like 'cat_cow', got {pose!r}")
    for k, types in _TOP.items():
        v = d.get(k)
        if v is not None and (not isinstance(v, types) or isinstance(v, bool) or not number_ok(v)):
            raise bad(f"'{k}' has the wrong type or value ({v!r})")
    if isinstance(d.get("duration_s"), (int, float)) and d["duration_s"] < 0:
        raise bad(f"'duration_s' is negative ({d['duration_s']!r})")
    for lst, fields in _FIELDS.items():
        items = d.get(lst, [])
        if not isinstance(items, list):
            raise bad(f"'{lst}' must be a list")
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                raise bad(f"{lst}[{i}] must be an object")
            for f, (types, required) in fields.items():
                if f not in item:
                    if required:
                        raise bad(f"{lst}[{i}] has no '{f}'")
                    continue
                v = item[f]
                if not isinstance(v, types) or (isinstance(v, bool) and bool not in types) or not number_ok(v):
                    raise bad(f"{lst}[{i}].{f} has the wrong type or value ({v!r})")
            if isinstance(item.get("start"), (int, float)) and isinstance(item.get("end"), (int, float)) \
                    and item["end"] < item["start"]:
                raise bad(f"{lst}[{i}] ends before it starts")
    return d


def import_json(con: sqlite3.Connection, path: str | os.PathLike, rom: dict[str, dict[str, str]] | None = None) -> int:
    """Import a `coach review` report JSON file; its modification time dates the session."""
    d, when = read_report_json(path)
    trace = trace_for_report(path)
    return import_record(con, d, started_at=when, rom=rom,
                         samples=samples_from_trace(trace, d["pose"]) if trace is not None else None)


def read_report_json(path: str | os.PathLike) -> tuple[dict[str, Any], str]:
    """A `coach review` report file, validated (HistoryError otherwise), and its date
    (the file's modification time)."""
    p = Path(path)
    if p.is_dir():
        raise HistoryError(f"{p}: is a folder, not a report file")
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise HistoryError(f"{p}: not a coach review report (not a text file)") from None
    try:
        d = json.loads(text)
    except json.JSONDecodeError as e:
        raise HistoryError(f"{p}: not a coach review report (not JSON: {e})") from None
    d = validate_report(d, str(p))
    return d, datetime.fromtimestamp(p.stat().st_mtime, timezone.utc).isoformat(timespec="seconds")


# ---------------------------------------------------------------- the Session sink

@dataclass
class _Open:
    set_id: int
    last_sample_t: float = -1e9
    last_flush_t: float = 0.0


class HistorySink:
    """Session sink writing to the history database as the session goes.

    on_start(spec, source, profile) opens a set (and the session, on first use);
    on_events(spec, events) commits each rep, hold_end and fault_end at once;
    on_frame(result) keeps measures at SAMPLE_HZ (optional for the live loop: without it
    the report has no angle-over-time plot); on_finish(record) settles the set exactly.
    close(status) ends the session.
    """

    def __init__(self, db: str | os.PathLike | sqlite3.Connection | None = None, kind: str = "live",
                 rom: dict[str, dict[str, str]] | None = None) -> None:
        self.con = db if isinstance(db, sqlite3.Connection) else connect(db)
        self.kind = kind
        self.rom = rom or {}         # pose -> {"measure", "better"}: see spec_rules
        self.session_id: int | None = None
        self.round = 1
        self._open: _Open | None = None
        self._pending: list[tuple] = []

    def begin(self) -> int:
        if self.session_id is None:
            self.session_id = start_session(self.con, self.kind)
        return self.session_id

    # -- protocol
    def on_start(self, spec: PoseSpec, source: str = "", profile: str = "") -> None:
        self.begin()
        if self._open is not None:       # a set never finished: keep what it has
            self._flush()
        self._open = _Open(start_set(self.con, self.session_id, spec.name, spec.title, profile or "",
                                     source=str(source), round_no=self.round,
                                     rules=spec_rules(spec, self.rom.get(spec.name))))

    def on_events(self, spec: PoseSpec, events: Iterable[Event]) -> None:
        o = self._open
        if o is None:
            return
        for e in events:
            d = e.data or {}
            if e.kind == ev.REP:
                _insert_rep(self.con, o.set_id, {"index": d.get("count", 0), "side": e.side, "start": d.get("start"),
                                                  "end": e.t, "low_peak": d.get("low_peak"), "high_peak": d.get("high_peak")})
            elif e.kind == ev.HOLD_END:
                _insert_hold(self.con, o.set_id, {
                    "side": e.side, "start": d.get("start"), "end": e.t, "in_tolerance_s": d.get("in_tolerance_s"),
                    "target_s": spec.hold.seconds if spec.hold else None, "completed": d.get("completed"),
                    "pauses": d.get("pauses", 0)})
            elif e.kind == ev.FAULT_END:
                _insert_fault(self.con, o.set_id, {"id": d.get("id", "?"), "side": e.side, "start": d.get("start"),
                                                   "end": e.t})
            elif e.kind == ev.SET_COMPLETE:
                self.con.execute("UPDATE sets SET complete = 1, duration_s = ? WHERE id = ?", (e.t, o.set_id))

    def on_frame(self, result: Any) -> None:
        o = self._open
        if o is None or result.t - o.last_sample_t < 1.0 / SAMPLE_HZ - 1e-9:
            return
        o.last_sample_t = result.t
        for name, v in result.measures.items():
            if v is not None:
                self._pending.append((o.set_id, float(result.t), result.side, name, float(v)))
        if result.t - o.last_flush_t >= SAMPLE_FLUSH_S:
            o.last_flush_t = result.t
            self._flush()

    def on_finish(self, record: Any) -> None:
        o = self._open
        if o is None:
            return
        self._flush()
        write_record(self.con, o.set_id, record)
        self._open = None

    # -- session end
    def close(self, status: str = "finished") -> None:
        """End the session (status: finished | stopped). Safe to call twice."""
        self._flush()
        if self.session_id is not None:
            end_session(self.con, self.session_id, status)

    def _flush(self) -> None:
        if self._pending:
            self.con.execute("BEGIN IMMEDIATE")
            self.con.executemany("INSERT INTO samples(set_id, t, side, measure, value) VALUES (?,?,?,?,?)", self._pending)
            self.con.execute("COMMIT")
            self._pending = []


# ---------------------------------------------------------------- reading

@dataclass
class SessionSummary:
    id: int
    started_at: str
    kind: str
    status: str
    stretches: list[str]
    profiles: list[str]
    reps: int
    holds: int
    holds_completed: int
    faults: int


def session_summaries(con: sqlite3.Connection, since: str | None = None) -> list[SessionSummary]:
    """One summary per session, oldest first (since: ISO date, inclusive)."""
    q = "SELECT * FROM sessions" + (" WHERE started_at >= ?" if since else "") + " ORDER BY started_at, id"
    out = []
    for s in con.execute(q, (since,) if since else ()).fetchall():
        st = con.execute("SELECT title, profile FROM stretches WHERE session_id = ? ORDER BY id", (s["id"],)).fetchall()

        def count(table: str, extra: str = "") -> int:
            return con.execute(f"SELECT COUNT(*) FROM {table} x JOIN sets ON x.set_id = sets.id JOIN stretches "
                               f"ON sets.stretch_id = stretches.id WHERE stretches.session_id = ? {extra}",
                               (s["id"],)).fetchone()[0]
        out.append(SessionSummary(
            id=s["id"], started_at=s["started_at"], kind=s["kind"], status=s["status"],
            stretches=[r["title"] for r in st], profiles=sorted({r["profile"] for r in st if r["profile"]}),
            reps=count("reps"), holds=count("holds"), holds_completed=count("holds", "AND x.completed = 1"),
            faults=count("faults")))
    return out


def session_ids(con: sqlite3.Connection) -> list[int]:
    return [r[0] for r in con.execute("SELECT id FROM sessions ORDER BY started_at, id")]


def load_set_rows(con: sqlite3.Connection, session_id: int) -> list[dict[str, Any]]:
    """Every set of a session with its reps, holds, faults and samples, as plain dicts."""
    sets = con.execute(
        "SELECT sets.*, stretches.pose, stretches.title, stretches.profile FROM sets JOIN stretches "
        "ON sets.stretch_id = stretches.id WHERE stretches.session_id = ? ORDER BY sets.started_at, sets.id",
        (session_id,)).fetchall()
    out = []
    for s in sets:
        d = dict(s)
        d["rules"] = json.loads(d["rules"] or "{}")
        d["reps"] = [dict(r) for r in con.execute("SELECT * FROM reps WHERE set_id = ? ORDER BY start_s", (s["id"],))]
        d["holds"] = []
        for h in con.execute("SELECT * FROM holds WHERE set_id = ? ORDER BY start_s", (s["id"],)):
            h = dict(h)
            h["peaks"] = json.loads(h["peaks"] or "{}")
            d["holds"].append(h)
        d["faults"] = [dict(f) for f in con.execute("SELECT * FROM faults WHERE set_id = ? ORDER BY start_s", (s["id"],))]
        series: dict[str, list[tuple[float, float, str]]] = {}
        for r in con.execute("SELECT t, value, side, measure FROM samples WHERE set_id = ? ORDER BY t", (s["id"],)):
            series.setdefault(r["measure"], []).append((r["t"], r["value"], r["side"]))
        d["series"] = series
        out.append(d)
    return out


def parse_date(text: str) -> str:
    """'2024-05-01', '2024-05-01T10:00' or a relative '7d'/'2w' -> ISO UTC string."""
    t = text.strip()
    if t[:-1].isdigit() and t[-1:] in ("d", "w") and len(t) < 8:
        days = int(t[:-1]) * (7 if t.endswith("w") else 1)
        return (datetime.now(timezone.utc) - timedelta(days=days)).isoformat(timespec="seconds")
    try:
        dt = datetime.fromisoformat(t)
    except ValueError:
        raise HistoryError(f"--since {text!r}: not a date (use 2024-05-01, 2024-05-01T10:00, 7d or 2w)") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc).isoformat(timespec="seconds")
