"""History database: written as the session goes (survives SIGKILL), migrations, import, CLI table."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace

import pytest

from coach.core import events as ev
from coach.core.events import Event
from coach.app.history_db import (MIGRATIONS, SCHEMA_VERSION, HistorySink, connect, default_db_path, get_meta,
                              import_record, load_set_rows, migrate, session_summaries, set_meta, spec_rules)
from coach.rules.pose_spec import load_pose

REPO = Path(__file__).resolve().parent.parent


def frame(t: float, **measures: float) -> SimpleNamespace:
    return SimpleNamespace(t=t, side="left", measures=measures)


def test_default_path_env_and_override(monkeypatch, tmp_path):
    monkeypatch.setenv("COACH_DB", str(tmp_path / "env.sqlite"))
    assert default_db_path() == tmp_path / "env.sqlite"
    assert default_db_path(tmp_path / "x.sqlite") == tmp_path / "x.sqlite"
    monkeypatch.delenv("COACH_DB")
    assert default_db_path() == Path("~/.local/share/coach/history.sqlite").expanduser()


def test_sink_records_a_session_and_finish_settles_it(tmp_path):
    spec = load_pose("kneeling_hip_flexor")
    sink = HistorySink(tmp_path / "h.sqlite")
    sink.on_start(spec, "camera 0", "stiff")
    for i in range(12):                       # 2.4 s at 5 Hz sampling from a 10 fps feed... every 0.2 s
        sink.on_frame(frame(i * 0.2, front_knee=90.0 + i, torso_lean=5.0))
    sink.on_events(spec, [Event(1.0, ev.FAULT_START, "x", "left", {"id": "torso_upright", "value": 25.0})])
    sink.on_events(spec, [Event(2.0, ev.FAULT_END, "", "left", {"id": "torso_upright", "start": 1.0}),
                          Event(40.0, ev.HOLD_END, "", "left", {"in_tolerance_s": 30.5, "completed": True,
                                                                  "start": 5.0, "pauses": 1})])
    sink.close()
    con = sink.con
    [s] = session_summaries(con)
    assert (s.holds, s.holds_completed, s.faults, s.profiles) == (1, 1, 1, ["stiff"])
    [row] = load_set_rows(con, s.id)
    assert row["rules"]["main"] == spec_rules(spec)["main"] and row["rules"]["per_side"] is True
    assert [b["id"] for b in row["rules"]["bands"]] == [c.id for c in spec.checks]
    assert len(row["series"]["front_knee"]) == 12
    assert row["faults"][0]["check_id"] == "torso_upright" and row["faults"][0]["worst"] is None
    # the finished record replaces the streamed rows with exact ones (peaks, worst value)
    sink2 = HistorySink(con)
    sink2.on_start(spec, "camera 0", "")
    record = {"pose": spec.name, "duration_s": 50.0, "reps": [], "events": [{"kind": ev.SET_COMPLETE}],
              "holds": [{"side": "left", "start": 5.0, "end": 40.0, "in_tolerance_s": 30.5, "target_s": 30.0,
                         "completed": True, "pauses": 1, "peaks": {"back_hip": [150.0, 171.0]}}],
              "faults": [{"id": "torso_upright", "side": "left", "start": 1.0, "end": 2.0, "worst": 25.0, "text": "t"}]}
    sink2.on_events(spec, [Event(40.0, ev.HOLD_END, "", "left", {"in_tolerance_s": 30.5, "completed": True, "start": 5.0})])
    sink2.on_finish(record)
    sink2.close()
    rows = load_set_rows(con, sink2.session_id)
    assert len(rows[0]["holds"]) == 1 and rows[0]["holds"][0]["peaks"] == {"back_hip": [150.0, 171.0]}
    assert rows[0]["faults"][0]["worst"] == 25.0 and rows[0]["complete"] == 1
    assert con.execute("SELECT status FROM sessions WHERE id = ?", (sink2.session_id,)).fetchone()[0] == "finished"


WRITER = textwrap.dedent("""
    import sys, time
    from types import SimpleNamespace
    from coach.core import events as ev
    from coach.core.events import Event
    from coach.app.history_db import HistorySink
    from coach.rules.pose_spec import load_pose
    spec = load_pose("cat_cow")
    sink = HistorySink(sys.argv[1])
    sink.on_start(spec, "camera 0", "")
    t = 0.0
    for i in range(1, 6):
        for _ in range(10):
            t += 0.1
            sink.on_frame(SimpleNamespace(t=t, side="none", measures={"spine": float(i)}))
        sink.on_events(spec, [Event(t, ev.REP, str(i), "none",
                                    {"count": i, "start": t - 0.8, "low_peak": -12.0, "high_peak": 11.0 + i})])
        print("rep", i, flush=True)
    sink.on_events(spec, [Event(t, ev.FAULT_END, "", "none", {"id": "tabletop", "start": 0.5})])
    print("ready", flush=True)
    time.sleep(600)   # mid-session: no on_finish, no close
""")


def test_sigkill_mid_session_loses_nothing_committed(tmp_path):
    db = tmp_path / "crash.sqlite"
    p = subprocess.Popen([sys.executable, "-c", WRITER, str(db)], stdout=subprocess.PIPE, text=True, cwd=REPO)
    try:
        lines = []
        for line in p.stdout:
            lines.append(line.strip())
            if line.strip() == "ready":
                break
        assert lines[-1] == "ready", lines
        os.kill(p.pid, signal.SIGKILL)
        assert p.wait() == -signal.SIGKILL
    finally:
        if p.poll() is None:
            p.kill()
    con = connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    [s] = session_summaries(con)
    assert s.status == "running" and s.reps == 5 and s.faults == 1
    [row] = load_set_rows(con, s.id)
    assert [r["idx"] for r in row["reps"]] == [1, 2, 3, 4, 5]
    assert row["reps"][-1]["high_peak"] == 16.0
    assert len(row["series"]["spine"]) >= 20          # samples flushed at least each second


def test_v1_database_upgrades_and_keeps_data(tmp_path):
    db = tmp_path / "old.sqlite"
    con = connect(db, target=1)
    assert con.execute("PRAGMA user_version").fetchone()[0] == 1
    sid = con.execute("INSERT INTO sessions(started_at, kind, status) VALUES ('2024-01-02T10:00:00+00:00', 'live', 'finished')").lastrowid
    st = con.execute("INSERT INTO stretches(session_id, pose, title, profile) VALUES (?, 'cat_cow', 'Cat-Cow Pose', 'p1')", (sid,)).lastrowid
    set_id = con.execute("INSERT INTO sets(stretch_id, started_at) VALUES (?, '2024-01-02T10:00:00+00:00')", (st,)).lastrowid
    con.execute("INSERT INTO reps(set_id, idx, side, start_s, end_s, low_peak, high_peak) VALUES (?, 1, 'none', 1, 3, -12, 14)", (set_id,))
    with pytest.raises(sqlite3.OperationalError):
        con.execute("SELECT * FROM samples")
    con.close()

    con = connect(db)
    assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == len(MIGRATIONS)
    [s] = session_summaries(con)
    assert (s.reps, s.stretches, s.profiles) == (1, ["Cat-Cow Pose"], ["p1"])
    [row] = load_set_rows(con, s.id)
    assert row["round"] == 1 and row["rules"] == {} and row["reps"][0]["high_peak"] == 14
    set_meta(con, "safety_accepted", "yes")
    assert get_meta(con, "safety_accepted") == "yes"
    assert migrate(con) == SCHEMA_VERSION            # idempotent


def test_newer_database_is_refused(tmp_path):
    db = tmp_path / "future.sqlite"
    sqlite3.connect(db).execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(RuntimeError, match="version"):
        connect(db)


def test_import_review_record(tmp_path):
    from coach.core.record import StretchRecord
    rec = StretchRecord(pose="cat_cow", title="Cat-Cow Pose", source="clip.mp4", duration_s=30.0, frames=300,
                        frames_with_person=290,
                        reps=[{"index": i, "side": "none", "start": i * 3.0, "end": i * 3.0 + 2, "duration_s": 2,
                               "low_peak": -11.0, "high_peak": 12.0} for i in range(1, 4)],
                        faults=[{"id": "tabletop", "side": "none", "start": 1.0, "end": 2.0, "duration_s": 1.0,
                                 "worst": 40.0, "text": "x"}])
    con = connect(tmp_path / "h.sqlite")
    sid = import_record(con, rec, started_at="2024-03-04T09:00:00+00:00")
    [s] = session_summaries(con)
    assert (s.id, s.kind, s.reps, s.faults, s.started_at[:10]) == (sid, "review", 3, 1, "2024-03-04")
    assert load_set_rows(con, sid)[0]["rules"]["main"] == "spine"


def test_history_command_prints_table(tmp_path, capsys):
    from coach.cli import main
    db = tmp_path / "h.sqlite"
    assert main(["history", "--db", str(db)]) == 0
    assert "no sessions" in capsys.readouterr().out
    con = connect(db)
    import_record(con, {"pose": "pelvic_tilt", "title": "Pelvic Tilt", "profile": "gentle", "duration_s": 9,
                        "holds": [{"side": "none", "start": 1, "end": 7, "in_tolerance_s": 5.5, "target_s": 5,
                                   "completed": True, "pauses": 0, "peaks": {}}]},
                  started_at="2024-05-06T08:30:00+00:00")
    assert main(["history", "--db", str(db)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["id", "date", "stretches", "reps", "holds", "finished", "faults", "profile", "status"]
    assert "2024-05-06 08:30" in out[2] and "Pelvic Tilt" in out[2] and "1 of 1" in out[2] and "gentle" in out[2]


def test_rom_measure_from_the_plan_or_the_rules():
    spec = load_pose("kneeling_hip_flexor")
    assert spec_rules(spec, {"measure": "back_hip", "better": "up"})["main"] == "back_hip"
    assert spec_rules(spec, {"measure": "no_such", "better": "up"})["main"] in spec.measures
    rules = spec_rules(load_pose("cat_cow"))
    assert (rules["main"], rules["better"]) == ("spine", "range") and rules["reps"]["target"] == 10
