"""Robustness (issue 7), the scene on real pixels: a SHORT cut (4 s) of a rendered clip
from sample_videos/ is altered in the test (blank, mirrored, dim, flickering exposure, a
second person, cropped) and run through MediaPipe once per variant."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from conftest import SAMPLES, read_frames
from coach.core import events as ev
from coach.core.engine import Engine
from coach.rules.pose_spec import load_pose

CLIP = SAMPLES / "hip_flexor_both.mp4"
START_S, SECONDS = 10.0, 4.0          # inside the left-leg hold of the clip


VARIANTS = {
    "original": lambda f, i: f,
    "blank": lambda f, i: np.zeros_like(f),
    "mirrored": lambda f, i: cv2.flip(f, 1),
    "dim": lambda f, i: cv2.convertScaleAbs(f, alpha=0.35),
    "exposure_jumps": lambda f, i: cv2.convertScaleAbs(f, alpha=2.2 if i % 6 < 2 else 0.6),
    "two_people": lambda f, i: np.hstack([f, f]),
    "cropped_legs": lambda f, i: f[: int(f.shape[0] * 0.5)],
}


@pytest.fixture(scope="module")
def runs():
    if not CLIP.exists():
        pytest.skip(f"{CLIP} not rendered yet (tools/render_synthetic.py)")
    from coach.io.pose_backend import LegacyPoseBackend

    frames = read_frames(CLIP, START_S, SECONDS)
    assert len(frames) >= 20
    spec = load_pose("kneeling_hip_flexor")
    out = {}
    for name, fn in VARIANTS.items():
        be = LegacyPoseBackend()
        eng = Engine(spec)
        lms, results = [], []
        for i, f in enumerate(frames):
            img = np.ascontiguousarray(fn(f, i))
            t = i / 10.0
            lm = be.detect(cv2.cvtColor(img, cv2.COLOR_BGR2RGB), t)
            lms.append(lm)
            results.append(eng.step(t, lm))
        be.close()
        eng.finish(len(frames) / 10.0)
        out[name] = (lms, results, eng)
    return out


def seen(run) -> float:
    return float(np.mean([lm is not None for lm in run[0]]))


def knee(run) -> float:
    v = [r.measures.get("front_knee") for r in run[1]]
    v = [x for x in v if x is not None]
    return float(np.median(v)) if v else float("nan")


def test_original_cut_is_seen(runs):
    assert seen(runs["original"]) >= 0.9
    assert np.isfinite(knee(runs["original"]))


def test_blank_frames_nobody(runs):
    lms, results, eng = runs["blank"]
    assert seen(runs["blank"]) == 0.0
    assert not any(r.person for r in results)
    assert not {ev.HOLD_START, ev.FAULT_START} & {e.kind for e in eng.events}


@pytest.mark.parametrize("variant", ["mirrored", "dim", "exposure_jumps"])
def test_same_angles_under_mirror_dim_light_and_exposure_jumps(runs, variant):
    assert seen(runs[variant]) >= 0.6
    assert abs(knee(runs[variant]) - knee(runs["original"])) <= 12.0
    eng = runs[variant][2]
    assert ev.PERSON_LOST not in {e.kind for e in eng.events}   # short misses are bridged


def test_two_people_side_by_side_no_crash_no_phantom(runs):
    """MediaPipe may follow one of the two or (as with this clip) neither: either way no
    hold or fault is made up, and with nobody found the coach asks to step into frame."""
    lms, results, eng = runs["two_people"]
    assert all(lm is None or lm.shape == (33, 4) for lm in lms)
    assert not {ev.HOLD_COMPLETE, ev.FAULT_START} & {e.kind for e in eng.events}
    if seen(runs["two_people"]) < 0.5:
        assert any(r.spoken and "Step into the frame" in r.spoken for r in results)


def test_legs_cropped_out_no_crash_and_no_hold(runs):
    lms, results, eng = runs["cropped_legs"]
    assert not any(e.kind == ev.HOLD_COMPLETE for e in eng.events)
