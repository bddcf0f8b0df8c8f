"""Single-video review past one core: the video's tail is traced by other processes while
this one reviews the head, then the whole video is scored once, as one trace.

One MediaPipe graph tracks frame to frame, so a single video keeps one core busy. Here the
frames are split into a head, reviewed by this process as usual (decode, pose, engine,
overlay, encode), and tail segments, each traced (decode and pose only) by its own process
and graph. A segment starts `OVERLAP_S` early so that tracking has re-acquired the body by
its first kept frame; the overlap's landmarks are dropped. When this process reaches the
tail, a stand-in backend (`SegmentedBackend`) hands the engine the segments' landmarks
instead of running the model, so every frame goes through the same engine, in order, once:
the report, trace and annotated video are written exactly as a one-process review writes
them, with landmarks that differ only where a segment re-acquired the body (within noise).

The head is shorter than the tail segments because this process also draws and encodes
every frame: `head_share` balances the two from the stages' CPU costs (coach bench speed).
The same `trace_segment` serves other executors (Ray tasks, coach/app/cluster.py).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import sys
from concurrent.futures import Future, ProcessPoolExecutor
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


@dataclass(frozen=True)
class Segment:
    """Frames [start, stop) kept (stop = END: to the last frame); tracing begins `warmup`
    frames before `start`."""

    start: int
    stop: int
    warmup: int


def head_share(write_video: bool) -> float:
    """Fraction of the frames this process should trace itself, so that its head (pose plus
    drawing) and the tail frames it then draws take as long as a tail process's pose work."""
    r, rt = HEAD_EXTRA[write_video], TAIL_COST[write_video]
    return (1 - rt) / (2 + r - rt)


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
    warm = int(round(overlap_s * fps))
    even = frames / parts
    head_n = int(round(2 * even * head)) if parts >= 2 else frames
    head_n = max(1, min(frames - (parts - 1), head_n))
    rest = frames - head_n
    bounds = [head_n + round(rest * k / (parts - 1)) for k in range(parts)]
    segs = [Segment(0, head_n, 0)]
    segs += [Segment(a, b, min(warm, a)) for a, b in zip(bounds[:-1], bounds[1:]) if b > a]
    segs[-1] = Segment(segs[-1].start, END, segs[-1].warmup)
    return segs


def trace_segment(video: str, seg: Segment, choice: BackendChoice) -> tuple:
    """Pose landmarks of frames [seg.start, seg.stop) of `video`, tracking from
    seg.start - seg.warmup: (t (n,), lm (n, 33, 4) with NaN where no person, world
    landmarks (n, 33, 3) or None when the backend gives none, model name, back outlines
    (n, 25, 2) or None when the pose reads no back: coach/io/back_outline.py)."""
    import cv2

    from coach.core.landmarks import N_LANDMARKS
    from coach.io.back_outline import back_of
    from coach.io.video_source import VideoSource

    cv2.setNumThreads(1)
    first = seg.start - seg.warmup
    src = VideoSource(video)
    backend = choice.create()
    try:
        if first > 0:
            src.cap.set(cv2.CAP_PROP_POS_FRAMES, first)
            if int(src.cap.get(cv2.CAP_PROP_POS_FRAMES)) != first:     # a container that cannot seek
                src.cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
                for _ in range(first):
                    src.cap.grab()
        ts: list[float] = []
        lms: list[np.ndarray] = []
        worlds: list[np.ndarray] = []
        backs: list[np.ndarray | None] = []
        has_world = False
        none, no_world = np.full((N_LANDMARKS, 4), np.nan), np.full((N_LANDMARKS, 3), np.nan)
        for k, fr in enumerate(src):
            index = first + k
            if index >= seg.stop:
                break
            t = index / src.fps
            lm = backend.detect(cv2.cvtColor(fr.bgr, cv2.COLOR_BGR2RGB), t)
            if index >= seg.start:
                ts.append(t)
                lms.append(none if lm is None else lm)
                world = getattr(backend, "last_world", None)
                has_world |= world is not None
                worlds.append(no_world if world is None or lm is None else world)
                backs.append(back_of(backend, lm))
        lm_arr = np.stack(lms) if lms else np.zeros((0, N_LANDMARKS, 4))
        world_arr = np.stack(worlds) if has_world else None
        return np.asarray(ts, np.float64), lm_arr, world_arr, backend.name, backs if choice.segmentation else None
    finally:
        backend.close()
        src.close()


def _init_worker() -> None:
    import cv2

    cv2.setNumThreads(1)


class SegmentedBackend:
    """This process's backend for a split review: the model for the head's frames, then the
    tail segments' landmarks, frame by frame, waiting for each segment as it is needed."""

    def __init__(self, inner: PoseBackend, head_frames: int, tail: list[Future]) -> None:
        self.inner, self.head_frames, self.tail = inner, head_frames, tail
        self.name = inner.name
        self._i = 0
        self._buf: tuple | None = None              # (t, lm, world or None) of the current segment
        self.last_world: np.ndarray | None = None
        self.last_back: np.ndarray | None = None    # the tail's back outline of this frame (none for the head)
        self.mask: np.ndarray | None = None         # the head's person mask of this frame
        self._seg, self._j = 0, 0
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
        while self._buf is None or self._j >= len(self._buf[0]):
            if self._seg >= len(self.tail):
                self.last_world = None
                return None                        # more frames than the segments traced
            ts, lms, worlds, _, *more = self.tail[self._seg].result()
            self._buf, self._seg, self._j = (ts, lms, worlds, more[0] if more else None), self._seg + 1, 0
        lm, worlds, backs = self._buf[1][self._j], self._buf[2], self._buf[3]
        self.last_world = None if worlds is None else worlds[self._j]
        self.last_back = None if backs is None else backs[self._j]
        self._j += 1
        return None if not np.isfinite(lm[:, 0]).any() else lm

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
    segs = plan_segments(n, fps, parts, head=head_share(write_video))
    if len(segs) == 1:
        return review_video(video, spec, out_dir, backend_choice=backend_choice, write_video=write_video,
                            progress=progress, profile=profile)
    ctx = mp.get_context("spawn")
    with ProcessPoolExecutor(max_workers=len(segs) - 1, mp_context=ctx, initializer=_init_worker) as pool:
        tail = [pool.submit(trace_segment, str(video), s, backend_choice) for s in segs[1:]]
        backend = SegmentedBackend(backend_choice.create(), segs[0].stop, tail)
        try:
            return review_video(video, spec, out_dir, backend=backend, write_video=write_video,
                                progress=progress, profile=profile)
        finally:
            backend.close()
            for f in tail:
                f.cancel()
