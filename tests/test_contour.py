"""The back outline from a mask and the spine measures read off it, on drawn masks whose
curvature is known (coach/core/contour.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from coach.core import contour as C
from coach.core.landmarks import INDEX, empty_frame
from coach.core.measures import evaluate
from coach.rules.pose_spec import Measure

H, W = 480, 640


def _soft(inside_depth: np.ndarray) -> np.ndarray:
    """An anti-aliased mask from a signed depth (px, > 0 inside the person)."""
    return np.clip(inside_depth + 0.5, 0.0, 1.0).astype(np.float32)


def _grid():
    yy, xx = np.mgrid[0:H, 0:W].astype(float)
    return xx, yy


def arc_back(phi_deg: float, half_chord: float = 150.0, cx: float = 320.0, base_y: float = 300.0,
             hollow: bool = False) -> tuple[np.ndarray, float]:
    """A mask whose top edge between x = cx -+ half_chord is a circular arc turning
    `phi_deg` from end to end (a hump, or a hollow with `hollow`); the body lies below.
    Returns the mask and the arc's radius."""
    phi = math.radians(phi_deg)
    r = half_chord / math.sin(phi / 2)
    sag = r - math.sqrt(r * r - half_chord * half_chord)
    xx, yy = _grid()
    top = base_y - 60.0                       # edge height at the chord's ends
    if not hollow:
        cy = top - sag + r                    # circle centre below the hump
        depth = r - np.hypot(xx - cx, yy - cy)
        mask = np.minimum(depth, base_y + 80 - yy)
    else:
        cy = top + sag - r                    # circle centre above: the edge sags down
        depth = np.hypot(xx - cx, yy - cy) - r
        mask = np.minimum(depth, base_y + 80 - yy)
    mask = np.minimum(mask, np.minimum(xx - (cx - 2 * half_chord), cx + 2 * half_chord - xx))
    return _soft(mask), r


def _sampled_angle(r: float, half_chord: float, s_from: float = C.DEFAULT.s_from, s_to: float = C.DEFAULT.s_to) -> float:
    """The central angle of the part of the arc between the outermost stations."""
    x0, x1 = -half_chord + 2 * half_chord * s_from, -half_chord + 2 * half_chord * s_to
    return math.degrees(math.asin(x1 / r) - math.asin(x0 / r))


HIP, SHOULDER = np.array([170.0, 300.0]), np.array([470.0, 300.0])
UP = np.array([0.0, -1.0])


def _reference(curve: np.ndarray, lo: tuple[int, int], hi: tuple[int, int]) -> float:
    """The rig truth's formula written out on a horizontal axis (s = x, h = up)."""
    s, h = curve[:, 0] - HIP[0], HIP[1] - curve[:, 1]
    phi = [math.degrees(math.atan(np.polyfit(s[a:b + 1], h[a:b + 1], 1)[0])) for a, b in (lo, hi)]
    return phi[0] - phi[1]


@pytest.mark.parametrize("phi", [10.0, 25.0, 45.0, 70.0])
def test_drawn_arc_reads_its_curvature(phi):
    mask, r = arc_back(phi)
    curve = C.dorsal_contour(mask, HIP, SHOULDER, UP)
    assert curve.shape == (25, 2) and np.isfinite(curve).all()
    want = _sampled_angle(r, 150.0)
    # a circular arc: the half tangents are the tangents at 1/4 and 3/4 of it, the third
    # tangents at 1/6, 1/2 and 5/6: whole = half the turn, each part a third of it
    assert C.curvature(curve, HIP, SHOULDER) == pytest.approx(want / 2, abs=max(0.5, 0.04 * want))
    assert C.curvature(curve, HIP, SHOULDER, "lower") == pytest.approx(want / 3, abs=max(0.5, 0.05 * want))
    assert C.curvature(curve, HIP, SHOULDER, "upper") == pytest.approx(want / 3, abs=max(0.5, 0.05 * want))
    # and exactly the truth's formula on the same points
    assert C.curvature(curve, HIP, SHOULDER) == pytest.approx(_reference(curve, (0, 12), (12, 24)), abs=1e-6)
    assert C.curvature(curve, HIP, SHOULDER, "lower") == pytest.approx(_reference(curve, (0, 8), (8, 16)), abs=1e-6)


def test_the_outline_lies_on_the_drawn_edge():
    mask, r = arc_back(40.0)
    curve = C.dorsal_contour(mask, HIP, SHOULDER, UP)
    sag = r - math.sqrt(r * r - 150.0 ** 2)
    cy = 240.0 - sag + r
    dist = np.hypot(curve[:, 0] - 320.0, curve[:, 1] - cy)
    assert np.abs(dist - r).max() < 0.6           # sub-pixel on the anti-aliased edge


def test_hollow_back_is_negative_and_flat_back_zero():
    mask, r = arc_back(30.0, hollow=True)
    curve = C.dorsal_contour(mask, HIP, SHOULDER, UP)
    assert C.curvature(curve, HIP, SHOULDER) == pytest.approx(-_sampled_angle(r, 150.0) / 2, abs=1.0)
    # the gap under the hollow: the sagitta of the arc (its ends rest on the mat line),
    # largest mid-span, which the lumbar range (stations 0..14) includes
    sag = r - math.sqrt(r * r - 150.0 ** 2)
    assert C.lumbar_arch(curve, HIP, SHOULDER) == pytest.approx(100 * sag / 300.0, abs=0.3)
    hump, _ = arc_back(30.0)
    assert C.lumbar_arch(C.dorsal_contour(hump, HIP, SHOULDER, UP), HIP, SHOULDER) == pytest.approx(0.0, abs=0.05)
    xx, yy = _grid()
    flat = _soft(np.minimum(yy - 240.0, 380.0 - yy))
    curve = C.dorsal_contour(flat, HIP, SHOULDER, UP)
    assert abs(C.curvature(curve, HIP, SHOULDER)) < 0.3
    assert C.lumbar_arch(curve, HIP, SHOULDER) == pytest.approx(0.0, abs=0.05)


@pytest.mark.parametrize("flip_x,flip_y", [(False, False), (True, False), (False, True), (True, True)])
def test_same_reading_facing_either_way_and_lying_on_the_back(flip_x, flip_y):
    """Mirrored (facing the other way) or upside down (supine: the back toward the floor),
    the same back reads the same, with the dorsal side found from the knee."""
    mask, _ = arc_back(35.0)
    hip, sh, knee = HIP.copy(), SHOULDER.copy(), np.array([200.0, 420.0])
    if flip_x:
        mask = mask[:, ::-1]
        hip[0], sh[0], knee[0] = W - 1 - hip[0], W - 1 - sh[0], W - 1 - knee[0]
    if flip_y:
        mask = mask[::-1, :]
        hip[1], sh[1], knee[1] = H - 1 - hip[1], H - 1 - sh[1], H - 1 - knee[1]
    dorsal = C.dorsal_normal(hip, sh, [knee])
    assert dorsal == pytest.approx(np.array([0.0, 1.0 if flip_y else -1.0]))
    curve = C.dorsal_contour(mask, hip, sh, dorsal)
    ref = C.curvature(C.dorsal_contour(arc_back(35.0)[0], HIP, SHOULDER, UP), HIP, SHOULDER)
    assert C.curvature(curve, hip, sh) == pytest.approx(ref, abs=0.3)
    assert C.dorsal_side(curve, hip, sh) == pytest.approx(dorsal)


def test_upper_and_lower_back_told_apart():
    """An edge straight over the lower half and bent over the upper half."""
    xx, yy = _grid()
    r = 250.0
    # straight top at y=240 for x < 320, then a circle of radius r bending down
    cy = 240.0 + r
    edge = np.where(xx < 320.0, 240.0, cy - np.sqrt(np.maximum(r * r - (xx - 320.0) ** 2, 0.0)))
    mask = _soft(np.minimum(yy - edge, 380.0 - yy))
    curve = C.dorsal_contour(mask, HIP, SHOULDER, UP)
    lower, upper = C.curvature(curve, HIP, SHOULDER, "lower"), C.curvature(curve, HIP, SHOULDER, "upper")
    assert upper > 8.0 and upper > 3 * abs(lower)


def test_no_edge_no_curve():
    empty = np.zeros((H, W), np.float32)
    curve = C.dorsal_contour(empty, HIP, SHOULDER, UP)
    assert np.isnan(curve).all()
    assert C.curvature(curve, HIP, SHOULDER) is None and C.lumbar_arch(curve, HIP, SHOULDER) is None
    full = np.ones((H, W), np.float32)          # the person fills the frame: no edge within reach
    assert np.isnan(C.dorsal_contour(full, HIP, SHOULDER, UP)).all()
    assert C.dorsal_normal(HIP, SHOULDER, []) is None
    assert C.dorsal_normal(HIP, HIP, [np.array([0.0, 0.0])]) is None


def test_contour_from_mask_uses_the_landmarks():
    mask, r = arc_back(30.0)
    lm = empty_frame()
    for name, xy in (("left_hip", HIP), ("right_hip", HIP), ("left_shoulder", SHOULDER), ("right_shoulder", SHOULDER),
                     ("left_knee", (200.0, 420.0)), ("right_knee", (200.0, 420.0)), ("nose", (520.0, 330.0))):
        lm[INDEX[name]] = (*xy, 0.0, 0.9)
    curve = C.contour_from_mask(mask, lm)
    assert C.curvature(curve, HIP, SHOULDER) == pytest.approx(_sampled_angle(r, 150.0) / 2, abs=1.0)
    assert C.contour_from_mask(mask, empty_frame()) is None


def test_measure_kinds_read_the_curve():
    mask, r = arc_back(30.0)
    lm = empty_frame()
    for name, xy in (("left_hip", HIP), ("right_hip", HIP), ("left_shoulder", SHOULDER), ("right_shoulder", SHOULDER)):
        lm[INDEX[name]] = (*xy, 0.0, 0.9)
    curve = C.dorsal_contour(mask, HIP, SHOULDER, UP)
    m = Measure("spine", "spine_curve", ("mid_hip", "mid_shoulder"))
    assert evaluate(m, lm, "left", "left", 0.5, curve) == pytest.approx(C.curvature(curve, HIP, SHOULDER))
    assert evaluate(m, lm, "left", "left", 0.5, None) is None        # no outline: not read
    up = Measure("up", "spine_curve", ("mid_hip", "mid_shoulder"), part="upper")
    assert evaluate(up, lm, "left", "left", 0.5, curve) == pytest.approx(C.curvature(curve, HIP, SHOULDER, "upper"))
    arch = Measure("arch", "lumbar_arch", ("mid_hip", "mid_shoulder"), unit="pct")
    assert evaluate(arch, lm, "left", "left", 0.5, curve) == pytest.approx(C.lumbar_arch(curve, HIP, SHOULDER))
    lm[INDEX["left_hip"], 3] = lm[INDEX["right_hip"], 3] = 0.1      # the hips not seen: nothing read
    assert evaluate(m, lm, "left", "left", 0.5, curve) is None


def test_smoother_settles_and_restarts_after_a_gap():
    sm = C.ContourSmoother(tau_s=0.2, reset_after_s=0.5)
    a = np.zeros((3, 2))
    b = np.ones((3, 2)) * 10
    assert sm.step(0.0, a) == pytest.approx(a)
    got = sm.step(0.1, b)
    assert got[0, 0] == pytest.approx(10 * (1 - math.exp(-0.5)))
    for i in range(2, 30):
        got = sm.step(0.1 * i, b)
    assert got == pytest.approx(b, abs=1e-3)
    assert sm.step(3.0, None) is None
    assert sm.step(3.1, a)[0, 0] > 1.0                # 0.2 s after the last curve: still smoothing
    assert sm.step(3.7, a) == pytest.approx(a)        # a 0.6 s gap: starts afresh


def test_the_back_curve_is_drawn_in_the_colour_of_its_state():
    """The overlay draws the outline the engine judged, in the fail colour while a check on
    a back measure fails and in the pass colour once it passes."""
    from stick import Stick, backs, drive, steps

    from coach.app import theme
    from coach.app.overlay import back_tone, draw_back_curve
    from coach.core.engine import Engine
    from coach.rules.pose_spec import load_pose

    spec = load_pose("seated_forward_bend")
    sit = Stick(width=0, torso=30.0, head=30.0, thigh={"left": 0.0, "right": 0.0}, shin={"left": 0.0, "right": 0.0},
                upper={"left": -70.0, "right": -70.0}, fore={"left": -70.0, "right": -70.0})
    segs = [(sit.with_(back=(-8.0, 30.0)), 3.0), (sit.with_(back=(-28.0, 30.0)), 3.0)]     # rounded, then flat
    t, f = steps(segs, 15.0)
    res = drive(Engine(spec), t, f, back=backs(segs, 15.0))
    rounded, flat = res[int(2.5 * 15)], res[-1]
    assert back_tone(spec, rounded) == "fail" and back_tone(spec, flat) == "pass"
    for r, tone in ((rounded, "fail"), (flat, "pass")):
        img = np.zeros((480, 640, 3), np.uint8)
        draw_back_curve(img, spec, r)
        x, y = np.round(r.back[6]).astype(int)
        assert tuple(int(v) for v in img[y, x]) == theme.bgr(tone)
    empty = np.zeros((480, 640, 3), np.uint8)
    r0 = res[0]
    r0.back = None
    assert not draw_back_curve(empty, spec, r0).any()          # no outline: nothing drawn
