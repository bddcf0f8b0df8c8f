"""Replay: a saved trace re-scored with the defaults and with a profile, side by side;
a threshold moved across the demonstrated range changes the counts."""

from __future__ import annotations

import json

import pytest

from coach import cli
from coach.physio.replay import lines, replay
from coach.io.trace import save_trace
from test_calibrate import cat_cow_trace, hip_flexor_trace


@pytest.fixture
def cat_cow(tmp_path):
    return save_trace(cat_cow_trace(cycles=6, amplitude=20.0), tmp_path / "cc.trace.npz")


def profile(tmp_path, text: str, name: str = "p.toml"):
    p = tmp_path / name
    p.write_text("version = 1\n" + text)
    return p


def test_rep_threshold_beyond_the_demonstrated_amplitude_counts_nothing(tmp_path, cat_cow):
    p = profile(tmp_path, "[cat_cow.reps]\nlow_enter = -25.0\nlow_exit = -20.0\n")
    res = replay(cat_cow, "cat_cow", p)
    assert res.default.reps == 6
    assert res.tuned.reps == 0
    assert res.thresholds == {"reps.low_enter": (-3.5, -25.0), "reps.low_exit": (-1.5, -20.0)}


def test_rep_thresholds_inside_the_demonstrated_amplitude_count_every_rep(tmp_path):
    tr = save_trace(cat_cow_trace(cycles=5, amplitude=3.0), tmp_path / "small.trace.npz")
    p = profile(tmp_path, "[cat_cow.reps]\nlow_enter = -2.0\nlow_exit = -1.0\nhigh_exit = 1.0\nhigh_enter = 2.0\n")
    res = replay(tr, "cat_cow", p)
    assert (res.default.reps, res.tuned.reps) == (0, 5)


def test_hold_time_and_faults_per_side_change_with_the_profile(tmp_path):
    tr = save_trace(hip_flexor_trace(62.0, hold_s=25.0), tmp_path / "hf.trace.npz")
    p = profile(tmp_path, "[kneeling_hip_flexor.checks.front_knee_angle]\nmin = 55.0\n"
                          "[kneeling_hip_flexor.hold]\nseconds = 20\n")
    res = replay(tr, "kneeling_hip_flexor", p)
    assert "front_knee_angle" in res.default.faults and res.tuned.faults == {}
    assert res.default.holds.get("left", {}).get("completed", 0) == 0
    assert res.tuned.holds["left"]["completed"] == 1
    assert res.tuned.holds["left"]["in_position_s"] > 20.0
    text = "\n".join(lines(res))
    assert "* hold left: completed" in text and "* fault front_knee_angle" in text


def test_cli_replay_prints_the_comparison_and_the_time(tmp_path, cat_cow, capsys):
    p = profile(tmp_path, "[cat_cow.reps]\nlow_enter = -25.0\nlow_exit = -20.0\n")
    rc = cli.main(["replay", str(cat_cow), "--pose", "cat_cow", "--profile", str(p)])
    out = capsys.readouterr().out
    assert rc == 0
    assert "reps.low_enter -3.5 -> -25" in out
    row = next(ln for ln in out.splitlines() if "reps counted" in ln)
    assert row.startswith("*") and "6 of 10" in row and "0 of 10" in row
    assert "scored" in out and " s of footage" in out


def test_cli_replay_json(tmp_path, cat_cow, capsys):
    p = profile(tmp_path, "[cat_cow.reps]\ntarget = 6\nhigh_enter = 30.0\n")
    assert cli.main(["replay", str(cat_cow), "--pose", "cat_cow", "--profile", str(p), "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["default"]["reps"] == 6 and d["tuned"]["reps"] == 0
    assert d["tuned"]["rep_target"] == 6
    assert d["thresholds"]["reps.high_enter"] == {"default": 5.0, "profile": 30.0}


def test_cli_replay_without_profile_shows_the_defaults(cat_cow, capsys):
    assert cli.main(["replay", str(cat_cow), "--pose", "cat_cow"]) == 0
    assert "6 of 10" in capsys.readouterr().out


def test_cli_replay_errors_are_one_line(tmp_path, cat_cow, capsys):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a trace")
    assert cli.main(["replay", str(bad), "--pose", "cat_cow"]) == 2
    assert "not a coach landmark trace" in capsys.readouterr().err
    p = profile(tmp_path, "[cat_cow.reps]\nlow_enter = -1.0\n")       # breaks the hysteresis order
    assert cli.main(["replay", str(cat_cow), "--pose", "cat_cow", "--profile", str(p)]) == 2
    err = capsys.readouterr().err
    assert f"{p}:3: key 'cat_cow.reps.low_enter'" in err
