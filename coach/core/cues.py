"""Cue arbitration: one short correction at a time, most important first, never nagging.

Priorities (lower wins): 0 safety, 1 view/visibility, 2 set-up, 3 form fault,
4 rep/hold events, 5 breathing/phase, 6 encouragement.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SAFETY, VIEW, SETUP, FORM, EVENT, PHASE, PRAISE = range(7)


@dataclass(frozen=True)
class CueSettings:
    min_gap_s: float = 2.5     # at least this between two spoken cues
    repeat_s: float = 8.0      # the same cue again only after this
    show_s: float = 3.0        # how long a cue stays on screen


@dataclass
class CueArbiter:
    settings: CueSettings = field(default_factory=CueSettings)
    current: str | None = None
    _shown_at: float = -1e9
    _last_any: float = -1e9
    _last_by_text: dict[str, float] = field(default_factory=dict)
    _last_priority: int = 99

    def step(self, t: float, candidates: list[tuple[int, str]]) -> str | None:
        """Choose from (priority, text) candidates; returns the text to say now, or None.
        Event cues (priority <= EVENT) may interrupt a lower-priority cue after 1 s."""
        s = self.settings
        if self.current is not None and t - self._shown_at > s.show_s:
            self.current = None
        best: tuple[int, str] | None = None
        for prio, text in sorted(c for c in candidates if c[1]):
            if t - self._last_by_text.get(text, -1e9) < s.repeat_s:
                continue
            best = (prio, text)
            break
        if best is None:
            return None
        prio, text = best
        gap = t - self._last_any
        if gap < s.min_gap_s and not (prio < self._last_priority and gap >= 1.0):
            return None
        self.current, self._shown_at, self._last_any = text, t, t
        self._last_by_text[text] = t
        self._last_priority = prio
        return text
