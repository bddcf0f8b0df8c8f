"""Evaluate a pose's measures on one frame of (smoothed, gated) landmarks."""

from __future__ import annotations

import math

import numpy as np

from coach.core import contour, geometry
from coach.core.landmarks import INDEX, hidden_parts, point
from coach.rules.pose_spec import CONTOUR_KINDS, Measure


def resolve(name: str, side: str, near: str) -> str:
    """Replace {side}/{other}/{near} in a landmark name."""
    other = "right" if side == "left" else "left"
    return name.replace("{side}", side).replace("{other}", other).replace("{near}", near)


def evaluate(m: Measure, lm: np.ndarray, side: str, near: str, min_visibility: float,
             back: np.ndarray | None = None) -> float | None:
    """The measure's value, or None when a point it needs is not seen. `back` is the
    frame's back outline (coach/core/contour.py), needed by the contour kinds only."""
    side = side if side in ("left", "right") else near
    pts = []
    for name in m.points:
        p = point(lm, resolve(name, side, near), min_visibility)
        if p is None:
            return None
        pts.append(p)
    if m.kind == "angle":
        v = geometry.joint_angle(*pts)
    elif m.kind == "bend":
        v = geometry.bend(*pts)
    elif m.kind == "incline":
        v = geometry.incline(pts[0], pts[1], m.reference)
    elif m.kind in CONTOUR_KINDS:
        v = _contour_value(m, back, pts[0], pts[1])
        if v is None:
            return None
    else:  # offset
        s0 = point(lm, resolve(m.scale[0], side, near), min_visibility)
        s1 = point(lm, resolve(m.scale[1], side, near), min_visibility)
        if s0 is None or s1 is None:
            return None
        v = geometry.offset(pts[0], pts[1], m.axis, geometry.distance(s0, s1))
    if m.facing:
        f0 = point(lm, resolve(m.facing[0], side, near), min_visibility)
        f1 = point(lm, resolve(m.facing[1], side, near), min_visibility)
        if f0 is None or f1 is None:
            return None
        v = geometry.as_facing_right(v, f0, f1)
    if math.isnan(v):
        return None
    # with a baseline the magnitude is taken after the neutral is subtracted (engine)
    return abs(v) if m.absolute and not m.baseline else v


def _contour_value(m: Measure, back: np.ndarray | None, hip: np.ndarray, shoulder: np.ndarray) -> float | None:
    """A spine measure off the back outline; the hip and shoulder tell its dorsal side."""
    if back is None:
        return None
    if m.kind == "lumbar_arch":
        return contour.lumbar_arch(back, hip, shoulder)
    return contour.curvature(back, hip, shoulder, m.part)


def hidden_points(m: Measure, lm: np.ndarray, side: str, near: str, min_visibility: float) -> list[str]:
    """Names of the real landmarks this measure needs that are not seen."""
    side = side if side in ("left", "right") else near
    out: list[str] = []
    names = list(m.points) + (list(m.scale) if m.kind == "offset" else []) + list(m.facing or ())
    for name in names:
        for h in hidden_parts(lm, resolve(name, side, near), min_visibility):
            if h not in out:
                out.append(h)
    return out


_VIS_ROWS = {s: [INDEX[f"{s}_{p}"] for p in ("shoulder", "hip", "knee", "ankle")] for s in ("left", "right")}


def near_side(lm: np.ndarray) -> str:
    """The side whose shoulder/hip/knee/ankle MediaPipe sees better: the one facing the camera."""
    def vis(s: str) -> float:
        vs = (lm.item(r, 3) for r in _VIS_ROWS[s])
        return sum(v for v in vs if v == v)      # NaN (not seen) adds nothing

    return "left" if vis("left") >= vis("right") else "right"


_WIDTH_ROWS = [INDEX[n] for n in ("left_shoulder", "right_shoulder", "left_hip", "right_hip")]


def width_ratio(lm: np.ndarray) -> float | None:
    """Mean of shoulder and hip width over torso length in the image: near 0 in a side
    view, near 1 or more facing the camera. None where the points are not found."""
    (lsx, lsy), (rsx, rsy), (lhx, lhy), (rhx, rhy) = ((lm.item(i, 0), lm.item(i, 1)) for i in _WIDTH_ROWS)
    if not all(math.isfinite(v) for v in (lsx, lsy, rsx, rsy, lhx, lhy, rhx, rhy)):
        return None
    torso = math.hypot((lsx + rsx) / 2 - (lhx + rhx) / 2, (lsy + rsy) / 2 - (lhy + rhy) / 2)
    if torso <= 1e-6:
        return None
    return (math.hypot(lsx - rsx, lsy - rsy) + math.hypot(lhx - rhx, lhy - rhy)) / 2 / torso
