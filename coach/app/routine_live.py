"""The routine, coached live: the routine's pure state machine (coach/app/routine.py)
driven on a LiveLoop (coach/app/live.py), one Session per stretch.

One camera, one pose model and one window for the whole routine; the history database is
a Session sink of every stretch. Keys: space or Enter accept/next, p pain/stop (ends
safely, everything saved), m mute, q/Esc quit.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable

import cv2
import numpy as np

from coach.app import routine as rt
from coach.app.history_db import HistorySink, connect, get_meta, now_iso, set_meta
from coach.app.live import LiveConfig, LiveLoop
from coach.app.hud import hud_view
from coach.app.overlay import draw_skeleton
from coach.app.summary import close_hint, session_summary, stretch_lines
from coach.app.routine import Notice, Routine, RoutinePlan
from coach.io.pose_backend import BackendChoice, PoseBackend
from coach.rules.pose_spec import PoseSpec

log = logging.getLogger(__name__)
SAFETY_KEY = "safety_accepted"
HELP = "space/Enter next   p pain: stop   m sound   f full screen   q quit"


def _guarded(what: str, fn: Callable[..., Any], *args: Any) -> Any:
    """An edge (sink, audio) failing is logged and never stops the routine."""
    try:
        return fn(*args)
    except Exception:  # noqa: BLE001
        log.exception("%s failed; the routine goes on", what)
        return None


def screen_lines(r: Routine, spec: PoseSpec | None, t: float) -> list[str] | None:
    """What the window shows over the camera image for the current step (None: coaching)."""
    s, p = r.step, r.plan
    rem = r.remaining(t)
    if s.kind == rt.SAFETY:
        return [p.safety_title, p.safety_text, *(f"- {f}" for f in p.red_flags), p.safety_advice,
                "Press Enter or space to accept and continue, q to quit."]
    if s.kind == rt.WARMUP:
        return ["Warm-up", p.warmup_text, f"{rem:.0f} s left (space: skip)"]
    if s.kind == rt.PREVIEW and spec is not None:
        return [f"Round {s.round} of {r.rounds}: {spec.title}", "Where to put the camera:", *spec.setup_guide,
                "What to do:", *spec.instructions, f"Starting in {rem:.0f} s (space: start now)"]
    if s.kind == rt.REST:
        return ["Rest", f"Next: {r.title(s.pose)}" + (f", round {s.round}" if s.index == 0 else ""),
                f"{rem:.0f} s (space: skip)"]
    if s.kind in (rt.DONE, rt.STOPPED):
        return ["Routine complete. Well done" if s.kind == rt.DONE else "Stopped. Everything so far is saved."]
    return None


class RoutineLoop:
    """The routine's steps on a LiveLoop: a Session starts with each stretch and ends (its
    set saved to the history, its trace and report to out_dir) when the step moves on."""

    def __init__(self, loop: LiveLoop, routine: Routine, specs: dict[str, PoseSpec], history: HistorySink,
                 con: Any, on_loop: Callable[[Routine, int], None] | None = None) -> None:
        self.loop, self.routine, self.specs, self.history, self.con = loop, routine, specs, history, con
        self.on_loop = on_loop
        self.stretch_t0 = 0.0
        self.last_img: np.ndarray | None = None
        self.ended = "quit"
        self.result: Any = None                            # the running stretch's last result
        self.done_sets: list[tuple[Any, PoseSpec]] = []    # (record, spec) of each set, for the summaries

    def end_set(self, interrupted: bool = False) -> None:
        """End the running stretch's set (saved) and keep its record for the summaries.
        `interrupted` (Ctrl-C): the set is marked partial, in JSON and CSV."""
        session = self.loop.session
        spec = session.spec if session is not None else None
        cut = None if not interrupted or session is None else {
            "t": round(session.last_t, 2), "kind": "incomplete", "text": "routine interrupted (Ctrl-C)",
            "side": "none", "data": {}}
        record, _ = self.loop.end_set(cut, keep_empty=True)
        if record is not None and spec is not None:
            self.done_sets.append((record, spec))
        self.result = None

    def handle(self, notices: list[Notice], now: float) -> None:
        """Say each notice; on a new step save the safety acceptance, end the stretch that
        ends and start the one that starts."""
        loop, routine = self.loop, self.routine
        for n in notices:
            if loop.audio is not None and n.text and n.step.kind != rt.SAFETY:
                _guarded("audio", loop.audio.say, n.text)
            if n.kind != "step":
                continue
            if n.prev is not None and n.prev.kind == rt.SAFETY and routine.safety_accepted:
                _guarded("saving safety acceptance", set_meta, self.con, SAFETY_KEY, now_iso())
            if n.prev is not None and n.prev.kind == rt.STRETCH:
                self.end_set()
            if n.step.kind == rt.STRETCH:
                spec = self.specs[n.step.pose]
                self.history.round = n.step.round
                loop.start_set(spec, f"{spec.name}_r{n.step.round}_{time.strftime('%Y%m%d-%H%M%S')}")
                self.stretch_t0 = now

    def keys(self, now: float) -> None:
        """q/Esc/close: quit, p: pain stop (both end the routine safely), space/Enter: next."""
        from coach.app.window import QUIT
        import pygame

        for k in self.loop.window.poll():
            if k == QUIT or k.key in (pygame.K_q, pygame.K_ESCAPE, pygame.K_p):
                self.handle(self.routine.key(now, rt.KEY_PAIN), now)
                self.ended = "stopped" if k != QUIT and k.key == pygame.K_p else "quit"
                return
            if k.key in (pygame.K_SPACE, pygame.K_RETURN, pygame.K_KP_ENTER, pygame.K_n):
                key = rt.KEY_ACCEPT if self.routine.step.kind == rt.SAFETY else rt.KEY_NEXT
                self.handle(self.routine.key(now, key), now)
            elif k.key == pygame.K_m:
                self.loop.toggle_mute()

    def run(self, t0: float) -> None:
        loop, routine = self.loop, self.routine
        self.handle(routine.start(0.0), 0.0)
        while not routine.finished:
            now = loop.clock() - t0
            if self.on_loop is not None:
                self.on_loop(routine, loop.session.frames if loop.session is not None else 0)
            if loop.cfg.max_seconds is not None and now >= loop.cfg.max_seconds:
                self.handle(routine.key(now, rt.KEY_PAIN), now)
                self.ended = "stopped"
                break
            self.keys(now)
            if routine.finished:
                break
            self.handle(routine.tick(now), now)
            if routine.finished:
                self.ended = "done" if routine.step.kind == rt.DONE else self.ended
                break
            fr = loop.feed.take(0.02)
            if fr is None and loop.feed.ended:
                self.handle(routine.key(now, rt.KEY_PAIN), now)
                self.ended = "camera ended"
                break
            self.show(fr, now, t0)
        if routine.step.kind == rt.DONE:
            self.ended = "done"

    def show(self, fr: Any, now: float, t0: float) -> None:
        """Coach the frame if a stretch is on, then show the last image with the step's screen."""
        loop, routine = self.loop, self.routine
        spec = self.specs.get(routine.step.pose or "")
        if fr is not None:
            if routine.step.kind == rt.STRETCH and loop.session is not None:
                t = max(loop.session.last_t, (fr.captured_at - t0) - self.stretch_t0)
                res, bgr = loop.analyse(fr, t)
                self.result = res
                img = draw_skeleton(bgr.copy(), res)
                self.handle(routine.on_events(now, res.events), now)
            else:
                img = (cv2.flip(fr.bgr, 1) if loop.cfg.mirror else fr.bgr).copy()
            self.last_img = img
        status = f"Round {routine.step.round} of {routine.rounds}" if routine.step.round else ""
        lines = screen_lines(routine, spec, now)
        if lines and routine.step.kind == rt.REST and self.done_sets:      # the set just done, then what is next
            rec, sp = self.done_sets[-1]
            lines = [f"Set complete: {sp.title}", *stretch_lines(rec, sp), *lines[1:]]
        if routine.step.kind == rt.STRETCH and loop.session is not None and self.result is not None and not lines:
            sp = loop.session.spec
            hud = hud_view(sp, self.result, image_size=(loop.src.width, loop.src.height), help=HELP, status=status,
                           title=f"{sp.title}: round {routine.step.round} of {routine.rounds}")
            if (b := routine.banner(now)):              # a side switch: in the cue band, not over the title
                hud = replace(hud, cue=b, cue_tone="info")
            loop.window.show(self.last_img, HELP, status, hud=hud)
        else:
            loop.window.show(self.last_img, HELP, status, lines)

    def end_screen(self, timeout_s: float) -> None:
        """The session's summary, or the stopped screen, up until a key or `timeout_s`."""
        why = {"stopped": "You pressed the pain key (or the time ran out), so the routine stopped.",
               "quit": "You quit the routine.", "camera ended": "The camera stopped delivering pictures."}
        view = session_summary(self.done_sets, stopped="" if self.ended == "done" else why.get(self.ended, self.ended),
                               hint=close_hint(timeout_s))
        self.loop.window.hold_summary(view, timeout_s)


def run_routine(source: str | int, plan: RoutinePlan, specs: dict[str, PoseSpec], *, rounds: int | None = None,
                db: str | Path | None = None, backend: PoseBackend | None = None,
                backend_choice: BackendChoice = BackendChoice(), audio: Any = None, profile: str = "",
                mirror: bool = False, max_seconds: float | None = None, out_dir: Path | None = None,
                fullscreen: bool = False, summary_s: float = 0.0, clock: Callable[[], float] = time.monotonic,
                on_loop: Callable[[Routine, int], None] | None = None) -> tuple[str, int | None]:
    """Run the routine; returns (how it ended: done | stopped | quit | camera ended |
    interrupted, session id). Each stretch's set is written to the history as it goes; a
    stop or crash keeps it. out_dir: each stretch's trace and events stream there
    (coach/io/stream.py) and end as <pose>_r<round>_<time>.trace.npz and .report.json/.csv;
    a killed routine loses at most 1 s. on_loop(routine, frames analysed in this stretch)
    runs each loop turn (tests post keys). summary_s: at the end (done, pain stop, quit) the
    session's summary or the stopped screen stays up until a key or this many seconds."""
    con = connect(db)
    history = HistorySink(con, kind="routine", rom=plan.rom)
    routine = Routine(plan, rounds, safety_accepted=get_meta(con, SAFETY_KEY) is not None,
                      per_side={n: s.side.mode == "per_side" for n, s in specs.items()},
                      titles={n: s.title for n, s in specs.items()})
    from coach.io.back_outline import choice_for

    # one model for the whole routine: with the mask when one of its stretches reads the back
    backend_choice = choice_for(backend_choice, list(specs.values()))
    loop = LiveLoop(source, backend=backend, backend_choice=backend_choice, audio=audio, sinks=(history,),
                    config=LiveConfig(max_seconds=max_seconds, out_dir=out_dir, mirror=mirror, profile=profile,
                                      guide_s=0.0, fullscreen=fullscreen, summary_s=summary_s), clock=clock)
    driver = RoutineLoop(loop, routine, specs, history, con, on_loop)
    loop.open()
    try:
        loop.open_window(f"coach routine: {plan.title}")
        t0 = clock()
        loop.feed.start()
        driver.run(t0)
    except KeyboardInterrupt:
        driver.ended = "interrupted"
    finally:
        _guarded("finishing the stretch", driver.end_set, driver.ended == "interrupted")
        if summary_s > 0 and driver.ended != "interrupted" and loop.window is not None:
            _guarded("summary screen", driver.end_screen, summary_s)
        _guarded("closing the history session", history.close, "finished" if driver.ended == "done" else "stopped")
        loop.close()
    return driver.ended, history.session_id
