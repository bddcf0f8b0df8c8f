"""Threshold checks with hysteresis, and fault intervals debounced in seconds."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from coach.core import events as ev
from coach.core.events import Event
from coach.rules.pose_spec import Check


@dataclass
class CheckStatus:
    """One check on one frame. `passed` None = cannot be judged (measure not seen)."""

    id: str
    passed: bool | None
    value: float | None
    low: bool = False              # failed below min (else above max)
    hidden: tuple[str, ...] = ()
    applies: bool = True           # False outside the check's `when` band: not judged, blocks nothing


def judge(check: Check, value: float | None, was_passing: bool | None) -> tuple[bool | None, bool]:
    """(passed, failed_low) for a value; a failing check must come `hysteresis` back
    inside the band to pass again, so a value sitting on a threshold does not flicker."""
    if value is None:
        return None, False
    h = check.hysteresis if was_passing is False else 0.0
    if check.min is not None and value < check.min + h:
        return False, True
    if check.max is not None and value > check.max - h:
        return False, False
    return True, False


class Steadiness:
    """Whether a measure has held still for the last `still_s` seconds (moved less than
    `still_range` over them): a check of a held stretch is judged in the pose, not on
    the way into it or out of it. An unseen value starts the window again."""

    def __init__(self) -> None:
        self._buf: deque[tuple[float, float]] = deque()

    def step(self, t: float, value: float | None, still_s: float, still_range: float) -> bool:
        if value is None:
            self._buf.clear()
            return False
        if self._buf and self._buf[-1][0] >= t:       # the same frame read again (a new neutral)
            self._buf.pop()
        self._buf.append((t, float(value)))
        start = t - still_s + 1e-9                    # the window's start (clock rounding aside)
        while len(self._buf) >= 2 and self._buf[1][0] <= start:
            self._buf.popleft()
        if self._buf[0][0] > start:                  # not watched that long yet
            return False
        vals = [v for _, v in self._buf]
        return max(vals) - min(vals) <= still_range


@dataclass
class FaultRecord:
    id: str
    start: float
    end: float | None = None
    side: str = "none"
    worst: float | None = None
    text: str = ""


@dataclass
class FaultTracker:
    """Turns per-frame check failures into fault intervals: a fault starts after failing
    `after_s`, ends after passing (or no longer applying) `clear_s`."""

    after_s: float
    clear_s: float
    records: list[FaultRecord] = field(default_factory=list)
    open: dict[str, FaultRecord] = field(default_factory=dict)
    _fail_since: dict[str, float] = field(default_factory=dict)
    _ok_since: dict[str, float] = field(default_factory=dict)

    def step(self, t: float, failing: dict[str, tuple[str, float | None]], side: str) -> list[Event]:
        """`failing`: check id -> (cue text, value) for checks failing on this frame."""
        out: list[Event] = []
        for cid, (text, value) in failing.items():
            self._ok_since.pop(cid, None)
            since = self._fail_since.setdefault(cid, t)
            rec = self.open.get(cid)
            if rec is None and t - since >= self.after_s:
                rec = FaultRecord(cid, since, side=side, worst=value, text=text)
                self.open[cid] = rec
                out.append(Event(since, ev.FAULT_START, text, side, {"id": cid, "value": value}))
            elif rec is not None and value is not None and rec.worst is not None:
                rec.worst = value if abs(value) > abs(rec.worst) else rec.worst
        for cid in list(self._fail_since):
            if cid in failing:
                continue
            ok = self._ok_since.setdefault(cid, t)
            if t - ok >= self.clear_s or cid not in self.open:
                self._fail_since.pop(cid, None)
                self._ok_since.pop(cid, None)
                rec = self.open.pop(cid, None)
                if rec is not None:
                    out += self._close(rec, ok)
        return out

    def _close(self, rec: FaultRecord, t_end: float) -> list[Event]:
        rec.end = t_end
        self.records.append(rec)
        return [Event(t_end, ev.FAULT_END, "", rec.side, {"id": rec.id, "start": rec.start})]

    def finish(self, t: float) -> list[Event]:
        out: list[Event] = []
        for cid in list(self.open):
            out += self._close(self.open.pop(cid), t)
        self._fail_since.clear()
        self._ok_since.clear()
        return out
