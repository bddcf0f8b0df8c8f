"""Calibration: thresholds proposed from a demonstrated trace (stick figures with exact
angles), written to the profile, through the API and the CLI."""

from __future__ import annotations

import numpy as np
import pytest

from stick import Stick, trace as stick_trace
from coach import cli
from coach.physio.calibrate import Margins, propose
from coach.rules.profiles import load_profile, load_spec
from coach.core.scoring import score_trace
from coach.io.trace import Trace, save_trace

# ---------------------------------------------------------------- demonstration traces
# (test_replay.py imports these)

TABLETOP = Stick(torso=180.0, head=180.0, thigh={"left": -90.0, "right": -90.0},
                 shin={"left": 180.0, "right": 180.0}, upper={"left": -90.0, "right": -90.0},
                 fore={"left": -90.0, "right": -90.0})


def cat_cow_trace(cycles: int = 6, amplitude: float = 20.0, fps: float = 15.0) -> Trace:
    """3 s still tabletop (the neutral), then `cycles` slow cycles reaching +-amplitude deg
    of spine curvature (the back's outline rounds and hollows by `amplitude`; the head
    turns with it), 2 s per phase."""
    keys = [(0.0, TABLETOP), (3.0, TABLETOP)]
    t = 3.0
    cat = TABLETOP.with_(head=180.0 - amplitude, back=(amplitude, amplitude))
    cow = TABLETOP.with_(head=180.0 + amplitude, back=(-amplitude, -amplitude))
    for _ in range(cycles):
        keys += [(t + 1.0, cat), (t + 2.0, cat), (t + 3.0, cow), (t + 4.0, cow)]
        t += 4.0
    keys.append((t + 2.0, TABLETOP))
    times, lm, back = stick_trace(keys, fps=fps, with_back=True)
    return Trace(times, lm, 640, 480, "stick", "cat_cow_demo", back=back)


def lunge(knee: float) -> Stick:
    """Kneeling lunge, left leg forward, side view: torso upright, front thigh level, front
    knee at `knee` deg (90 = shin vertical), back thigh 10 deg behind vertical (hips forward)."""
    return Stick(torso=90.0, head=90.0, thigh={"left": 0.0, "right": -100.0},
                 shin={"left": -(180.0 - knee), "right": 180.0})


def hip_flexor_trace(knee: float, hold_s: float = 35.0, fps: float = 15.0) -> Trace:
    """Standing tall kneeling for 2 s, stepping into the lunge, holding it `hold_s`."""
    kneel = Stick(torso=90.0, head=90.0, thigh={"left": -90.0, "right": -90.0},
                  shin={"left": 180.0, "right": 180.0})
    keys = [(0.0, kneel), (2.0, kneel), (3.0, lunge(knee)), (3.0 + hold_s, lunge(knee))]
    times, lm = stick_trace(keys, fps=fps)
    return Trace(times, lm, 640, 480, "stick", f"hip_flexor_knee{knee:g}")


def test_stick_lunge_reads_the_knee_angle_it_was_built_with():
    spec = load_spec("kneeling_hip_flexor")
    res = score_trace(hip_flexor_trace(100.0, hold_s=5.0), spec, keep_results=True).results
    assert res[-1].set_up and res[-1].side == "left"
    assert res[-1].measures["front_knee"] == pytest.approx(100.0, abs=0.01)


# ---------------------------------------------------------------- proposals


def test_hold_form_band_is_demonstrated_range_widened_by_the_margin():
    spec = load_spec("kneeling_hip_flexor")
    cal = propose(hip_flexor_trace(100.0), spec, Margins(deg=5.0))
    r = cal.ranges["front_knee"]
    assert r.median == pytest.approx(100.0, abs=0.01)
    ch = cal.changes
    # front knee was 70..110: the patient holds exactly 100, so the band becomes 95..105
    assert ch["checks.front_knee_angle.min"] == pytest.approx(95.0)
    assert ch["checks.front_knee_angle.max"] == pytest.approx(105.0)
    # setup checks and the hold time are never proposed
    assert not any(k.startswith(("checks.lunge_position", "hold.")) for k in ch)


def test_calibrating_a_patient_below_the_default_band_removes_the_fault(tmp_path):
    demo = hip_flexor_trace(62.0)           # default min is 70 deg: a fault all hold long
    spec = load_spec("kneeling_hip_flexor")
    before = score_trace(demo, spec).record
    assert [f["id"] for f in before.faults] == ["front_knee_angle"]
    cal = propose(demo, spec, Margins(deg=4.0))
    assert cal.changes["checks.front_knee_angle.min"] == pytest.approx(58.0)
    from coach.rules.profiles import save_overrides
    save_overrides(tmp_path / "p.toml", "kneeling_hip_flexor", cal.changes, who="physio")
    after = score_trace(demo, load_spec("kneeling_hip_flexor", tmp_path / "p.toml")).record
    assert after.faults == []
    assert after.holds and after.holds[0]["completed"]


def test_loosen_only_keeps_a_threshold_the_demonstration_would_tighten():
    spec = load_spec("kneeling_hip_flexor")
    cal = propose(hip_flexor_trace(100.0), spec, Margins(deg=5.0, loosen_only=True))
    assert "checks.front_knee_angle.min" not in cal.changes      # 95 would be stricter than 70
    assert "checks.front_knee_angle.max" not in cal.changes      # 105 would be stricter than 110
    assert any("front_knee_angle.min" in n for n in cal.notes)


def test_rep_thresholds_enter_at_a_fraction_of_the_demonstrated_amplitude():
    spec = load_spec("cat_cow")
    cal = propose(cat_cow_trace(amplitude=20.0), spec, Margins(rep_enter=0.6, rep_exit=0.25))
    ch = cal.changes
    assert ch["reps.low_enter"] == pytest.approx(-12.0, abs=1.0)
    assert ch["reps.high_enter"] == pytest.approx(12.0, abs=1.0)
    assert ch["reps.low_exit"] == pytest.approx(-5.0, abs=0.6)
    assert ch["reps.high_exit"] == pytest.approx(5.0, abs=0.6)
    assert ch["reps.low_enter"] < ch["reps.low_exit"] < ch["reps.high_exit"] < ch["reps.high_enter"]


def test_small_demonstrated_amplitude_gives_thresholds_that_count_its_reps(tmp_path):
    demo = cat_cow_trace(cycles=5, amplitude=3.0)    # under the default -3.5 / +5 deg: no rep counted
    assert score_trace(demo, load_spec("cat_cow")).record.rep_count == 0
    cal = propose(demo, load_spec("cat_cow"))
    from coach.rules.profiles import save_overrides
    save_overrides(tmp_path / "p.toml", "cat_cow", cal.changes)
    assert score_trace(demo, load_spec("cat_cow", tmp_path / "p.toml")).record.rep_count == 5


def test_nothing_proposed_when_the_patient_never_gets_into_the_stretch():
    spec = load_spec("cat_cow")
    times, lm = stick_trace([(0.0, Stick()), (5.0, Stick())])   # standing, not on all fours
    cal = propose(Trace(times, lm, 640, 480), spec)
    assert cal.frames_in_stretch == 0 and cal.proposals == []
    assert "not recognised" in cal.notes[0]


# ---------------------------------------------------------------- CLI


def test_cli_calibrate_prints_ranges_and_diff_and_writes_the_profile(tmp_path, capsys):
    tr = save_trace(hip_flexor_trace(100.0), tmp_path / "demo.trace.npz")
    prof = tmp_path / "jane.toml"
    rc = cli.main(["calibrate", "--pose", "kneeling_hip_flexor", "--trace", str(tr), "--profile", str(prof),
                   "--patient", "Jane Doe", "--who", "A. Physio"])
    out = capsys.readouterr().out
    assert rc == 0
    assert "front_knee" in out and "100.00" in out                    # measured range table
    assert "checks.front_knee_angle.min" in out and "95" in out       # diff
    text = prof.read_text()
    assert "# patient: Jane Doe" in text and "A. Physio" in text
    assert load_profile(prof).overrides["kneeling_hip_flexor"]["checks.front_knee_angle.min"] == 95.0
    assert load_spec("kneeling_hip_flexor", prof).check("front_knee_angle").max == 105.0


def test_cli_calibrate_dry_run_writes_nothing(tmp_path, capsys):
    tr = save_trace(cat_cow_trace(), tmp_path / "demo.trace.npz")
    prof = tmp_path / "p.toml"
    rc = cli.main(["calibrate", "--pose", "cat_cow", "--trace", str(tr), "--profile", str(prof), "--dry-run"])
    assert rc == 0
    assert "reps.low_enter" in capsys.readouterr().out
    assert not prof.exists()


def test_cli_calibrate_keeps_other_overrides_in_the_profile(tmp_path):
    prof = tmp_path / "p.toml"
    prof.write_text("version = 1\n[cat_cow.reps]\ntarget = 6\n[pelvic_tilt.hold]\nseconds = 8\n")
    tr = save_trace(cat_cow_trace(), tmp_path / "demo.trace.npz")
    assert cli.main(["calibrate", "--pose", "cat_cow", "--trace", str(tr), "--profile", str(prof)]) == 0
    spec = load_spec("cat_cow", prof)
    assert spec.reps.target == 6 and spec.reps.low_enter != -10.0
    assert load_spec("pelvic_tilt", prof).hold.seconds == 8.0


def test_cli_calibrate_needs_exactly_one_source(tmp_path, capsys):
    assert cli.main(["calibrate", "--pose", "cat_cow", "--profile", str(tmp_path / "p.toml")]) == 2


def test_cli_calibrate_from_a_video_file_goes_through_the_camera_path(tmp_path, monkeypatch, capsys):
    """A video file is read by VideoSource and a pose backend exactly like a camera; a fake
    backend here returns the stick landmarks for each frame."""
    import cv2
    from coach.io import pose_backend

    demo = hip_flexor_trace(100.0, hold_s=12.0, fps=10.0)
    video = tmp_path / "demo.avi"
    w = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 10.0, (640, 480))
    for _ in range(len(demo)):
        w.write(np.zeros((480, 640, 3), np.uint8))
    w.release()

    class Fake:
        name = "fake"

        def __init__(self):
            self.i = 0

        def detect(self, rgb, t):
            self.i += 1
            return demo.lm[min(self.i - 1, len(demo) - 1)]

        def close(self):
            pass

    monkeypatch.setattr(pose_backend.BackendChoice, "create", lambda self: Fake())
    prof = tmp_path / "p.toml"
    rc = cli.main(["calibrate", "--pose", "kneeling_hip_flexor", str(video), "--profile", str(prof)])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert load_spec("kneeling_hip_flexor", prof).check("front_knee_angle").min == 95.0
    saved = tmp_path / "p.kneeling_hip_flexor.calibration.trace.npz"
    assert saved.exists() and str(saved) in out
