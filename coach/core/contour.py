"""The back's outline from a person segmentation mask, and the spine measures read off it.

Pure numpy: a mask (H, W) in [0, 1] and the hip and shoulder points in, a short polyline
out. The polyline is the dorsal edge of the silhouette between the hip and the shoulder:
`K` points in pixels, ordered from the hip end to the shoulder end (NaN where the edge
was not found). The edge (coach/io) extracts it once per frame and stores it in the
trace, so the measures below can be re-scored without the mask.

The measures follow the rig truth's definitions (docs/architecture.md, "Spine truth"):
25 stations from the hip (0) to the shoulder (1), heights toward the dorsal side; flexion
(+, rounded back, cat) and extension (-, hollow back, cow) from station-range tangents;
the lumbar arch as the gap under the lower back against the mat line, in % of the length.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from coach.core.landmarks import point


@dataclass(frozen=True)
class ContourSettings:
    k: int = 25                 # stations on the back outline, hip end to shoulder end
    s_from: float = 0.0         # first station, as a fraction of hip -> shoulder
    s_to: float = 1.0           # last station
    reach: float = 0.6          # search this far from the hip-shoulder line (torso lengths)
    threshold: float = 0.5      # mask value that separates person from background
    step_px: float = 1.0        # sampling step along each ray (pixels)


DEFAULT = ContourSettings()


def dorsal_normal(hip: np.ndarray, shoulder: np.ndarray, ventral: list[np.ndarray]) -> np.ndarray | None:
    """Unit vector perpendicular to hip -> shoulder pointing to the back (dorsal) side.

    The ventral side is where the `ventral` points lie (knees and nose: the hips are flexed
    in every stretch that reads the back, and the face looks forward), so the back is the
    other side. None when the side cannot be told (no ventral point, or all on the line)."""
    axis = np.asarray(shoulder, float) - np.asarray(hip, float)
    n = math.hypot(axis[0], axis[1])
    if not n > 0:
        return None
    u = axis / n
    perp = np.array((-u[1], u[0]))
    votes = 0.0
    for p in ventral:
        d = np.asarray(p, float) - np.asarray(hip, float)
        votes += float(np.dot(d, perp)) / n
    if not abs(votes) > 0.05:
        return None
    return -perp if votes > 0 else perp


def _bilinear(mask: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Mask values at sub-pixel points; 0 outside the image."""
    h, w = mask.shape
    inside = (x >= 0) & (y >= 0) & (x <= w - 1) & (y <= h - 1)
    xc, yc = np.clip(x, 0, w - 1), np.clip(y, 0, h - 1)
    x0, y0 = np.floor(xc).astype(np.intp), np.floor(yc).astype(np.intp)
    x1, y1 = np.minimum(x0 + 1, w - 1), np.minimum(y0 + 1, h - 1)
    fx, fy = xc - x0, yc - y0
    v = (mask[y0, x0] * (1 - fx) * (1 - fy) + mask[y0, x1] * fx * (1 - fy)
         + mask[y1, x0] * (1 - fx) * fy + mask[y1, x1] * fx * fy)
    return np.where(inside, v, 0.0)


def dorsal_contour(mask: np.ndarray, hip: np.ndarray, shoulder: np.ndarray, dorsal: np.ndarray,
                   settings: ContourSettings = DEFAULT) -> np.ndarray:
    """(K, 2) points of the silhouette's dorsal edge between hip and shoulder, hip end first.

    At K stations along hip -> shoulder a ray runs from the line toward `dorsal`; the edge
    is where the mask first falls below the threshold after being above it (interpolated
    between samples). A station whose ray never leaves the person within `reach`, or never
    enters it, gives a NaN row."""
    s = settings
    hip, shoulder = np.asarray(hip, float), np.asarray(shoulder, float)
    dorsal = np.asarray(dorsal, float)
    length = math.hypot(*(shoulder - hip))
    out = np.full((s.k, 2), np.nan)
    if not length > 1.0:
        return out
    frac = np.linspace(s.s_from, s.s_to, s.k)
    base = hip[None, :] + frac[:, None] * (shoulder - hip)[None, :]          # (K, 2)
    r = np.arange(0.0, s.reach * length + s.step_px, s.step_px)               # (R,)
    xs = base[:, 0:1] + r[None, :] * dorsal[0]
    ys = base[:, 1:2] + r[None, :] * dorsal[1]
    vals = _bilinear(np.asarray(mask, np.float32), xs, ys)                    # (K, R)
    v = vals >= s.threshold
    for i in range(s.k):
        row = v[i]
        first_in = np.argmax(row)
        if not row[first_in]:
            continue
        outside = np.nonzero(~row[first_in:])[0]
        if len(outside) == 0:
            continue
        j = first_in + int(outside[0])           # first sample outside; j - 1 is inside
        a, b = vals[i, j - 1], vals[i, j]
        f = (a - s.threshold) / (a - b) if a != b else 0.0
        rr = r[j - 1] + f * (r[j] - r[j - 1])
        out[i] = base[i] + rr * dorsal
    return out


# ---------------------------------------------------------------- measures on the curve

#: Station ranges (indices into the 25 stations) of the tangents, as in the rig's truth.
_HALVES = ((0, 12), (12, 24))
_THIRDS = ((0, 8), (8, 16), (16, 24))
LUMBAR_LAST = 14          # stations 0..14 (the lower 58 % of the span) for the lumbar arch


def _axis_coords(curve: np.ndarray, hip: np.ndarray, shoulder: np.ndarray,
                 dorsal: np.ndarray) -> tuple[np.ndarray, np.ndarray, float] | None:
    """Each curve point as (s along hip -> shoulder, h toward `dorsal`) in pixels, and L."""
    hip = np.asarray(hip, float)
    axis = np.asarray(shoulder, float) - hip
    length = math.hypot(*axis)
    if not length > 0:
        return None
    a = axis / length
    n = np.array((-a[1], a[0]))
    if float(np.dot(n, dorsal)) < 0:
        n = -n
    rel = np.asarray(curve, float) - hip
    return rel @ a, rel @ n, length


def _phi(s: np.ndarray, h: np.ndarray, lo: int, hi: int) -> float | None:
    """Angle (deg) of the least-squares line h = a + b s over stations lo..hi (seen ones)."""
    ss, hh = s[lo:hi + 1], h[lo:hi + 1]
    ok = np.isfinite(ss) & np.isfinite(hh)
    if ok.sum() < max(2, (hi - lo + 1) // 2):
        return None
    ss, hh = ss[ok], hh[ok]
    ds = ss - ss.mean()
    den = float(np.dot(ds, ds))
    if not den > 0:
        return None
    return math.degrees(math.atan(float(np.dot(ds, hh - hh.mean())) / den))


def curvature(curve: np.ndarray, hip: np.ndarray, shoulder: np.ndarray, part: str = "whole") -> float | None:
    """Signed bend of the back curve in degrees (+ flexion / rounded, - extension / hollow),
    from its 25 stations in hip -> shoulder axis coordinates (the rig truth's `flex_deg`,
    `flex_lower_deg`, `flex_upper_deg`): `whole` = lower-half tangent minus upper-half
    tangent; `lower` = first third's minus middle third's; `upper` = middle third's minus
    last third's. A hump (rounded back) rises then falls toward the dorsal side: positive.
    For a circular arc turning by theta, `whole` reads about theta / 2 and each part theta / 3."""
    dorsal = dorsal_side(curve, hip, shoulder)
    c = None if dorsal is None else _axis_coords(curve, hip, shoulder, dorsal)
    if c is None or len(curve) != DEFAULT.k:
        return None
    s, h, _ = c
    ranges = {"whole": _HALVES, "lower": _THIRDS[:2], "upper": _THIRDS[1:]}[part]
    a, b = _phi(s, h, *ranges[0]), _phi(s, h, *ranges[1])
    return None if a is None or b is None else a - b


def _upper_hull(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The smallest concave function >= the points (x ascending), evaluated at x."""
    hull: list[tuple[float, float]] = []
    for p in zip(x, y):
        while len(hull) >= 2:
            (x1, y1), (x2, y2) = hull[-2], hull[-1]
            if (x2 - x1) * (p[1] - y1) - (y2 - y1) * (p[0] - x1) >= 0:   # middle point under the chord
                hull.pop()
            else:
                break
        hull.append(p)
    hx, hy = np.array(hull).T
    return np.interp(x, hx, hy)


def lumbar_arch(curve: np.ndarray, hip: np.ndarray, shoulder: np.ndarray) -> float | None:
    """The gap under the lower back, in % of the hip-shoulder length (the rig truth's
    `lumbar_arch_pct`): the largest drop of the curve below its dorsal supporting line
    (the mat line, lying on the back) over the lower 58 % of the span. 0 = flat or rounded."""
    dorsal = dorsal_side(curve, hip, shoulder)
    c = None if dorsal is None else _axis_coords(curve, hip, shoulder, dorsal)
    if c is None or len(curve) != DEFAULT.k:
        return None
    s, h, length = c
    ok = np.isfinite(s) & np.isfinite(h)
    if ok.sum() < 0.8 * len(s) or not (ok[0] and ok[-1]):
        return None
    ss, hh = s[ok], h[ok]
    order = np.argsort(ss)
    gap = _upper_hull(ss[order], hh[order]) - hh[order]
    lower = np.nonzero(ok)[0][order] <= LUMBAR_LAST
    return 100.0 * float(gap[lower].max()) / length


def dorsal_side(curve: np.ndarray, hip: np.ndarray, shoulder: np.ndarray) -> np.ndarray | None:
    """The dorsal direction of a stored curve: from the hip-shoulder line toward the curve
    (the back's skin lies outside the joints), as a unit normal of hip -> shoulder."""
    axis = np.asarray(shoulder, float) - np.asarray(hip, float)
    n = math.hypot(*axis)
    ok = np.isfinite(curve).all(axis=1)
    if not n > 0 or not ok.any():
        return None
    perp = np.array((-axis[1], axis[0])) / n
    off = float(np.mean((curve[ok] - np.asarray(hip, float)) @ perp))
    if off == 0.0:
        return None
    return perp if off > 0 else -perp


class ContourSmoother:
    """Exponential smoothing of the curve's points over time (seconds), restarting after
    a gap, so mask flicker at the edge does not read as a bending back."""

    def __init__(self, tau_s: float = 0.15, reset_after_s: float = 0.5) -> None:
        self.tau_s, self.reset_after_s = tau_s, reset_after_s
        self._x: np.ndarray | None = None
        self._t: float | None = None

    def step(self, t: float, curve: np.ndarray | None) -> np.ndarray | None:
        if curve is None or not np.isfinite(curve).any():
            if self._t is not None and t - self._t > self.reset_after_s:
                self._x = None
            return None
        curve = np.asarray(curve, float)
        if self._x is None or self._t is None or t - self._t > self.reset_after_s or self._x.shape != curve.shape:
            self._x = curve.copy()
        else:
            dt = max(0.0, t - self._t)
            a = 1.0 if self.tau_s <= 0 else 1.0 - math.exp(-dt / self.tau_s)
            fresh = np.isfinite(curve) & np.isfinite(self._x)
            self._x = np.where(fresh, self._x + a * (curve - self._x), curve)
        self._t = t
        return self._x.copy()


def contour_from_mask(mask: np.ndarray, lm: np.ndarray, settings: ContourSettings = DEFAULT) -> np.ndarray | None:
    """The back outline of one frame from its mask and raw landmarks: hip and shoulder
    mid-points bound it, knees and nose tell the ventral side. None without a person."""
    hip, shoulder = point(lm, "mid_hip", 0.0), point(lm, "mid_shoulder", 0.0)
    if hip is None or shoulder is None:
        return None
    ventral = [p for p in (point(lm, "mid_knee", 0.0), point(lm, "nose", 0.0)) if p is not None]
    dorsal = dorsal_normal(hip, shoulder, ventral)
    if dorsal is None:
        return None
    curve = dorsal_contour(mask, hip, shoulder, dorsal, settings)
    return curve if np.isfinite(curve).any() else None
