"""`coach review VIDEO --pose NAME`: form review of a recorded video."""

from __future__ import annotations

import argparse
from pathlib import Path

from coach.commands.common import add_backend_args, add_pose_arg, backend_choice
from coach.profiles import load_spec
from coach.review import default_out_dir, review_video, summary_lines


def run(args: argparse.Namespace) -> int:
    spec = load_spec(args.pose, args.profile)
    video = Path(args.video)
    out = Path(args.out) if args.out else default_out_dir(video)
    res = review_video(video, spec, out, backend_choice=backend_choice(args),
                       write_video=not args.no_video, progress=not args.quiet,
                       profile=str(args.profile or ""))
    print("\n".join(summary_lines(res.record)))
    print(f"report: {res.report_json} and {res.report_csv}")
    print(f"trace:  {res.trace}")
    if res.video:
        print(f"video:  {res.video}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "review", help="analyse a recorded video: annotated video + JSON/CSV report",
        description="Run the coach over a recorded video. Writes <out>/<name>.annotated.mp4 (skeleton, "
                    "angles, counters, cues), <name>.report.json and .report.csv (each rep and hold: start, "
                    "end, duration, peak angles; faults with timestamps) and <name>.trace.npz (landmarks, "
                    "for `coach replay`).")
    p.add_argument("video", help="video file to analyse")
    add_pose_arg(p)
    p.add_argument("--profile", metavar="FILE", help="a patient's threshold profile (see `coach calibrate`)")
    p.add_argument("--out", metavar="DIR", help="output folder (default: coach_out/<video name>)")
    p.add_argument("--no-video", action="store_true", help="skip the annotated video (faster)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    add_backend_args(p)
    p.set_defaults(func=run)
