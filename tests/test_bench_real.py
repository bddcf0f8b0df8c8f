"""The real-clip pass rule of `coach bench accuracy DIR` (coach/bench/real.py), and the
hand-labelled real clips in ../shared/realdev where that folder exists."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import ROOT
from coach.bench import real
from coach.bench.truth import load_truth
from coach.core.record import StretchRecord

REALDEV = ROOT.parent / "shared" / "realdev"


def _truth(tmp_path: Path, **kw) -> object:
    d = {"pose": "supine_knee_to_chest", "video": "x.mp4", "fps": 10, "clean": True, "reps": 0,
         "holds": [], "faults": [], "real": True,
         "view_segments": [{"start": 0.0, "end": 20.0, "view_offset_deg": 0}], **kw}
    p = tmp_path / "x.truth.json"
    p.write_text(json.dumps(d))
    return load_truth(p)


def _rec(holds=(), faults=(), reps=()) -> StretchRecord:
    return StretchRecord("supine_knee_to_chest", "", "", 20.0, 200, 200, reps=list(reps), holds=list(holds),
                         faults=list(faults))


def _hold(side: str, start: float, end: float, in_s: float) -> dict:
    return {"side": side, "start": start, "end": end, "in_tolerance_s": in_s, "completed": False}


def _judge(truth, rec):
    return real.judge_record("x", truth, rec, truth.holds, truth.reps, truth.faults, 1.0)


def test_a_matched_hold_within_tolerance_passes(tmp_path: Path) -> None:
    t = _truth(tmp_path, holds=[{"side": "none", "start": 1.0, "end": 9.0, "in_position_s": 8.0}])
    assert _judge(t, _rec([_hold("left", 1.5, 9.0, 6.6)])).passed
    r = _judge(t, _rec([_hold("left", 1.5, 9.0, 6.4)]))      # 1.6 s off: too far
    assert not r.passed and "hold 6.4s vs 8.0s" in r.reasons[0]


def test_a_hold_on_the_wrong_side_is_missed(tmp_path: Path) -> None:
    t = _truth(tmp_path, holds=[{"side": "right", "start": 1.0, "end": 9.0, "in_position_s": 8.0}])
    r = _judge(t, _rec([_hold("left", 1.0, 9.0, 8.0)]))
    assert not r.passed and r.holds_matched == 0
    assert any("spurious" in x for x in r.reasons)        # and the unmatched 8 s hold is spurious


def test_short_unmatched_holds_are_tolerated_long_ones_are_not(tmp_path: Path) -> None:
    t = _truth(tmp_path)
    assert _judge(t, _rec([_hold("left", 1.0, 4.0, 2.9)])).passed
    assert not _judge(t, _rec([_hold("left", 1.0, 4.0, 3.0)])).passed


def test_reps_must_equal_the_truth(tmp_path: Path) -> None:
    t = _truth(tmp_path, reps=2)
    assert not _judge(t, _rec(reps=[{}])).passed
    assert _judge(t, _rec(reps=[{}, {}])).passed


def test_faults_found_and_false_faults_on_clean_clips(tmp_path: Path) -> None:
    fault = {"id": "other_leg_long", "start": 2.0, "end": 5.0, "duration_s": 3.0}
    dirty = _truth(tmp_path, clean=False, faults=[{"id": "other_leg_long", "start": 4.0, "end": 8.0}])
    assert _judge(dirty, _rec(faults=[fault])).passed
    assert not _judge(dirty, _rec(faults=[{**fault, "id": "knee_not_pulled_in"}])).passed
    clean = _truth(tmp_path)
    assert not _judge(clean, _rec(faults=[fault])).passed
    assert _judge(clean, _rec(faults=[{**fault, "end": 2.9, "duration_s": 0.9}])).passed


def test_side_view_segments_cut_truth_holds(tmp_path: Path) -> None:
    import numpy as np
    from coach.io.trace import Trace
    from coach.rules.pose_spec import load_pose

    t = _truth(tmp_path, view_segments=[{"start": 0.0, "end": 10.0, "view_offset_deg": 45},
                                        {"start": 10.0, "end": 20.0, "view_offset_deg": 0}],
               holds=[{"side": "none", "start": 0.0, "end": 20.0, "in_position_s": 20.0}])
    assert real.side_segments(t) == [(10.0, 20.0)]
    empty = Trace(np.arange(0, 20, 0.1), np.full((200, 33, 4), np.nan), 640, 480)
    r = real.evaluate_side_view(t, empty, load_pose("supine_knee_to_chest"))
    assert r is not None and r.holds_true == 1 and not r.passed   # the 10 s in the side view, missed


@pytest.mark.skipif(not REALDEV.is_dir(), reason=f"real clips not here ({REALDEV} is absent): skipped")
def test_every_real_clip_has_a_usable_truth_file() -> None:
    truths = [load_truth(p) for p in sorted(REALDEV.glob("*.truth.json"))]
    assert truths, "no truth files in the real clip folder"
    for t in truths:
        assert t.raw.get("real") is True and t.video.exists() and t.landmarks is None
        assert t.raw.get("view_segments"), t.path.name


def test_a_side_view_slice_keeps_every_per_frame_array():
    import numpy as np
    from coach.io.trace import Trace

    n = 10
    tr = Trace(np.arange(n) / 10, np.zeros((n, 33, 4)), 640, 480, world=np.ones((n, 33, 3)),
               back=np.full((n, 25, 2), 2.0))
    part = real._slice(tr, np.arange(n) >= 4)
    assert len(part) == 6 and part.world.shape == (6, 33, 3) and part.back.shape == (6, 25, 2)
    assert part.t[0] == 0.4 and part.width == 640
