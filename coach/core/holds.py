"""Timed holds per side: start after `min_enter_s` in position, pause (not reset) on a
lapse shorter than `grace_s`, end after a longer lapse, and report time in tolerance.

The clock is the time in the stretch position, as a physio times it. Form faults do not
stop it (unless their check says so); the seconds held in good form are kept beside it."""

from __future__ import annotations

from dataclasses import dataclass, field

from coach.core import events as ev
from coach.core.events import Event
from coach.rules.pose_spec import HoldRule


@dataclass
class HoldRecord:
    side: str
    start: float
    end: float | None = None
    in_tolerance_s: float = 0.0
    good_form_s: float = 0.0          # of in_tolerance_s: with no form fault open
    pauses: int = 0
    completed: bool = False
    peaks: dict[str, tuple[float, float]] = field(default_factory=dict)  # measure -> (min, max)

    @property
    def duration(self) -> float:
        return (self.end if self.end is not None else self.start) - self.start


@dataclass
class HoldTimer:
    rule: HoldRule
    records: list[HoldRecord] = field(default_factory=list)
    current: HoldRecord | None = None
    state: str = "idle"               # idle | entering | holding | paused
    _since: float = 0.0               # when the current state began
    _enter_lapse: float | None = None # while settling: when the position was last lost
    ENTER_LAPSE_S = 0.15              # settling survives a lapse shorter than this (a frame or two missed)
    _last_t: float | None = None

    def completed(self, side: str) -> int:
        return sum(1 for r in self.records if r.completed and r.side == side) + (
            1 if self.current and self.current.completed and self.current.side == side else 0)

    @property
    def elapsed(self) -> float:
        """Seconds in tolerance of the current hold (0 when none)."""
        return self.current.in_tolerance_s if self.current else 0.0

    def step(self, t: float, in_position: bool, side: str, measures: dict[str, float | None] | None = None,
             good_form: bool = True) -> list[Event]:
        """Advance to time t. `in_position` False also covers 'not seen'; `good_form` False:
        a form fault is open (the clock runs, the good-form seconds do not)."""
        r = self.rule
        dt = 0.0 if self._last_t is None else max(0.0, t - self._last_t)
        self._last_t = t if self._last_t is None else max(self._last_t, t)   # a clock going back never re-credits time
        out: list[Event] = []
        cur = self.current
        if cur is not None and side != cur.side and in_position:
            # the person switched sides while holding: that hold is over
            out += self._end(t, cur)
            cur = None
        if self.state in ("idle", "entering"):
            if not in_position:
                # a dropped frame or two while settling does not restart the settling clock
                if self.state == "entering" and self._enter_lapse is None:
                    self._enter_lapse = t
                if self.state == "idle" or t - self._enter_lapse >= self.ENTER_LAPSE_S:
                    self.state, self._enter_lapse = "idle", None
                return out
            self._enter_lapse = None
            if self.state == "idle":
                self.state, self._since = "entering", t
            if t - self._since >= r.min_enter_s:
                # time in tolerance counts once settled: the entering time is not held
                self.current = cur = HoldRecord(side=side, start=self._since)
                self.state = "holding"
                out.append(Event(self._since, ev.HOLD_START, r.start_cue, side, {"target_s": r.seconds}))
        elif self.state == "holding":
            assert cur is not None
            if in_position:
                cur.in_tolerance_s += dt
                cur.good_form_s += dt if good_form else 0.0
            else:
                self.state, self._since = "paused", t
                cur.pauses += 1
                out.append(Event(t, ev.HOLD_PAUSE, "", cur.side, {"elapsed_s": cur.in_tolerance_s}))
        elif self.state == "paused":
            assert cur is not None
            if in_position:
                self.state = "holding"
                out.append(Event(t, ev.HOLD_RESUME, "", cur.side, {"elapsed_s": cur.in_tolerance_s}))
            elif t - self._since > r.grace_s:
                out += self._end(self._since, cur)
                cur = None
        if cur is not None and measures:
            for k, v in measures.items():
                if v is not None:
                    lo, hi = cur.peaks.get(k, (v, v))
                    cur.peaks[k] = (min(lo, v), max(hi, v))
        if cur is not None and not cur.completed and cur.in_tolerance_s >= r.seconds:
            cur.completed = True
            out.append(Event(t, ev.HOLD_COMPLETE, r.done_cue, cur.side,
                             {"done_on_side": self.completed(cur.side), "of": r.count}))
        return out

    def _end(self, t_end: float, cur: HoldRecord) -> list[Event]:
        cur.end = t_end
        self.records.append(cur)
        self.current = None
        self.state = "idle"
        return [Event(t_end, ev.HOLD_END, "", cur.side,
                      {"in_tolerance_s": cur.in_tolerance_s, "completed": cur.completed,
                       "start": cur.start, "pauses": cur.pauses})]

    def finish(self, t: float) -> list[Event]:
        """Close an open hold at the end of a session."""
        if self.current is None:
            return []
        end = self._since if self.state == "paused" else t
        return self._end(end, self.current)
