"""Arguments several sub-commands share."""

from __future__ import annotations

import argparse

from coach.io.pose_backend import BackendChoice
from coach.rules.pose_spec import pose_names


def add_pose_arg(p: argparse.ArgumentParser, required: bool = True) -> None:
    p.add_argument("--pose", required=required, metavar="NAME",
                   help=f"the stretch: {', '.join(pose_names())} (see `coach poses`)")


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
