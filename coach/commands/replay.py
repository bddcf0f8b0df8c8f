"""`coach replay TRACE --pose NAME [--profile FILE]`: re-score a saved trace with the
defaults and with a patient's profile, side by side."""

from __future__ import annotations

import argparse
import json

from coach.commands.common import add_pose_arg
from coach.physio.replay import lines, replay


def run(args: argparse.Namespace) -> int:
    res = replay(args.trace, args.pose, args.profile)
    if args.json:
        print(json.dumps(res.to_dict(), indent=2))
        return 0
    print("\n".join(lines(res)))
    runs = 2 if args.profile else 1
    print(f"scored {res.frames} frames ({res.duration_s:g} s of footage) x{runs} in {res.seconds:.3f} s")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "replay", help="re-score a saved landmark trace with a profile: what would change",
        description="Re-score a landmark trace (<name>.trace.npz from `coach review`, or one saved by "
                    "`coach calibrate`) with the default thresholds and with a patient's profile, and "
                    "print reps counted, hold time per side and faults side by side. No video or model "
                    "is needed, so it takes a fraction of a second.")
    p.add_argument("trace", help="a .trace.npz file")
    add_pose_arg(p)
    p.add_argument("--profile", metavar="FILE", help="the patient's threshold profile to compare")
    p.add_argument("--json", action="store_true", help="print the comparison as JSON")
    p.set_defaults(func=run)
