"""Issue 15: the history and the files around it. Imports are validated before any write
and idempotent; concurrent writers (processes importing, a live session streaming) never
corrupt or duplicate; a session a dead process left 'running' is closed as 'interrupted'
at the next start with what it streamed; the data folder is 0700, the DB and profiles 0600;
free text is escaped or refused on its way into TOML, CSV and file names."""

from __future__ import annotations

import csv
import json
import os
import sqlite3
import stat
import subprocess
import sys
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from conftest import ROOT, record_figure
from coach.app import history_db as hdb
from coach.app.history_db import HistoryError, HistorySink, connect, import_record, session_summaries
from coach.app.recovery import recover
from coach.io import atomic
from coach.io.safe_text import csv_cell, file_stem, one_line, toml_string
from coach.io.stream import StreamSink, read_stream
from coach.rules.pose_spec import load_pose

COACH = ROOT / ".venv" / "bin" / "coach"
EXE = [str(COACH)] if COACH.exists() else [sys.executable, "-m", "coach"]
REPORT = ROOT / "tests" / "golden" / "cat_cow_clean.report.json"
TRACE = ROOT / "tests" / "golden" / "cat_cow_clean.trace.npz"


# ---------------------------------------------------------------- imports

def test_import_is_idempotent_and_all_or_nothing(tmp_path):
    con = connect(tmp_path / "h.sqlite")
    rep = json.loads(REPORT.read_text())
    a = import_record(con, rep)
    assert import_record(con, dict(reversed(list(rep.items())))) == a      # same content, any key order
    assert len(session_summaries(con)) == 1
    bad = {**rep, "reps": rep["reps"] + [{"index": "x"}]}
    with pytest.raises(HistoryError, match=r"reps\[\d+\]\.index"):
        import_record(con, bad)
    for value in ([], {"pose": 5}, {"pose": "cat_cow", "duration_s": float("nan")}):
        with pytest.raises(HistoryError):
            import_record(con, value)
    assert len(session_summaries(con)) == 1                              # nothing half-written
    assert con.execute("SELECT COUNT(*) FROM sessions WHERE status = 'running'").fetchone()[0] == 0


def _variant(i: int) -> dict:
    rep = json.loads(REPORT.read_text())
    rep["source"] = f"clip_{i}.mp4"
    return rep


def test_concurrent_writers_to_the_history(tmp_path):
    """8 processes import at once (4 distinct reports, each twice) while a live session
    streams into the same database: every report lands exactly once, the live session
    keeps all its rows, and the database passes integrity_check."""
    db = tmp_path / "h.sqlite"
    files = []
    for i in range(4):
        f = tmp_path / f"r{i}.json"
        f.write_text(json.dumps(_variant(i)))
        files.append(f)
    env = {**os.environ, "HOME": str(tmp_path)}
    env.pop("COACH_DB", None)
    live = HistorySink(db, kind="live")
    spec = load_pose("cat_cow")
    live.on_start(spec, "camera", "")

    def importer(f: Path) -> int:
        return subprocess.run(EXE + ["history", "--db", str(db), "--import", str(f)], capture_output=True,
                              text=True, timeout=120, env=env).returncode

    from coach.core.events import Event
    with ThreadPoolExecutor(max_workers=8) as pool:
        futs = [pool.submit(importer, f) for f in files + files]
        for k in range(40):                       # the live session writes while they import
            live.on_events(spec, [Event(t=float(k), kind="rep", side="none", text="",
                                        data={"count": k + 1, "start": k - 0.5})])
        rcs = [f.result() for f in futs]
    live.close("finished")
    assert rcs == [0] * 8
    con = connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    rows = session_summaries(con)
    imported = [r for r in rows if r.kind == "review"]
    assert len(imported) == 4                     # 8 imports of 4 reports
    [mine] = [r for r in rows if r.kind == "live"]
    assert mine.reps == 40 and mine.status == "finished"
    record_figure("concurrent writers", "8 importing processes (4 reports, each twice) and a live session on one "
                                        f"database: {len(imported)} imported sessions, {mine.reps}/40 live reps, "
                                        "integrity ok")


# ---------------------------------------------------------------- sessions of dead processes

def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_dead_sessions_close_as_interrupted_with_what_they_streamed(tmp_path):
    db, out = tmp_path / "h.sqlite", tmp_path / "out"
    from coach.io.trace import load_trace

    tr = load_trace(TRACE)
    hist = HistorySink(db, kind="live")
    spec = load_pose("cat_cow")
    hist.on_start(spec, "cam", "")
    clock = iter(np.arange(0, 1000, 0.1))          # a fake wall clock: 0.1 s per frame
    stream = StreamSink(out, "s1", width=tr.width, height=tr.height, model="m", history=hist,
                        clock=lambda: next(clock))
    stream.on_start(spec, "cam", "")
    for t, lm in zip(tr.t[:200], tr.lm[:200]):     # 20 s of frames, then the process "dies"
        stream.on_trace(float(t), lm)
    head, got, _ = read_stream(stream.dir)
    assert 200 - len(got) <= 11                    # at most ~1 s (10 frames) not yet on disk
    con = hist.con
    sid = hist.session_id
    con.execute("UPDATE sessions SET pid = ? WHERE id = ?", (_dead_pid(), sid))
    alive = hdb.start_session(con, "live")         # another session, of a living process: left alone
    assert recover(connect(db)) == [sid]
    status = dict(con.execute("SELECT id, status FROM sessions").fetchall())
    assert status == {sid: "interrupted", alive: "running"}
    rep = json.loads((out / "s1.report.json").read_text())
    assert any(e["kind"] == "incomplete" for e in rep["events"]) and rep["frames"] == len(got)
    rows = list(csv.reader((out / "s1.report.csv").open()))
    assert rows[1][0] == "partial"
    assert len(load_trace(out / "s1.trace.npz")) == len(got)
    assert not stream.dir.exists()
    assert con.execute("SELECT stream FROM sets").fetchone()[0] == ""
    assert recover(connect(db)) == []              # the next start again: nothing more to do


# ---------------------------------------------------------------- privacy

def test_data_folder_db_and_profiles_are_private(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("COACH_DB", raising=False)
    monkeypatch.setattr(hdb, "DEFAULT_DB", Path("~/.local/share/coach/history.sqlite"))
    data = home / ".local" / "share" / "coach"
    data.mkdir(parents=True, mode=0o755)
    os.chmod(data, 0o755)
    connect(None)
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert stat.S_IMODE((data / "history.sqlite").stat().st_mode) == 0o600
    shared = tmp_path / "shared"                   # a folder the user chose is left as it is
    shared.mkdir(mode=0o755)
    os.chmod(shared, 0o755)
    connect(shared / "h.sqlite")
    assert stat.S_IMODE(shared.stat().st_mode) == 0o755
    assert stat.S_IMODE((shared / "h.sqlite").stat().st_mode) == 0o600
    from coach.rules.profiles import save_overrides
    prof = tmp_path / "jane.toml"
    save_overrides(prof, "cat_cow", {"reps.high_enter": 12.0}, who="me", patient="Jane \"JD\" Doe")
    assert stat.S_IMODE(prof.stat().st_mode) == 0o600
    assert tomllib.loads(prof.read_text())["patient"] == "Jane \"JD\" Doe"


# ---------------------------------------------------------------- free text

def test_free_text_is_escaped_or_refused():
    with pytest.raises(ValueError):
        one_line("Jane\n[cat_cow]")
    assert one_line("Jane Doe") == "Jane Doe"
    for s in ("a\nb", 'quote " back \\ slash', "tab\there", "\u2028"):
        assert tomllib.loads(f"x = {toml_string(s)}")["x"] == s
    assert [csv_cell(x) for x in ("=cmd|' /C calc'!A0", "+1", "@SUM(A1)", "-2", "ok", 3)] == \
        ["'=cmd|' /C calc'!A0", "'+1", "'@SUM(A1)", "'-2", "ok", 3]
    assert file_stem("../../etc/passwd") == "_.._etc_passwd"
    assert "/" not in file_stem("a/b\nc") and "\n" not in file_stem("a/b\nc")
    assert file_stem("...") == "session" and file_stem("hip flexor_both") == "hip flexor_both"


def test_atomic_write_leaves_old_file_or_new_one(tmp_path):
    p = tmp_path / "r.json"
    atomic.write_text(p, "old")
    with pytest.raises(RuntimeError):
        with atomic.atomic_open(p) as f:
            f.write("half of the new")
            raise RuntimeError("killed here")
    assert p.read_text() == "old" and sorted(x.name for x in tmp_path.iterdir()) == ["r.json"]
    stale = tmp_path / f".r.json.{_dead_pid()}.tmp.json"   # a killed writer's leftover
    stale.write_text("half")
    assert atomic.sweep_temps(tmp_path) == [stale] and not stale.exists()
