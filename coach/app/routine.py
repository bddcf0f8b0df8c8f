"""The full routine as a pure state machine: safety screen, warm-up, then per round each
stretch's preview, the stretch itself, and a rest; a pain key stops it at once.

Driven by the session clock (tick), the engine's events (SET_COMPLETE moves on, a side's
HOLD_COMPLETE prompts a switch) and keys; it returns Notices for the window to show and say.
No window, camera or clock in here. The plan is data: poses/routine/routine.toml.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping

from coach.core import events as ev
from coach.core.events import Event
from coach.rules.pose_spec import POSES_DIR
from coach.rules.toml_reader import TomlReader, read_toml

ROUTINE_FILE = POSES_DIR / "routine" / "routine.toml"

# step kinds
SAFETY = "safety"      # red flags; waits for the accept key
WARMUP = "warmup"
PREVIEW = "preview"    # what to do and where to put the camera
STRETCH = "stretch"    # coaching; ends on SET_COMPLETE, the next key or max_stretch_s
REST = "rest"
DONE = "done"
STOPPED = "stopped"    # pain/stop key: ended safely

# keys the machine understands
KEY_ACCEPT, KEY_NEXT, KEY_PAIN = "accept", "next", "pain"


@dataclass(frozen=True)
class RoutinePlan:
    stretches: tuple[str, ...]
    title: str = "Lower-back routine"
    sessions_per_week: int = 3
    rounds: int = 2
    allowed_rounds: tuple[int, ...] = (2, 3)
    warmup_s: float = 180.0
    warmup_text: str = "Warm up: march in place for a few minutes."
    preview_s: float = 12.0
    rest_s: float = 15.0
    round_rest_s: float = 45.0
    switch_prompt_s: float = 5.0
    max_stretch_s: float = 240.0
    safety_title: str = "Before you start"
    safety_text: str = ""
    red_flags: tuple[str, ...] = ()
    safety_advice: str = ""
    rom: dict[str, dict[str, str]] = field(default_factory=dict)   # pose -> {measure, better}


def load_plan(path: Path | str = ROUTINE_FILE, poses: Iterable[str] | None = None) -> RoutinePlan:
    """Read and check the routine plan; errors name the file, line and key."""
    d, text = read_toml(Path(path))
    r = TomlReader(path, text)
    r.unknown(d, set(RoutinePlan.__dataclass_fields__), "")
    secs = {k: r.get(d, k, "", float, getattr(RoutinePlan, k), lo=0.0, hi=3600.0)
            for k in ("warmup_s", "preview_s", "rest_s", "round_rest_s", "switch_prompt_s", "max_stretch_s")}
    stretches = tuple(r.get(d, "stretches", "", list))
    known = set(poses) if poses is not None else None
    for s in stretches:
        if not isinstance(s, str) or (known is not None and s not in known):
            raise r.fail("stretches", f"unknown stretch {s!r}")
    if not stretches:
        raise r.fail("stretches", "needs at least one stretch")
    allowed = tuple(r.get(d, "allowed_rounds", "", list, [2, 3]))
    rounds = r.get(d, "rounds", "", int, 2, lo=1, hi=10)
    if rounds not in allowed:
        raise r.fail("rounds", f"must be one of allowed_rounds {list(allowed)}")
    return RoutinePlan(
        stretches=stretches, title=r.get(d, "title", "", str, RoutinePlan.title),
        sessions_per_week=r.get(d, "sessions_per_week", "", int, 3, lo=1, hi=14),
        rounds=rounds, allowed_rounds=allowed, warmup_text=r.get(d, "warmup_text", "", str, RoutinePlan.warmup_text),
        safety_title=r.get(d, "safety_title", "", str, RoutinePlan.safety_title),
        safety_text=r.get(d, "safety_text", "", str, ""),
        red_flags=tuple(r.get(d, "red_flags", "", list, [])),
        safety_advice=r.get(d, "safety_advice", "", str, ""), rom=_rom(r, d, stretches), **secs)


def _rom(r: TomlReader, d: dict, stretches: tuple[str, ...]) -> dict[str, dict[str, str]]:
    out = {}
    for pose, t in r.get(d, "rom", "", dict, {}).items():
        p = f"rom.{pose}"
        if pose not in stretches or not isinstance(t, dict):
            raise r.fail(p, "must name a stretch of the plan and be a table {measure, better}")
        r.unknown(t, {"measure", "better"}, p)
        out[pose] = {"measure": r.get(t, "measure", p, str),
                     "better": r.get(t, "better", p, str, "up", choices=("up", "down", "range"))}
    return out


@dataclass(frozen=True)
class Step:
    kind: str
    round: int = 0
    index: int = -1                 # position in plan.stretches (PREVIEW/STRETCH; REST: the next one)
    pose: str | None = None         # PREVIEW/STRETCH: this stretch; REST: the next one
    seconds: float | None = None    # timed steps; None = waits for a key or an event


@dataclass(frozen=True)
class Notice:
    """Something for the window to show or say. kind: step (a new step began; `prev` is
    the step it left), switch (switch sides), timeout (a stretch ran out of time)."""

    t: float
    kind: str
    text: str
    step: Step
    prev: Step | None = None


@dataclass
class Routine:
    plan: RoutinePlan
    rounds: int | None = None
    safety_accepted: bool = False
    per_side: Mapping[str, bool] = field(default_factory=dict)   # pose -> holds per side
    titles: Mapping[str, str] = field(default_factory=dict)      # pose -> title for texts

    def __post_init__(self) -> None:
        rounds = self.rounds or self.plan.rounds
        if rounds not in self.plan.allowed_rounds:
            raise ValueError(f"rounds must be one of {self.plan.allowed_rounds}, not {rounds}")
        self.rounds = rounds
        p = self.plan
        steps: list[Step] = [] if self.safety_accepted else [Step(SAFETY)]
        steps.append(Step(WARMUP, seconds=p.warmup_s))
        n = len(p.stretches)
        for r in range(1, rounds + 1):
            for i, pose in enumerate(p.stretches):
                steps += [Step(PREVIEW, r, i, pose, p.preview_s), Step(STRETCH, r, i, pose, p.max_stretch_s)]
                if i < n - 1:
                    steps.append(Step(REST, r, i + 1, p.stretches[i + 1], p.rest_s))
                elif r < rounds:
                    steps.append(Step(REST, r + 1, 0, p.stretches[0], p.round_rest_s))
        steps.append(Step(DONE))
        self.steps = steps
        self.pos = -1
        self.started_at = 0.0
        self._sides_done: set[str] = set()
        self._banner: tuple[str, float] | None = None

    # ------------------------------------------------------------ state
    @property
    def step(self) -> Step:
        return self.steps[self.pos] if self.pos >= 0 else Step(SAFETY if not self.safety_accepted else WARMUP)

    @property
    def finished(self) -> bool:
        return self.pos >= 0 and self.step.kind in (DONE, STOPPED)

    def remaining(self, t: float) -> float | None:
        """Seconds left in a timed step (None for untimed ones)."""
        s = self.step
        return None if s.seconds is None else max(0.0, s.seconds - (t - self.started_at))

    def banner(self, t: float) -> str | None:
        """The switch-sides prompt while it shows."""
        if self._banner and t < self._banner[1]:
            return self._banner[0]
        return None

    def title(self, pose: str | None) -> str:
        return self.titles.get(pose or "", (pose or "").replace("_", " ").capitalize())

    # ------------------------------------------------------------ inputs
    def start(self, t: float) -> list[Notice]:
        return self._go(t, 0)

    def tick(self, t: float) -> list[Notice]:
        """Advance timed steps whose time is up (several, if the clock jumped)."""
        out: list[Notice] = []
        while not self.finished and self.pos >= 0 and self.step.seconds is not None \
                and t - self.started_at >= self.step.seconds:
            end = self.started_at + self.step.seconds
            if self.step.kind == STRETCH:
                out.append(Notice(end, "timeout", f"Time for {self.title(self.step.pose)} is up: moving on", self.step))
            out += self._go(end, self.pos + 1)
        return out

    def on_events(self, t: float, events: Iterable[Event]) -> list[Notice]:
        """The engine's events during a stretch: a side done prompts the switch, the set
        complete moves on."""
        if self.step.kind != STRETCH:
            return []
        out: list[Notice] = []
        for e in events:
            if e.kind == ev.HOLD_COMPLETE and self.per_side.get(self.step.pose or "", False):
                d = e.data or {}
                if d.get("done_on_side", 1) >= d.get("of", 1):
                    self._sides_done.add(e.side)
                if e.side in self._sides_done and len(self._sides_done) < 2:
                    other = "right" if e.side == "left" else "left"
                    text = f"Switch sides: now the {other} side"
                    self._banner = (text, t + self.plan.switch_prompt_s)
                    out.append(Notice(t, "switch", text, self.step))
            elif e.kind == ev.SET_COMPLETE:
                out += self._go(t, self.pos + 1)
                break
        return out

    def key(self, t: float, key: str) -> list[Notice]:
        """accept: past the safety screen; next: skip the current step; pain: stop now."""
        if self.finished:
            return []
        if key == KEY_PAIN:
            return self._stop(t)
        if key == KEY_ACCEPT and self.step.kind == SAFETY:
            self.safety_accepted = True
            return self._go(t, self.pos + 1)
        if key == KEY_NEXT and self.step.kind != SAFETY:
            return self._go(t, self.pos + 1)
        return []

    # ------------------------------------------------------------ internals
    def _stop(self, t: float) -> list[Notice]:
        prev = self.step
        self.steps = self.steps[: self.pos + 1] + [Step(STOPPED)]
        self.pos += 1
        self.started_at = t
        return [Notice(t, "step", "Stopped. Everything so far is saved. If the pain persists, "
                                  "see a physiotherapist or doctor.", self.step, prev)]

    def _go(self, t: float, pos: int) -> list[Notice]:
        prev = self.step if self.pos >= 0 else None
        self.pos = min(pos, len(self.steps) - 1)
        self.started_at = t
        self._banner = None
        s = self.step
        if s.kind == STRETCH:
            self._sides_done = set()
        return [Notice(t, "step", self._text(s), s, prev)]

    def _text(self, s: Step) -> str:
        p = self.plan
        n = len(p.stretches)
        if s.kind == SAFETY:
            return p.safety_title
        if s.kind == WARMUP:
            return p.warmup_text
        if s.kind == PREVIEW:
            return f"Round {s.round} of {self.rounds}, stretch {s.index + 1} of {n}: {self.title(s.pose)}"
        if s.kind == STRETCH:
            return f"Begin: {self.title(s.pose)}"
        if s.kind == REST:
            return f"Rest. Next: {self.title(s.pose)}" + (f" (round {s.round})" if s.index == 0 else "")
        if s.kind == DONE:
            return "Routine complete. Well done"
        return ""
