"""`coach routine`: the full six-stretch routine, coached live in one window.

The sequencing is coach/app/routine.py's pure state machine; this is the edge around it: one
camera, one pose model and one window (coach/app/window.py, the live loop's) for the whole
routine; a Session per stretch; the history database as the Session sink. Keys: space or
Enter accept/next, p pain/stop (ends safely, everything saved), m mute, q/Esc quit.
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path
from typing import Any, Callable

import cv2
import numpy as np

from coach.app import routine as rt
from coach.commands.common import add_backend_args, backend_choice
from coach.commands.history import add_db_arg
from coach.app.history_db import HistorySink, connect, default_db_path, get_meta, now_iso, set_meta
from coach.io.pose_backend import BackendChoice, PoseBackend
from coach.rules.pose_spec import PoseSpec
from coach.core.session import Session
from coach.app.recovery import recover
from coach.errors import EXIT_INTERRUPTED, UserError
from coach.io.stream import StreamSink
from coach.app.routine import Notice, Routine, RoutinePlan, load_plan

log = logging.getLogger(__name__)
SAFETY_KEY = "safety_accepted"


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


def _banner(img: np.ndarray, text: str) -> np.ndarray:
    cv2.rectangle(img, (0, 0), (img.shape[1], 40), (0, 0, 0), -1)
    cv2.putText(img, text, (10, 28), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (40, 210, 240), 2, cv2.LINE_AA)
    return img


def run_routine(source: str | int, plan: RoutinePlan, specs: dict[str, PoseSpec], *, rounds: int | None = None,
                db: str | Path | None = None, backend: PoseBackend | None = None,
                backend_choice: BackendChoice = BackendChoice(), audio: Any = None, profile: str = "",
                mirror: bool = False, max_seconds: float | None = None, out_dir: Path | None = None,
                clock: Callable[[], float] = time.monotonic,
                on_loop: Callable[[Routine, int], None] | None = None) -> tuple[str, int | None]:
    """Run the routine; returns (how it ended: done | stopped | quit | camera ended, session id).
    Each stretch's set is written to the history as it goes; a stop or crash keeps it.
    on_loop(routine, frames analysed in this stretch) runs each loop turn (tests post keys).
    out_dir: each stretch's trace and events stream there (coach/io/stream.py) and end as
    <pose>_r<round>_<time>.trace.npz and .report.json/.csv; a killed routine loses at most 1 s."""
    from coach.app.live import NewestFrameGrabber
    from coach.app.overlay import draw_overlay
    from coach.io.video_source import VideoSource
    from coach.app.window import QUIT, LiveWindow
    import pygame

    con = connect(db)
    sink = HistorySink(con, kind="routine", rom=plan.rom)
    routine = Routine(plan, rounds, safety_accepted=get_meta(con, SAFETY_KEY) is not None,
                      per_side={n: s.side.mode == "per_side" for n, s in specs.items()},
                      titles={n: s.title for n, s in specs.items()})
    src = VideoSource(source)
    own_backend = backend is None
    backend = backend or backend_choice.create()
    feed = NewestFrameGrabber(src, 1.0, clock)
    window = LiveWindow(src.width, src.height, f"coach routine: {plan.title}")
    session: Session | None = None
    stream: StreamSink | None = None
    stretch_t0 = 0.0
    last_img: np.ndarray | None = None
    ended = "quit"

    def finish_stretch() -> None:
        nonlocal session
        if session is None:
            return
        record = session.close()
        _guarded("history on_finish", sink.on_finish, record)
        if stream is not None:
            _guarded("stream on_finish", stream.on_finish, record)
        session = None

    def handle(notices: list[Notice], now: float) -> None:
        nonlocal session, stretch_t0, stream
        for n in notices:
            if audio is not None and n.text and n.step.kind != rt.SAFETY:
                _guarded("audio", audio.say, n.text)
            if n.kind != "step":
                continue
            if n.prev is not None and n.prev.kind == rt.SAFETY and routine.safety_accepted:
                _guarded("saving safety acceptance", set_meta, con, SAFETY_KEY, now_iso())
            if n.prev is not None and n.prev.kind == rt.STRETCH:
                finish_stretch()
            if n.step.kind == rt.STRETCH:
                spec = specs[n.step.pose]
                session = Session(spec, source=src.name, model=backend.name, profile=profile, record_trace=False)
                stretch_t0 = now
                sink.round = n.step.round
                _guarded("history on_start", sink.on_start, spec, src.name, profile)
                if out_dir is not None:
                    stream = StreamSink(out_dir, f"{spec.name}_r{n.step.round}_{time.strftime('%Y%m%d-%H%M%S')}",
                                        width=src.width, height=src.height, model=backend.name, history=sink,
                                        finalise=True)
                    _guarded("stream on_start", stream.on_start, spec, src.name, profile)

    t0 = clock()
    feed.start()
    try:
        handle(routine.start(0.0), 0.0)
        while not routine.finished:
            now = clock() - t0
            if on_loop is not None:
                on_loop(routine, session.frames if session is not None else 0)
            if max_seconds is not None and now >= max_seconds:
                handle(routine.key(now, rt.KEY_PAIN), now)
                ended = "stopped"
                break
            for k in window.poll():
                if k == QUIT or k.key in (pygame.K_q, pygame.K_ESCAPE):
                    handle(routine.key(now, rt.KEY_PAIN), now)
                    ended = "quit"
                    break
                if k.key == pygame.K_p:
                    handle(routine.key(now, rt.KEY_PAIN), now)
                    ended = "stopped"
                    break
                if k.key in (pygame.K_SPACE, pygame.K_RETURN, pygame.K_KP_ENTER, pygame.K_n):
                    key = rt.KEY_ACCEPT if routine.step.kind == rt.SAFETY else rt.KEY_NEXT
                    handle(routine.key(now, key), now)
                elif k.key == pygame.K_m and audio is not None:
                    _guarded("mute", audio.toggle_mute)
            if routine.finished:
                break
            handle(routine.tick(now), now)
            if routine.finished:
                ended = "done" if routine.step.kind == rt.DONE else ended
                break
            fr = feed.take(0.02)
            if fr is None and feed.ended:
                handle(routine.key(now, rt.KEY_PAIN), now)
                ended = "camera ended"
                break
            step = routine.step
            spec = specs.get(step.pose or "")
            if fr is not None:
                bgr = cv2.flip(fr.bgr, 1) if mirror else fr.bgr
                img = bgr.copy()
                if step.kind == rt.STRETCH and session is not None:
                    t = max(session.last_t, (fr.captured_at - t0) - stretch_t0)
                    lm = backend.detect(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), t)
                    if stream is not None:
                        _guarded("stream on_trace", stream.on_trace, t, lm)
                    res = session.feed(t, lm)
                    _guarded("history on_frame", sink.on_frame, res)
                    if res.events:
                        if audio is not None:
                            _guarded("audio", audio.handle, res.events)
                        _guarded("history on_events", sink.on_events, session.spec, res.events)
                        if stream is not None:
                            _guarded("stream on_events", stream.on_events, session.spec, res.events)
                    img = draw_overlay(img, session.spec, res)
                    handle(routine.on_events(now, res.events), now)
                last_img = img
            shown = last_img.copy() if last_img is not None else None
            if shown is not None and (b := routine.banner(now)):
                shown = _banner(shown, b)
            window.show(shown, "space/Enter next   p pain: stop   m mute   q quit",
                        f"{routine.step.kind} {routine.step.round or ''}".strip(),
                        screen_lines(routine, spec, now))
        if routine.step.kind == rt.DONE:
            ended = "done"
    except KeyboardInterrupt:
        ended = "interrupted"
    finally:
        _guarded("finishing the stretch", finish_stretch)
        _guarded("closing the history session", sink.close, "finished" if ended == "done" else "stopped")
        _guarded("stopping capture", feed.stop)
        _guarded("closing source", src.close)
        if own_backend:
            _guarded("closing pose model", backend.close)
        _guarded("closing window", window.close)
    return ended, sink.session_id


def run(args: argparse.Namespace) -> int:
    from coach.rules.profiles import load_spec

    plan = load_plan()
    if args.rounds not in (None, *plan.allowed_rounds):
        raise UserError(f"--rounds must be one of {list(plan.allowed_rounds)}")
    specs = {n: load_spec(n, args.profile) for n in plan.stretches}
    out = Path(args.out)
    recover(connect(args.db), (out,))          # what a killed routine left: closed, its sets finalised
    audio = None
    if not args.mute:
        from coach.app.audio import Audio
        audio = Audio(tts=not args.no_tts)
    try:
        ended, sid = run_routine(args.camera, plan, specs, rounds=args.rounds, db=args.db,
                                 backend_choice=backend_choice(args), audio=audio,
                                 profile=str(args.profile or ""), mirror=args.mirror, out_dir=out)
    finally:
        if audio is not None:
            audio.close()
    if sid is None:
        print(f"routine {ended} before the first stretch: nothing to save")
    else:
        print(f"routine {ended}; saved as session {sid} in {default_db_path(args.db)}"
              f" (see `coach history`, `coach report {sid}`); traces and reports in {out}")
    if ended == "interrupted":
        return EXIT_INTERRUPTED
    return 0 if ended == "done" else 1


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("routine", help="the full six-stretch routine, coached live",
                       description="Coach the whole routine: a safety screen the first time, a warm-up, then "
                                   "each stretch with a preview (what to do, where to put the camera), automatic "
                                   "move on when its set is done, rests and side-switch prompts. Keys: space/Enter "
                                   "next, p pain: stop safely (everything saved), m mute, q quit. Every set is "
                                   "written to the history database as it goes.")
    p.add_argument("--rounds", type=int, choices=(2, 3), help="times through the sequence (default: the plan's, 2)")
    p.add_argument("--camera", default="0", metavar="0|FILE", help="camera index (default 0) or a video file")
    p.add_argument("--mirror", action="store_true", help="flip selfie-camera frames left-right")
    p.add_argument("--profile", metavar="FILE", help="a patient's threshold profile (see `coach calibrate`)")
    p.add_argument("--mute", action="store_true", help="no tones or speech")
    p.add_argument("--no-tts", action="store_true", help="tones only, no spoken cues")
    p.add_argument("--out", metavar="DIR", default="coach_out/routine",
                   help="folder for each stretch's trace and report (default: coach_out/routine)")
    add_db_arg(p)
    add_backend_args(p, live=True)
    p.set_defaults(func=run)
