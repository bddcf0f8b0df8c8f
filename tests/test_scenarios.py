"""Rig scenarios (issue 12 item 7) in CI time: the landmark traces of a few rendered
scenario clips, committed in tests/scenarios/ (MediaPipe full model, as `coach bench
accuracy sample_videos/scenarios --models full` wrote them to coach_out/bench/full/), scored
again must meet the truth in sample_videos/scenarios/: reps exact, every hold within 1 s,
no count on the wrong-pose and no-person clips, no false fault. The benchmark prints the
whole set (`scenarios passed: N/M`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from coach.bench import scenarios
from coach.bench.real import RealResult
from coach.bench.truth import load_truth
from coach.io.trace import load_trace
from coach.rules.pose_spec import load_pose

ROOT = Path(__file__).resolve().parent.parent
TRACES = Path(__file__).resolve().parent / "scenarios"
TRUTH = ROOT / "sample_videos" / "scenarios"
CLIPS = sorted(p.name.removesuffix(".trace.npz") for p in TRACES.glob("*.trace.npz"))


def test_the_hard_scenarios_are_committed():
    assert {"pelvic_tilt_start_moving", "hip_flexor_rest_between", "wrong_pose_standing_bends",
            "no_person"} <= set(CLIPS)


@pytest.mark.parametrize("clip", CLIPS)
def test_a_scenario_clip_meets_its_truth(clip):
    truth = load_truth(TRUTH / f"{clip}.truth.json")
    trace = load_trace(TRACES / f"{clip}.trace.npz")
    assert scenarios.is_scenario(truth) and len(trace) == truth.n_frames     # the trace of that clip
    r = scenarios.evaluate_scenario(truth, trace, load_pose(truth.pose))
    assert r.reps_got == truth.reps
    assert r.holds_matched == len(truth.holds) and all(e <= scenarios.HOLD_TOL_S for e in r.hold_errors)
    assert r.passed, r.reasons


def test_the_scenario_table_counts_what_failed():
    truth = load_truth(TRUTH / "no_person.truth.json")
    ok = RealResult("a", "cat_cow", 2, 2, 0, 0)
    bad = RealResult("b", "cat_cow", 2, 1, 0, 0, reasons=["reps 1/2"])
    rows = scenarios.table([(truth, ok), (truth, bad)], "full")
    assert rows[-2] == "scenarios passed: 1/2"
    assert rows[2].endswith("pass") and rows[3].endswith("FAIL: reps 1/2")
