"""Arguments several sub-commands share."""

from __future__ import annotations

import argparse

from coach.errors import UserError
from coach.io.pose_backend import BackendChoice
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


def add_backend_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("pose model")
    g.add_argument("--model", metavar="FILE.task",
                   help="use the MediaPipe Tasks PoseLandmarker with this model file "
                        "(default: the full model bundled in mediapipe 0.10.21, offline)")
    g.add_argument("--complexity", type=int, choices=(0, 1, 2), default=1,
                   help="legacy model: 1 = full (bundled, default); 0 = lite and 2 = heavy are "
                        "downloaded by MediaPipe at first use and fail offline")


def backend_choice(args: argparse.Namespace) -> BackendChoice:
    return BackendChoice(model=args.model, complexity=args.complexity)
