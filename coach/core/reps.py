"""Rep counting on one smoothed measure with hysteresis and minimum durations.

A rep is one visit to the low phase and one to the high phase (either order). Phases are
read from the signal itself, so a person who starts moving at once, or never holds still,
still gets every cycle counted: the low phase is entered when the value has fallen `swing`
below the highest value since the last low phase (the high phase likewise), held for
`min_phase_s`. Where the person's neutral is known, a value past `*_enter` from it also
enters a phase (and leaving it needs `*_exit`), so a small but clear movement from a still
start counts too. Jitter around one threshold never counts.
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
    _ref_low: float | None = None   # lowest value since the high phase was entered (or the start)
    _ref_high: float | None = None  # highest value since the low phase was entered (or the start)
    _start: float | None = None     # the first value since the start (or a reset), until a phase is entered

    def reset_cycle(self) -> None:
        self._visited.clear()
        self._peaks.clear()
        self._pending = None

    @property
    def swing(self) -> float:
        """How far the value must move from the last opposite extreme to enter a phase."""
        r = self.rule
        return r.swing if r.swing is not None else 1.5 * (r.high_enter - r.low_enter)

    def step(self, t: float, value: float | None, neutral: float | None = None) -> list[Event]:
        """Feed one raw value (None = not seen) and the person's neutral where known;
        returns rep and phase events."""
        r = self.rule
        if value is None or not math.isfinite(value):  # None, NaN or inf: not seen
            if self._last_seen is not None and t - self._last_seen > r.grace_s:
                self.reset_cycle()
                self.phase = "neutral"
                self._ref_low = self._ref_high = self._start = None
            return []
        self._last_seen = t
        out: list[Event] = []
        rel = value - neutral if neutral is not None else None
        if "low" in self._visited or self.phase == "low":
            self._peaks["low"] = min(self._peaks.get("low", value), value)
        if "high" in self._visited or self.phase == "high":
            self._peaks["high"] = max(self._peaks.get("high", value), value)
        if self._ref_low is None and self._ref_high is None:
            self._start = value
        self._ref_low = value if self._ref_low is None else min(self._ref_low, value)
        self._ref_high = value if self._ref_high is None else max(self._ref_high, value)

        # from the neutral: leave the current phase only past its exit threshold; a new
        # swing is then measured from here, so leaving never re-enters the same phase
        if rel is not None and self.phase == "low" and rel > r.low_exit:
            self.phase, self._ref_high = "neutral", value
        elif rel is not None and self.phase == "high" and rel < r.high_exit:
            self.phase, self._ref_low = "neutral", value

        want = None
        if rel is not None:
            want = "low" if rel <= r.low_enter else "high" if rel >= r.high_enter else None
        if want is None and self._start is not None:
            # nothing entered yet: the start may be mid-way (a person moving from t=0), so
            # half a swing away from it enters the first phase
            half = self.swing / 2
            want = "low" if value <= self._start - half else "high" if value >= self._start + half else None
        elif want is None:      # the signal's own swing from the last opposite extreme
            want = "low" if value <= self._ref_high - self.swing else "high" if value >= self._ref_low + self.swing else None
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
        self._start = None
        if want == "low":
            self._ref_low = value
        else:
            self._ref_high = value
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
