"""Traces carry MediaPipe's world landmarks (metres) beside the image landmarks, optionally."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from coach.io.trace import TraceRecorder, load_trace, save_trace


def test_world_landmarks_round_trip_and_no_person_frames_are_nan(tmp_path: Path) -> None:
    rec = TraceRecorder(640, 480)
    lm = np.ones((33, 4))
    world = np.arange(99, dtype=float).reshape(33, 3) / 100
    rec.add(0.0, lm, world)
    rec.add(0.1, None, None)
    tr = load_trace(save_trace(rec.trace(), tmp_path / "a.npz"))
    assert tr.world is not None and tr.world.shape == (2, 33, 3)
    assert np.allclose(tr.world[0], world, atol=1e-6) and np.isnan(tr.world[1]).all()


def test_a_trace_without_world_landmarks_stays_without(tmp_path: Path) -> None:
    rec = TraceRecorder(640, 480)
    rec.add(0.0, np.ones((33, 4)))
    tr = load_trace(save_trace(rec.trace(), tmp_path / "b.npz"))
    assert tr.world is None
