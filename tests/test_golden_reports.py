"""Golden reports: the review JSON of every bundled clip, frozen, must come out again when
its landmark trace is scored through the one frame loop.

tests/golden/ holds, per bundled clip, the landmark trace and the JSON report that
`coach review` wrote for it. Scoring the trace again must give the same report (floats
compared to 3 decimals: traces are stored as float32). A refactor of the frame loop that
changes any rep, hold, fault or event shows up here.

A deliberate change of behaviour regenerates them: `python tests/golden/update.py`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from coach.rules.pose_spec import load_pose
from coach.core.scoring import score_trace
from coach.io.trace import load_trace

GOLDEN = Path(__file__).resolve().parent / "golden"
CLIPS = sorted(p.name.removesuffix(".report.json") for p in GOLDEN.glob("*.report.json"))


def normalise(x):
    """JSON data with floats rounded to 3 decimals (float32 traces against float64 math)."""
    if isinstance(x, float):
        return round(x, 3)
    if isinstance(x, dict):
        return {k: normalise(v) for k, v in x.items()}
    if isinstance(x, list):
        return [normalise(v) for v in x]
    return x


def test_there_is_a_golden_report_for_every_bundled_clip() -> None:
    bundled = sorted(p.stem for p in (GOLDEN.parent.parent / "sample_videos").glob("*.mp4"))
    assert CLIPS == bundled


@pytest.mark.parametrize("clip", CLIPS)
def test_scoring_the_trace_again_gives_the_golden_report(clip: str) -> None:
    want = json.loads((GOLDEN / f"{clip}.report.json").read_text())
    trace = load_trace(GOLDEN / f"{clip}.trace.npz")
    got = score_trace(trace, load_pose(want["pose"])).record.to_dict()
    assert normalise(got) == normalise(want)
