"""`coach bench speed` runs end to end on a tiny clip and prints every figure with a number
(never asserting the numbers: speed depends on the machine)."""

from __future__ import annotations

import re

import pytest

from coach.bench.speed import TARGETS, Cost, format_table, misses, write_test_clip
from coach.cli import main
from coach.io.pose_backend import BackendChoice, BackendError

STAGES = ["decode", "inference", "checks (engine.step)", "overlay", "encode"]
FIGURES = ["bare inference fps", "review pipeline fps", "review sequential fps", "pipeline / bare inference",
           "pipeline / bound, stand-in model",
           "live fps", "live glass-to-feedback latency ms", "batch fps, 1 job", "batch fps, 2 jobs",
           "batch 2 jobs / 1 job", "split review s, 1 process", "split review s, 2 processes",
           "split review 2 processes / 1", "start-up s, matplotlib eager", "start-up s, matplotlib deferred",
           "new pose graph s per video", "reset pose graph s per video", "checks ms per frame",
           "bare inference fps, with mask", "review pipeline fps, with mask", "pipeline / bare inference, with mask"]


def _value(out: str, label: str) -> float:
    m = re.search(rf"^  {re.escape(label)}\s+(\S+)", out, re.M)
    assert m, f"{label!r} not printed:\n{out}"
    return float(m.group(1))


def test_bench_speed_prints_every_figure(tmp_path, capsys):
    try:
        BackendChoice().create().close()
    except BackendError as e:
        pytest.skip(f"no MediaPipe model here: {e}")
    clip = write_test_clip(tmp_path / "tiny.mp4", n_frames=8)
    rc = main(["bench", "speed", str(clip), "--frames", "6", "--batch-videos", "2", "--repeat", "1",
               "--split-seconds", "2", "--no-ray", "--pose", "cat_cow"])      # reads the back: mask figures too
    out = capsys.readouterr().out
    assert re.search(r"^  Ray clips/min, 1 worker\s+pending.*skipped", out, re.M), out
    for label in FIGURES:
        _value(out, label)
    for label in STAGES:            # wall and CPU milliseconds per frame
        m = re.search(rf"^  {re.escape(label)}\s+(\S+)\s+(\S+)$", out, re.M)
        assert m, f"stage {label!r} not printed:\n{out}"
        float(m.group(1)), float(m.group(2))
    for name in TARGETS:
        assert re.search(rf"^  {re.escape(name)}\s+\S+\s+(>=|<) [\d.]+\s+(ok|MISS)", out, re.M), name
    assert rc in (0, 1)
    assert ("missed:" in out) == (rc == 1)


def test_targets_are_judged_in_the_right_direction():
    good = {"pipeline / bare inference": 0.95, "pipeline / bare inference, with mask": 0.9, "live fps": 30.0, "live glass-to-feedback latency ms": 40.0,
            "batch 2 jobs / 1 job": 1.8, "split review 2 processes / 1": 1.6, "checks ms per frame": 0.2}
    assert misses(good) == []
    bad = {"pipeline / bare inference": 0.5, "pipeline / bare inference, with mask": 0.85, "live fps": 12.0, "live glass-to-feedback latency ms": 60.0,
           "batch 2 jobs / 1 job": 1.1, "split review 2 processes / 1": 1.2, "checks ms per frame": 1.0}
    assert sorted(misses(bad)) == sorted(TARGETS)
    assert misses({"live fps": None}) == []
    table = format_table({"decode": Cost(1.0, 0.5)}, {"live fps": None, "checks ms per frame": 2.0}, {})
    assert "pending" in table and "MISS" in table


def test_median_and_spread_of_repeats():
    from coach.bench.speed import median_spread

    assert median_spread([3.0, 1.0, 2.0]) == (2.0, "1.00-3.00 over 3")
    assert median_spread([None, 5.0]) == (5.0, "1 run")
    assert median_spread([None]) == (None, "")
