"""How far the camera is from a side view, from MediaPipe's world landmarks, and how much a
view-robust measure leans on its 3-D reading there.

In a true side view the body's left-right axis (the shoulder and hip lines) points along
the camera's line of sight; turned by an angle `a`, that axis shows sin(a) of its length in
the image plane. The world landmarks' axes follow the camera (x right, y down, z away), so
the view offset is asin(|in-plane part| / |whole line|) of the shoulder and hip lines.
"""

from __future__ import annotations

import math

import numpy as np

from coach.core.landmarks import INDEX

#: the body's left-right lines whose turn away from the line of sight gives the view offset
LINES = {"shoulders": (INDEX["left_shoulder"], INDEX["right_shoulder"]), "hips": (INDEX["left_hip"], INDEX["right_hip"])}

#: 3-D weight of a `fused` measure: 0 up to FUSE_FROM_DEG off the side view (the 2-D image
#: angle, the steadier one there), rising linearly to 1 at FUSE_FULL_DEG and beyond.
FUSE_FROM_DEG = 15.0
FUSE_FULL_DEG = 40.0


def line_offsets_deg(world: np.ndarray | None) -> dict[str, float]:
    """Each of LINES' own view offset (degrees, 0 in a side view, 90 facing the camera);
    a line with a point missing is left out. The shoulders and the pelvis can turn apart
    (a torso turned to the camera in a lunge), so `coach bench accuracy` prints both."""
    out: dict[str, float] = {}
    if world is None:
        return out
    for name, (a, b) in LINES.items():
        d = world[b, :3] - world[a, :3]
        n = float(np.linalg.norm(d))
        if math.isfinite(n) and n > 1e-6:
            out[name] = math.degrees(math.asin(min(1.0, math.hypot(float(d[0]), float(d[1])) / n)))
    return out


def view_offset_deg(world: np.ndarray | None) -> float | None:
    """Degrees between the camera's line of sight and the body's left-right axis' normal:
    0 in a side view, 90 facing (or backing) the camera; the mean over the shoulder and
    hip lines. None without world landmarks."""
    out = list(line_offsets_deg(world).values())
    return sum(out) / len(out) if out else None


def fusion_weight(offset_deg: float | None) -> float:
    """The 3-D reading's share in a `fused` measure at this view offset (0 when unknown)."""
    if offset_deg is None:
        return 0.0
    return min(1.0, max(0.0, (offset_deg - FUSE_FROM_DEG) / (FUSE_FULL_DEG - FUSE_FROM_DEG)))


class ViewOffsetTracker:
    """The view offset as a median over the last `window_s` seconds: one frame's reading
    jitters by several degrees (MediaPipe's depth is its least sure axis)."""

    def __init__(self, window_s: float = 1.0) -> None:
        self.window_s = window_s
        self._hist: list[tuple[float, float]] = []
        self._t: float | None = None

    def step(self, t: float, world: np.ndarray | None) -> float | None:
        """The smoothed offset at time `t`; None while no world landmarks came for a window."""
        v = view_offset_deg(world)
        if v is not None:
            self._hist.append((t, v))
        self._hist = [(s, x) for s, x in self._hist if t - self.window_s < s <= t]
        self._t = t
        return float(np.median([x for _, x in self._hist])) if self._hist else None

    @property
    def settled(self) -> bool:
        """The median rests on readings of at least half a window: the first frames of a
        person coming into view (often half detected) no longer decide it alone."""
        return bool(self._hist) and self._t is not None and self._t - self._hist[0][0] >= 0.5 * self.window_s
