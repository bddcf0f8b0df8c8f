"""The person's neutral, learnt only from stillness.

Baseline measures (e.g. the spine bend of cat-cow, the pelvic tilt) are judged against
the person's own resting value. That value is taken only while the person is still: over
a rolling window of `window_s` seconds every baseline measure must stay within its
`still_range`. A person who starts moving at once never teaches a half-cat "neutral"; a
person who settles again later refreshes it (the engine says when a refresh is allowed).
"""

from __future__ import annotations

import statistics
from collections import deque
from dataclasses import dataclass, field


@dataclass
class StillnessNeutral:
    """Rolling-window stillness detector for a set of measures."""

    window_s: float
    still_range: dict[str, float]                  # measure -> largest max-min while still
    _buf: deque = field(default_factory=deque)     # (t, {measure: value})

    def clear(self) -> None:
        self._buf.clear()

    def step(self, t: float, values: dict[str, float | None], allowed: bool) -> dict[str, float] | None:
        """Add one frame; the medians of a still window when one has just completed, else
        None. `allowed` False (not set up, view wrong, ...) or a measure not seen restarts
        the window. After a still window is returned the next needs a whole new window."""
        if not allowed or any(values.get(n) is None for n in self.still_range):
            self._buf.clear()
            return None
        self._buf.append((t, {n: float(values[n]) for n in self.still_range}))
        # drop frames that make the window move: keep the longest still tail
        while self._buf and not self._still():
            self._buf.popleft()
        if not self._buf or t - self._buf[0][0] < self.window_s:
            return None
        out = {n: statistics.median(v[n] for _, v in self._buf) for n in self.still_range}
        self._buf.clear()
        return out

    def _still(self) -> bool:
        for n, lim in self.still_range.items():
            vs = [v[n] for _, v in self._buf]
            if max(vs) - min(vs) > lim:
                return False
        return True
