"""Is a pose detection a person? Title cards, logos and text make MediaPipe return
skeletons now and then; they must never produce a person, a cue or a count.

A detection is plausible when its landmarks are, on the whole, seen (mean visibility, and
a shoulder and a hip),
its body is not degenerate (the torso is a real length and the skeleton spreads over
at least a torso's length), and it persists: once a person has been lost (end cards and
logos come after the person has gone), a new detection is a person only after `confirm_s`
of plausible frames. The first person of a session is taken at once, so the neutral and
the first rep are not delayed. A person is kept through gaps shorter than `keep_s`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

_CORE = (11, 12, 23, 24)            # shoulders, hips


@dataclass(frozen=True)
class PlausibilitySettings:
    min_mean_visibility: float = 0.3   # mean over the 33 landmarks (the engine uses the pose's own gate)
    min_torso_px: float = 10.0         # shoulder-to-hip length in pixels
    min_spread_torsos: float = 1.0     # the skeleton's larger extent, in torso lengths
    confirm_s: float = 0.5             # after a person was lost, a new one must stay plausible this long
    keep_s: float = 1.0                # a confirmed person survives implausible gaps this short


def plausible_frame(lm: np.ndarray | None, s: PlausibilitySettings) -> bool:
    """One frame's detection looks like a body (no time involved)."""
    if lm is None or not np.isfinite(lm[:, 0]).any():
        return False
    vis = lm[:, 3]
    if not float(np.nanmean(np.where(np.isfinite(vis), vis, 0.0))) >= s.min_mean_visibility:
        return False
    core = lm[list(_CORE), :2]
    v = lm[list(_CORE), 3]
    if not np.isfinite(core).all() or not (max(v[0], v[1]) >= s.min_mean_visibility
                                           and max(v[2], v[3]) >= s.min_mean_visibility):
        return False            # a shoulder and a hip seen (the near side): a logo's skeleton has no hips
    sh, hp = core[:2].mean(axis=0), core[2:].mean(axis=0)
    torso = math.hypot(*(sh - hp))
    if torso < s.min_torso_px:
        return False
    xy = lm[np.isfinite(lm[:, 0]) & np.isfinite(lm[:, 1]), :2]
    spread = float(np.ptp(xy, axis=0).max()) if len(xy) else 0.0
    return spread >= s.min_spread_torsos * torso


class PersonGate:
    """Frame by frame: True once a plausible body has persisted; pure (times are given)."""

    def __init__(self, settings: PlausibilitySettings | None = None) -> None:
        self.s = settings or PlausibilitySettings()
        self._since: float | None = None     # start of the current plausible run
        self._last_ok: float | None = None   # last plausible frame
        self.confirmed = False
        self._ever = False                   # a person was confirmed before in this session

    def step(self, t: float, lm: np.ndarray | None) -> bool:
        if plausible_frame(lm, self.s):
            if self._since is None or (self._last_ok is not None and t - self._last_ok > self.s.keep_s):
                self._since, self.confirmed = t, False      # a new run must be confirmed again
            self._last_ok = t
            if not self._ever or t - self._since >= self.s.confirm_s:
                self.confirmed = self._ever = True
            return self.confirmed
        if self.confirmed and self._last_ok is not None and t - self._last_ok <= self.s.keep_s:
            return False                     # this frame is no person; the person is kept
        self.confirmed, self._since = False, None
        return False
