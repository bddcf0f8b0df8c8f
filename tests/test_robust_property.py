"""Robustness (issue 7), property-based: noise alone never counts a rep or finishes a
hold, and no sequence of landmarks (NaN, inf, None, degenerate skeletons, timestamps out
of order or repeated) crashes the rep counter, the hold timer or the whole Engine."""

from __future__ import annotations

import json
import math

import numpy as np
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import (robust_cat_cow_trace, robust_counts, robust_hip_flexor_stick,
                      robust_run_engine)
from coach.core import events as ev
from coach.core.engine import Engine
from coach.core.holds import HoldTimer
from coach.core.landmarks import N_LANDMARKS
from coach.rules.pose_spec import load_pose, pose_names
from coach.core.record import build_record
from coach.core.reps import RepCounter

SPECS = {n: load_pose(n) for n in pose_names()}
CAT_COW = SPECS["cat_cow"]
HIP = SPECS["kneeling_hip_flexor"]
TABLETOP = robust_cat_cow_trace(0)[1][0]
LUNGE_OFF = robust_hip_flexor_stick(knee=128.0).frame()     # knee too open: never in position

PROP = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ---------------------------------------------------------------- noise alone


@PROP
@given(sigma=st.floats(0.0, 4.0), dropout=st.floats(0.0, 0.3), fps=st.sampled_from([7.5, 15.0, 30.0]),
       seconds=st.floats(10.0, 60.0), seed=st.integers(0, 2**31))
def test_still_tabletop_with_jitter_and_dropouts_counts_no_cat_cow_rep(sigma, dropout, fps, seconds, seed):
    rng = np.random.default_rng(seed)
    times = np.arange(0.0, seconds, 1.0 / fps)
    frames = []
    for _ in times:
        if rng.random() < dropout:
            frames.append(None)
            continue
        f = TABLETOP.copy()
        f[:, :2] += rng.normal(0.0, sigma, size=(N_LANDMARKS, 2))
        frames.append(f)
    eng, results = robust_run_engine(CAT_COW, times, frames)
    assert robust_counts(eng) == (0, 0)
    assert ev.REP not in {e.kind for e in eng.events}


@PROP
@given(sigma=st.floats(0.0, 3.0), dropout=st.floats(0.0, 0.3), seed=st.integers(0, 2**31),
       front=st.sampled_from(["left", "right"]))
def test_jitter_around_a_faulty_lunge_never_counts_good_form(sigma, dropout, seed, front):
    rng = np.random.default_rng(seed)
    still = robust_hip_flexor_stick(front, knee=128.0).frame()
    times = np.arange(0.0, 45.0, 0.1)
    frames = []
    for _ in times:
        if rng.random() < dropout:
            frames.append(None)
            continue
        f = still.copy()
        f[:, :2] += rng.normal(0.0, sigma, size=(N_LANDMARKS, 2))
        frames.append(f)
    eng, _ = robust_run_engine(HIP, times, frames)
    assert robust_counts(eng)[0] == 0
    # the knee fault is timed beside the hold: whatever the noise, never in good form
    held = eng.hold.records + ([eng.hold.current] if eng.hold.current else [])
    assert sum(h.good_form_s for h in held) <= 1.0, [(h.in_tolerance_s, h.good_form_s) for h in held]


@PROP
@given(level=st.floats(-25.0, 25.0), sigma=st.floats(0.0, 2.0), n=st.integers(10, 600),
       fps=st.sampled_from([5.0, 15.0, 30.0, 120.0]), seed=st.integers(0, 2**31))
def test_rep_counter_never_counts_a_constant_plus_noise(level, sigma, n, fps, seed):
    """The rep thresholds are 20 deg apart: a still value with small noise visits at most one."""
    rng = np.random.default_rng(seed)
    c = RepCounter(CAT_COW.reps)
    for i in range(n):
        v = level + rng.normal(0.0, sigma)
        c.step(i / fps, None if rng.random() < 0.1 else v)
    assert c.count == 0 and not c.records


# ---------------------------------------------------------------- nothing crashes

finite = st.floats(-1e4, 1e4, allow_nan=False)
odd = st.sampled_from([math.nan, math.inf, -math.inf, 0.0, -0.0, 1e300, -1e300, 5e-324])


@st.composite
def landmark_frames(draw):
    kind = draw(st.sampled_from(["none", "nan", "pose", "pose_noisy", "poisoned", "degenerate", "random",
                                 "zeros", "huge"]))
    if kind == "none":
        return None
    if kind == "nan":
        return np.full((N_LANDMARKS, 4), np.nan)
    if kind == "zeros":
        return np.zeros((N_LANDMARKS, 4))
    base = draw(st.sampled_from([TABLETOP, LUNGE_OFF, robust_hip_flexor_stick().frame()])).copy()
    if kind == "pose":
        return base
    if kind == "pose_noisy":
        base[:, :2] += draw(finite) % 10.0
        return base
    if kind == "poisoned":      # a few coordinates or visibilities become NaN / inf / huge
        for _ in range(draw(st.integers(1, 6))):
            base[draw(st.integers(0, N_LANDMARKS - 1)), draw(st.integers(0, 3))] = draw(odd)
        return base
    if kind == "degenerate":    # zero-size skeleton: every point in one place
        p = draw(st.tuples(finite, finite))
        f = np.zeros((N_LANDMARKS, 4))
        f[:, 0], f[:, 1], f[:, 3] = p[0], p[1], 1.0
        return f
    if kind == "huge":
        return base * 1e200
    seed = draw(st.integers(0, 2**31))
    f = np.random.default_rng(seed).uniform(-1000, 1000, size=(N_LANDMARKS, 4))
    f[:, 3] = np.abs(f[:, 3]) / 1000
    return f


times_st = st.one_of(
    st.floats(0.0, 1e4, allow_nan=False),                # any order, repeats allowed
    st.sampled_from([0.0, 1.0, 1.0, 2.0]),               # repeated timestamps
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(sorted(SPECS)),
       seq=st.lists(st.tuples(times_st, landmark_frames()), min_size=1, max_size=60),
       monotonic=st.booleans())
def test_engine_never_crashes_and_writes_a_valid_record(name, seq, monotonic):
    spec = SPECS[name]
    if monotonic:
        seq = sorted(seq, key=lambda x: x[0])
    eng = Engine(spec)
    for t, lm in seq:
        r = eng.step(t, lm)
        assert r.reps >= 0 and r.hold_elapsed >= 0
        assert r.landmarks.shape == (N_LANDMARKS, 4)
        for v in r.measures.values():
            assert v is None or math.isfinite(v), r.measures
    eng.finish(max(t for t, _ in seq))
    rec = build_record(eng, source="prop", duration_s=1.0, frames=len(seq), frames_with_person=0)
    json.dumps(rec.to_dict(), allow_nan=False)       # the report is valid JSON: no NaN/inf


@settings(max_examples=150, deadline=None)
@given(steps=st.lists(st.tuples(times_st, st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True))),
                      max_size=200))
def test_rep_counter_never_crashes_and_needs_finite_values(steps):
    c = RepCounter(CAT_COW.reps)
    for t, v in steps:
        c.step(t, v)
    for r in c.records:
        assert math.isfinite(r.low_peak) and math.isfinite(r.high_peak), r


@settings(max_examples=150, deadline=None)
@given(steps=st.lists(st.tuples(st.floats(0.0, 200.0), st.booleans(), st.sampled_from(["left", "right", "none"])),
                      max_size=300),
       monotonic=st.booleans())
@example(steps=[(0.0, True, "left"), (1.0, True, "left"), (20.0, True, "left"), (0.0, True, "left"),
                (20.0, True, "left"), (0.0, True, "left"), (20.0, True, "left")], monotonic=False)
def test_hold_timer_never_credits_more_time_than_elapsed(steps, monotonic):
    """However in/out of position flickers, and whatever the timestamps do, no hold is
    credited more seconds than the clock moved forward in total."""
    if monotonic:
        steps = sorted(steps, key=lambda x: x[0])
    h = HoldTimer(HIP.hold)
    for t, inpos, side in steps:
        h.step(t, inpos, side)
    h.finish(max((t for t, _, _ in steps), default=0.0))
    forward = max((t for t, _, _ in steps), default=0.0) - min((t for t, _, _ in steps), default=0.0)
    total = sum(r.in_tolerance_s for r in h.records)
    assert total <= max(forward, 0.0) + 1e-6, (total, forward)
    for r in h.records:
        assert r.in_tolerance_s >= 0.0, r
    for r in h.records:
        if r.completed:
            assert r.in_tolerance_s >= HIP.hold.seconds - 1e-9


def test_engine_clock_jumping_back_and_forth_finishes_no_hold():
    """A 30 s hold cannot be finished in 20 s of clock by timestamps that jump back."""
    still = robust_hip_flexor_stick().frame()
    eng = Engine(HIP)
    for _ in range(4):
        for t in np.arange(0.0, 20.0, 0.1):
            eng.step(float(t), still)
    assert robust_counts(eng) == (0, 0)
