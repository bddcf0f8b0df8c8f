"""One Euro smoothing of landmark positions with visibility gating.

The One Euro filter (Casiez et al., CHI 2012) lowers jitter while holding still and
lag while moving: its cutoff frequency rises with speed. Times are seconds; a landmark
that is missing or below the visibility gate is passed on as NaN and its filter restarts
after a gap, so a hidden joint never produces a made-up position.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from coach.core.landmarks import N_LANDMARKS


@dataclass(frozen=True)
class SmoothingSettings:
    min_cutoff_hz: float = 1.5   # lower = smoother when still
    beta: float = 0.02           # higher = less lag when moving fast (per px/s)
    d_cutoff_hz: float = 1.0
    min_visibility: float = 0.5  # below this a landmark counts as not seen
    reset_after_s: float = 0.5   # a gap longer than this restarts the filter


def _alpha(cutoff_hz: float, dt: float) -> np.ndarray | float:
    tau = 1.0 / (2.0 * math.pi * cutoff_hz)
    return 1.0 / (1.0 + tau / dt)


class LandmarkSmoother:
    """Filters (33, 4) landmark frames one at a time; x and y are smoothed, z and
    visibility pass through. Pure: the caller supplies the timestamps."""

    def __init__(self, settings: SmoothingSettings | None = None) -> None:
        self.s = settings or SmoothingSettings()
        self._x = np.full((N_LANDMARKS, 2), np.nan)
        self._dx = np.zeros((N_LANDMARKS, 2))
        self._last_seen = np.full(N_LANDMARKS, -math.inf)
        self._t: float | None = None

    def reset(self) -> None:
        self.__init__(self.s)

    def step(self, t: float, lm: np.ndarray | None) -> np.ndarray:
        """Smoothed copy of `lm` at time `t` (seconds); gated landmarks become NaN."""
        out = np.full((N_LANDMARKS, 4), np.nan)
        if lm is None:
            return out
        lm = np.asarray(lm, dtype=float)
        xy = lm[:, :2]
        seen = np.isfinite(xy).all(axis=1) & (lm[:, 3] >= self.s.min_visibility)
        dt = (t - self._t) if self._t is not None else 0.0
        self._t = t
        fresh = seen & (((t - self._last_seen) > self.s.reset_after_s) | ~np.isfinite(self._x[:, 0]))
        cont = seen & ~fresh
        if dt > 0 and cont.any():
            # whole-array arithmetic, then keep the continuing rows: cheaper than gathering
            # them (this runs every frame, and replays score thousands of frames at once)
            with np.errstate(invalid="ignore", over="ignore"):
                dx = (xy - self._x) / dt
                a_d = _alpha(self.s.d_cutoff_hz, dt)
                dx_hat = a_d * dx + (1 - a_d) * self._dx
                speed = np.sqrt(dx_hat[:, 0] ** 2 + dx_hat[:, 1] ** 2)[:, None]
                cutoff = self.s.min_cutoff_hz + self.s.beta * speed
                a = 1.0 / (1.0 + 1.0 / (2.0 * math.pi * cutoff) / dt)
                x_hat = a * xy + (1 - a) * self._x
            keep = cont[:, None]
            self._x = np.where(keep, x_hat, self._x)
            self._dx = np.where(keep, dx_hat, self._dx)
        # same timestamp twice: keep the previous estimate
        self._x[fresh] = xy[fresh]
        self._dx[fresh] = 0.0
        self._last_seen[seen] = t
        out[seen, :2] = self._x[seen]
        out[seen, 2:] = lm[seen, 2:]
        return out
