"""The overlay's cached text stamps draw what cv2.putText draws, clipped at the frame's edges."""

import cv2
import numpy as np
import pytest

from coach.app.overlay import FONT, _text


def _put_text(img, s, org, scale, color, thick):
    cv2.putText(img, s, org, FONT, scale, (0, 0, 0), thick + 2, cv2.LINE_AA)
    cv2.putText(img, s, org, FONT, scale, color, thick, cv2.LINE_AA)


@pytest.mark.parametrize("s,org,scale,color,thick", [
    ("Hold 12 of 30 s", (8, 60), 0.7, (255, 255, 255), 2),
    ("Front knee 91 deg", (200, 300), 0.5, (0, 140, 255), 1),
    ("Turn sideways", (300, 440), 0.7, (230, 160, 40), 2),
])
def test_stamped_text_matches_put_text(s, org, scale, color, thick):
    bg = np.random.default_rng(1).integers(0, 256, (480, 640, 3), dtype=np.uint8)
    ours, ref = bg.copy(), bg.copy()
    _text(ours, s, org, scale, color, thick)
    _put_text(ref, s, org, scale, color, thick)
    diff = np.abs(ours.astype(int) - ref).max(axis=2)
    drawn = (ref != bg).any(axis=2)
    assert drawn.sum() > 50                                # the string is on the frame at all
    assert diff.max() <= 8                                 # the same pixels, up to rounding
    assert np.abs(ours.astype(int) - bg).max(axis=2)[~drawn].max() <= 2   # nothing where putText draws nothing


@pytest.mark.parametrize("org", [(-30, 10), (600, 470), (0, 12)])
def test_text_at_the_edge_is_the_same_text_cut_off(org):
    """Clipped at the frame's edge, the text is the part of the whole text that falls inside
    (drawn on a frame 100 px larger on every side), not shifted or dropped."""
    bg = np.random.default_rng(2).integers(0, 256, (680, 840, 3), dtype=np.uint8)
    whole = bg.copy()
    _text(whole, "Turn sideways", (org[0] + 100, org[1] + 100), 0.7, (255, 255, 255), 2)
    cut = bg[100:580, 100:740].copy()
    _text(cut, "Turn sideways", org, 0.7, (255, 255, 255), 2)
    assert (cut != bg[100:580, 100:740]).any()
    assert np.array_equal(cut, whole[100:580, 100:740])


def test_text_wholly_off_the_frame_draws_nothing():
    img = np.zeros((100, 100, 3), np.uint8)
    _text(img, "gone", (500, 500))
    _text(img, "gone", (-400, -50))
    assert not img.any()
