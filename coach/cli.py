"""The `coach` command: one sub-command per job, each in coach/commands/<name>.py."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import signal
import sys
import tempfile
import traceback

from coach import __version__
from coach.errors import (EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_USER_ERROR, UserError, describe)

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

#: Set COACH_DEBUG=1 to see the traceback of an internal error on the terminal.
DEBUG_ENV = "COACH_DEBUG"

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


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors: `coach CMD: error: ... (see coach CMD --help)`, exit 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USER_ERROR, f"coach: error: {' '.join(message.split())} (see `{self.prog} --help`)\n")


def _wanted(argv: list[str]) -> list[str]:
    """The command modules to load: only the one named on the command line, so a command
    never pays for another's imports (OpenCV, MediaPipe, matplotlib); all for `coach --help`."""
    first = next((a for a in argv if not a.startswith("-")), None)
    named = [m for m in COMMANDS if m.rsplit(".", 1)[1] == first]
    return named or COMMANDS


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    p = Parser(prog="coach", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"coach {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    for mod in (COMMANDS if argv is None else _wanted(argv)):
        importlib.import_module(mod).register(sub)
    return p


def _internal_error(e: BaseException) -> int:
    """A bug, not the user's doing: one line, and the traceback kept in a log file."""
    if os.environ.get(DEBUG_ENV):
        traceback.print_exc()
        return EXIT_INTERNAL
    log = None
    try:
        fd, log = tempfile.mkstemp(prefix="coach-crash-", suffix=".log")
        with os.fdopen(fd, "w") as f:
            traceback.print_exc(file=f)
    except OSError:
        log = None
    where = f"details in {log}" if log else f"set {DEBUG_ENV}=1 for details"
    print(f"coach: internal error: {describe(e)} ({where}; please report it)", file=sys.stderr)
    return EXIT_INTERNAL


class _OneLine(logging.Formatter):
    """Logged failures of edges (sound, a sink) as one line each, without the traceback."""

    def format(self, record: logging.LogRecord) -> str:
        msg = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            msg += f": {describe(record.exc_info[1])}"
        return f"coach: {record.levelname.lower()}: {' '.join(msg.split())}"


def _quiet_logging() -> None:
    if os.environ.get(DEBUG_ENV) or logging.getLogger().handlers:
        return
    h = logging.StreamHandler()
    h.setFormatter(_OneLine())
    # coach's own warnings are for the user; a library's (e.g. matplotlib's font cache) only when an error
    h.addFilter(lambda r: r.name.startswith("coach") or r.levelno >= logging.ERROR)
    logging.getLogger().addHandler(h)
    logging.getLogger().setLevel(logging.WARNING)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")   # coach says what is wrong with a video or
    os.environ.setdefault("OPENCV_LOG_LEVEL", "OFF")        # a camera itself, in one line
    os.environ.setdefault("SDL_NO_SIGNAL_HANDLERS", "1")    # Ctrl-C stays Ctrl-C (SDL would make it a quit)
    _quiet_logging()
    old_term = _sigterm_as_ctrl_c()
    try:
        parser = build_parser(argv)
        args = parser.parse_args(argv)
        if not getattr(args, "func", None):
            parser.print_help()
            return EXIT_USER_ERROR
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("\ncoach: stopped; what was recorded so far is saved", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (UserError, OSError) as e:
        print(f"coach: error: {describe(e)}", file=sys.stderr)
        return EXIT_USER_ERROR
    except Exception as e:  # noqa: BLE001 - the last line of the user-error layer
        if _caused_by_interrupt(e):        # Ctrl-C inside an import that re-raised it as ImportError (numpy)
            print("\ncoach: stopped; what was recorded so far is saved", file=sys.stderr)
            return EXIT_INTERRUPTED
        if _is_db_error(e):
            hint = ": is the disk full?" if "disk" in str(e) else ""
            print(f"coach: error: the history database: {describe(e)}{hint}", file=sys.stderr)
            return EXIT_USER_ERROR
        return _internal_error(e)
    finally:
        if old_term is not None:
            signal.signal(signal.SIGTERM, old_term)


def _sigterm_as_ctrl_c():
    """SIGTERM (a shutdown, `kill`) ends a command as Ctrl-C does: outputs saved, exit 130.
    Returns the handler it replaced (None when it could not install one)."""
    def stop(_sig, _frame):
        raise KeyboardInterrupt
    try:
        return signal.signal(signal.SIGTERM, stop)
    except ValueError:          # not the main thread (tests calling main() from a thread)
        return None


def _caused_by_interrupt(e: BaseException) -> bool:
    seen = set()
    while e is not None and id(e) not in seen:
        if isinstance(e, KeyboardInterrupt):
            return True
        seen.add(id(e))
        e = e.__cause__ or e.__context__
    return False


def _is_db_error(e: BaseException) -> bool:
    mod = sys.modules.get("sqlite3")
    return mod is not None and isinstance(e, mod.Error)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
