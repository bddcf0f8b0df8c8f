"""Issue 15: nothing a user does shows a traceback. A table of bad inputs, each run through
the installed `coach` command in its own process: every one must end with exactly one
line on stderr (`coach: error: ...` naming the file or argument), no "Traceback", the
documented exit code (2, README "Exit codes"), and nothing written where nothing should be.

The cases run concurrently (they are independent processes, mostly start-up); each test
below then checks one case's recorded result. test_zz_summary prints the figures the
README quotes."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from conftest import ROOT, record_figure, robust_write_clip

COACH = ROOT / ".venv" / "bin" / "coach"
EXE = [str(COACH)] if COACH.exists() else [sys.executable, "-m", "coach"]
GOLDEN_TRACE = ROOT / "tests" / "golden" / "cat_cow_clean.trace.npz"
GOOD_REPORT = ROOT / "tests" / "golden" / "cat_cow_clean.report.json"


@dataclass
class Case:
    id: str
    argv: list[str]
    needle: str = ""          # must appear in the error line (the file or argument at fault)
    rc: int = 2


def build_cases(d: Path, make: bool = True) -> list[Case]:
    """The bad inputs; with `make`, the files they need are made under `d` (without, only
    the table: the test ids at collection time)."""
    def _npz(path: Path, **arrays) -> str:
        if make:
            np.savez(path, **arrays)
        return str(path)

    def _trace(path: Path, t=None, lm=None, meta=None) -> str:
        t = np.arange(5, dtype=float) * 0.1 if t is None else np.asarray(t, float)
        lm = np.zeros((len(t), 33, 4), np.float32) if lm is None else lm
        meta = {"width": 64, "height": 48} if meta is None else meta
        return _npz(path, t=t, lm=lm, meta=np.array(meta if isinstance(meta, str) else json.dumps(meta)))

    clip = d / "clip.avi"
    if make:
        _make_files(d)
    good_db = d / "good.sqlite"
    t = d / "traces"
    bad_traces = {
        "text": str(d / "text.txt"),
        "npz_no_meta": _npz(t / "nometa.npz", t=np.zeros(3), lm=np.zeros((3, 33, 4))),
        "meta_not_json": _trace(t / "metajunk.npz", meta="{not json"),
        "meta_list": _trace(t / "metalist.npz", meta=[1, 2]),
        "meta_width_text": _trace(t / "metawidth.npz", meta={"width": "abc", "height": 48}),
        "meta_no_height": _trace(t / "metaheight.npz", meta={"width": 64}),
        "meta_negative_size": _trace(t / "metaneg.npz", meta={"width": -5, "height": 48}),
        "meta_model_number": _trace(t / "metamodel.npz", meta={"width": 64, "height": 48, "model": 5}),
        "reversed_times": _trace(t / "reversed.npz", t=[0.4, 0.3, 0.2, 0.1, 0.0]),
        "nan_times": _trace(t / "nantimes.npz", t=[0.0, np.nan, 0.2, 0.3, 0.4]),
        "negative_times": _trace(t / "negtimes.npz", t=[-19.4, 0.1, 0.2, 0.3, 0.4]),
        "inf_landmarks": _trace(t / "inf.npz", lm=np.full((5, 33, 4), np.inf, np.float32)),
        "zero_frames": _trace(t / "zero.npz", t=[], lm=np.zeros((0, 33, 4), np.float32)),
        "wrong_shape": _trace(t / "shape.npz", lm=np.zeros((5, 17, 3), np.float32)),
        "length_mismatch": _trace(t / "mismatch.npz", t=[0.0, 0.1], lm=np.zeros((5, 33, 4), np.float32)),
        "missing": str(t / "nope.npz"),
        "folder": str(d / "folder"),
    }
    r = d / "reports"
    good = json.loads(GOOD_REPORT.read_text())

    def report(name: str, value) -> str:
        p = r / f"{name}.json"
        if make:
            p.write_text(value if isinstance(value, str) else json.dumps(value))
        return str(p)

    bad_reports = {
        "not_json": report("notjson", "this is not json"),
        "empty_list": report("list", []),
        "empty_object": report("obj", {}),
        "pose_number": report("posenum", {"pose": 5}),
        "pose_path": report("posepath", {"pose": "../poses/cat_cow"}),
        "reps_not_list": report("repsstr", {**good, "reps": "many"}),
        "rep_without_index": report("repnoidx", {**good, "reps": [{"start": 1.0, "end": 2.0}]}),
        "rep_nan_start": report("repnan", {**good, "reps": [{"index": 1, "start": float("nan"), "end": 2.0}]}),
        "rep_ends_first": report("repback", {**good, "reps": [{"index": 1, "start": 5.0, "end": 2.0}]}),
        "negative_duration": report("negdur", {**good, "duration_s": -19.4}),
        "holds_object": report("holdsobj", {**good, "holds": {"side": "left"}}),
        "fault_without_id": report("faultnoid", {**good, "faults": [{"start": 1.0}]}),
        "event_without_kind": report("evnokind", {**good, "events": [{"t": 1.0}]}),
        "title_number": report("titlenum", {**good, "title": 7}),
        "frames_text": report("framestxt", {**good, "frames": "ten"}),
        "binary": str(d / "binary.bin"),
        "missing": str(r / "nope.json"),
        "folder": str(d / "folder"),
    }
    p = d / "profiles"
    custom = d / "custom.toml"
    out_file = d / "afile"

    cases: list[Case] = []
    add = lambda *a, **k: cases.append(Case(*a, **k))  # noqa: E731

    # ---- the CLI itself
    add("unknown_command", ["frobnicate"], "frobnicate")
    add("unknown_option", ["poses", "--frob"], "--frob")
    add("no_command_args", ["review"], "video")
    # ---- --pose is a stretch name only
    for name, pose in {"pose_relative_path": "../poses/kneeling_hip_flexor", "pose_abs_toml": "/etc/passwd.toml",
                       "pose_unknown": "no_such_stretch", "pose_empty": "", "pose_dotdot": "..",
                       "pose_upper": "CAT_COW", "pose_newline": "cat_cow\nx"}.items():
        add(f"review_{name}", ["review", str(clip), "--pose", pose, "--out", str(d / "o")], "--pose")
    add("calibrate_pose_path", ["calibrate", "--pose", "../poses/kneeling_hip_flexor", "--trace", str(GOLDEN_TRACE),
                                "--profile", str(d / "p1.toml")], "--pose")
    add("live_pose_path", ["live", "--pose", "/tmp/x.toml", "--camera", str(clip)], "--pose")
    add("replay_pose_path", ["replay", str(GOLDEN_TRACE), "--pose", "../poses/cat_cow"], "--pose")
    add("pose_file_missing", ["review", str(clip), "--pose-file", str(d / "nope.toml"), "--out", str(d / "o")],
        "nope.toml")
    add("pose_file_garbage", ["review", str(clip), "--pose-file", str(p / "garbage.toml"), "--out", str(d / "o")],
        "garbage.toml")
    add("pose_file_incomplete", ["review", str(clip), "--pose-file", str(custom), "--out", str(d / "o")], "custom.toml")
    add("pose_file_folder", ["review", str(clip), "--pose-file", str(d / "folder"), "--out", str(d / "o")], "folder")
    add("pose_and_pose_file", ["review", str(clip), "--pose", "cat_cow", "--pose-file", str(custom)], "--pose")
    add("pose_file_with_profile", ["review", str(clip), "--pose-file", str(ROOT / "poses" / "cat_cow.toml"),
                                   "--profile", str(p / "range.toml"), "--out", str(d / "o")], "--profile")
    add("pose_file_folder_batch", ["review", str(d / "folder"), "--pose-file", str(custom)], "--pose-file")
    add("review_no_pose", ["review", str(clip)], "--pose")
    # ---- videos
    add("review_missing_video", ["review", str(d / "nope.mp4"), "--pose", "cat_cow", "--out", str(d / "o")], "nope.mp4")
    add("review_empty_video", ["review", str(d / "empty.mp4"), "--pose", "cat_cow", "--out", str(d / "o")], "empty.mp4")
    add("review_text_video", ["review", str(d / "text.mp4"), "--pose", "cat_cow", "--out", str(d / "o")], "text.mp4")
    add("review_empty_folder", ["review", str(d / "folder"), "--pose", "cat_cow"], "folder")
    add("review_out_is_file", ["review", str(clip), "--pose", "cat_cow", "--out", str(out_file)], "afile")
    add("review_out_under_file", ["review", str(clip), "--pose", "cat_cow", "--out", str(out_file / "sub")], "afile")
    add("review_out_in_proc", ["review", str(clip), "--pose", "cat_cow", "--out", "/proc/coach_out"], "/proc")
    add("review_jobs_text", ["review", str(clip), "--pose", "cat_cow", "--jobs", "many"], "--jobs")
    add("live_missing_file", ["live", "--pose", "cat_cow", "--camera", str(d / "nope.mp4"), "--no-history",
                              "--out", str(d / "lo")], "nope.mp4")
    add("live_text_file", ["live", "--pose", "cat_cow", "--camera", str(d / "text.mp4"), "--no-history",
                           "--out", str(d / "lo")], "text.mp4")
    add("live_no_camera", ["live", "--pose", "cat_cow", "--camera", "7", "--no-history", "--out", str(d / "lo")],
        "camera")
    add("live_out_under_file", ["live", "--pose", "cat_cow", "--camera", str(clip), "--no-history",
                                "--out", str(out_file / "x")], "afile")
    add("live_max_seconds_text", ["live", "--pose", "cat_cow", "--max-seconds", "soon"], "--max-seconds")
    add("routine_rounds", ["routine", "--rounds", "5"], "--rounds")
    add("routine_missing_file", ["routine", "--camera", str(d / "nope.mp4"), "--db", str(d / "r.sqlite"),
                                 "--out", str(d / "ro")], "nope.mp4")
    add("routine_bad_profile", ["routine", "--profile", str(p / "garbage.toml"), "--db", str(d / "r.sqlite")],
        "garbage.toml")
    # ---- history databases
    dbs = {"folder": d / "folder", "text": d / "text.txt", "other_app": d / "other.sqlite",
           "future": d / "future.sqlite", "truncated": d / "truncated.sqlite"}
    for cmd in (["history"], ["report"], ["live", "--pose", "cat_cow", "--camera", str(clip)],
                ["routine", "--camera", str(clip)]):
        for name, db in dbs.items():
            if cmd[0] in ("history", "report"):
                add(f"{cmd[0]}_db_{name}", cmd + ["--db", str(db)], Path(db).name)
            elif name in ("folder", "text"):        # live and routine start slower: two cases each
                add(f"{cmd[0]}_db_{name}", cmd + ["--db", str(db), "--out", str(d / "lo")], Path(db).name)
    add("history_db_under_file", ["history", "--db", str(out_file / "h.sqlite")], "afile")
    # ---- dates
    for name, since in {"garbage": "garbage", "month13": "2024-13-01", "huge_days": "99999999d", "empty": "",
                        "words": "last tuesday", "negative": "-3d"}.items():
        add(f"history_since_{name}", ["history", "--db", str(good_db), "--since", since], "--since")
    add("report_since_garbage", ["report", "--db", str(good_db), "--since", "garbage"], "--since")
    add("report_since_and_last", ["report", "--db", str(good_db), "--since", "7d", "--last"], "--last")
    # ---- report output
    add("report_out_folder", ["report", "--db", str(good_db), "--out", str(d / "folder")], "folder")
    add("report_out_under_file", ["report", "--db", str(good_db), "--out", str(out_file / "r.html")], "afile")
    add("report_unknown_session", ["report", "41", "--db", str(good_db)], "41")
    add("report_session_text", ["report", "first", "--db", str(good_db)], "first")
    # ---- imports
    for name, f in bad_reports.items():
        add(f"import_{name}", ["history", "--db", str(d / "imports.sqlite"), "--import", f], Path(f).name)
    add("import_good_then_bad", ["history", "--db", str(d / "imports.sqlite"), "--import", str(GOOD_REPORT),
                                 bad_reports["pose_number"]], "posenum")
    # ---- traces
    for name, f in bad_traces.items():
        add(f"replay_trace_{name}", ["replay", f, "--pose", "cat_cow"], Path(f).name)
    for name in ("text", "meta_width_text", "reversed_times", "zero_frames"):
        add(f"calibrate_trace_{name}", ["calibrate", "--pose", "cat_cow", "--trace", bad_traces[name],
                                        "--profile", str(d / "cal.toml")], Path(bad_traces[name]).name)
    # ---- profiles
    for name in ("garbage", "noversion", "badversion", "unknown", "badkey", "range", "badtype"):
        add(f"review_profile_{name}", ["review", str(clip), "--pose", "cat_cow", "--profile", str(p / f"{name}.toml"),
                                       "--out", str(d / "o")], f"{name}.toml")
    add("review_profile_missing", ["review", str(clip), "--pose", "cat_cow", "--profile", str(p / "nope.toml")],
        "nope.toml")
    add("replay_profile_folder", ["replay", str(GOLDEN_TRACE), "--pose", "cat_cow", "--profile", str(d / "folder")],
        "folder")
    add("live_profile_garbage", ["live", "--pose", "cat_cow", "--profile", str(p / "garbage.toml"), "--no-history"],
        "garbage.toml")
    # ---- calibrate: writing the profile, free text
    cal = ["calibrate", "--pose", "cat_cow", "--trace", str(GOLDEN_TRACE)]
    add("calibrate_profile_under_file", cal + ["--profile", str(out_file / "jane.toml")], "afile")
    add("calibrate_profile_folder", cal + ["--profile", str(d / "folder")], "folder")
    add("calibrate_profile_garbage", cal + ["--profile", str(p / "garbage.toml")], "garbage.toml")
    add("calibrate_profile_in_proc", cal + ["--profile", "/proc/jane.toml"], "/proc")
    add("calibrate_no_source", ["calibrate", "--pose", "cat_cow", "--profile", str(d / "c.toml")], "one of")
    add("calibrate_two_sources", ["calibrate", "--pose", "cat_cow", str(clip), "--trace", str(GOLDEN_TRACE),
                                  "--profile", str(d / "c.toml")], "one of")
    add("calibrate_margin_text", cal + ["--profile", str(d / "c.toml"), "--margin", "wide"], "--margin")
    for name, text in {"newline": "Jane\n[cat_cow]", "carriage_return": "Jane\rDoe", "tab_bell": "Jane\x07",
                       "nul_like": "Jane\x1b[2J", "very_long": "J" * 300}.items():
        add(f"calibrate_patient_{name}", cal + ["--profile", str(d / f"pt_{name}.toml"), "--patient", text], "--patient")
    add("calibrate_who_newline", cal + ["--profile", str(d / "who.toml"), "--who", "me\nversion = 2"], "--who")
    # ---- remind
    add("remind_every_garbage", ["remind", "--every", "often"], "--every")
    add("remind_every_zero", ["remind", "--every", "0m"], "--every")
    return cases


PROFILES = {"garbage": "this is [not toml\n", "noversion": "[cat_cow.reps]\nhigh_enter = 12.0\n",
            "badversion": "version = 99\n", "unknown": "version = 1\n[no_such_stretch]\nx = 1\n",
            "badkey": "version = 1\n[cat_cow.reps]\nno_such_key = 1.0\n",
            "range": "version = 1\n[cat_cow.reps]\nhigh_enter = 1000.0\n",
            "badtype": "version = 1\n[cat_cow.reps]\nhigh_enter = \"high\"\n"}


def _make_files(d: Path) -> None:
    robust_write_clip(d / "clip.avi", [np.full((48, 64, 3), i * 9, np.uint8) for i in range(10)],
                      fps=10.0, fourcc="MJPG")
    (d / "empty.mp4").write_bytes(b"")
    (d / "text.mp4").write_text("not a video\n")
    (d / "folder").mkdir()
    (d / "afile").write_text("x")
    (d / "text.txt").write_text("hello\n")
    (d / "binary.bin").write_bytes(bytes(range(256)) * 4)
    sqlite3.connect(d / "other.sqlite").execute("CREATE TABLE foo (x)").connection.commit()
    con = sqlite3.connect(d / "future.sqlite")
    con.execute("PRAGMA user_version = 99")
    con.commit()
    con.close()
    (d / "truncated.sqlite").write_bytes(b"SQLite format 3\x00" + b"\x00" * 50)
    subprocess.run(EXE + ["history", "--db", str(d / "good.sqlite")], capture_output=True, check=True, cwd=d)
    for sub in ("traces", "reports", "profiles"):
        (d / sub).mkdir()
    for name, text in PROFILES.items():
        (d / "profiles" / f"{name}.toml").write_text(text)
    (d / "custom.toml").write_text("name = 'x'\n")


@dataclass
class Outcome:
    rc: int
    stderr: str
    seconds: float


CASES_DIR: dict[str, Path] = {}


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory) -> dict[str, Outcome]:
    d = tmp_path_factory.mktemp("bad_inputs")
    cases = build_cases(d)
    CASES_DIR["dir"] = d
    SIZES.update({db: (d / db).stat().st_size for db in ("other.sqlite", "truncated.sqlite", "future.sqlite")})
    env = {**os.environ, "HOME": str(d / "home"), "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}
    env.pop("COACH_DB", None)
    env.pop("COACH_DEBUG", None)

    def run(c: Case) -> tuple[str, Outcome]:
        t0 = time.perf_counter()
        p = subprocess.run(EXE + c.argv, capture_output=True, text=True, timeout=120, cwd=d, env=env,
                           stdin=subprocess.DEVNULL)
        return c.id, Outcome(p.returncode, p.stderr, time.perf_counter() - t0)

    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(pool.map(run, cases))


SIZES: dict[str, int] = {}
ALL = build_cases(Path("/nonexistent"), make=False)


@pytest.mark.parametrize("case", ALL, ids=[c.id for c in ALL])
def test_bad_input_is_one_line_no_traceback(outcomes, case):
    o = outcomes[case.id]
    lines = [ln for ln in o.stderr.splitlines() if ln.strip()]
    assert "Traceback" not in o.stderr, o.stderr
    assert o.rc == case.rc, f"rc {o.rc}: {o.stderr}"
    assert len(lines) == 1, o.stderr
    assert lines[0].startswith("coach: error: "), lines[0]
    assert case.needle.lower() in lines[0].lower(), lines[0]


def test_zz_summary(outcomes):
    """The figures the README quotes (printed at the end of the test run)."""
    n = len(outcomes)
    tracebacks = sum("Traceback" in o.stderr for o in outcomes.values())
    wrong = sum(o.rc != c.rc for c, o in ((c, outcomes[c.id]) for c in ALL))
    multi = sum(len([ln for ln in o.stderr.splitlines() if ln.strip()]) != 1 for o in outcomes.values())
    record_figure("bad inputs", f"{n} run through the installed command: {tracebacks} tracebacks, "
                                f"{wrong} unexpected exit codes, {multi} with other than one stderr line")
    assert n >= 90
    assert tracebacks == 0


def test_no_bad_input_changed_what_it_should_not(outcomes):
    """Refused inputs write nothing: no profile from a refused --patient, no session from a
    bad import (the good report before it in the same command is not imported either)."""
    d = CASES_DIR["dir"]
    assert not list(d.glob("pt_*.toml")) and not (d / "who.toml").exists()
    if (d / "imports.sqlite").exists():      # validated before the database is even opened
        con = sqlite3.connect(d / "imports.sqlite")
        assert con.execute("SELECT COUNT(*) FROM sqlite_master WHERE name = 'sessions'").fetchone()[0] == 0 or \
            con.execute("SELECT COUNT(*) FROM sessions").fetchone()[0] == 0
    assert not (d / "o").exists() or not any((d / "o").iterdir())
    for db, size in SIZES.items():
        assert (d / db).stat().st_size == size, db           # another program's or a damaged DB: untouched


@pytest.mark.parametrize("argv", [["history", "--since", "garbage"], ["report", "--since", "garbage"],
                                  ["replay", "nope.npz", "--pose", "cat_cow"], ["poses", "--frob"],
                                  ["calibrate", "--pose", "cat_cow", "--trace", "nope.npz", "--profile", "p.toml"]],
                         ids=lambda a: a[0])
def test_non_video_commands_start_without_opencv_mediapipe_matplotlib(tmp_path, argv):
    """A bad input to a command that needs no video is answered before OpenCV, MediaPipe or
    matplotlib load (the CLI loads only the named command's module, lazily). The CPU time
    per invocation is printed with the figures (measured, not asserted)."""
    import resource

    env = {**os.environ, "HOME": str(tmp_path), "COACH_DB": str(tmp_path / "h.sqlite")}
    code = "import sys; from coach.entry import main; sys.exit(main())"
    p = subprocess.run([sys.executable, "-X", "importtime", "-c", code, *argv], capture_output=True, text=True,
                       cwd=tmp_path, env=env, timeout=120)
    assert p.returncode == 2
    loaded = {ln.rsplit("|", 1)[-1].strip() for ln in p.stderr.splitlines() if ln.startswith("import time:")}
    assert not loaded & {"cv2", "mediapipe", "matplotlib", "pygame"}, loaded & {"cv2", "mediapipe", "matplotlib"}
    cpu = []
    for _ in range(3):
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(EXE + argv, capture_output=True, cwd=tmp_path, env=env, timeout=120)
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime)
    STARTUP[argv[0]] = sorted(cpu)[1]
    record_figure("start-up of a refused non-video command", ", ".join(
        f"{k} {v:.2f} s" for k, v in sorted(STARTUP.items())) + " CPU (median of 3; no OpenCV, MediaPipe, "
        "matplotlib or pygame loaded)")


STARTUP: dict[str, float] = {}
