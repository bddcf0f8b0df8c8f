"""Cue arbitration: one short correction at a time, most important first, never nagging.

Priorities (lower wins): 0 safety, 1 view/visibility, 2 set-up, 3 form fault,
4 rep/hold events, 5 breathing/phase, 6 encouragement.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SAFETY, VIEW, SETUP, FORM, EVENT, PHASE, PRAISE = range(7)


CORRECTIONS = (SETUP, FORM, PHASE)   # cues that ask the person to move


@dataclass(frozen=True)
class CueSettings:
    min_gap_s: float = 2.5     # at least this between two spoken cues
    repeat_s: float = 8.0      # the same cue again only after this
    show_s: float = 3.0        # how long a cue stays on screen once its cause has gone
    settle_s: float = 4.0      # after a correction, another correction waits this long: the
                               # person is still moving, and a mid-move reading contradicts
    view_persist_s: float = 1.5  # a view or hidden-joint cue only once it lasted this long
                                 # (a joint hidden for a moment while turning is not a problem)


@dataclass
class CueArbiter:
    """One cue on screen, kept while its cause lasts: a cue still wanted holds its place
    against any cue that is not more important (hysteresis on which cue wins), and is
    said again every `repeat_s`; once its cause has gone it clears (but shows at least
    `show_s` after it was said)."""

    settings: CueSettings = field(default_factory=CueSettings)
    current: str | None = None
    _shown_at: float = -1e9
    _last_any: float = -1e9
    _last_by_text: dict[str, float] = field(default_factory=dict)
    _last_priority: int = 99
    _current_priority: int = 99
    _last_correction: str | None = None
    _last_correction_at: float = -1e9
    _first_seen: dict[str, float] = field(default_factory=dict)
    current_wanted: bool = False    # the cue on screen still has its cause (else it is only read out)

    def step(self, t: float, candidates: list[tuple[int, str]]) -> str | None:
        """Choose from (priority, text) candidates; returns the text to say now, or None.
        Event cues (priority <= EVENT) may interrupt a lower-priority cue after 1 s."""
        s = self.settings
        wanted: dict[str, int] = {}
        for prio, text in candidates:
            if text:
                wanted[text] = min(prio, wanted.get(text, 99))
        self._first_seen = {x: self._first_seen.get(x, t) for x in wanted}
        if self.current is not None and self.current not in wanted and t - self._shown_at > s.show_s:
            self.current = None
        said = self._choose(t, wanted)
        self.current_wanted = self.current in wanted
        return said

    def _choose(self, t: float, wanted: dict[str, int]) -> str | None:
        """The cue to say now among `wanted` (text -> priority), if any; it becomes current."""
        s = self.settings
        ready = sorted((p, x != self.current, x) for x, p in wanted.items()     # on a tie, the one shown
                       if not (p == VIEW and t - self._first_seen[x] < s.view_persist_s))
        best: tuple[int, str] | None = None
        for prio, _, text in ready:
            if t - self._last_by_text.get(text, -1e9) < s.repeat_s:
                continue
            best = (prio, text)
            break
        if best is None:
            return None
        prio, text = best
        if self.current is not None and self.current in wanted and text != self.current \
                and prio >= self._current_priority:
            return None                         # the cue on screen is still wanted: it stays
        gap = t - self._last_any
        if gap < s.min_gap_s and not (prio < self._last_priority and gap >= 1.0):
            return None
        if prio in CORRECTIONS and text != self._last_correction and t - self._last_correction_at < s.settle_s:
            return None
        self.current, self._shown_at, self._last_any = text, t, t
        self._last_by_text[text] = t
        self._last_priority = self._current_priority = prio
        if prio in CORRECTIONS:
            self._last_correction, self._last_correction_at = text, t
        return text
