"""Arguments several sub-commands share."""

from __future__ import annotations

import argparse
import sys

from coach.errors import UserError
from coach.io.pose_backend import MODEL_NAMES, QUALITY, BackendChoice, installed_models
from coach.rules.pose_spec import PoseSpec, load_pose_file, pose_names


def pose_name(text: str) -> str:
    """--pose takes a stretch name only (never a path): one of poses/*.toml's stems."""
    names = pose_names()
    if text not in names:
        hint = "; a custom pose file goes in --pose-file" if ("/" in text or text.endswith(".toml")) else ""
        raise argparse.ArgumentTypeError(f"no stretch called {text!r} (have: {', '.join(names)}{hint})")
    return text


def add_pose_arg(p: argparse.ArgumentParser, required: bool = True, allow_file: bool = False) -> None:
    """--pose NAME; with `allow_file`, or --pose-file FILE.toml (a custom pose, see docs/physio.md)."""
    help_ = f"the stretch: {', '.join(pose_names())} (see `coach poses`)"
    if not allow_file:
        p.add_argument("--pose", required=required, metavar="NAME", type=pose_name, help=help_)
        return
    g = p.add_mutually_exclusive_group(required=required)
    g.add_argument("--pose", metavar="NAME", type=pose_name, help=help_)
    g.add_argument("--pose-file", metavar="FILE.toml",
                   help="a custom pose rules file instead of a named stretch (validated like poses/*.toml)")


def text_arg(what: str):
    """An argparse type for free text that lands in files: one printable line."""
    from coach.io.safe_text import one_line

    def check(text: str) -> str:
        try:
            return one_line(text, what)
        except ValueError as e:
            raise argparse.ArgumentTypeError(str(e)) from None
    return check


def spec_from_args(args: argparse.Namespace) -> PoseSpec:
    """The stretch's rules from --pose NAME (with --profile applied) or --pose-file."""
    from coach.rules.profiles import load_spec

    if getattr(args, "pose_file", None):
        if getattr(args, "profile", None):
            raise UserError("--profile works with --pose NAME only, not with --pose-file")
        return load_pose_file(args.pose_file)
    return load_spec(args.pose, getattr(args, "profile", None))


#: live: the rate the pose model must keep (see coach/io/adaptive_backend.py)
LIVE_MIN_FPS = 25.0


def add_backend_args(p: argparse.ArgumentParser, quality: str = "balanced", live: bool = False) -> None:
    """--model, --model-quality and --complexity; `quality` is this command's default
    (used when the model it names is installed, else balanced); `live`: the model is watched
    and the user told when it cannot keep LIVE_MIN_FPS, or with `auto` it gives way to lite."""
    g = p.add_argument_group("pose model")
    g.add_argument("--model", metavar="FILE.task",
                   help="use the MediaPipe Tasks PoseLandmarker with this model file "
                        "(default: the legacy models, offline)")
    q = g.add_mutually_exclusive_group()
    auto = (f"; auto = balanced, switching to fast when it cannot keep {LIVE_MIN_FPS:g} fps" if live else "")
    q.add_argument("--model-quality", choices=tuple(k for k in QUALITY if live or k != "auto"), default=None,
                   help=f"fast = lite model, balanced = full, best = heavy{auto} (default: {quality}); "
                        "scripts/setup installs all three")
    q.add_argument("--complexity", type=int, choices=(0, 1, 2), default=None,
                   help="the same as a number: 0 = lite, 1 = full, 2 = heavy")
    p.set_defaults(default_quality=quality, live_fallback=live)


def backend_choice(args: argparse.Namespace) -> BackendChoice:
    """The model the arguments ask for; a default that is not installed falls back to full."""
    if getattr(args, "complexity", None) is not None:
        return BackendChoice(model=args.model, complexity=args.complexity)
    if getattr(args, "model_quality", None) == "auto":
        return BackendChoice(model=args.model, complexity=1, fallback_fps=LIVE_MIN_FPS, switch=True)
    if getattr(args, "model_quality", None):
        return BackendChoice(model=args.model, complexity=QUALITY[args.model_quality])
    complexity = QUALITY[getattr(args, "default_quality", "balanced")]
    if not args.model and MODEL_NAMES[complexity] not in installed_models():
        print(f"coach: note: the {MODEL_NAMES[complexity]} pose model is not installed (run scripts/setup); "
              "using the full model", file=sys.stderr)
        complexity = 1
    fallback = LIVE_MIN_FPS if getattr(args, "live_fallback", False) and complexity > 0 else 0.0
    return BackendChoice(model=args.model, complexity=complexity, fallback_fps=fallback)


def add_db_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", metavar="FILE.sqlite",
                   help="history database (default: $COACH_DB or ~/.local/share/coach/history.sqlite)")
