"""Feedback events: what the core tells the edges (overlay, audio, records)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

# Kinds of event, for the edges to switch on.
REP = "rep"
REP_REJECTED = "rep_rejected"
PHASE = "phase"
HOLD_START = "hold_start"
HOLD_PAUSE = "hold_pause"
HOLD_RESUME = "hold_resume"
HOLD_COMPLETE = "hold_complete"   # target time reached (the hold goes on until released)
HOLD_END = "hold_end"
FAULT_START = "fault_start"
FAULT_END = "fault_end"
SIDE = "side"
BASELINE = "baseline"
VIEW_WARNING = "view_warning"
VIEW_OK = "view_ok"
PERSON_LOST = "person_lost"
PERSON_FOUND = "person_found"
SET_COMPLETE = "set_complete"
CUE = "cue"


@dataclass(frozen=True)
class Event:
    t: float                       # seconds on the session clock
    kind: str
    text: str = ""
    side: str = "none"
    data: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
