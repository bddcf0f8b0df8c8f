"""Rep counting on one smoothed measure with hysteresis and minimum durations.

A rep is one visit to the low phase and one to the high phase (either order). A phase is
entered only when the value stays past `*_enter` for `min_phase_s`, and left only when it
comes back past `*_exit`, so jitter around one threshold never counts.
"""

from __future__ import annotations

import math

from dataclasses import dataclass, field

from coach.core import events as ev
from coach.core.events import Event
from coach.rules.pose_spec import RepRule


@dataclass
class RepRecord:
    index: int
    start: float
    end: float
    low_peak: float
    high_peak: float
    side: str = "none"

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass
class RepCounter:
    rule: RepRule
    side: str = "none"
    count: int = 0
    phase: str = "neutral"          # neutral | low | high
    records: list[RepRecord] = field(default_factory=list)
    _pending: str | None = None     # phase being entered
    _pending_since: float = 0.0
    _visited: dict[str, float] = field(default_factory=dict)  # phase -> time entered
    _peaks: dict[str, float] = field(default_factory=dict)
    _last_seen: float | None = None

    def reset_cycle(self) -> None:
        self._visited.clear()
        self._peaks.clear()
        self._pending = None

    def step(self, t: float, value: float | None) -> list[Event]:
        """Feed one value (None = not seen); returns rep and phase events."""
        r = self.rule
        if value is None or not math.isfinite(value):  # None, NaN or inf: not seen
            if self._last_seen is not None and t - self._last_seen > r.grace_s:
                self.reset_cycle()
                self.phase = "neutral"
            return []
        self._last_seen = t
        out: list[Event] = []
        if "low" in self._visited or self.phase == "low":
            self._peaks["low"] = min(self._peaks.get("low", value), value)
        if "high" in self._visited or self.phase == "high":
            self._peaks["high"] = max(self._peaks.get("high", value), value)

        # leave the current phase only past its exit threshold
        if self.phase == "low" and value > r.low_exit:
            self.phase = "neutral"
        elif self.phase == "high" and value < r.high_exit:
            self.phase = "neutral"

        want = "low" if value <= r.low_enter else "high" if value >= r.high_enter else None
        if want is None or want == self.phase:
            self._pending = None
            return out
        if self._pending != want:
            self._pending, self._pending_since = want, t
        if t - self._pending_since < r.min_phase_s:
            return out
        # phase confirmed; it began when the value first crossed the enter threshold
        entered = self._pending_since
        self.phase, self._pending = want, None
        self._peaks[want] = value
        cue = r.low_cue if want == "low" else r.high_cue
        out.append(Event(t, ev.PHASE, cue, self.side, {"phase": want}))
        other = "high" if want == "low" else "low"
        if other not in self._visited:
            self._visited[want] = entered
            return out
        start = self._visited[other]
        if t - start < r.min_rep_s:
            out.append(Event(t, ev.REP_REJECTED, r.too_fast_cue, self.side, {"duration_s": t - start}))
        else:
            self.count += 1
            rec = RepRecord(self.count, start, t, self._peaks.get("low", value),
                            self._peaks.get("high", value), self.side)
            self.records.append(rec)
            out.append(Event(t, ev.REP, str(self.count), self.side,
                             {"count": self.count, "start": start, "low_peak": rec.low_peak,
                              "high_peak": rec.high_peak}))
        # a finished (or rejected) cycle never lends its phase to the next one
        self.reset_cycle()
        return out
