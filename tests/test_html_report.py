"""HTML report from stored sessions: self-contained, plots present, and rendered by headless Chromium."""

from __future__ import annotations

import base64
import io
import json
import math
import re
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest
from matplotlib.image import imread

from coach.core import events as ev
from coach.cli import main
from coach.core.events import Event
from coach.app.history_db import HistorySink, connect, import_record, load_set_rows
from coach.app.html_report import (build_report, measure_label, real_sessions, rom_figure, rom_value,
                                   set_figure, week_counts)
from coach.rules.pose_spec import load_pose

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def fill_db(path: Path) -> int:
    """Two older imported sessions (for trends) and one live session written through the sink."""
    con = connect(path)
    for day, peak in (("2024-05-01", 160.0), ("2024-05-03", 165.0)):
        import_record(con, {"pose": "kneeling_hip_flexor", "title": "Kneeling Hip Flexor Stretch", "duration_s": 70,
                            "holds": [{"side": s, "start": 2, "end": 35, "in_tolerance_s": 30.2, "target_s": 30,
                                       "completed": True, "pauses": 0, "peaks": {"back_hip": [150.0, peak]}}
                                      for s in ("left", "right")]},
                      started_at=f"{day}T09:00:00+00:00", kind="routine")
    sink = HistorySink(con, kind="routine")
    cat = load_pose("cat_cow")
    sink.on_start(cat, "camera 0", "")
    for i in range(150):                      # 15 s at 10 fps: spine oscillating, 5 cycles
        t = i * 0.1
        sink.on_frame(SimpleNamespace(t=t, side="none", measures={"spine": 15 * math.sin(t * 2 * math.pi / 3),
                                                                   "torso_level": 5.0, "wrist_offset": 0.1}))
    reps = [Event(3.0 * k, ev.REP, str(k), "none", {"count": k, "start": 3.0 * k - 2.5, "low_peak": -14.0,
                                                     "high_peak": 14.5}) for k in range(1, 5)]
    sink.on_events(cat, reps)
    sink.on_events(cat, [Event(9.0, ev.FAULT_END, "", "none", {"id": "tabletop", "start": 7.5})])
    hip = load_pose("kneeling_hip_flexor")
    sink.on_start(hip, "camera 0", "stiff")
    for i in range(400):
        t = i * 0.1
        side = "left" if t < 20 else "right"
        sink.on_frame(SimpleNamespace(t=t, side=side, measures={"front_knee": 90 + 5 * math.sin(t), "back_hip": 150 + t / 2,
                                                                 "torso_lean": 8.0, "hip_flexion": 100.0}))
    sink.on_finish({"pose": "kneeling_hip_flexor", "duration_s": 40.0, "events": [{"kind": ev.SET_COMPLETE}],
                    "holds": [{"side": "left", "start": 1, "end": 19, "in_tolerance_s": 17.5, "target_s": 30,
                               "completed": False, "pauses": 1, "peaks": {"back_hip": [150.0, 159.0]}},
                              {"side": "right", "start": 21, "end": 39, "in_tolerance_s": 18.0, "target_s": 30,
                               "completed": False, "pauses": 0, "peaks": {"back_hip": [160.0, 169.5]}}],
                    "faults": [{"id": "torso_upright", "side": "left", "start": 5, "end": 8, "worst": 24.0, "text": "t"}]})
    sink.close()
    return sink.session_id


def test_report_is_self_contained_with_all_plots(tmp_path):
    db = tmp_path / "h.sqlite"
    sid = fill_db(db)
    out = build_report(connect(db), [sid], tmp_path / "r.html")
    text = out.read_text()
    imgs = re.findall(r'<img class="plot" alt="([^"]*)" src="data:image/png;base64,([^"]+)"', text)
    assert [a for a, _ in imgs] == ["Cat-Cow Pose angle over time", "Kneeling Hip Flexor Stretch angle over time",
                                    "left vs right", "range of motion trend", "sessions per week"]
    for _, b64 in imgs:
        png = imread(io.BytesIO(base64.b64decode(b64)), format="png")
        assert png.shape[0] > 100 and png.shape[1] > 300 and png[..., :3].std() > 0.05
    # nothing external: no http(s) links, scripts or stylesheets by reference
    assert not re.search(r'(src|href)="(?!data:)', text) and "<script" not in text
    assert "Session " + str(sid) in text and "torso upright at 5 s (left side)" in text
    assert "torso_upright" not in text and "back_hip" not in text          # no internal ids
    assert "met in 0 of the last 8 weeks" in text


def test_rom_and_week_counts(tmp_path):
    db = tmp_path / "h.sqlite"
    sid = fill_db(db)
    sets = load_set_rows(connect(db), sid)
    assert rom_value(sets[0]) == pytest.approx(28.5)          # mean high - low peak
    # back hip, further is better: the best hold's median during the hold (right: 160.5..169.5),
    # not the peak over the whole span (which is the upright position between sides)
    assert rom_value(sets[1]) == pytest.approx(165.0)
    from datetime import date
    counts = week_counts([date(2024, 5, 1), date(2024, 5, 3), date(2024, 5, 6)], date(2024, 5, 7), 2)
    assert counts == [(date(2024, 4, 29), 2), (date(2024, 5, 6), 1)]


def test_report_command_last_and_since(tmp_path, capsys):
    db = tmp_path / "h.sqlite"
    sid = fill_db(db)
    assert main(["report", "--db", str(db), "--out", str(tmp_path / "a.html")]) == 0
    assert f"Session {sid}" in (tmp_path / "a.html").read_text()
    assert main(["report", "--db", str(db), "--since", "2024-05-02", "--out", str(tmp_path / "b.html")]) == 0
    b = (tmp_path / "b.html").read_text()
    assert "Session 2:" in b and "Session 1:" not in b
    assert main(["report", "1", "--db", str(db), "--out", str(tmp_path / "c.html")]) == 0
    assert main(["report", "99", "--db", str(db)]) == 2
    assert "no session 99" in capsys.readouterr().err


PROBE = """<script>
window.addEventListener('load', () => {
  const r = [...document.images].map(i => {const b = i.getBoundingClientRect();
    return [b.left + scrollX, b.top + scrollY, b.width, b.height, i.complete && i.naturalWidth > 0];});
  const pre = document.createElement('pre'); pre.id = 'probe';
  pre.textContent = JSON.stringify({imgs: r, height: document.documentElement.scrollHeight});
  document.body.appendChild(pre);
});
window.addEventListener('error', e => { document.title = 'ERROR ' + e.message; });
</script>"""


def chromium(args: list[str], tmp: Path) -> subprocess.CompletedProcess:
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--force-device-scale-factor=1", "--hide-scrollbars", "--enable-logging=stderr", "--v=0",
           f"--user-data-dir={tmp / 'profile'}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def test_report_renders_in_headless_chromium(tmp_path):
    assert CHROMIUM, "chromium is needed for this test: apt-get install -y chromium"
    db = tmp_path / "h.sqlite"
    sid = fill_db(db)
    report = build_report(connect(db), [sid], tmp_path / "r.html")
    # the page as Chromium loads it: console clean, every image decoded and laid out
    r = chromium(["--dump-dom", report.as_uri()], tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    errors = [ln for ln in r.stderr.splitlines() if "CONSOLE" in ln or "Failed to load" in ln or "Uncaught" in ln]
    assert errors == []
    # where the plots are: the same page with a probe appended (a copy; the report has no script)
    probed = tmp_path / "probed.html"
    probed.write_text(report.read_text().replace("</body>", PROBE + "</body>"))
    r = chromium(["--dump-dom", probed.as_uri()], tmp_path)
    dom = r.stdout
    assert "<title>coach report</title>" in dom, dom[:500]
    probe = json.loads(re.search(r'<pre id="probe">(.*?)</pre>', dom, re.S).group(1).replace("&quot;", '"'))
    assert len(probe["imgs"]) == 5 and all(i[4] for i in probe["imgs"]), probe
    height = int(probe["height"]) + 20
    shot = tmp_path / "shot.png"
    r = chromium([f"--screenshot={shot}", f"--window-size=1200,{height}", report.as_uri()], tmp_path)
    assert shot.exists(), r.stderr[-2000:]
    img = imread(shot)[..., :3]
    for x, y, w, h, _ in probe["imgs"]:
        x, y, w, h = int(x), int(y), int(w), int(h)
        assert w > 300 and h > 100
        region = img[y + 5:y + h - 5, x + 5:x + w - 5]
        assert region.shape[0] > 50, (region.shape, img.shape)
        non_white = (region < 0.9).any(axis=2).mean()
        assert non_white > 0.02 and region.std() > 0.05, (x, y, w, h, non_white)
    # and the page outside the plots is mostly white background (the regions are not just everything)
    assert (img > 0.95).all(axis=2).mean() > 0.3


# ---------------------------------------------------------------- what a physio reads

def test_thresholds_are_inside_the_plot_and_legends_outside_the_data(tmp_path):
    db = tmp_path / "h.sqlite"
    sid = fill_db(db)
    s = load_set_rows(connect(db), sid)[1]                       # hip flexor: data 88..170
    fig = set_figure(s)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    FigureCanvasAgg(fig).draw()
    bands = {b["measure"]: b for b in s["rules"]["bands"] if b["role"] != "setup"}
    checked = 0
    for ax in fig.axes[:-1]:
        label = ax.get_ylabel()
        m = next((m for m in bands if measure_label("kneeling_hip_flexor", m) in label), None)
        if m is None:
            continue
        assert "degrees" in label
        lo, hi = ax.get_ylim()
        marks = [v for b in s["rules"]["bands"] if b["measure"] == m and b["role"] != "setup"
                 for v in (b["min"], b["max"]) if v is not None]
        assert all(lo < v < hi for v in marks), (m, lo, hi, marks)
        # the band is not the whole panel: some of the axis lies outside every threshold
        assert min(marks) - lo > 0 or hi - max(marks) > 0
        leg = ax.get_legend()
        assert leg is not None
        assert leg.get_window_extent().x0 >= ax.get_window_extent().x1   # beside the plot, not on it
        checked += 1
    assert checked >= 2


def test_hold_table_gives_the_angle_during_each_hold(tmp_path):
    db = tmp_path / "h.sqlite"
    sid = fill_db(db)
    text = build_report(connect(db), [sid], tmp_path / "r.html").read_text()
    assert "Back hip during the hold" in text
    # left hold 1..19 s: back hip = 150 + t/2 -> 150.5..159.5, median 155
    assert "155° (150°-160°)" in text or "155° (150°-159°)" in text, text[text.find("during the hold"):][:600]


def test_trend_axis_of_one_day_is_that_day_not_years():
    from datetime import datetime, timezone
    import matplotlib.dates as mdates
    day = datetime(2026, 12, 2, 9, tzinfo=timezone.utc)
    fig = rom_figure({"Kneeling Hip Flexor Stretch": [(day, 160.0), (day.replace(hour=18), 165.0)]},
                     {"Kneeling Hip Flexor Stretch": "deg"}, {"Kneeling Hip Flexor Stretch": "Back hip"})
    lo, hi = fig.axes[0].get_xlim()
    assert hi - lo < 3.0                                          # days, in matplotlib's date units
    assert mdates.num2date(lo).year == 2026 and mdates.num2date(hi).year == 2026


def test_adherence_counts_only_real_sessions(tmp_path):
    con = connect(tmp_path / "h.sqlite")
    hip = load_pose("kneeling_hip_flexor")

    def session(seconds: float, complete: bool) -> int:
        sink = HistorySink(con, kind="live")
        sink.on_start(hip, "camera 0", "")
        sink.on_finish({"pose": hip.name, "duration_s": seconds,
                        "events": [{"kind": ev.SET_COMPLETE}] if complete else []})
        sink.close()
        return sink.session_id

    short_try = session(25.0, False)
    finished = session(70.0, True)
    long_unfinished = session(180.0, False)
    review = import_record(con, {"pose": hip.name, "title": hip.title, "duration_s": 300,
                                 "events": [{"kind": ev.SET_COMPLETE}]}, kind="review")
    assert real_sessions(con) == {finished, long_unfinished}
    assert short_try not in real_sessions(con) and review not in real_sessions(con)


def test_imported_review_brings_its_angles(tmp_path, capsys):
    golden = Path(__file__).parent / "golden"
    for ext in ("report.json", "trace.npz"):
        shutil.copy(golden / f"hip_flexor_both.{ext}", tmp_path / f"hip_flexor_both.{ext}")
    db = tmp_path / "h.sqlite"
    assert main(["history", "--db", str(db), "--import", str(tmp_path / "hip_flexor_both.report.json")]) == 0
    con = connect(db)
    sets = load_set_rows(con, 1)
    assert set(sets[0]["series"]) >= {"front_knee", "back_hip", "hip_flexion"}
    ts = [p[0] for p in sets[0]["series"]["front_knee"]]
    assert len(ts) > 100 and min(b - a for a, b in zip(ts, ts[1:])) >= 0.19   # 5 a second
    text = build_report(con, [1], tmp_path / "r.html").read_text()
    assert "no angle samples stored" not in text and "no samples" not in text
