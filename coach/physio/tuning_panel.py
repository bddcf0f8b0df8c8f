"""The threshold tuning panel drawn over the live and review windows (key `t` there).

Implements the Panel protocol of docs/architecture.md: `handle_key(key) -> bool`,
`draw(surface, result)`, attribute `spec`. Up/down selects a threshold, left/right nudges
it by one step in its unit (1 deg, 0.01 ratio, 0.5 s, 1 rep), `s` saves the patient's
profile. Each nudge is validated like a profile (a min can never pass its max); the live
loop then calls `engine.update_spec(panel.spec)`, so counts and timers carry on.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pygame

from coach.rules.pose_spec import PoseSpec, SpecError, load_pose
from coach.rules.profiles import diff, save_overrides, spec_with, step_of, thresholds, unit_of

BG = (20, 24, 28, 232)
FG = (230, 230, 230)
SEL = (255, 210, 80)
OK = (90, 210, 120)
BAD = (240, 90, 80)
DIM = (150, 150, 150)


def _ordered(spec: PoseSpec) -> list[str]:
    """Form and target checks first (what a physio tunes most), then reps, hold, setup
    checks and timings; unset bounds are left out."""
    keys = [k for k, v in thresholds(spec).items() if v is not None]
    roles = {c.id: c.role for c in spec.checks}

    def rank(k: str) -> int:
        p = k.split(".")
        if p[0] == "checks":
            return 0 if roles[p[1]] != "setup" else 3
        return {"reps": 1, "hold": 2}.get(p[0], 4)
    return sorted(keys, key=lambda k: (rank(k), keys.index(k)))


class TuningPanel:
    """Edits one stretch's thresholds; `spec` is always a valid spec."""

    ROWS = 14   # thresholds shown at once; the list scrolls with the selection

    def __init__(self, spec: PoseSpec, profile_path: Path | str | None = None, who: str = "",
                 width: int = 330) -> None:
        self.spec = spec
        self.profile_path = Path(profile_path) if profile_path else None
        self.who = who
        self.width = width
        self._font_px = 0
        base = load_pose(spec.name)
        self.overrides: dict[str, Any] = {k: b for k, (_, b) in diff(base, spec).items()}
        self.defaults = thresholds(base)
        self.keys = _ordered(spec)
        self.index = 0
        self.message = ""
        self.ok = True
        self.dirty = False
        self._font: pygame.font.Font | None = None

    # ------------------------------------------------------------ keys
    @property
    def selected(self) -> str:
        return self.keys[self.index]

    def value(self, key: str | None = None) -> Any:
        return thresholds(self.spec)[key or self.selected]

    def handle_key(self, key: int) -> bool:
        if key == pygame.K_UP:
            self.index = (self.index - 1) % len(self.keys)
        elif key == pygame.K_DOWN:
            self.index = (self.index + 1) % len(self.keys)
        elif key in (pygame.K_LEFT, pygame.K_RIGHT):
            self.nudge(-1 if key == pygame.K_LEFT else 1)
        elif key == pygame.K_s:
            self.save()
        else:
            return False
        return True

    def nudge(self, direction: int) -> bool:
        """Move the selected threshold one step; refuse (with a message) what would make
        an invalid stretch, e.g. a min at or above its max."""
        key = self.selected
        step = step_of(self.spec, key)
        old = self.value(key)
        new = old + direction * step if isinstance(old, int) and not isinstance(old, bool) and step == 1 \
            else round(float(old) + direction * step, 4)
        try:
            spec = spec_with(self.spec.name, {**self.overrides, key: new})
        except SpecError as e:
            self.message, self.ok = f"{key.rsplit('.', 1)[-1]} {new:g}: {e.problem.split(' (with')[0]}", False
            return False
        self.spec = spec
        self.overrides[key] = new
        self.dirty = True
        self.message = ""
        return True

    def save(self) -> bool:
        if self.profile_path is None:
            self.message, self.ok = "no profile file given: start with --profile FILE to save", False
            return False
        try:
            save_overrides(self.profile_path, self.spec.name, dict(self.overrides), who=self.who,
                           note="tuning panel")
        except (SpecError, OSError) as e:
            self.message, self.ok = f"not saved: {e}", False
            return False
        self.dirty = False
        self.message, self.ok = f"saved {self.profile_path.name}", True
        return True

    # ------------------------------------------------------------ drawing
    def _live(self, result: Any) -> tuple[str, tuple[int, int, int]]:
        """The selected threshold's measure now, and whether it passes."""
        if result is None:
            return "no frame yet", DIM
        parts = self.selected.split(".")
        if parts[0] == "checks":
            c = self.spec.check(parts[1])
            st = result.checks.get(c.id)
            v = result.measures.get(c.measure)
            if v is None or st is None or st.passed is None:
                return f"{c.measure}: not seen", DIM
            unit = self.spec.measures[c.measure].unit
            return (f"{c.measure} {v:.1f} {unit}: {'passes' if st.passed else 'fails'}",
                    OK if st.passed else BAD)
        if parts[0] == "reps" and self.spec.reps:
            v = result.measures.get(self.spec.reps.measure)
            if v is None:
                return f"{self.spec.reps.measure}: not seen", DIM
            return f"{self.spec.reps.measure} {v:.1f}: phase {result.phase}, reps {result.reps}", FG
        if parts[0] == "hold" and self.spec.hold:
            return f"hold {result.hold_state}, {result.hold_elapsed:.1f} s", OK if result.in_position else FG
        return "", FG

    def lines(self, result: Any = None) -> list[tuple[str, tuple[int, int, int]]]:
        """What the panel shows, as (text, colour) rows (also handy for tests)."""
        out = [(f"tune {self.spec.title}" + (" *" if self.dirty else ""), FG),
               ("up/down select  left/right nudge  s save", DIM)]
        first = min(max(0, self.index - self.ROWS // 2), max(0, len(self.keys) - self.ROWS))
        for i, k in list(enumerate(self.keys))[first:first + self.ROWS]:
            v = self.value(k)
            mark = ">" if i == self.index else " "
            changed = "" if self.defaults.get(k) == v else f" (default {self.defaults.get(k):g})"
            out.append((f"{mark} {k} = {v:g} {unit_of(self.spec, k)}{changed}", SEL if i == self.index else FG))
        out.append(self._live(result))
        if self.message:
            out.append((self.message, OK if self.ok else BAD))
        return out

    def draw(self, surface: pygame.Surface, result: Any) -> None:
        """Over the window's top right (the coaching panel, not the person in the image),
        in a font that scales with the window and as wide as its longest row, so no row
        is cut off; long rows are shortened only when the window is too narrow."""
        if not pygame.font.get_init():
            pygame.font.init()
        W, H = surface.get_size()
        px = max(16, int(H * 0.03))
        if self._font is None or self._font_px != px:
            self._font, self._font_px = pygame.font.Font(None, px), px
        rows = self.lines(result)
        line_h = self._font.get_linesize()
        width = min(W - 16, max(self.width, 16 + max(self._font.size(t)[0] for t, _ in rows)))
        box = pygame.Surface((width, 8 + line_h * len(rows)), pygame.SRCALPHA)
        box.fill(BG)
        for i, (text, colour) in enumerate(rows):
            while text and self._font.size(text)[0] > width - 16:
                text = text[:-2] + "…"
            box.blit(self._font.render(text, True, colour), (8, 4 + line_h * i))
        surface.blit(box, (max(0, W - width - 8), 8))
