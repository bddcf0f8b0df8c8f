"""`coach review`: analyse a recorded video, write an annotated video, a JSON + CSV report
and the landmark trace. Nothing recorded is lost: on Ctrl-C or an error mid-way the trace
and a report marked incomplete are still written."""

from __future__ import annotations

import errno
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from coach.io import atomic
from coach.io.outputs import prepare_out_dir, save_all
from coach.app.overlay import draw_overlay
from coach.io.back_outline import Detected, choice_for, detected
from coach.io.pose_backend import BackendChoice, PoseBackend
from coach.io.pipeline import Prefetch, Sink
from coach.rules.pose_spec import PoseSpec
from coach.core.record import StretchRecord, output_paths, write_csv, write_json
from coach.core.session import Session
from coach.io.trace import save_trace
from coach.io.video_source import VideoError, VideoSource


@dataclass
class ReviewOutputs:
    record: StretchRecord
    report_json: Path
    report_csv: Path
    trace: Path
    video: Path | None
    complete: bool


def default_out_dir(video: Path) -> Path:
    return Path("coach_out") / Path(video).stem


class _AnnotatedWriter:
    """Overlay + encode stage: draws each result onto its frame and appends it to the video.
    The writer opens on the first frame (its size is the decoded frame's). Frames go to a
    temporary file in the same folder; `commit()` renames it over the video only once it
    is closed and plays, so a crash or a full disk never leaves an unplayable video."""

    def __init__(self, path: Path, fps: float, spec: PoseSpec) -> None:
        self.path, self.fps, self.spec = path, fps, spec
        self.tmp = atomic.temp_path(path)
        self.writer: cv2.VideoWriter | None = None
        self.frames = 0

    def __call__(self, item: tuple[np.ndarray, object]) -> None:
        bgr, res = item
        if self.writer is None:
            self.writer = cv2.VideoWriter(str(self.tmp), cv2.VideoWriter_fourcc(*"mp4v"),
                                          self.fps, (bgr.shape[1], bgr.shape[0]))
        self.writer.write(draw_overlay(bgr, self.spec, res))
        self.frames += 1

    def release(self) -> None:
        if self.writer is not None:
            self.writer.release()

    def commit(self) -> Path | None:
        """Put the finished video in place if it holds every frame written; else drop it."""
        if self.writer is None:
            return None
        ok = _frame_count(self.tmp) == self.frames
        if not ok:
            atomic.discard(self.tmp)
            raise OSError(errno.EIO, "the video came out incomplete (is the disk full?)", str(self.path))
        atomic.commit(self.tmp, self.path)
        return self.path

    def discard(self) -> None:
        atomic.discard(self.tmp)


class _JudgeAndDraw:
    """The stage after inference: trace the back, step the session, then draw and encode.
    It runs in its own thread so the inference thread only runs the model (the engine's
    and the overlay's Python would otherwise delay each next inference); the session sees
    the frames in order, so the record is the one a sequential review makes."""

    def __init__(self, session: Session, annotated: _AnnotatedWriter | None, bar) -> None:
        self.session, self.annotated, self.bar = session, annotated, bar

    def __call__(self, item: tuple[object, Detected]) -> None:
        fr, det = item
        res = self.session.feed(fr.t, det.lm, det.world, det.back())
        if self.annotated is not None:
            self.annotated((fr.bgr, res))
        self.bar.update(1)


def _frame_count(path: Path) -> int:
    """Frames a video file really holds (0 when it does not open, e.g. no index written)."""
    cap = cv2.VideoCapture(str(path))
    try:
        return int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) if cap.isOpened() else 0
    finally:
        cap.release()


def _decoded(src: VideoSource):
    """Decode stage: each frame with its RGB copy for the pose model."""
    for fr in src:
        yield fr, cv2.cvtColor(fr.bgr, cv2.COLOR_BGR2RGB)


def review_video(video: Path, spec: PoseSpec, out_dir: Path, backend: PoseBackend | None = None,
                 backend_choice: BackendChoice = BackendChoice(), write_video: bool = True,
                 progress: bool = True, profile: str = "", pipelined: bool = True) -> ReviewOutputs:
    """Run pose detection and coaching over every frame of `video`.

    With `pipelined` (the default) decoding, inference and overlay+encoding run in three
    threads joined by bounded queues (coach/io/pipeline.py); results are identical to the
    sequential path (`pipelined=False`): same frames, same order, one engine."""
    prepare_out_dir(out_dir)
    src = VideoSource(video)
    own_backend = backend is None
    backend = backend or choice_for(backend_choice, spec).create()    # the mask only where the pose reads the back
    stem = Path(video).stem
    paths = output_paths(out_dir, stem)
    annotated = _AnnotatedWriter(paths["annotated.mp4"], src.fps, spec)
    session = Session(spec, source=str(video), model=backend.name, profile=profile,
                      width=src.width, height=src.height)
    complete = False
    bar = tqdm(total=src.frame_count or None, unit="frame", desc=f"review {stem}",
               disable=not progress, leave=False)
    try:
        judge = _JudgeAndDraw(session, annotated if write_video else None, bar)
        with Prefetch(_decoded(src), threaded=pipelined, name="decode") as decoded, \
                Sink(judge, threaded=pipelined, name="judge") as judging:
            for fr, rgb in decoded:
                judging.put((fr, detected(backend, backend.detect(rgb, fr.t))))
        if session.frames == 0:
            raise VideoError(f"no frames could be decoded from {video}: the file is empty, truncated or "
                             "uses a codec this OpenCV cannot decode")
        complete = True
    finally:
        bar.close()
        src.close()
        annotated.release()
        if own_backend:
            backend.close()
        if session.frames:
            record = session.close()
            if not complete:
                record.events.append({"t": session.last_t, "kind": "incomplete", "text": "review interrupted",
                                      "side": "none", "data": {}})
            steps = [(paths["trace.npz"], lambda: save_trace(session.trace(), paths["trace.npz"])),
                     (paths["report.json"], lambda: write_json(record, paths["report.json"])),
                     (paths["report.csv"], lambda: write_csv(record, paths["report.csv"]))]
            try:
                save_all(steps + ([(paths["annotated.mp4"], annotated.commit)] if write_video else []))
            finally:
                annotated.discard()
        else:
            annotated.discard()
    return ReviewOutputs(record, paths["report.json"], paths["report.csv"], paths["trace.npz"],
                         paths["annotated.mp4"] if write_video else None, complete)
