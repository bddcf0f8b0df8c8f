"""The person's neutral, learnt only from stillness.

Baseline measures (e.g. the spine bend of cat-cow, the pelvic tilt) are judged against
the person's own resting value. That value is taken only while the person is still: over
a rolling window of `window_s` seconds every baseline measure must stay within its
`still_range`. A person who starts moving at once never teaches a half-cat "neutral"; a
person who settles again later refreshes it (the engine says when a refresh is allowed).

Where a pose says which way its stretch moves a baseline measure (`stretch` in the TOML),
the rest is the least-stretched stillness seen: a later, less-stretched still window
replaces a neutral learnt part-way into the stretch. Live can only do that going forward;
a review keeps a RestLog and judges the frames again with each set-up run's rest.
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


# ---------------------------------------------------------------- the rest, offline
@dataclass(frozen=True)
class RestSpan:
    """The person's rest for one stretch of time: from `start` to `end` seconds the neutral
    is `values` (one set-up run, judged again once the whole run has been seen)."""

    start: float
    end: float
    values: dict[str, float]


def further_in(a: float, b: float, stretch: str) -> bool:
    """`a` is further into the stretch than `b` ("lower": smaller, "higher": larger)."""
    return a < b if stretch == "lower" else a > b if stretch == "higher" else False


@dataclass
class RestLog:
    """What a first pass saw, for a second one: the set-up runs (set up, with lapses
    shorter than `gap_s` bridged) and the still windows that could be a neutral.
    `plan()` names each run's rest: per measure its least-stretched still window, so a
    person who starts part-way into the stretch is judged against the rest they reach later."""

    stretch: dict[str, str]                        # measure -> "lower" | "higher"
    gap_s: float = 1.0
    runs: list[list[float]] = field(default_factory=list)       # [start, end] seconds
    windows: list[tuple[float, dict[str, float]]] = field(default_factory=list)

    def step(self, t: float, set_up: bool) -> None:
        if not set_up:
            return
        if self.runs and t - self.runs[-1][1] <= self.gap_s:
            self.runs[-1][1] = t
        else:
            self.runs.append([t, t])

    def add(self, t: float, values: dict[str, float]) -> None:
        """A still window that completed at `t` (its medians)."""
        self.windows.append((t, dict(values)))

    def plan(self) -> list[RestSpan]:
        """One span per run that holds a still window; none when a baseline measure has no
        stretch direction (then only the live rule applies)."""
        if not self.stretch or not all(self.stretch.values()):
            return []
        out = []
        for a, b in self.runs:
            seen = [v for t, v in self.windows if a <= t <= b]
            if not seen:
                continue
            rest = {}
            for n, way in self.stretch.items():
                vals = [v[n] for v in seen]
                rest[n] = max(vals) if way == "lower" else min(vals)
            out.append(RestSpan(a, b, rest))
        return out
