"""One Euro smoothing with visibility gating, on synthetic landmark sequences."""

import math

import numpy as np
import pytest

from coach.core.landmarks import N_LANDMARKS
from coach.core.smoothing import LandmarkSmoother, SmoothingSettings

FPS = 30.0
DT = 1.0 / FPS


def frame(x=100.0, y=200.0, vis=1.0):
    f = np.zeros((N_LANDMARKS, 4))
    f[:, 0], f[:, 1], f[:, 2], f[:, 3] = x, y, 0.25, vis
    return f


def test_reduces_jitter_on_still_point():
    rng = np.random.default_rng(1)
    sm = LandmarkSmoother()
    raw, out = [], []
    for i in range(300):
        f = frame()
        f[:, :2] += rng.normal(0.0, 3.0, size=(N_LANDMARKS, 2))
        raw.append(f[:, :2].copy())
        out.append(sm.step(i * DT, f)[:, :2])
    raw, out = np.array(raw[30:]), np.array(out[30:])
    # jitter (std about the true point) at least halved, and no drift
    assert out.std(axis=0).mean() < 0.5 * raw.std(axis=0).mean()
    assert np.abs(out.mean(axis=0) - [100.0, 200.0]).max() < 1.0


def test_follows_step_within_bounded_time():
    sm = LandmarkSmoother()
    t = 0.0
    for i in range(30):
        sm.step(i * DT, frame(100.0))
    caught = None
    for i in range(30, 120):
        t = i * DT
        o = sm.step(t, frame(200.0))
        assert 100.0 <= o[0, 0] <= 200.0 + 1e-9     # no overshoot, no made-up position
        if caught is None and abs(o[0, 0] - 200.0) < 1.0:
            caught = t - 30 * DT
    assert caught is not None and caught <= 0.4
    # and it does smooth: the first frame after the step is not the raw value
    sm2 = LandmarkSmoother()
    for i in range(30):
        sm2.step(i * DT, frame(100.0))
    assert sm2.step(30 * DT, frame(200.0))[0, 0] < 199.0


def test_z_and_visibility_pass_through():
    sm = LandmarkSmoother()
    f = frame(vis=0.8)
    f[5, 2] = -0.7
    o = sm.step(0.0, f)
    assert o[5, 2] == -0.7 and o[5, 3] == 0.8 and o[0, 2] == 0.25


@pytest.mark.parametrize("vis", [0.0, 0.2, 0.49])
def test_low_visibility_is_nan(vis):
    sm = LandmarkSmoother(SmoothingSettings(min_visibility=0.5))
    for i in range(10):
        sm.step(i * DT, frame())
    f = frame()
    f[25, 3] = vis
    o = sm.step(10 * DT, f)
    assert np.isnan(o[25]).all()
    assert np.isfinite(o[24]).all() and np.isfinite(o[26]).all()


def test_missing_landmark_and_no_person_are_nan():
    sm = LandmarkSmoother()
    sm.step(0.0, frame())
    f = frame()
    f[11, :2] = np.nan
    o = sm.step(DT, f)
    assert np.isnan(o[11]).all() and np.isfinite(o[12, :2]).all()
    assert np.isnan(sm.step(2 * DT, None)).all()


def test_restart_after_long_gap_takes_new_position_exactly():
    sm = LandmarkSmoother(SmoothingSettings(reset_after_s=0.5))
    for i in range(30):
        sm.step(i * DT, frame(100.0))
    hidden = frame(100.0)
    hidden[:, 3] = 0.0
    for i in range(30, 50):            # 0.67 s unseen, longer than reset_after_s
        assert np.isnan(sm.step(i * DT, hidden)[:, :2]).all()
    o = sm.step(50 * DT, frame(300.0))
    assert o[0, 0] == 300.0 and o[0, 1] == 200.0   # no blending with the stale estimate


def test_short_gap_continues_filtering():
    sm = LandmarkSmoother(SmoothingSettings(reset_after_s=0.5))
    for i in range(30):
        sm.step(i * DT, frame(100.0))
    hidden = frame(100.0)
    hidden[:, 3] = 0.0
    for i in range(30, 35):            # 0.17 s unseen
        sm.step(i * DT, hidden)
    o = sm.step(35 * DT, frame(300.0))
    assert 100.0 < o[0, 0] < 300.0


def test_same_timestamp_twice_keeps_estimate():
    sm = LandmarkSmoother()
    sm.step(0.0, frame(100.0))
    o = sm.step(0.0, frame(180.0))
    assert o[0, 0] == 100.0
    assert not math.isnan(o[0, 1])
