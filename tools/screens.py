"""Pictures for the README (run by scripts/screens): the live screen at 640x480, 1280x720
and 1920x1080 from a bundled clip, the end-of-set, end-of-session and stopped screens, and
the HTML report as headless Chromium shows it, all into docs/screens/.

The clip's landmarks come from its saved trace (tests/golden/<clip>.trace.npz, or a
`coach review` run when that is missing), so no pose model runs for the pictures; the
screens are drawn by the live window's own code (coach/app/window.py) on SDL's dummy
video driver, at exactly the sizes asked for.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import cv2  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SIZES = [(640, 480), (1280, 720), (1920, 1080)]
HELP = "space pause   m sound   f full screen   t tuning   q quit"


def trace_for(clip: Path, pose: str, tmp: Path):
    from coach.io.trace import load_trace

    golden = ROOT / "tests" / "golden" / f"{clip.stem}.trace.npz"
    if golden.exists():
        return load_trace(golden)
    out = tmp / clip.stem
    subprocess.run([sys.executable, "-m", "coach.cli", "review", str(clip), "--pose", pose, "--out", str(out)],
                   check=True)
    return load_trace(next(out.glob("*.trace.npz")))


def frame_at(clip: Path, t: float):
    cap = cv2.VideoCapture(str(clip))
    cap.set(cv2.CAP_PROP_POS_MSEC, t * 1000.0)
    ok, fr = cap.read()
    cap.release()
    if not ok:
        raise SystemExit(f"cannot read {clip} at {t} s")
    return fr


def live_screens(out: Path, clip: Path, pose: str, at: float, tmp: Path) -> list[Path]:
    from coach.app.hud import hud_view
    from coach.app.overlay import draw_skeleton
    from coach.app.window import LiveWindow
    from coach.core.scoring import score_trace
    from coach.rules.pose_spec import load_pose

    spec = load_pose(pose)
    scored = score_trace(trace_for(clip, pose, tmp), spec, keep_results=True)
    res = min(scored.results, key=lambda r: abs(r.t - at))
    fr = frame_at(clip, res.t)
    img = draw_skeleton(fr.copy(), res)
    win = LiveWindow(fr.shape[1], fr.shape[0], "coach live", size=SIZES[0])
    paths = []
    for w, h in SIZES:
        win.resize(w, h)
        hud = hud_view(spec, res, image_size=(fr.shape[1], fr.shape[0]), help=HELP)
        win.show(img, HELP, hud=hud)
        p = out / f"live_{w}x{h}.png"
        win.save(str(p))
        paths.append(p)
    win.close()
    return paths


def summary_screens(out: Path, tmp: Path) -> list[Path]:
    from coach.app.summary import close_hint, session_summary, set_summary
    from coach.app.window import LiveWindow
    from coach.core.scoring import score_trace
    from coach.rules.pose_spec import load_pose

    recs = []
    for clip, pose in (("cat_cow_clean", "cat_cow"), ("hip_flexor_both", "kneeling_hip_flexor"),
                       ("childs_pose_both", "childs_pose_side_reach")):
        spec = load_pose(pose)
        recs.append((score_trace(trace_for(ROOT / "sample_videos" / f"{clip}.mp4", pose, tmp), spec).record, spec))
    win = LiveWindow(640, 480, "coach", size=(1280, 720))
    views = {
        "summary_set": set_summary(recs[1][0], recs[1][1], next_step="Next: Child's Pose with Side Reach, in 20 s",
                                   hint=close_hint(12)),
        "summary_session": session_summary(recs, hint=close_hint(30)),
        "stopped": session_summary(recs[:2], stopped="You pressed the pain key, so the routine stopped.",
                                   hint=close_hint(30)),
    }
    paths = []
    for name, view in views.items():
        win.show_summary(view)
        p = out / f"{name}.png"
        win.save(str(p))
        paths.append(p)
    win.close()
    return paths


def demo_history(db: Path, tmp: Path) -> list[int]:
    """A few sessions over two weeks, replayed from the bundled clips' traces through the
    live loop's history sink (so they carry angle samples), and one imported review."""
    from coach.app.history_db import (HistorySink, connect, import_record, samples_from_trace, start_session,
                                      end_session)
    from coach.core.scoring import score_trace
    from coach.rules.pose_spec import load_pose

    con = connect(db)
    start = datetime(2026, 11, 16, 8, 0, tzinfo=timezone.utc)
    plan = [(0, ["cat_cow_clean", "hip_flexor_both"]), (2, ["hip_flexor_both"]), (3, ["cat_cow_clean"]),
            (7, ["cat_cow_clean", "hip_flexor_both", "childs_pose_both"]), (9, ["hip_flexor_both"])]
    poses = {"cat_cow_clean": "cat_cow", "hip_flexor_both": "kneeling_hip_flexor",
             "childs_pose_both": "childs_pose_side_reach"}
    ids = []
    for day, clips in plan:
        sink = HistorySink(con, kind="routine")
        sink.session_id = start_session(con, "routine", started_at=(start + timedelta(days=day)).isoformat())
        for clip in clips:
            spec = load_pose(poses[clip])
            trace = trace_for(ROOT / "sample_videos" / f"{clip}.mp4", poses[clip], tmp)
            scored = score_trace(trace, spec, keep_results=True)
            sink.on_start(spec, f"sample_videos/{clip}.mp4", "")
            for r in scored.results:
                sink.on_frame(r)
                if r.events:
                    sink.on_events(spec, r.events)
            sink.on_finish(scored.record)
        end_session(con, sink.session_id, "finished")
        ids.append(sink.session_id)
    # a short try that does not count for adherence, and an imported review
    sink = HistorySink(con, kind="live")
    sink.session_id = start_session(con, "live", started_at=(start + timedelta(days=9, hours=3)).isoformat())
    spec = load_pose("cat_cow")
    sink.on_start(spec, "camera 0", "")
    sink.on_finish({"pose": "cat_cow", "duration_s": 20.0})
    end_session(con, sink.session_id, "stopped")
    ids.append(sink.session_id)
    golden = ROOT / "tests" / "golden"
    rep = json.loads((golden / "hip_flexor_fault_knee120.report.json").read_text())
    ids.append(import_record(con, rep, started_at=(start + timedelta(days=10)).isoformat(),
                             samples=samples_from_trace(golden / "hip_flexor_fault_knee120.trace.npz",
                                                        "kneeling_hip_flexor")))
    return ids


def chromium_shot(html_path: Path, png: Path, tmp: Path, width: int = 1200) -> None:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if not exe:
        print("screens: chromium not found: the report picture is skipped (apt-get install chromium)")
        return
    base = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
            "--force-device-scale-factor=1", f"--user-data-dir={tmp / 'chromium'}"]
    probe = tmp / "probe.html"
    probe.write_text(html_path.read_text().replace(
        "</body>", "<script>addEventListener('load',()=>{const p=document.createElement('pre');p.id='h';"
                   "p.textContent=document.documentElement.scrollHeight;document.body.appendChild(p)})</script></body>"))
    dom = subprocess.run(base + [f"--window-size={width},2000", "--dump-dom", probe.as_uri()], capture_output=True, text=True, timeout=120).stdout
    m = re.search(r'<pre id="h">(\d+)</pre>', dom)
    height = int(m.group(1)) + 20 if m else 6000
    subprocess.run(base + [f"--screenshot={png}", f"--window-size={width},{height}", html_path.as_uri()],
                   capture_output=True, text=True, timeout=120)


def report_screens(out: Path, tmp: Path) -> list[Path]:
    from coach.app.history_db import connect
    from coach.app.html_report import build_report

    db = tmp / "history.sqlite"
    ids = demo_history(db, tmp)
    html_path = build_report(connect(db), ids, tmp / "report.html")
    png = out / "report.png"
    chromium_shot(html_path, png, tmp)
    return [png] if png.exists() else []


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=str(ROOT / "docs" / "screens"), help="folder for the PNGs")
    ap.add_argument("--clip", default="hip_flexor_both", help="bundled clip for the live screen")
    ap.add_argument("--pose", default="kneeling_hip_flexor")
    ap.add_argument("--at", type=float, default=22.0, help="moment of the clip shown (s)")
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="coach_screens_") as t:
        tmp = Path(t)
        made = live_screens(out, ROOT / "sample_videos" / f"{args.clip}.mp4", args.pose, args.at, tmp)
        made += summary_screens(out, tmp)
        made += report_screens(out, tmp)
    for p in made:
        print(f"screens: wrote {p.relative_to(ROOT) if p.is_relative_to(ROOT) else p}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
