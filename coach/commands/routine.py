"""`coach routine`: the full six-stretch routine, coached live in one window
(coach/app/routine_live.py runs it; this module parses the arguments)."""

from __future__ import annotations

import argparse
from pathlib import Path

from coach.commands.common import add_backend_args, add_db_arg, backend_choice
from coach.errors import EXIT_INTERRUPTED, UserError


def run(args: argparse.Namespace) -> int:
    from coach.app.history_db import connect, default_db_path
    from coach.app.recovery import recover
    from coach.app.routine import load_plan
    from coach.app.routine_live import run_routine
    from coach.rules.profiles import load_spec

    from coach.app.window import NO_DISPLAY, display_available

    if not display_available():
        raise UserError(NO_DISPLAY)
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
                                 profile=str(args.profile or ""), mirror=args.mirror, out_dir=out,
                                 fullscreen=args.fullscreen, summary_s=args.summary_s)
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
    p.add_argument("--fullscreen", action="store_true", help="start fullscreen (f toggles it)")
    p.add_argument("--summary-s", type=float, default=30.0, metavar="S",
                   help="keep the summary (or stopped) screen at the end up until a key or S seconds (default 30)")
    p.add_argument("--profile", metavar="FILE", help="a patient's threshold profile (see `coach calibrate`)")
    p.add_argument("--mute", action="store_true", help="no tones or speech")
    p.add_argument("--no-tts", action="store_true", help="tones only, no spoken cues")
    p.add_argument("--out", metavar="DIR", default="coach_out/routine",
                   help="folder for each stretch's trace and report (default: coach_out/routine)")
    add_db_arg(p)
    add_backend_args(p, live=True)
    p.set_defaults(func=run)
