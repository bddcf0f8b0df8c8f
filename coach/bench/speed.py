"""`coach bench speed [VIDEO] [--frames N]`: where the time goes, against the speed targets.

In one run, on the first N frames of VIDEO:
- per-stage cost (ms/frame): decode, inference, checks (Engine.step), overlay, encode, each
  timed alone, one after the other;
- bare inference throughput (MediaPipe on the pre-decoded frames) vs the review pipeline
  (decode, inference and overlay+encode overlapping in threads) and the sequential review;
- the live loop fed from the video at camera pace (coach/app/live.py's `run_live`, when present):
  fps and glass-to-feedback latency;
- batch review throughput with 1 and 2 jobs (processes);
- one long video (--split-seconds, 60) reviewed by 1 process and split over 2 (--parts 2);
- clips a minute on a local Ray cluster of 1 and 2 workers (coach review DIR --cluster);
- process start-up (imports, model, first frame) with matplotlib imported eagerly and
  deferred, and a new pose graph per video against a reset one;
- Engine.step per frame on the recorded trace.
Every figure is measured --repeat times (runs alternating), reported as the median with its
spread. Figures are printed next to their targets; the exit status is 1 when a median misses.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from coach.errors import UserError
from coach.io.pose_backend import BackendChoice

#: figure -> (comparison, target); checked by `misses`.
TARGETS: dict[str, tuple[str, float]] = {
    "pipeline / bare inference": (">=", 0.95),
    "pipeline / bare inference, with mask": (">=", 0.9),
    "live fps": (">=", 30.0),
    "live glass-to-feedback latency ms": ("<", 60.0),
    "batch 2 jobs / 1 job": (">=", 1.80),
    "split review 2 processes / 1": (">=", 1.60),
    "checks ms per frame": ("<", 1.0),
}
SAMPLE_DIR = Path("sample_videos")
DEFAULT_POSE = "kneeling_hip_flexor"
BATCH_VIDEOS = 4                 # copies of the clip per batch run (2 jobs: 2 videos each)
MIN_CHECK_FRAMES = 2000          # Engine.step timed over at least this many frames
LIVE_CAMERA_FPS = 30.0           # the live loop is fed as a 30 fps camera would feed it
SECTIONS = ("pipeline", "live", "batch", "split", "ray", "startup")   # --only


# ---------------------------------------------------------------- test footage
def write_test_clip(path: Path, n_frames: int = 30, fps: float = 10.0, size: tuple[int, int] = (640, 480)) -> Path:
    """A small synthetic video (a drawn figure bending at the hip) for tests and for the
    benchmark when no sample clip exists. Pose detection may or may not find a person."""
    w, h = size
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, h))
    if not writer.isOpened():
        raise RuntimeError(f"cannot write a test video to {path}")
    try:
        for i in range(n_frames):
            img = np.full((h, w, 3), (200, 190, 180), np.uint8)
            a = math.radians(90 - 40 * (0.5 - 0.5 * math.cos(2 * math.pi * i / max(1, fps * 4))))
            hip = np.array([w * 0.5, h * 0.62])
            sh = hip + 0.28 * h * np.array([math.cos(a), -math.sin(a)])
            head = sh + 0.08 * h * np.array([math.cos(a), -math.sin(a)])
            knee = hip + np.array([0.04 * w, 0.17 * h])
            ankle = knee + np.array([0.0, 0.18 * h])
            col = (60, 80, 140)
            for p, q, t in ((hip, sh, 38), (hip, knee, 26), (knee, ankle, 22), (sh, sh + (0.05 * w, 0.15 * h), 16)):
                cv2.line(img, tuple(int(v) for v in p), tuple(int(v) for v in q), col, t, cv2.LINE_AA)
            cv2.circle(img, tuple(int(v) for v in head), int(0.05 * h), (120, 150, 200), -1, cv2.LINE_AA)
            writer.write(img)
    finally:
        writer.release()
    return path


def default_video() -> Path | None:
    """The first sample clip that opens and has frames (the rig may still be rendering)."""
    if not SAMPLE_DIR.is_dir():
        return None
    clips = sorted(SAMPLE_DIR.glob("*.mp4"), key=lambda p: (not p.with_name(p.stem + ".truth.json").exists(), p.name))
    for p in clips:
        cap = cv2.VideoCapture(str(p))
        ok = cap.isOpened() and cap.read()[0]
        cap.release()
        if ok:
            return p
    return None


def pose_for(video: Path, pose: str | None) -> str:
    from coach.app.batch import pose_from_truth

    return pose or pose_from_truth(video)[0] or DEFAULT_POSE


# ---------------------------------------------------------------- measurements
@dataclass
class Cost:
    """Milliseconds per frame of one stage run alone: wall clock, and CPU time of this
    process (all its threads: the share of the cores the stage keeps busy)."""

    wall_ms: float = 0.0
    cpu_ms: float = 0.0


@contextmanager
def timed(cost: Cost, frames: int):
    """Add the block's wall and CPU milliseconds per frame (over `frames`) to `cost`."""
    w0, c0 = time.perf_counter(), time.process_time()
    yield cost
    n = max(1, frames)
    cost.wall_ms += 1000 * (time.perf_counter() - w0) / n
    cost.cpu_ms += 1000 * (time.process_time() - c0) / n


@dataclass
class Decoded:
    bgr: list[np.ndarray]
    rgb: list[np.ndarray]
    t: list[float]
    fps: float
    cost: Cost                    # decode + colour conversion per frame


def decode(video: Path, n: int) -> Decoded:
    from coach.io.video_source import VideoSource

    bgr, rgb, ts = [], [], []
    w0, c0 = time.perf_counter(), time.process_time()
    with VideoSource(video) as src:
        fps = src.fps
        for fr in src:
            bgr.append(fr.bgr)
            rgb.append(cv2.cvtColor(fr.bgr, cv2.COLOR_BGR2RGB))
            ts.append(fr.t)
            if len(bgr) >= n:
                break
    if not bgr:
        raise RuntimeError(f"no frames decoded from {video}")
    k = len(bgr)
    cost = Cost(1000 * (time.perf_counter() - w0) / k, 1000 * (time.process_time() - c0) / k)
    return Decoded(bgr, rgb, ts, fps, cost)


def truncate(video: Path, dec: Decoded, out: Path) -> Path:
    """`video` itself when it has no more than the decoded frames, else those frames re-encoded."""
    cap = cv2.VideoCapture(str(video))
    total = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
    cap.release()
    if 0 < total <= len(dec.bgr):
        return video
    h, w = dec.bgr[0].shape[:2]
    writer = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*"mp4v"), dec.fps, (w, h))
    for f in dec.bgr:
        writer.write(f)
    writer.release()
    return out


def bare_inference(dec: Decoded, choice: BackendChoice) -> tuple[list, Cost]:
    """MediaPipe alone on pre-decoded RGB frames (model loading not counted): landmarks, cost."""
    backend = choice.create()
    cost = Cost()
    try:
        with timed(cost, len(dec.rgb)):
            lms = [backend.detect(rgb, t) for rgb, t in zip(dec.rgb, dec.t)]
    finally:
        backend.close()
    return lms, cost


def check_cost(spec, ts: list[float], lms: list) -> tuple[list, Cost]:
    """Engine.step per frame (fed through a Session, as every loop does) on a recorded trace,
    repeated (fresh session each pass) until at least MIN_CHECK_FRAMES steps: first pass's
    results, ms/frame."""
    from coach.core.session import Session

    first: list = []
    passes = max(1, -(-MIN_CHECK_FRAMES // len(ts)))
    cost = Cost()
    for _ in range(passes):
        session = Session(spec, record_trace=False)
        with timed(cost, len(ts) * passes):
            results = [session.feed(t, lm) for t, lm in zip(ts, lms)]
        first = first or results
    return first, cost


def overlay_cost(spec, dec: Decoded, results: list) -> tuple[list[np.ndarray], Cost]:
    from coach.app.overlay import draw_overlay

    imgs = [f.copy() for f in dec.bgr]
    cost = Cost()
    with timed(cost, len(imgs)):
        for img, res in zip(imgs, results):
            draw_overlay(img, spec, res)
    return imgs, cost


def encode_cost(imgs: list[np.ndarray], fps: float, out: Path) -> Cost:
    h, w = imgs[0].shape[:2]
    cost = Cost()
    with timed(cost, len(imgs)):
        writer = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, h))
        for img in imgs:
            writer.write(img)
        writer.release()
    return cost


def review_fps(clip: Path, spec, choice: BackendChoice, out: Path, pipelined: bool) -> float:
    """Frames per second of a whole `review_video` (reports and annotated video written);
    the model is loaded beforehand, as for the bare inference it is compared with."""
    from coach.app.review import review_video

    backend = choice.create()
    try:
        t0 = time.perf_counter()
        res = review_video(clip, spec, out, backend=backend, progress=False, pipelined=pipelined)
        return res.record.frames / (time.perf_counter() - t0)
    finally:
        backend.close()


class _StandIn:
    """A pose backend that sleeps as long as MediaPipe computes and replays its landmarks:
    it holds no GIL and needs no core, so the pipeline's own overhead shows even on a
    machine whose other core is busy with someone else's work."""

    name = "stand-in"

    def __init__(self, lms: list, seconds: float) -> None:
        self.lms, self.seconds, self.i = lms, seconds, 0

    def detect(self, rgb: np.ndarray, t: float) -> np.ndarray | None:
        time.sleep(self.seconds)
        lm = self.lms[min(self.i, len(self.lms) - 1)]
        self.i += 1
        return lm

    def close(self) -> None:
        pass


def stand_in_ratio(clip: Path, spec, lms: list, infer_ms: float, out: Path) -> float:
    """Pipelined review fps with the stand-in model, over the stand-in's own fps."""
    from coach.app.review import review_video

    t0 = time.perf_counter()
    res = review_video(clip, spec, out, backend=_StandIn(lms, infer_ms / 1000), progress=False)
    return res.record.frames / (time.perf_counter() - t0) / (1000.0 / infer_ms)


def clip_copies(clip: Path, pose: str, folder: Path, videos: int):
    """`videos` copies of the clip in a new folder, as batch items (the batch and Ray inputs)."""
    from coach.app.batch import BatchItem

    folder.mkdir(parents=True)
    items = []
    for k in range(videos):
        dst = folder / f"copy{k}{clip.suffix}"
        shutil.copyfile(clip, dst)
        items.append(BatchItem(dst, pose))
    return items


def batch_fps(clip: Path, pose: str, choice: BackendChoice, jobs: int, work: Path,
              videos: int = BATCH_VIDEOS) -> tuple[float, int]:
    """Frames per second of `coach review DIR --jobs N` over `videos` copies of the clip."""
    from coach.app.batch import run_batch

    items = clip_copies(clip, pose, work / f"batch_in_{jobs}", videos)
    summary = run_batch(items, work / f"batch_out_{jobs}", jobs=jobs, choice=choice, progress=False)
    if summary.failed:
        raise RuntimeError(f"batch review failed: {summary.failed[0].error}")
    return summary.fps, summary.frames


def live_stats(clip: Path, spec, choice: BackendChoice, clip_fps: float) -> dict | None:
    """coach.app.live.run_live, headless, fed from the clip at camera pace: LIVE_CAMERA_FPS frames
    a second through its newest-frame grabber (a 10 fps clip plays 3x fast). None while
    coach/app/live.py is not there."""
    try:
        from coach.app.live import run_live
    except ImportError:
        return None
    res = run_live(str(clip), spec, backend_choice=choice, headless=True, out_dir=None,
                   speed=LIVE_CAMERA_FPS / clip_fps)
    st = res.stats
    return {"fps": st.fps, "latency_ms": st.mean_ms, "p95_ms": st.p95_ms, "dropped": st.dropped,
            "captured": st.captured}


# ---------------------------------------------------------------- report
def misses(figures: dict[str, float | None]) -> list[str]:
    """Names of measured figures that miss their target (pending ones do not count)."""
    out = []
    for name, (op, target) in TARGETS.items():
        v = figures.get(name)
        if v is None:
            continue
        if not (v >= target if op == ">=" else v < target):
            out.append(name)
    return out


def format_table(stages: dict[str, Cost], figures: dict[str, float | None], notes: dict[str, str]) -> str:
    lines = [f"{'stage, run alone':<37}{'ms/frame':>9}  {'CPU ms/frame':>12}"]
    for name, c in stages.items():
        lines.append(f"  {name:<35}{c.wall_ms:9.2f}  {c.cpu_ms:12.2f}")
    lines.append("")
    lines.append(f"{'figure':<37}{'value':>9}  {'target':<9}result")
    bad = set(misses(figures))
    for name, v in figures.items():
        op, target = TARGETS.get(name, ("", None))
        tgt = f"{op} {target:g}" if target is not None else ""
        value = "pending" if v is None else f"{v:.2f}"
        res = "" if target is None else ("pending" if v is None else ("MISS" if name in bad else "ok"))
        note = f"  ({notes[name]})" if name in notes else ""
        lines.append(f"  {name:<35}{value:>9}  {tgt:<9}{res}{note}".rstrip())
    return "\n".join(lines)


def split_clip(dec: Decoded, seconds: float, out: Path) -> Path:
    """The decoded frames looped (or cut) to `seconds` of video: one long recording."""
    n = max(2, int(round(seconds * dec.fps)))
    h, w = dec.bgr[0].shape[:2]
    writer = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*"mp4v"), dec.fps, (w, h))
    for k in range(n):
        writer.write(dec.bgr[k % len(dec.bgr)])
    writer.release()
    return out


def split_seconds(clip: Path, spec, choice: BackendChoice, out: Path, parts: int) -> float:
    """Wall seconds of `coach review VIDEO --parts N` (model load and process start-up included,
    annotated video written): one process, or the video split over `parts` (coach/app/segments.py)."""
    from coach.app.review import review_video
    from coach.app.segments import review_split

    t0 = time.perf_counter()
    if parts == 1:
        review_video(clip, spec, out, backend_choice=choice, progress=False)
    else:
        review_split(clip, spec, out, parts, backend_choice=choice, progress=False)
    return time.perf_counter() - t0


def ray_clips_per_min(clip: Path, pose: str, choice: BackendChoice, workers: int, work: Path,
                      videos: int) -> float | None:
    """Clips a minute through `coach review DIR --cluster` on a fresh local Ray cluster of
    `workers` CPUs (cluster start not counted, worker start-up counted); None without Ray."""
    try:
        import ray
    except ImportError:
        return None
    from coach.app.cluster import run_on_ray

    items = clip_copies(clip, pose, work / f"ray_in_{workers}", videos)
    ray.init(address="local", num_cpus=workers, include_dashboard=False, log_to_driver=False)   # never another's
    try:
        summary = run_on_ray(items, work / f"ray_out_{workers}", "local", choice=choice, progress=False)
    finally:
        ray.shutdown()
    if summary.failed:
        raise RuntimeError(f"Ray review failed: {summary.failed[0].error}")
    return 60.0 * videos / summary.seconds


_START_CODE = """
import sys, time
t0 = time.perf_counter()
{eager}
import cv2
from coach.io.pose_backend import BackendChoice
import numpy as np
be = BackendChoice(complexity={complexity}).create()
be.detect(np.zeros((480, 640, 3), np.uint8), 0.0)
print(time.perf_counter() - t0)
"""


def start_up_seconds(choice: BackendChoice, eager_matplotlib: bool) -> float:
    """A fresh Python process: imports, pose model and its first frame, as a batch worker
    starts (`eager_matplotlib`: as it started before matplotlib was deferred)."""
    import subprocess

    code = _START_CODE.format(eager="import matplotlib.pyplot" if eager_matplotlib else "",
                              complexity=choice.complexity)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    if out.returncode != 0:
        raise RuntimeError(f"start-up probe failed: {out.stderr[-500:]}")
    return float(out.stdout.split()[-1])


def graph_seconds(dec: Decoded, choice: BackendChoice) -> tuple[float, float]:
    """Per video, beyond a steady frame: a new pose graph (create + first frame) and a reset
    one (reset + first frame), in seconds: what reusing a worker's graph saves."""
    rgb = dec.rgb[: min(5, len(dec.rgb))]
    t0 = time.perf_counter()
    be = choice.create()
    try:
        be.detect(rgb[0], 0.0)
        fresh = time.perf_counter() - t0
        for k, f in enumerate(rgb[1:], 1):
            be.detect(f, k / dec.fps)
        t1 = time.perf_counter()
        be.detect(rgb[-1], len(rgb) / dec.fps)
        steady = time.perf_counter() - t1
        if not hasattr(be, "reset"):
            return fresh - steady, float("nan")
        t2 = time.perf_counter()
        be.reset()
        be.detect(rgb[0], 0.0)
        reset = time.perf_counter() - t2
    finally:
        be.close()
    return fresh - steady, reset - steady


def median_spread(xs: list[float]) -> tuple[float | None, str]:
    """Median and 'min-max over n runs' of the measured values (None: none measured)."""
    xs = [x for x in xs if x is not None and not math.isnan(x)]
    if not xs:
        return None, ""
    med = statistics.median(xs)
    return med, (f"{min(xs):.2f}-{max(xs):.2f} over {len(xs)}" if len(xs) > 1 else "1 run")


def pipeline_runs(dec: Decoded, clip: Path, spec, choice: BackendChoice, work: Path, repeat: int,
                  add) -> tuple[list, Cost]:
    """Bare inference and the review pipeline (and, for a stretch that reads the back, the
    same with the person mask), `repeat` times; with repeat 0 one inference run only (the
    stages' table needs it). Returns the fastest run's landmarks and its cost."""
    from coach.io.back_outline import choice_for

    infer = None
    for k in range(max(1, repeat)):
        lms_k, cost = bare_inference(dec, choice)
        if infer is None or cost.wall_ms < infer.wall_ms:
            lms, infer = lms_k, cost
        bare = 1000.0 / cost.wall_ms
        if not repeat:
            break                              # the stages' table still needs one inference run
        pipe = review_fps(clip, spec, choice, work / f"pipelined{k}", pipelined=True)
        add("bare inference fps", bare)
        add("review pipeline fps", pipe)
        add("review sequential fps", review_fps(clip, spec, choice, work / f"sequential{k}", pipelined=False))
        add("pipeline / bare inference", pipe / bare)
        if spec.uses_contour:                # the same with the person mask and the back outline
            mask_choice = choice_for(choice, spec)
            bare_m = 1000.0 / bare_inference(dec, mask_choice)[1].wall_ms
            pipe_m = review_fps(clip, spec, mask_choice, work / f"pipelined_mask{k}", pipelined=True)
            add("bare inference fps, with mask", bare_m)
            add("review pipeline fps, with mask", pipe_m)
            add("pipeline / bare inference, with mask", pipe_m / bare_m)
    return lms, infer


@dataclass
class Measured:
    """What `run` measured: the clip, the stages' costs and every repeated figure's runs."""

    video: Path
    pose: str
    dec: Decoded
    lms: list
    infer: Cost
    checks: Cost
    overlay: Cost
    encode: Cost
    live: dict | None
    frames1: int
    runs: dict[str, list]


def measure(args: argparse.Namespace, choice: BackendChoice, work: Path) -> Measured:
    """Every figure, each measured `repeat` times, its runs alternating with the others' so
    that a busy machine's slow moments hit each alike (the median is reported)."""
    from coach.rules.pose_spec import load_pose

    n = max(2, args.frames)
    repeat = max(1, args.repeat)
    runs: dict[str, list] = {}

    def add(name: str, value) -> None:
        runs.setdefault(name, []).append(value)
        if value is not None:                # as it goes: a long run that dies still tells
            print(f"bench speed: {name} = {value:.2f} (run {len(runs[name])})", file=sys.stderr, flush=True)

    video = Path(args.video) if args.video else default_video()
    if video is None:
        video = write_test_clip(work / "synthetic.mp4", n_frames=n)
        print(f"no clip in {SAMPLE_DIR}/ yet: using a generated test video", file=sys.stderr)
    pose = pose_for(video, args.pose)
    spec = load_pose(pose)
    dec = decode(video, n)
    clip = truncate(video, dec, work / f"clip{video.suffix or '.mp4'}")
    long_clip = split_clip(dec, args.split_seconds, work / "long.mp4")
    only = set(args.only.split(",")) if args.only else set(SECTIONS)
    if only - set(SECTIONS):
        raise UserError(f"--only takes {','.join(SECTIONS)}, not {args.only!r}")
    lms, infer = pipeline_runs(dec, clip, spec, choice, work, repeat if "pipeline" in only else 0, add)
    results, checks = check_cost(spec, dec.t, lms)
    imgs, overlay = overlay_cost(spec, dec, results)
    encode = encode_cost(imgs, dec.fps, work / "encode.mp4")
    live = None
    frames1 = 0
    for k in range(repeat if "live" in only else 0):
        add("pipeline / bound, stand-in model", stand_in_ratio(clip, spec, lms, infer.cpu_ms, work / f"stand_in{k}"))
        live = live_stats(clip, spec, choice, dec.fps)
        add("live fps", live and live["fps"])
        add("live glass-to-feedback latency ms", live and live["latency_ms"])
    for k in range(repeat if "batch" in only else 0):
        fps1, frames1 = batch_fps(clip, pose, choice, 1, work / f"b{k}", args.batch_videos)
        fps2, _ = batch_fps(clip, pose, choice, 2, work / f"b{k}", args.batch_videos)
        add("batch fps, 1 job", fps1)
        add("batch fps, 2 jobs", fps2)
        add("batch 2 jobs / 1 job", fps2 / fps1)
    for k in range(repeat if "split" in only else 0):
        s1 = split_seconds(long_clip, spec, choice, work / f"split1_{k}", 1)
        s2 = split_seconds(long_clip, spec, choice, work / f"split2_{k}", 2)
        add("split review s, 1 process", s1)
        add("split review s, 2 processes", s2)
        add("split review 2 processes / 1", s1 / s2)
    for name in ("bare inference fps, with mask", "review pipeline fps, with mask",
                 "pipeline / bare inference, with mask"):
        runs.setdefault(name, [])                        # a row even when the stretch reads no back
    for name in ("Ray clips/min, 1 worker", "Ray clips/min, 2 workers", "Ray s per clip, 1 worker"):
        runs[name] = []                              # a row even when skipped or without Ray
    for k in range(repeat if not args.no_ray and "ray" in only else 0):
        r1 = ray_clips_per_min(clip, pose, choice, 1, work / f"r{k}", args.batch_videos)
        r2 = ray_clips_per_min(clip, pose, choice, 2, work / f"r{k}", args.batch_videos) if r1 else None
        add("Ray clips/min, 1 worker", r1)
        add("Ray clips/min, 2 workers", r2)
        add("Ray s per clip, 1 worker", 60.0 / r1 if r1 else None)
    for k in range(repeat if "startup" in only else 0):
        add("start-up s, matplotlib eager", start_up_seconds(choice, eager_matplotlib=True))
        add("start-up s, matplotlib deferred", start_up_seconds(choice, eager_matplotlib=False))
        new, reset = graph_seconds(dec, choice)
        add("new pose graph s per video", new)
        add("reset pose graph s per video", reset)
    return Measured(video, pose, dec, lms, infer, checks, overlay, encode, live, frames1, runs)


def pose_reads_back(pose: str) -> bool:
    from coach.rules.pose_spec import load_pose

    return load_pose(pose).uses_contour


def report(args: argparse.Namespace, m: Measured) -> int:
    """Print the table of stages and figures against their targets; 1 if one is missed."""
    video, pose, dec, lms, infer, checks, overlay, encode, live, frames1, runs = (
        m.video, m.pose, m.dec, m.lms, m.infer, m.checks, m.overlay, m.encode, m.live, m.frames1, m.runs)
    repeat = max(1, args.repeat)
    person = sum(lm is not None for lm in lms)
    h, w = dec.bgr[0].shape[:2]
    print(f"coach bench speed: {video} ({w}x{h}, {len(dec.bgr)} frames at {dec.fps:g} fps, pose {pose}), "
          f"{os.cpu_count()} CPU cores (load average {os.getloadavg()[0]:.1f}), person found in "
          f"{person}/{len(lms)} frames, each figure the median of {repeat} run(s)")
    stages = {"decode": dec.cost, "inference": infer, "checks (engine.step)": checks,
              "overlay": overlay, "encode": encode}
    figures: dict[str, float | None] = {}
    spreads: dict[str, str] = {}
    for name, xs in runs.items():
        figures[name], spreads[name] = median_spread(xs)
    figures["checks ms per frame"] = checks.wall_ms
    # what 2 idle cores allow, from the stages' CPU costs (steady state, start-up excluded)
    cpu_ms = sum(c.cpu_ms for c in stages.values())
    infer_cpu = infer.cpu_ms
    pipe_fps = figures.get("review pipeline fps") or 1000.0 / infer.wall_ms
    r1 = min(pipe_fps, 2000.0 / cpu_ms)                # one job: as fast as its review pipeline runs
    r2 = min(2 * r1, 2000.0 / cpu_ms)                  # two jobs: 2 cores shared by both
    notes = {"batch fps, 1 job": f"{args.batch_videos} videos, {frames1} frames, process start-up included",
             "batch 2 jobs / 1 job": f"2 cores allow about {r2 / r1:.2f} at {cpu_ms:.0f} CPU ms/frame",
             "pipeline / bare inference": f"2 cores allow about {min(1.0, 2 * infer_cpu / cpu_ms):.2f}",
             "split review 2 processes / 1": f"2 cores allow about {r2 / r1:.2f} at {cpu_ms:.0f} CPU ms/frame, "
                                             "less the second process's start-up",
             "split review s, 1 process": f"one {args.split_seconds:g} s video, {int(round(args.split_seconds * dec.fps))} "
                                          "frames, annotated video written, start-up included",
             "Ray clips/min, 1 worker": f"{args.batch_videos} clips of {len(dec.bgr)} frames, local cluster, "
                                        "worker start-up included",
             "start-up s, matplotlib eager": "fresh process to first pose: imports, model, first frame"}
    if pose_reads_back(pose):
        notes["bare inference fps, with mask"] = "the pose model with its person segmentation mask"
        notes["review pipeline fps, with mask"] = "the mask turned into the back outline, judged and drawn"
    else:
        notes["pipeline / bare inference, with mask"] = f"pending: {pose} reads no back, so no mask is computed"
    notes["pipeline / bound, stand-in model"] = (f"model replaced by a {infer.cpu_ms:.0f} ms sleep: the "
                                                 "pipeline's own overhead, whatever the other core does")
    if not runs.get("live fps"):
        pass                                   # not measured (--only)
    elif figures.get("live fps") is None:
        notes["live fps"] = notes["live glass-to-feedback latency ms"] = "pending: coach/app/live.py run_live not written yet"
    else:
        notes["live fps"] = (f"{'with the mask, ' if pose_reads_back(pose) else ''}"
                             f"fed at {LIVE_CAMERA_FPS:g} fps, {live['dropped']} of {live['captured']} "
                             "frames dropped in the last run")
        notes["live glass-to-feedback latency ms"] = f"mean; p95 {live['p95_ms']:.0f} ms in the last run"
    if args.no_ray or (args.only and "ray" not in args.only.split(",")):
        notes["Ray clips/min, 1 worker"] = "skipped (--no-ray)"
    elif figures.get("Ray clips/min, 1 worker") is None:
        notes["Ray clips/min, 1 worker"] = "pending: Ray is not installed (pip install -e '.[cluster]')"
    if person < len(lms) / 2:
        notes["checks ms per frame"] = "few frames with a person: the checks mostly skip"
    for name, sp in spreads.items():
        if sp:
            notes[name] = f"{sp}; {notes[name]}" if name in notes else sp
    print(format_table(stages, figures, notes))
    bad = misses(figures)
    if bad:
        print(f"missed: {', '.join(bad)}")
        return 1
    return 0




def run(args: argparse.Namespace) -> int:
    from coach.commands.common import backend_choice

    work = Path(tempfile.mkdtemp(prefix="coach_bench_"))
    try:
        measured = measure(args, backend_choice(args), work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return report(args, measured)


def register(sub: argparse._SubParsersAction) -> None:
    from coach.commands.common import add_backend_args

    p = sub.add_parser("speed", help="throughput and latency of review, live and batch against targets",
                       description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("video", nargs="?", help=f"video to measure on (default: a clip in {SAMPLE_DIR}/, or a "
                                            "generated one)")
    p.add_argument("--frames", type=int, default=200, metavar="N", help="frames to use (default 200)")
    p.add_argument("--repeat", type=int, default=3, metavar="N",
                   help="runs of every figure, alternating; the median is reported with the spread (default 3)")
    p.add_argument("--split-seconds", type=float, default=60.0, metavar="S",
                   help="length of the one long video reviewed by 1 and by 2 processes (default 60; the "
                        "clip's frames looped or cut)")
    p.add_argument("--no-ray", action="store_true", help="skip the Ray figures (each starts a local cluster)")
    p.add_argument("--only", metavar="LIST", help=f"only these sections, comma-separated: {','.join(SECTIONS)} "
                                                  "(default: all)")
    p.add_argument("--batch-videos", type=int, default=BATCH_VIDEOS, metavar="N",
                   help=f"copies of the clip in each batch run (default {BATCH_VIDEOS})")
    p.add_argument("--pose", metavar="NAME", help="stretch to check (default: the clip's truth file, "
                                                  f"else {DEFAULT_POSE})")
    add_backend_args(p)
    p.set_defaults(func=run)
