"""Single-video review past one core: the video's tail is traced by other processes while
this one reviews the head, then the whole video is scored once, as one trace.

One MediaPipe graph tracks frame to frame, so a single video keeps one core busy. Here the
frames are split into a head, reviewed by this process as usual (decode, pose, engine,
overlay, encode), and tail segments, each traced (decode and pose only) by its own process
and graph. A segment starts `OVERLAP_S` early so that tracking has re-acquired the body by
its first kept frame; the overlap's landmarks are dropped. When this process reaches the
tail, a stand-in backend (`SegmentedBackend`) hands the engine the segments' landmarks
instead of running the model (streamed a few frames at a time, so drawing the tail overlaps
its tracing), so every frame goes through the same engine, in order, once:
the report, trace and annotated video are written exactly as a one-process review writes
them, with landmarks that differ only where a segment re-acquired the body (within noise).

The head is shorter than the tail segments because this process also draws and encodes
every frame: `head_share` balances the two from the stages' CPU costs (coach bench speed).
The same `trace_segment` serves other executors (Ray tasks, coach/app/cluster.py).
"""

from __future__ import annotations

import itertools
import multiprocessing as mp
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from coach.io.pose_backend import BackendChoice, PoseBackend

END = sys.maxsize           # a segment's stop: the end of the video, however many frames it has
OVERLAP_S = 1.0            # each segment starts this much early: tracking re-acquires the body
MIN_SEGMENT_S = 20.0       # a video is split only into parts at least this long
#: per frame, as a share of a tail process's cost (decode + pose): what the head process also
#: does for its own frames (overlay + encode) and for each tail frame (decode, engine, and
#: overlay + encode when writing video). From coach bench speed's stage costs: decode ~1,
#: pose ~20, overlay ~1.4, encode ~0.8 CPU ms a frame.
HEAD_EXTRA = {True: 0.10, False: 0.0}
TAIL_COST = {True: 0.15, False: 0.05}
#: what a tail process spends before its first kept frame, besides its warm-up frames: its
#: start (spawn, imports, pose model: ~0.6 s) in frames of pose work (~20 ms each). Both are
#: CPU-bound, so the ratio holds on faster and slower machines (coach bench speed: start-up
#: s / inference ms). Without it the head finished early and waited for the tail (2 parts,
#: 60 s: head share 0.44 took 8.6-9.1 s, 0.48 took 7.9-8.2 s).
TAIL_START_COST = 30.0


@dataclass(frozen=True)
class Segment:
    """Frames [start, stop) kept (stop = END: to the last frame); tracing begins `warmup`
    frames before `start`."""

    start: int
    stop: int
    warmup: int


def warmup_frames(fps: float, overlap_s: float = OVERLAP_S) -> int:
    """Frames a tail segment traces before its first kept frame."""
    return int(round(overlap_s * fps))


def head_share(write_video: bool, frames: int = 0, fps: float = 0.0) -> float:
    """Fraction of the `frames` (at `fps`) this process should trace itself, so that its head
    (pose plus drawing) and the tail frames it then draws take as long as a tail process's
    start, its warm-up and its pose work (2 parts; without `frames`: the share for a long video)."""
    r, rt = HEAD_EXTRA[write_video], TAIL_COST[write_video]
    fixed = (warmup_frames(fps) + TAIL_START_COST) / frames if frames > 0 else 0.0
    return min(1.0, (1 - rt + fixed) / (2 + r - rt))


def default_parts(frames: int, fps: float, cores: int | None = None) -> int:
    """Processes for one video: one per core, each part at least MIN_SEGMENT_S long."""
    cores = cores or os.cpu_count() or 1
    return max(1, min(cores, int(frames / max(fps, 1e-6) // MIN_SEGMENT_S)))


def plan_segments(frames: int, fps: float, parts: int, head: float = 0.5,
                  overlap_s: float = OVERLAP_S) -> list[Segment]:
    """Split `frames` into a head and parts-1 equal tail segments; the head gets `head` of
    two even shares (with 2 parts: that fraction of the video). The last segment runs to the
    end of the video (END), whatever the container claimed its length to be."""
    if parts <= 1 or frames < 2 * parts:
        return [Segment(0, frames, 0)]
    warm = warmup_frames(fps, overlap_s)
    even = frames / parts
    head_n = int(round(2 * even * head)) if parts >= 2 else frames
    head_n = max(1, min(frames - (parts - 1), head_n))
    rest = frames - head_n
    bounds = [head_n + round(rest * k / (parts - 1)) for k in range(parts)]
    segs = [Segment(0, head_n, 0)]
    segs += [Segment(a, b, min(warm, a)) for a, b in zip(bounds[:-1], bounds[1:]) if b > a]
    segs[-1] = Segment(segs[-1].start, END, segs[-1].warmup)
    return segs


def iter_segment(video: str, seg: Segment, choice: BackendChoice, model: list | None = None):
    """Yield (t, lm (33, 4) or None, world (33, 3) or None, back outline (25, 2) or None) for
    frames [seg.start, seg.stop) of `video`, tracking from seg.start - seg.warmup (the outline
    only where `choice` asks for the person mask: coach/io/back_outline.py). `model` (a list)
    receives the model's name."""
    import cv2

    from coach.io.back_outline import detected
    from coach.io.video_source import VideoSource

    cv2.setNumThreads(1)
    first = seg.start - seg.warmup
    src = VideoSource(video)
    backend = choice.create()
    if model is not None:
        model.append(backend.name)
    try:
        if first > 0:
            src.cap.set(cv2.CAP_PROP_POS_FRAMES, first)
            if int(src.cap.get(cv2.CAP_PROP_POS_FRAMES)) != first:     # a container that cannot seek
                src.cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
                for _ in range(first):
                    src.cap.grab()
        for k, fr in enumerate(src):
            index = first + k
            if index >= seg.stop:
                break
            t = index / src.fps
            lm = backend.detect(cv2.cvtColor(fr.bgr, cv2.COLOR_BGR2RGB), t)
            if index >= seg.start:
                det = detected(backend, lm)
                yield (t, lm, det.world if lm is not None else None,
                       det.back() if getattr(choice, "segmentation", False) else None)
    finally:
        backend.close()
        src.close()


def trace_segment(video: str, seg: Segment, choice: BackendChoice) -> tuple:
    """Pose landmarks of frames [seg.start, seg.stop) of `video`, tracking from
    seg.start - seg.warmup: (t (n,), lm (n, 33, 4) with NaN where no person, world
    landmarks (n, 33, 3) or None when the backend gives none, model name, back outlines
    (n of (25, 2) or None) or None when the pose reads no back: coach/io/back_outline.py)."""
    from coach.core.landmarks import N_LANDMARKS

    name: list = []
    ts, lms, worlds, backs = [], [], [], []
    none, no_world = np.full((N_LANDMARKS, 4), np.nan), np.full((N_LANDMARKS, 3), np.nan)
    for t, lm, world, back in iter_segment(video, seg, choice, name):
        ts.append(t)
        lms.append(none if lm is None else lm)
        worlds.append(no_world if world is None else world)
        backs.append(back)
    has_world = any(np.isfinite(w).any() for w in worlds)
    lm_arr = np.stack(lms) if lms else np.zeros((0, N_LANDMARKS, 4))
    return (np.asarray(ts, np.float64), lm_arr, (np.stack(worlds) if has_world else None), name[0],
            backs if getattr(choice, "segmentation", False) else None)


def frames_of(result: tuple):
    """(lm or None, world or None, back or None) per frame of a `trace_segment` result."""
    ts, lms, worlds, _, *more = result
    backs = more[0] if more else None
    for j in range(len(ts)):
        lm = lms[j] if np.isfinite(lms[j][:, 0]).any() else None
        world = None if worlds is None or lm is None else worlds[j]
        yield lm, world, (None if backs is None else backs[j])


CHUNK_FRAMES = 5           # frames a tail process sends at a time: the head process renders as they come


def _stream_segment(video: str, seg: Segment, choice: BackendChoice, q) -> None:
    """A tail process: trace the segment and send its frames in small chunks, then None
    (or the error's text), so the head process can score and draw them as they come."""
    try:
        chunk: list = []
        for _, lm, world, back in iter_segment(video, seg, choice):
            chunk.append((lm, world, back))
            if len(chunk) >= CHUNK_FRAMES:
                q.put(chunk)
                chunk = []
        if chunk:
            q.put(chunk)
        q.put(None)
    except BaseException as e:  # noqa: BLE001 - handed to the head process
        q.put(f"{type(e).__name__}: {e}")


def _from_stream(q, proc):
    """(lm, world, back) per frame from a tail process, waiting for each chunk; its error raised here."""
    import queue as queue_mod

    while True:
        try:
            item = q.get(timeout=0.5)
        except queue_mod.Empty:
            if not proc.is_alive():
                raise RuntimeError(f"the process tracing part of the video died (exit code {proc.exitcode})") from None
            continue
        if item is None:
            return
        if isinstance(item, str):
            raise RuntimeError(f"the process tracing part of the video failed: {item}")
        yield from item


class SegmentedBackend:
    """This process's backend for a split review: the model for the head's frames, then the
    tail segments' landmarks in frame order (`tail`: one iterable of (lm, world, back) per
    segment), each frame as it becomes available."""

    def __init__(self, inner: PoseBackend, head_frames: int, tail) -> None:
        self.inner, self.head_frames = inner, head_frames
        self.name = inner.name
        self._i = 0
        self._frames = itertools.chain.from_iterable(tail)
        self.last_world: np.ndarray | None = None
        self.last_back: np.ndarray | None = None    # the tail's back outline of this frame (none for the head)
        self.mask: np.ndarray | None = None         # the head's person mask of this frame
        self._closed_inner = False

    def detect(self, rgb: np.ndarray, t: float) -> np.ndarray | None:
        i, self._i = self._i, self._i + 1
        if i < self.head_frames:
            lm = self.inner.detect(rgb, t)
            self.last_world = getattr(self.inner, "last_world", None)
            self.mask = getattr(self.inner, "mask", None)
            return lm
        self.mask = None
        if not self._closed_inner:                 # free the head's graph (and its threads)
            self.inner.close()
            self._closed_inner = True
        lm, self.last_world, self.last_back = next(self._frames, (None, None, None))   # past the traced frames: no person
        return lm

    def close(self) -> None:
        if not self._closed_inner:
            self.inner.close()
            self._closed_inner = True


def review_split(video: Path, spec, out_dir: Path, parts: int, backend_choice: BackendChoice = BackendChoice(),
                 write_video: bool = True, progress: bool = True, profile: str = "", frames: int | None = None):
    """`review_video` with the tail traced by `parts - 1` other processes (see the module
    docstring); the same outputs. `frames`: the video's frame count when already known."""
    from coach.app.review import review_video
    from coach.io.back_outline import choice_for
    from coach.io.video_source import VideoSource

    backend_choice = choice_for(backend_choice, spec)     # the tail segments need the mask too
    with VideoSource(video) as src:
        n, fps = (frames or src.frame_count), src.fps
    segs = plan_segments(n, fps, parts, head=head_share(write_video, n, fps))
    if len(segs) == 1:
        return review_video(video, spec, out_dir, backend_choice=backend_choice, write_video=write_video,
                            progress=progress, profile=profile)
    ctx = mp.get_context("spawn")
    procs, tail = [], []
    for seg in segs[1:]:
        q = ctx.Queue()          # unbounded: a tail traced before the head is done must not wait (2 KB a frame)
        p = ctx.Process(target=_stream_segment, args=(str(video), seg, backend_choice, q), daemon=True,
                        name=f"coach-segment-{seg.start}")
        p.start()
        procs.append(p)
        tail.append(_from_stream(q, p))
    backend = SegmentedBackend(backend_choice.create(), segs[0].stop, tail)
    try:
        return review_video(video, spec, out_dir, backend=backend, write_video=write_video,
                            progress=progress, profile=profile)
    finally:
        backend.close()
        for p in procs:
            p.join(timeout=5)
            if p.is_alive():                       # stopped early (error, Ctrl-C): nobody reads its frames
                p.terminate()
                p.join()
