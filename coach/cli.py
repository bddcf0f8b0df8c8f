"""The `coach` command: one sub-command per job, each in coach/commands/<name>.py."""

from __future__ import annotations

import argparse
import importlib
import sys

from coach import __version__
from coach.io.pose_backend import BackendError
from coach.rules.pose_spec import SpecError
from coach.app.review import OutputError
from coach.io.video_source import VideoError

#: Sub-command modules; each has register(subparsers) and sets `func` on its parser.
COMMANDS = [
    "coach.commands.poses",
    "coach.commands.review",
    "coach.commands.live",
    "coach.commands.bench",
    "coach.commands.history",
    "coach.commands.calibrate",
    "coach.commands.replay",
    "coach.commands.report",
    "coach.commands.routine",
    "coach.commands.remind",
]

#: Errors that are the user's input, not a bug: one clear line, no traceback.
USER_ERRORS: tuple[type[BaseException], ...] = (SpecError, VideoError, BackendError, OutputError,
                                                FileNotFoundError)

DESCRIPTION = """\
coach watches you do six lower-back stretches in front of a camera and coaches you like a
physiotherapist beside you: it checks form, counts reps, times holds per side and speaks
short corrections.

examples:
  coach poses                                   list the stretches and what each checks
  coach review sample_videos/hip_flexor_both.mp4 --pose kneeling_hip_flexor
                                                annotated video + JSON/CSV report
  coach live --pose cat_cow                     coach live from camera 0
  coach live --pose cat_cow --camera clip.mp4   the same, fed from a video file
"""


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="coach", description=DESCRIPTION,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"coach {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    for mod in COMMANDS:
        importlib.import_module(mod).register(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except USER_ERRORS as e:
        print(f"coach: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ncoach: stopped; what was recorded so far is saved", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
