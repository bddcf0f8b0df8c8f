"""`coach calibrate --pose NAME (--camera N | VIDEO | --trace FILE) --profile FILE`:
measure a patient's demonstration and propose (and save) their thresholds."""

from __future__ import annotations

import argparse
import getpass
from pathlib import Path

from coach.errors import UserError
from coach.commands.common import add_backend_args, add_pose_arg, backend_choice, text_arg
from coach.rules.profiles import load_spec, save_overrides
from coach.io.trace import load_trace, save_trace


def _trace(args: argparse.Namespace):
    if args.trace:
        return load_trace(Path(args.trace)), None
    from coach.physio.calibrate import record_trace       # OpenCV: only to record
    source = args.camera if args.camera is not None else args.video
    from coach.io.back_outline import choice_for
    from coach.rules.pose_spec import load_pose

    choice = choice_for(backend_choice(args), load_pose(args.pose))
    tr = record_trace(source, choice, seconds=args.seconds, progress=not args.quiet)
    profile = Path(args.profile)
    saved = profile.with_name(f"{profile.stem}.{args.pose}.calibration.trace.npz")
    saved.parent.mkdir(parents=True, exist_ok=True)
    return tr, save_trace(tr, saved)


def run(args: argparse.Namespace) -> int:
    sources = [x for x in (args.video, args.trace) if x] + ([args.camera] if args.camera is not None else [])
    if len(sources) != 1:
        raise UserError("give exactly one of VIDEO, --camera N or --trace FILE.npz")
    profile = Path(args.profile)
    spec = load_spec(args.pose, profile if profile.exists() else None)
    tr, saved = _trace(args)
    from coach.physio.calibrate import Margins, diff_table, propose, ranges_table

    if len(tr) == 0:
        raise UserError(f"no frames recorded from {tr.source or 'the source'}")
    margins = Margins(deg=args.margin, ratio=args.margin_ratio, rep_enter=args.rep_enter,
                      rep_exit=args.rep_exit, loosen_only=args.loosen_only)
    cal = propose(tr, spec, margins)
    print("\n".join(ranges_table(cal, spec)))
    print("\nthresholds:" if cal.proposals else "")
    print("\n".join(diff_table(cal)))
    for n in cal.notes:
        print(f"note: {n}")
    if saved:
        print(f"trace:   {saved} (try it: coach replay {saved} --pose {args.pose} --profile {profile})")
    if cal.frames_in_stretch == 0:
        return 1
    if args.dry_run or not cal.proposals:
        print("dry run: profile not written" if args.dry_run else f"profile unchanged: {profile}")
        return 0
    save_overrides(profile, args.pose, cal.changes, who=args.who, note=f"calibrate from {tr.source or 'trace'}",
                   patient=args.patient)
    print(f"profile: {profile} ({len(cal.proposals)} threshold(s) written)")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "calibrate", help="physio: propose a patient's thresholds from a demonstration",
        description="Record (or read) the patient demonstrating a few good reps or a good hold, measure the "
                    "range of each checked measure while in the stretch, propose thresholds (form bands from "
                    "the 5th-95th percentile plus a margin, rep thresholds at a fraction of the demonstrated "
                    "amplitude), print the measured ranges and the diff, and write them to the profile. "
                    "See docs/physio.md.")
    add_pose_arg(p)
    p.add_argument("video", nargs="?", help="a video file of the demonstration")
    p.add_argument("--camera", metavar="N", help="record from this camera (stops after --seconds or Ctrl-C)")
    p.add_argument("--trace", metavar="FILE.npz", help="a saved landmark trace (e.g. from `coach review`)")
    p.add_argument("--profile", required=True, metavar="FILE", help="the patient's profile (created if new)")
    p.add_argument("--seconds", type=float, default=60.0, help="camera: how long to record (default 60)")
    p.add_argument("--margin", type=float, default=5.0, metavar="DEG",
                   help="how far form bands and targets sit outside the demonstration, degrees (default 5)")
    p.add_argument("--margin-ratio", type=float, default=0.05, metavar="R",
                   help="the same for offsets measured as a ratio of a body length (default 0.05)")
    p.add_argument("--rep-enter", type=float, default=0.6, metavar="F",
                   help="reps: a phase starts at this fraction of the demonstrated amplitude (default 0.6)")
    p.add_argument("--rep-exit", type=float, default=0.25, metavar="F",
                   help="reps: a phase ends back below this fraction (hysteresis, default 0.25)")
    p.add_argument("--loosen-only", action="store_true", help="never propose a stricter threshold")
    p.add_argument("--dry-run", action="store_true", help="print the proposal; do not write the profile")
    p.add_argument("--patient", type=text_arg("--patient"), help="patient name or id for the profile header")
    p.add_argument("--who", type=text_arg("--who"), default=getpass.getuser(),
                   help="who calibrated (default: your user name)")
    p.add_argument("--quiet", action="store_true", help="no progress output")
    add_backend_args(p)
    p.set_defaults(func=run)
