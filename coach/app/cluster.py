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
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from coach.app.batch import BatchItem, BatchResult, BatchSummary
from coach.errors import UserError
from coach.io.pose_backend import BackendChoice


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
        video = Path(tmp) / "in" / name
        video.parent.mkdir()
        video.write_bytes(data)
        profile = ""
        if profile_text is not None:
            p = Path(tmp) / "profile" / profile_name
            p.parent.mkdir()
            p.write_text(profile_text)
            profile = str(p)
        res = review_one(BatchItem(video, pose, why_no_pose, profile=profile), Path(tmp) / "out", choice,
                         write_video, reuse=True)        # the worker's graph serves its next video too
        folder = Path(tmp) / "out" / video.stem
        files = {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()} if folder.is_dir() else {}
    return res, files


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
               write_video: bool = True, progress: bool = True, **init_kw) -> BatchSummary:
    """`run_batch` on a Ray cluster: one task per video, longest first; results in the order of `items`."""
    from tqdm import tqdm

    from coach.app.batch import frame_count, longest_first

    ray = connect(address, **init_kw)
    task = ray.remote(num_cpus=1, max_retries=1)(review_task)
    frames = {k: frame_count(it.video) for k, it in enumerate(items)}
    t0 = time.perf_counter()
    refs = {}
    for k in longest_first(frames):
        it = items[k]
        prof = Path(it.profile) if it.profile else None
        refs[task.remote(it.video.name, it.video.read_bytes(), it.pose, it.why_no_pose,
                         prof.name if prof else "", prof.read_text() if prof else None,
                         choice, write_video)] = k
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
