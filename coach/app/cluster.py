"""`coach review DIR --cluster ADDRESS`: a folder's videos reviewed as Ray tasks, gathered
into the output folder exactly as a local `coach review DIR` writes them.

Each video travels to a worker as bytes (with the patient's profile, when one is given),
so the cluster needs no shared storage: only coach and its pose models installed on every
node (`pip install 'coach[cluster]'` and scripts/fetch_models.py). The worker reviews it
with the same code as a local batch job (`coach.app.batch.review_one`, one task per video,
one CPU each) and sends the outputs back as bytes; here they are written under
`<out>/<video name>/` with the video's own path as their source, and the summary is the
local one. Ray reuses its worker processes, so imports and start-up are paid once per
worker, not once per video. Ray is an optional extra: the base install never imports it.

A video longer than `segment_s` (default SEGMENT_S) is cut into segments traced by separate
tasks (coach/app/segments.py's `trace_segment`, 1 s overlap so tracking re-acquires), and one
more task scores the whole video once from their landmarks and writes its outputs, as a
split local review does: the same reps and holds, landmarks within noise at the seams.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

from coach.app.batch import BatchItem, BatchResult, BatchSummary
from coach.errors import UserError
from coach.io.pose_backend import BackendChoice

SEGMENT_S = 120.0          # videos longer than this are traced as segments of about this length


def _ray():
    try:
        import ray
    except ImportError:
        raise UserError("--cluster needs Ray, which the base install leaves out: "
                        "pip install 'coach[cluster]' (or: .venv/bin/pip install -e '.[cluster]')") from None
    return ray


def connect(address: str, **init_kw):
    """Join the Ray cluster at `address`: ray://HOST:PORT (Ray Client), HOST:PORT (the head's
    GCS address, from a machine of the cluster) or auto (the cluster started on this machine
    with `ray start`). Returns the ray module."""
    ray = _ray()
    if not ray.is_initialized():
        try:
            ray.init(address=address, log_to_driver=False, **init_kw)
        except (ConnectionError, RuntimeError, ValueError) as e:
            raise UserError(f"cannot reach a Ray cluster at {address}: {e}") from None
    return ray


def review_task(name: str, data: bytes, pose: str | None, why_no_pose: str, profile_name: str,
                profile_text: str | None, choice: BackendChoice, write_video: bool) -> tuple[BatchResult, dict]:
    """On a worker: review one video sent as bytes; (its result, {output file name: bytes})."""
    import cv2

    from coach.app.batch import review_one

    cv2.setNumThreads(1)               # as a local batch worker (coach/app/batch.py)
    with tempfile.TemporaryDirectory(prefix="coach_task_") as tmp:
        video = _write_input(tmp, name, data)
        profile = ""
        if profile_text is not None:
            p = Path(tmp) / "profile" / profile_name
            p.parent.mkdir()
            p.write_text(profile_text)
            profile = str(p)
        res = review_one(BatchItem(video, pose, why_no_pose, profile=profile), Path(tmp) / "out", choice,
                         write_video, reuse=not isinstance(choice, _Replay))   # the worker's graph serves its next video too
        folder = Path(tmp) / "out" / video.stem
        files = {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()} if folder.is_dir() else {}
    return res, files


def _write_input(tmp: str, name: str, data: bytes) -> Path:
    video = Path(tmp) / "in" / name
    video.parent.mkdir(exist_ok=True)
    video.write_bytes(data)
    return video


def segment_task(name: str, data: bytes, seg, choice: BackendChoice) -> tuple:
    """On a worker: `trace_segment` of a video sent as bytes."""
    import cv2

    from coach.app.segments import trace_segment

    cv2.setNumThreads(1)
    with tempfile.TemporaryDirectory(prefix="coach_seg_") as tmp:
        return trace_segment(str(_write_input(tmp, name, data)), seg, choice)


class _NoModel:
    """The model slot of a replayed review: never asked (every frame comes from the segments)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def detect(self, rgb, t):  # pragma: no cover - SegmentedBackend with no head never calls it
        raise RuntimeError("a replayed review ran the model")

    def close(self) -> None:
        pass


@dataclass(frozen=True)
class _Replay:
    """A BackendChoice stand-in: the segments' landmarks in frame order (see SegmentedBackend)."""

    segments: tuple
    segmentation: bool = False       # what coach/io/back_outline.choice_for may switch on: already in the segments

    def create(self):
        from coach.app.segments import SegmentedBackend, frames_of

        return SegmentedBackend(_NoModel(self.segments[0][3] if self.segments else "none"), 0,
                                [frames_of(seg) for seg in self.segments])


def assemble_task(name: str, data: bytes, pose: str | None, why_no_pose: str, profile_name: str,
                  profile_text: str | None, write_video: bool, *segments) -> tuple[BatchResult, dict]:
    """On a worker: score a video once from its segments' landmarks and write its outputs."""
    return review_task(name, data, pose, why_no_pose, profile_name, profile_text, _Replay(tuple(segments)),
                       write_video)


def _gather(item: BatchItem, res: BatchResult, files: dict, worker_video: str, out_root: Path) -> BatchResult:
    """Write a task's outputs under out_root/<stem>/ with the video's own path as their
    source (the worker saw a temporary copy), and point the result at them."""
    from coach.io.trace import load_trace, save_trace

    folder = out_root / item.video.stem
    folder.mkdir(parents=True, exist_ok=True)
    for fname, blob in files.items():
        path = folder / fname
        if fname.endswith(".report.json"):
            rep = json.loads(blob)
            if rep.get("source") == worker_video:
                rep["source"] = str(item.video)
            blob = json.dumps(rep, indent=2).encode()         # as coach.core.record.write_json
        tmp = path.with_name(path.name + ".part")
        tmp.write_bytes(blob)
        tmp.replace(path)
        if fname.endswith(".trace.npz"):
            tr = load_trace(path)
            if tr.source == worker_video:
                tr.source = str(item.video)
                save_trace(tr, path)
    report = folder / f"{item.video.stem}.report.json"
    return replace(res, video=item.video, report=report if report.exists() else None)


def run_on_ray(items: list[BatchItem], out_root: Path, address: str, choice: BackendChoice = BackendChoice(),
               write_video: bool = True, progress: bool = True, segment_s: float = SEGMENT_S,
               **init_kw) -> BatchSummary:
    """`run_batch` on a Ray cluster: one task per video (segment tasks and an assembling one
    for a video longer than `segment_s`), longest first; results in the order of `items`."""
    from tqdm import tqdm

    from coach.app.batch import frame_count, longest_first
    from coach.app.segments import plan_segments
    from coach.io.video_source import VideoSource

    ray = connect(address, **init_kw)
    task = ray.remote(num_cpus=1, max_retries=1)(review_task)
    seg_task = ray.remote(num_cpus=1, max_retries=1)(segment_task)
    assemble = ray.remote(num_cpus=1, max_retries=1)(assemble_task)
    frames = {k: frame_count(it.video) for k, it in enumerate(items)}
    t0 = time.perf_counter()
    refs = {}
    for k in longest_first(frames):
        it = items[k]
        prof = Path(it.profile) if it.profile else None
        common = (it.pose, it.why_no_pose, prof.name if prof else "", prof.read_text() if prof else None)
        fps = 0.0
        if it.pose and frames[k]:
            with VideoSource(it.video) as src:
                fps = src.fps
        parts = int(frames[k] / fps // segment_s) + 1 if fps else 1
        data = ray.put(it.video.read_bytes())
        if parts > 1:
            from coach.io.back_outline import choice_for
            from coach.rules.profiles import load_spec

            seg_choice = choice_for(choice, load_spec(it.pose, it.profile or None))   # the mask, where read
            segs = plan_segments(frames[k], fps, parts)
            traced = [seg_task.remote(it.video.name, data, s, seg_choice) for s in segs]
            refs[assemble.remote(it.video.name, data, *common, write_video, *traced)] = k
        else:
            refs[task.remote(it.video.name, data, *common, choice, write_video)] = k
    results: dict[int, BatchResult] = {}
    bar = tqdm(total=len(items), unit="video", desc=f"review {len(items)} videos on Ray", disable=not progress)
    pending = list(refs)
    try:
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            k = refs[done[0]]
            it = items[k]
            try:
                res, files = ray.get(done[0])
                worker_video = str(res.video)
                results[k] = _gather(it, res, files, worker_video, out_root)
            except Exception as e:  # noqa: BLE001 - a lost worker or a task error: that video fails
                results[k] = BatchResult(it.video, it.pose, error=f"Ray task failed: {type(e).__name__}: {e}")
            if not results[k].ok:
                bar.write(f"coach: error: {it.video.name}: {results[k].error}", file=sys.stderr)
            bar.update(1)
    finally:
        bar.close()
    return BatchSummary([results[k] for k in sorted(results)], time.perf_counter() - t0)
