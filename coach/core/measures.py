"""Evaluate a pose's measures on one frame of (smoothed, gated) landmarks."""

from __future__ import annotations

import math

import numpy as np

from coach.core import contour, geometry
from coach.core.landmarks import INDEX, hidden_parts, point, point3
from coach.core.view import fusion_weight
from coach.rules.pose_spec import CONTOUR_KINDS, SPACE_KINDS, Measure


def resolve(name: str, side: str, near: str) -> str:
    """Replace {side}/{other}/{near} in a landmark name."""
    other = "right" if side == "left" else "left"
    return name.replace("{side}", side).replace("{other}", other).replace("{near}", near)


def evaluate(m: Measure, lm: np.ndarray, side: str, near: str, min_visibility: float,
             back: np.ndarray | None = None, world: np.ndarray | None = None,
             view_deg: float | None = None, space: str | None = None) -> float | None:
    """The measure's value, or None when a point it needs is not seen. `back` is the
    frame's back outline (coach/core/contour.py), needed by the contour kinds only.
    `world`: the frame's world landmarks (33, 3) in metres; with them an angle or incline
    measure is read as its `space` says (`space` overrides the measure's own): "2d" from
    the image, "3d" from the world landmarks, "fused" the two weighted by the view offset
    `view_deg` (coach/core/view.py). Without them every measure is read from the image."""
    side = side if side in ("left", "right") else near
    space = space or m.space
    w = 1.0 if space == "3d" else fusion_weight(view_deg)
    if world is not None and space != "2d" and m.kind in SPACE_KINDS and w > 0.0:   # near the side view: the image alone
        v3 = _value_3d(m, lm, world, side, near, min_visibility)
        if space == "3d":
            return v3
        if v3 is not None:        # fused; a 3-D point not found leaves the image reading
            v2 = evaluate(m, lm, side, near, min_visibility, space="2d")
            return None if v2 is None else (1.0 - w) * v2 + w * v3
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


def _value_3d(m: Measure, lm: np.ndarray, world: np.ndarray, side: str, near: str,
              min_visibility: float) -> float | None:
    """An angle or incline measure from the world landmarks (3-D, unchanged as the camera
    turns around the body); None where a point is not seen."""
    pts = []
    for name in m.points:
        p = point3(world, lm, resolve(name, side, near), min_visibility)
        if p is None:
            return None
        pts.append(p)
    v = geometry.joint_angle_3d(*pts) if m.kind == "angle" else geometry.incline_3d(pts[0], pts[1], m.reference)
    return None if math.isnan(v) else v


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
