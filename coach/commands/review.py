"""`coach review VIDEO --pose NAME`: form review of a recorded video."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from coach.commands.common import add_backend_args, add_pose_arg, backend_choice, spec_from_args
from coach.errors import UserError
from coach.rules.profiles import load_spec


def run_folder(args: argparse.Namespace) -> int:
    """`coach review DIR`: every video in DIR, `--jobs` processes, one summary table."""
    from coach.app.batch import default_jobs, plan, run_batch, summary_table

    if args.pose_file:
        raise UserError("--pose-file works with a single video; for a folder give --pose NAME")
    items = plan(Path(args.video), args.pose, str(args.profile or ""))
    if not items:
        print(f"coach: error: no video files in {args.video}", file=sys.stderr)
        return 2
    for pose in sorted({i.pose for i in items if i.pose}):
        load_spec(pose, args.profile)      # a bad profile stops here, once, with file/line/key
    out = Path(args.out) if args.out else Path("coach_out")
    if args.cluster:
        from coach.app.cluster import run_on_ray

        summary = run_on_ray(items, out, args.cluster, choice=backend_choice(args),
                             write_video=not args.no_video, progress=not args.quiet)
    else:
        summary = run_batch(items, out, jobs=args.jobs or default_jobs(len(items)), choice=backend_choice(args),
                            write_video=not args.no_video, progress=not args.quiet)
    print(summary_table(summary))
    return 1 if summary.failed else 0


def run_shown(args: argparse.Namespace, spec, video: Path, out: Path) -> int:
    """`--show`: every frame through the live window, as fast as it goes; same outputs."""
    from coach.app.live import run_live
    from coach.core.record import summary_lines
    from coach.physio.tuning_panel import TuningPanel
    from coach.app.window import WindowError

    try:
        res = run_live(video, spec, backend_choice=backend_choice(args), out_dir=out, name=video.stem,
                       every_frame=True, write_video=not args.no_video, guide_s=0.0, title="coach review",
                       profile=str(args.profile or ""), panel=TuningPanel(spec, args.profile))
    except WindowError as e:
        print(f"coach: error: {e}", file=sys.stderr)
        return 2
    if res.record is not None:
        print("\n".join(summary_lines(res.record)))
        print(f"report: {res.report_json} and {res.report_csv}")
        print(f"trace:  {res.trace}")
    if res.video:
        print(f"video:  {res.video}")
    if res.end_reason != "end of video":
        print(f"review stopped early: {res.end_reason}")
    return 0 if res.complete else 1


def review_one_video(args: argparse.Namespace, spec, video: Path, out: Path):
    """One video: in this process, or split over `--parts` processes (coach/app/segments.py)."""
    from coach.app.review import review_video
    from coach.app.segments import default_parts, review_split
    from coach.io.video_source import VideoSource

    parts = args.parts
    if parts == 0:
        with VideoSource(video) as src:
            parts = default_parts(src.frame_count, src.fps)
    kw = dict(backend_choice=backend_choice(args), write_video=not args.no_video, progress=not args.quiet,
              profile=str(args.profile or ""))
    if parts > 1:
        return review_split(video, spec, out, parts, **kw)
    return review_video(video, spec, out, **kw)


def run(args: argparse.Namespace) -> int:
    if Path(args.video).is_dir():
        return run_folder(args)
    if not args.pose and not args.pose_file:
        raise UserError("--pose is required for a single video (see `coach poses`)")
    spec = spec_from_args(args)
    from coach.app.review import default_out_dir, review_video
    from coach.core.record import summary_lines

    video = Path(args.video)
    out = Path(args.out) if args.out else default_out_dir(video)
    if args.show:
        return run_shown(args, spec, video, out)
    res = review_one_video(args, spec, video, out)
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
    p.add_argument("video", help="video file to analyse, or a folder: review every video in it")
    add_pose_arg(p, required=False, allow_file=True)
    p.add_argument("--jobs", type=int, metavar="N", default=0,
                   help="folder: videos reviewed at once, one process each (default: CPU cores). "
                        "Without --pose each video's stretch comes from its <clip>.truth.json")
    p.add_argument("--cluster", metavar="ray://HOST:PORT|auto",
                   help="folder: review the videos as tasks on a Ray cluster (pip install 'coach[cluster]'); "
                        "outputs gathered here as a local run writes them")
    p.add_argument("--parts", type=int, metavar="N", default=1,
                   help="one video: review it with N processes, each tracing a part (default 1: this "
                        "process only; 0 = one per core, parts of at least 20 s). Faster on long videos, "
                        "but each part re-acquires tracking, so its first second can read differently")
    p.add_argument("--profile", metavar="FILE", help="a patient's threshold profile (see `coach calibrate`)")
    p.add_argument("--out", metavar="DIR", help="output folder (default: coach_out/<video name>)")
    p.add_argument("--no-video", action="store_true", help="skip the annotated video (faster)")
    p.add_argument("--show", action="store_true",
                   help="watch the review in a window as it runs (space pause, t tuning panel, q quit; no pacing)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    add_backend_args(p)
    p.set_defaults(func=run)
