"""`coach review DIR`: review every video in a folder with a pool of processes.

One process per job, each with its own MediaPipe (a MediaPipe graph is not shared
between processes, and separate processes sidestep the GIL for the Python parts).
Each video starts from a fresh tracking state so its results equal a single `coach review`:
a worker keeps its pose graph across videos and resets it between them (measured to give
the same landmarks as a new graph), so the model is loaded once per worker, not per video.
Workers send frame counts back through a queue for one overall progress bar. A video
that fails (corrupt, unreadable, unknown stretch) is reported and the batch goes on.

Each worker runs OpenCV single-threaded (`_init_worker`): its per-frame calls (colour
conversion, drawing) are too small to gain from OpenCV's thread pool, whose threads spin
while waiting for the next call and so took about 0.8 CPU ms a frame that a second job
could use. When the jobs already take every core, each job runs its decode, inference and
overlay+encode stages in one thread instead of three (`review_video(pipelined=False)`,
same outputs): overlapping them only pays while a core is idle, and handing frames
between threads costs CPU that the other jobs need. Videos are handed out longest first,
so a long one does not start last and leave the other workers idle at the end.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import queue as queue_mod
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

import cv2
from tqdm import tqdm

from coach.errors import UserError, describe
from coach.io.back_outline import choice_for
from coach.io.pose_backend import BackendChoice

VIDEO_EXTS = (".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg")
_PROGRESS_EVERY_S = 0.2     # how often a worker reports frames done


@dataclass
class BatchItem:
    """One video of the batch and the stretch to review it as (None: unknown)."""

    video: Path
    pose: str | None
    why_no_pose: str = ""
    profile: str = ""             # a patient's threshold profile file ("" = defaults)


@dataclass
class BatchResult:
    """The outcome for one video; `error` is set when it failed."""

    video: Path
    pose: str | None
    frames: int = 0
    seconds: float = 0.0          # wall time of the review
    reps: int | None = None
    holds: str = ""
    faults: int = 0
    report: Path | None = None
    complete: bool = False
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


@dataclass
class BatchSummary:
    results: list[BatchResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def frames(self) -> int:
        return sum(r.frames for r in self.results)

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else 0.0

    @property
    def failed(self) -> list[BatchResult]:
        return [r for r in self.results if not r.ok]


def find_videos(folder: Path) -> list[Path]:
    """Video files directly inside `folder`, sorted by name."""
    return sorted(p for p in Path(folder).iterdir() if p.is_file() and p.suffix.lower() in VIDEO_EXTS)


def pose_from_truth(video: Path) -> tuple[str | None, str]:
    """The stretch named by `<clip>.truth.json` next to the video, or (None, why not)."""
    truth = video.with_name(video.stem + ".truth.json")
    if not truth.exists():
        return None, f"no --pose given and no {truth.name} next to it to say which stretch it is"
    try:
        pose = json.loads(truth.read_text())["pose"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        return None, f"{truth.name} has no readable \"pose\" ({e})"
    return str(pose), ""


def plan(folder: Path, pose: str | None, profile: str = "") -> list[BatchItem]:
    """The videos of `folder`, each with `pose` or, when None, its truth file's pose,
    judged with `profile` when given."""
    items = []
    for v in find_videos(folder):
        if pose:
            items.append(BatchItem(v, pose, profile=profile))
        else:
            p, why = pose_from_truth(v)
            items.append(BatchItem(v, p, why, profile=profile))
    return items


def frame_count(video: Path) -> int:
    """Frames the container claims (0 when it cannot say): sizes the progress bar."""
    cap = cv2.VideoCapture(str(video))
    try:
        return max(0, int(cap.get(cv2.CAP_PROP_FRAME_COUNT))) if cap.isOpened() else 0
    finally:
        cap.release()


class _CountingBackend:
    """Wraps a pose backend and reports frames done to the parent, a few times a second."""

    def __init__(self, inner, progress_q) -> None:
        self.inner, self.q = inner, progress_q
        self.name = inner.name
        self._pending, self._last = 0, time.monotonic()

    @property
    def last_world(self):
        """The wrapped backend's world landmarks of the last frame (see pose_backend)."""
        return getattr(self.inner, "last_world", None)

    def detect(self, rgb, t):
        lm = self.inner.detect(rgb, t)
        self._pending += 1
        now = time.monotonic()
        if now - self._last >= _PROGRESS_EVERY_S:
            self.flush()
            self._last = now
        return lm

    def flush(self) -> None:
        if self._pending and self.q is not None:
            self.q.put(self._pending)
        self._pending = 0

    def close(self) -> None:
        self.flush()


#: a pose backend kept by this worker process for its next video, per choice (graph reuse)
_KEPT: dict = {}


def take_backend(choice: BackendChoice, reuse: bool):
    """A backend for the next video: the one this process kept, or a new one."""
    if reuse and choice in _KEPT:
        return _KEPT.pop(choice)
    return choice.create()


def give_back_backend(choice: BackendChoice, backend, reuse: bool) -> None:
    """Keep `backend` for the next video, its tracking state reset (the same landmarks as a
    new graph: tests/test_batch.py), when it can reset; else close it."""
    if reuse and hasattr(backend, "reset"):
        try:
            backend.reset()
            _KEPT[choice] = backend
            return
        except Exception:  # noqa: BLE001 - a graph that cannot restart is simply closed
            pass
    backend.close()


def _is_user_error(e: Exception) -> bool:
    return isinstance(e, (UserError, OSError))


def review_one(item: BatchItem, out_root: Path, choice: BackendChoice, write_video: bool,
               progress_q=None, pipelined: bool = True, reuse: bool = False) -> BatchResult:
    """Review one video in this process; every failure becomes `error`, never an exception.
    `reuse`: take and keep this process's pose graph across videos instead of a new one each."""
    from coach.rules.profiles import load_spec
    from coach.app.review import review_video

    res = BatchResult(item.video, item.pose)
    if item.pose is None:
        res.error = item.why_no_pose
        return res
    t0 = time.perf_counter()
    backend = inner = None
    used = choice
    try:
        spec = load_spec(item.pose, item.profile or None)
        used = choice_for(choice, spec)                # the key it is kept under, mask or not
        inner = take_backend(used, reuse)
        backend = _CountingBackend(inner, progress_q)
        out = review_video(item.video, spec, Path(out_root) / item.video.stem, backend=backend,
                           write_video=write_video, progress=False, profile=item.profile,
                           pipelined=pipelined)
        rec = out.record
        res.frames, res.report, res.complete = rec.frames, out.report_json, out.complete
        res.reps = rec.rep_count if rec.counts_reps or rec.holds_are_reps else None
        res.holds = " ".join(f"{h['side']}:{h['in_tolerance_s']:.0f}s" for h in rec.holds)
        res.faults = len(rec.faults)
    except Exception as e:  # noqa: BLE001 - one bad video must not stop the batch
        res.error = describe(e) if _is_user_error(e) else f"{type(e).__name__}: {e}"
    finally:
        if backend is not None:
            backend.close()
        if inner is not None:
            try:
                give_back_backend(used, inner, reuse and res.ok)
            except Exception:  # noqa: BLE001
                pass
    res.seconds = time.perf_counter() - t0
    return res


def _init_worker() -> None:
    """Runs once in each worker process before its first video."""
    cv2.setNumThreads(1)        # see the module docstring: same frames, less CPU spent waiting


def _worker(item: BatchItem, out_root: Path, choice: BackendChoice, write_video: bool,
            progress_q, pipelined: bool) -> BatchResult:
    return review_one(item, out_root, choice, write_video, progress_q, pipelined, reuse=True)


def default_jobs(n_videos: int) -> int:
    return max(1, min(n_videos, os.cpu_count() or 1))


def longest_first(frames: dict[int, int]) -> list[int]:
    """The keys of `frames` (item index -> frame count) in the order to hand them out:
    most frames first, ties in their own order."""
    return sorted(frames, key=lambda k: -frames[k])


def pipelined_jobs(jobs: int) -> bool:
    """Whether each of `jobs` worker processes should overlap its stages in threads: only
    while the jobs leave a core free for it (see the module docstring)."""
    return jobs < (os.cpu_count() or 1)


def run_batch(items: list[BatchItem], out_root: Path, jobs: int = 1,
              choice: BackendChoice = BackendChoice(), write_video: bool = True,
              progress: bool = True) -> BatchSummary:
    """Review `items` with `jobs` processes, longest video first; results in the order of `items`."""
    frames = {k: frame_count(it.video) for k, it in enumerate(items) if it.pose}
    total = sum(frames.values())
    bar = tqdm(total=total or None, unit="frame", desc=f"review {len(items)} videos", disable=not progress)
    ctx = mp.get_context("spawn")      # no fork of a process that holds threads or a model
    manager = ctx.Manager()
    progress_q = manager.Queue()
    stop = threading.Event()

    def pump() -> None:
        while not stop.is_set():
            try:
                bar.update(progress_q.get(timeout=0.1))
            except queue_mod.Empty:
                continue
            except (EOFError, OSError):
                return

    pumper = threading.Thread(target=pump, name="progress", daemon=True)
    pumper.start()
    t0 = time.perf_counter()
    results: dict[int, BatchResult] = {}
    try:
        with ProcessPoolExecutor(max_workers=max(1, jobs), mp_context=ctx, initializer=_init_worker) as pool:
            pipelined = pipelined_jobs(jobs)
            futs = {pool.submit(_worker, items[k], out_root, choice, write_video, progress_q, pipelined): k
                    for k in longest_first(frames)}
            for k, it in enumerate(items):
                if not it.pose:                 # nothing to run: say why at once
                    results[k] = review_one(it, out_root, choice, write_video)
                    bar.write(f"coach: error: {it.video.name}: {results[k].error}", file=sys.stderr)
            for f in as_completed(futs):
                k = futs[f]
                try:
                    results[k] = f.result()
                except BrokenProcessPool as e:
                    results[k] = BatchResult(items[k].video, items[k].pose,
                                             error=f"the worker process died ({e or 'crash'})")
                except Exception as e:  # noqa: BLE001
                    results[k] = BatchResult(items[k].video, items[k].pose, error=f"{type(e).__name__}: {e}")
                r = results[k]
                if not r.ok:
                    bar.write(f"coach: error: {r.video.name}: {r.error}", file=sys.stderr)
    finally:
        elapsed = time.perf_counter() - t0
        stop.set()
        pumper.join()
        while True:                     # frames reported after the pump stopped
            try:
                bar.update(progress_q.get_nowait())
            except (queue_mod.Empty, EOFError, OSError):
                break
        bar.close()
        manager.shutdown()
    return BatchSummary([results[k] for k in sorted(results)], elapsed)


def summary_table(summary: BatchSummary) -> str:
    """A plain-text table: one row per video, then totals."""
    rows = [("video", "pose", "frames", "fps", "reps", "holds (in position)", "faults", "status")]
    for r in summary.results:
        fps = f"{r.frames / r.seconds:.1f}" if r.ok and r.seconds > 0 else "-"
        status = ("ok" if r.complete else "incomplete") if r.ok else f"ERROR: {r.error}"
        rows.append((r.video.name, r.pose or "?", str(r.frames) if r.ok else "-", fps,
                     "-" if r.reps is None else str(r.reps), r.holds or "-", str(r.faults) if r.ok else "-",
                     status))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row[:-1], widths)) + "  " + row[-1] for row in rows]
    lines.insert(1, "-" * min(120, max(len(x) for x in lines)))
    ok = len(summary.results) - len(summary.failed)
    lines.append(f"{ok} of {len(summary.results)} videos reviewed, {summary.frames} frames in "
                 f"{summary.seconds:.1f} s ({summary.fps:.1f} frames/s)")
    return "\n".join(lines)
