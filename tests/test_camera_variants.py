"""tools/camera_variants.py (the camera-change check of labelled clips): each variant's
picture changes as named and its truth still describes it."""

from __future__ import annotations

import importlib.util
import json

import cv2
import numpy as np
import pytest

from conftest import ROOT, robust_write_clip

spec = importlib.util.spec_from_file_location("camera_variants", ROOT / "tools" / "camera_variants.py")
cv = importlib.util.module_from_spec(spec)
spec.loader.exec_module(cv)


@pytest.fixture()
def clip(tmp_path):
    frames = []
    for i in range(20):
        f = np.full((480, 854, 3), 200, np.uint8)                   # a wide (16:9) picture
        cv2.rectangle(f, (40, 100), (200, 300), (0, 0, 0), -1)      # a dark block on the left
        frames.append(f)
    robust_write_clip(tmp_path / "a.mp4", frames, fps=10.0)
    truth = {"video": "a.mp4", "fps": 10.0, "width": 854, "height": 480, "n_frames": 20, "reps": 0,
             "holds": [{"side": "left", "start": 0.2, "end": 1.8, "in_position_s": 1.6}], "faults": []}
    (tmp_path / "a.truth.json").write_text(json.dumps(truth))
    return tmp_path / "a.truth.json"


def _variant(clip, tmp_path, name):
    """Write `name` of the clip; its first frame, frame count, fps and truth."""
    out = tmp_path / name
    out.mkdir()
    cv.write_variant(clip, name, out)
    cap = cv2.VideoCapture(str(out / "a.mp4"))
    ok, f = cap.read()
    n, fps = int(cap.get(cv2.CAP_PROP_FRAME_COUNT)), cap.get(cv2.CAP_PROP_FPS)
    cap.release()
    assert ok
    return f, n, fps, json.loads((out / "a.truth.json").read_text())


def test_mirror_flips_the_picture_and_swaps_the_truths_sides(clip, tmp_path):
    f, n, _, truth = _variant(clip, tmp_path, "mirror")
    assert f[200, 100].mean() > 150 and f[200, 754].mean() < 60        # the block is now on the right
    assert truth["holds"][0]["side"] == "right" and n == 20


def test_half_frame_rate_keeps_the_seconds(clip, tmp_path):
    _, n, fps, truth = _variant(clip, tmp_path, "halffps")
    assert (n, fps, truth["n_frames"], truth["fps"]) == (10, 5.0, 10, 5.0)
    assert truth["holds"][0]["start"] == 0.2 and n / fps == 20 / 10.0


@pytest.mark.parametrize("name,size", [("small", (640, 360)), ("dim", (854, 480)), ("far", (854, 480)),
                                       ("roll", (854, 480)), ("narrow", (640, 480))])
def test_size_light_and_framing_variants(clip, tmp_path, name, size):
    f, _, _, truth = _variant(clip, tmp_path, name)
    assert (f.shape[1], f.shape[0]) == size == (truth["width"], truth["height"])
    assert truth["camera_variant"] == name
    dark = f.mean(axis=2) < 60
    if name == "dim":
        assert f.mean() < 0.5 * 200
    if name == "far":                           # the block shrinks toward the middle
        assert f[200, 60].mean() > 150 and f[200, 240].mean() < 60
    if name == "narrow":                        # the middle 4:3: the block's left edge is cut
        assert dark[200, 0] and not dark[200, 120]
    if name == "roll":                          # the block's upright edge now leans; no empty corner
        cols = [np.nonzero(dark[y])[0].max() for y in (140, 260)]
        assert abs(cols[0] - cols[1]) > 8 and not dark[0, 0] and not dark[-1, -1]


def test_variants_never_go_inside_the_repository(clip):
    with pytest.raises(SystemExit):
        cv.main([str(clip.parent), str(ROOT / "coach_out" / "variants")])
