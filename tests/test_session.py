"""Session: the one frame loop. Counts frames, records the trace, closes the set once."""

import numpy as np
import pytest

from conftest import robust_hip_flexor_trace
from coach.core.session import Session
from coach.core.scoring import score_trace
from coach.io.trace import Trace
from coach.rules.pose_spec import load_pose

HIP = load_pose("kneeling_hip_flexor")


def test_counts_frames_and_frames_with_a_person():
    times, frames = robust_hip_flexor_trace(seconds=3.0)
    s = Session(HIP, source="clip.mp4", model="m", width=640, height=480)
    for i, (t, f) in enumerate(zip(times, frames)):
        s.feed(float(t), None if i % 3 == 0 else f)
    rec = s.close()
    assert rec.frames == len(times) and rec.frames_with_person == len(times) - len(range(0, len(times), 3))
    assert rec.source == "clip.mp4" and rec.model == "m" and rec.duration_s == pytest.approx(times[-1])


def test_an_all_nan_frame_is_no_person_and_is_recorded():
    times, frames = robust_hip_flexor_trace(seconds=1.0)
    s = Session(HIP)
    s.feed(0.0, np.full((33, 4), np.nan))
    s.feed(0.1, frames[1])
    tr = s.trace()
    assert s.frames_with_person == 1 and len(tr) == 2 and np.isnan(tr.lm[0]).all()
    assert np.allclose(tr.lm[1], frames[1].astype(np.float32), equal_nan=True)


def test_no_trace_when_the_frames_come_from_one():
    s = Session(HIP, record_trace=False)
    s.feed(0.0, None)
    assert s.trace() is None


def test_close_finishes_the_open_hold_once_and_refuses_more_frames():
    times, frames = robust_hip_flexor_trace(seconds=12.0)
    s = Session(HIP)
    for t, f in zip(times, frames):
        s.feed(float(t), f)
    rec = s.close()
    assert len(rec.holds) == 1 and not rec.holds[0]["completed"]   # closed at the last frame
    assert rec.holds[0]["end"] == pytest.approx(times[-1], abs=0.01)
    assert s.close() is rec and len(s.engine.events) == len(rec.events)
    with pytest.raises(RuntimeError):
        s.feed(99.0, None)


def test_score_trace_goes_through_a_session_and_gives_the_same_record():
    times, frames = robust_hip_flexor_trace(seconds=40.0)
    tr = Trace(np.asarray(times, float), np.stack(frames), 640, 480, "m", "src")
    s = Session(HIP, source="src", model="m", record_trace=False)
    for t, f in zip(tr.t, tr.lm):
        s.feed(float(t), f)
    assert score_trace(tr, HIP).record.to_dict() == s.close(duration_s=tr.duration).to_dict()
    assert s.close().holds[0]["completed"]
