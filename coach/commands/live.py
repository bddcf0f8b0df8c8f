"""`coach live --pose NAME`: coach a stretch live from a camera (or a video file at camera pace)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from coach.errors import EXIT_INCOMPLETE, EXIT_INTERRUPTED, EXIT_OK, EXIT_USER_ERROR
from coach.commands.common import add_backend_args, add_db_arg, add_pose_arg, backend_choice, spec_from_args


def run(args: argparse.Namespace) -> int:
    from coach.app.audio import Audio
    from coach.app.live import run_live
    from coach.app.window import NO_DISPLAY, WindowError, display_available
    from coach.physio.tuning_panel import TuningPanel

    from coach.app.history_db import HistorySink, default_db_path
    from coach.app.live import INTERRUPTED
    from coach.app.recovery import recover
    from coach.core.record import summary_lines

    if not display_available():
        print(f"coach: error: {NO_DISPLAY}", file=sys.stderr)
        return 2
    spec = spec_from_args(args)
    camera = args.camera
    history = None if args.no_history else HistorySink(default_db_path(args.db), kind="live")
    recover(history.con if history else None, (Path(args.out),))   # what a killed session left
    audio = Audio(tts=not args.no_tts, muted=args.mute)
    try:
        res = run_live(camera, spec, backend_choice=backend_choice(args), audio=audio,
                       sinks=(history,) if history else (),
                       panel=TuningPanel(spec, args.profile), max_seconds=args.max_seconds, out_dir=Path(args.out), mirror=args.mirror,
                       profile=args.profile or "", guide_s=0.0 if args.no_guide else 8.0,
                       fullscreen=args.fullscreen, summary_s=args.summary_s)
    except WindowError as e:
        print(f"coach: error: {e}", file=sys.stderr)
        return 2
    finally:
        audio.close()
    if history:
        history.close("finished" if res.complete else "stopped")
        if history.session_id is not None:
            print(f"history: session {history.session_id} in {default_db_path(args.db)} (see `coach history`)")
    print(f"session ended: {res.end_reason}")
    if res.record is None:
        print("nothing was recorded: no frame was analysed")
        return EXIT_INTERRUPTED if res.end_reason == INTERRUPTED else EXIT_INCOMPLETE
    print("\n".join(summary_lines(res.record)))
    print(f"live loop: {res.stats.summary()}")
    for err in res.save_errors:
        print(f"coach: error: {err}", file=sys.stderr)
    if not res.save_errors:
        print(f"report: {res.report_json} and {res.report_csv}")
        print(f"trace:  {res.trace}")
    if res.end_reason == INTERRUPTED:
        return EXIT_INTERRUPTED
    if res.save_errors:                    # a full disk: the same code as in every command
        return EXIT_USER_ERROR
    return EXIT_OK if res.complete else EXIT_INCOMPLETE


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "live", help="coach a stretch live from the camera: window, tones and spoken cues",
        description="Open a window with the camera image, skeleton, live angles (blue with a check = good, "
                    "orange with a warning sign = fix it), rep count or hold timer, side and one cue at a time; tones mark reps and "
                    "holds and short cues are spoken (the espeak-ng system package). The window resizes and "
                    "everything on it scales. Keys: space pause/resume, m sound on/off, f full screen, "
                    "t tuning panel, q or Esc quit. Needs a display: with none it says so and exits with 2. The landmark trace and "
                    "the JSON/CSV report are written when the session ends, however it ends.")
    add_pose_arg(p, allow_file=True)
    p.add_argument("--camera", default="0", metavar="0|FILE",
                   help="camera index (default 0) or a video file, fed at camera pace")
    p.add_argument("--mirror", action="store_true", help="flip selfie-camera frames left-right before analysis")
    p.add_argument("--fullscreen", action="store_true", help="start fullscreen (f toggles it)")
    p.add_argument("--summary-s", type=float, default=30.0, metavar="S",
                   help="keep the summary screen at the end up until a key or S seconds (default 30; 0: none)")
    p.add_argument("--mute", action="store_true", help="start muted (m unmutes)")
    p.add_argument("--no-tts", action="store_true", help="tones only, no spoken cues")
    p.add_argument("--no-guide", action="store_true", help="skip the set-up guide at the start")
    p.add_argument("--max-seconds", type=float, metavar="S", help="end the session after S seconds")
    p.add_argument("--profile", metavar="FILE", help="a patient's threshold profile (see `coach calibrate`)")
    add_db_arg(p)
    p.add_argument("--no-history", action="store_true", help="do not record this session in the history database")
    p.add_argument("--out", metavar="DIR", default="coach_out/live",
                   help="folder for the trace and report (default: coach_out/live)")
    add_backend_args(p, live=True)
    p.set_defaults(func=run)
