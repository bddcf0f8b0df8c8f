"""Pure 2D geometry on image points (pixels, y down). All angles in degrees."""

from __future__ import annotations

import math

import numpy as np


def joint_angle(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> float:
    """Unsigned angle a-b-c at vertex b, 0..180 (180 = straight line)."""
    v1x, v1y = float(a[0] - b[0]), float(a[1] - b[1])
    v2x, v2y = float(c[0] - b[0]), float(c[1] - b[1])
    n = math.hypot(v1x, v1y) * math.hypot(v2x, v2y)
    if n == 0.0 or math.isnan(n):
        return math.nan
    cos = (v1x * v2x + v1y * v2y) / n
    return math.degrees(math.acos(max(-1.0, min(1.0, cos))))


def bend(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> float:
    """Signed turn of the chain a->b->c at b: 0 = straight on; positive when c lies above
    the line a->b extended (image up), negative below. Independent of which way the
    person faces, so it reads head lift vs tuck from either side view."""
    d1 = (float(b[0] - a[0]), float(b[1] - a[1]))
    d2 = (float(c[0] - b[0]), float(c[1] - b[1]))
    n = math.hypot(*d1) * math.hypot(*d2)
    if n == 0.0:
        return math.nan
    turn = 180.0 - joint_angle(a, b, c)
    # y-up cross product of d1 and d2; its sign says left/right of travel.
    cross = float(d1[0] * -d2[1] - -d1[1] * d2[0])
    above = cross * (1.0 if d1[0] >= 0 else -1.0)
    return turn if above >= 0 else -turn


def incline(a: np.ndarray, b: np.ndarray, reference: str = "vertical") -> float:
    """Unsigned angle of segment a-b from the vertical or the horizontal, 0..90."""
    dx, dy = abs(float(b[0] - a[0])), abs(float(b[1] - a[1]))
    if dx == 0.0 and dy == 0.0:
        return math.nan
    from_horizontal = math.degrees(math.atan2(dy, dx))
    return 90.0 - from_horizontal if reference == "vertical" else from_horizontal


def offset(a: np.ndarray, b: np.ndarray, axis: str, scale: float) -> float:
    """Signed offset of b from a along the image x or y axis (y up), divided by `scale`."""
    if not scale > 0:
        return math.nan
    d = float(b[0] - a[0]) if axis == "x" else float(a[1] - b[1])
    return d / scale


def as_facing_right(value: float, a: np.ndarray, b: np.ndarray) -> float:
    """`value` as if segment a->b pointed to the image right: negated when it points left.
    A body seen from its left side with the head to the image left looks, from its right
    side, like its mirror image; this makes a signed reading name the same body side from
    either side (for a face-down body, toward the camera is the near side)."""
    return -value if float(b[0] - a[0]) < 0.0 else value


def distance(a: np.ndarray, b: np.ndarray) -> float:
    """Euclidean distance between two points."""
    return math.hypot(float(b[0] - a[0]), float(b[1] - a[1]))


# ---------------------------------------------------------------- 3-D (world landmarks)
# MediaPipe's world landmarks: metres, origin between the hips, x right, y down, z away from
# the camera (its axes follow the camera). Joint angles in 3-D do not change as the camera
# turns around the body, which is what makes them usable off the ideal view.


def joint_angle_3d(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> float:
    """Unsigned 3-D angle a-b-c at vertex b, 0..180 (180 = straight line)."""
    v1, v2 = np.asarray(a, float)[:3] - np.asarray(b, float)[:3], np.asarray(c, float)[:3] - np.asarray(b, float)[:3]
    n = float(np.linalg.norm(v1) * np.linalg.norm(v2))
    if n == 0.0 or math.isnan(n):
        return math.nan
    return math.degrees(math.acos(max(-1.0, min(1.0, float(v1 @ v2) / n))))


def incline_3d(a: np.ndarray, b: np.ndarray, reference: str = "vertical") -> float:
    """Unsigned 3-D angle of segment a-b from the vertical (the y axis) or from the
    horizontal plane, 0..90."""
    d = np.asarray(b, float)[:3] - np.asarray(a, float)[:3]
    horiz, vert = math.hypot(float(d[0]), float(d[2])), abs(float(d[1]))
    if horiz == 0.0 and vert == 0.0 or math.isnan(horiz + vert):
        return math.nan
    from_horizontal = math.degrees(math.atan2(vert, horiz))
    return 90.0 - from_horizontal if reference == "vertical" else from_horizontal
