"""Single-video review split over processes: the plan covers every frame once, the stand-in
backend hands over the segments' landmarks in order, and a real 2-process review of a
bundled clip matches the one-process review (its golden report and trace): same reps and
holds, angles within noise."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from conftest import SAMPLES
from coach.app.segments import END, SegmentedBackend, default_parts, frames_of, head_share, plan_segments
from coach.io.trace import load_trace

GOLDEN = Path(__file__).resolve().parent / "golden"


@pytest.mark.parametrize("frames,parts", [(100, 2), (101, 3), (600, 4), (7, 2)])
def test_plan_covers_every_frame_once(frames: int, parts: int) -> None:
    segs = plan_segments(frames, 10.0, parts, head=0.44)
    kept = []
    for s in segs:
        kept += list(range(s.start, min(s.stop, frames)))
        assert 0 <= s.start - s.warmup and s.warmup <= 10
    assert kept == list(range(frames))
    assert len(segs) == parts and segs[-1].stop == END
    assert segs[0].warmup == 0 and all(s.warmup == min(10, s.start) for s in segs[1:])


def test_the_head_is_shorter_when_this_process_also_draws_the_video() -> None:
    assert head_share(False) < 0.5 and head_share(True) < head_share(False)
    segs = plan_segments(1000, 10.0, 2, head=head_share(True))
    assert 400 < segs[0].stop < 450


def test_the_head_takes_on_more_while_the_tail_process_starts() -> None:
    """The tail's start and warm-up are paid once: they move the split most on short videos."""
    short, long = head_share(True, 600, 10.0), head_share(True, 6000, 10.0)
    assert head_share(True) < long < short < 0.5
    assert head_share(True, 10, 10.0) == 1.0                  # never more than the whole video


def test_short_videos_stay_in_one_process() -> None:
    assert default_parts(300, 10.0, cores=2) == 1           # 30 s: parts would be under 20 s
    assert default_parts(600, 10.0, cores=2) == 2
    assert default_parts(6000, 10.0, cores=2) == 2
    assert plan_segments(3, 10.0, 2) == plan_segments(3, 10.0, 1)


class _Inner:
    name = "inner"

    def __init__(self) -> None:
        self.calls, self.closed = 0, False

    def detect(self, rgb, t):
        self.calls += 1
        return np.full((33, 4), -1.0)

    def close(self) -> None:
        self.closed = True


def _done(k: int, n: int):
    lm = np.full((n, 33, 4), float(k))
    lm[0] = np.nan                                   # no person on a segment's first frame
    return frames_of((np.arange(n) / 10.0, lm, np.full((n, 33, 3), float(k)), "m"))


def test_segmented_backend_hands_over_the_segments_in_order() -> None:
    inner = _Inner()
    be = SegmentedBackend(inner, 3, [_done(1, 2), _done(2, 3)])
    got = [be.detect(None, 0.0) for _ in range(9)]
    assert inner.calls == 3 and inner.closed
    assert [None if g is None else g[0, 0] for g in got] == [-1, -1, -1, None, 1, None, 2, 2, None]
    assert be.last_world is None
    be.close()


def test_two_process_review_matches_the_one_process_review(tmp_path: Path) -> None:
    """cat_cow_clean (44 s, 10 reps) through 2 processes against its golden one-process review."""
    from coach.app.segments import review_split
    from coach.rules.pose_spec import load_pose

    clip = "cat_cow_clean"
    out = review_split(SAMPLES / f"{clip}.mp4", load_pose("cat_cow"), tmp_path, parts=2,
                       write_video=False, progress=False)
    assert out.complete
    got = json.loads(out.report_json.read_text())
    want = json.loads((GOLDEN / f"{clip}.report.json").read_text())
    assert got["frames"] == want["frames"] and got["rep_count"] == want["rep_count"] > 0
    assert len(got["holds"]) == len(want["holds"]) and len(got["faults"]) == len(want["faults"])
    for a, b in zip(got["reps"], want["reps"]):
        assert abs(a["start"] - b["start"]) <= 0.3 and abs(a["end"] - b["end"]) <= 0.3, (a, b)
        assert abs(a["low_peak"] - b["low_peak"]) <= 3.0 and abs(a["high_peak"] - b["high_peak"]) <= 3.0, (a, b)
    one, two = load_trace(GOLDEN / f"{clip}.trace.npz"), load_trace(out.trace)
    assert np.allclose(one.t, two.t)
    head = plan_segments(len(one), 10.0, 2, head=head_share(False, len(one), 10.0))[0].stop
    seen = np.isfinite(one.lm[:, :, 0]) & np.isfinite(two.lm[:, :, 0])
    diff = np.abs(one.lm[:, :, :2] - two.lm[:, :, :2]).max(axis=2)
    assert np.nanmax(diff[:head - 1]) < 0.5                      # the head: the same graph, the same frames
    assert np.median(diff[head:][seen[head:]]) < 2.0                 # the tail: re-acquired, within noise
    assert two.world is not None and np.isfinite(two.world[-1]).all()  # world landmarks come through too
