"""Frames from a camera or a video file through one code path, with clear errors.

Tests and CI have no camera: a video file stands in for it. File frames are timed by
their index and frame rate; camera frames by a monotonic clock passed in by the caller.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import cv2
import numpy as np

from coach.errors import UserError

MAX_WIDTH = 1280   # larger frames are scaled down: MediaPipe works at 256 px anyway


class VideoError(UserError, RuntimeError):
    """A camera or file that cannot be read; the message says what and why."""


@dataclass
class Frame:
    index: int
    t: float                 # seconds since the start
    bgr: np.ndarray
    captured_at: float       # monotonic clock when read (latency measurements)


def _is_camera(spec: str | int) -> bool:
    return isinstance(spec, int) or (isinstance(spec, str) and spec.isdigit())


class VideoSource:
    """Iterate frames from `spec`: a camera index (0, "1") or a video file path."""

    def __init__(self, spec: str | int | Path, max_width: int = MAX_WIDTH,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.spec = spec
        self.is_camera = _is_camera(spec) if not isinstance(spec, Path) else False
        self.clock = clock
        self.max_width = max_width
        if self.is_camera:
            idx = int(spec)
            self.cap = cv2.VideoCapture(idx)
            if not self.cap.isOpened():
                raise VideoError(f"camera {idx} not found or busy: check it is plugged in and not used "
                                 "by another program, or pass a video file with --camera FILE")
            self.fps = 30.0
            self.frame_count = 0
        else:
            path = Path(spec)
            if not path.exists():
                raise VideoError(f"video file not found: {path}")
            if path.is_dir():
                raise VideoError(f"{path} is a folder, not a video file")
            if path.stat().st_size == 0:
                raise VideoError(f"video file is empty (0 bytes): {path}")
            self.cap = cv2.VideoCapture(str(path))
            if not self.cap.isOpened():
                raise VideoError(f"cannot open {path}: not a video, corrupt, or a codec this OpenCV cannot decode")
            fps = self.cap.get(cv2.CAP_PROP_FPS)
            self.fps = fps if math.isfinite(fps) and 1.0 <= fps <= 1000.0 else 30.0
            self.frame_count = max(0, int(self.cap.get(cv2.CAP_PROP_FRAME_COUNT)))
        w = int(self.cap.get(cv2.CAP_PROP_FRAME_WIDTH))
        h = int(self.cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
        self.scale = min(1.0, max_width / w) if w > 0 else 1.0
        self.width, self.height = int(round(w * self.scale)), int(round(h * self.scale))

    @property
    def name(self) -> str:
        return f"camera {self.spec}" if self.is_camera else str(self.spec)

    def read(self) -> Frame | None:
        """The next frame, or None at the end (or when a camera stops delivering)."""
        ok, bgr = self.cap.read()
        now = self.clock()
        if not ok or bgr is None or bgr.size == 0:
            return None
        if not hasattr(self, "_i"):
            self._i, self._t0 = 0, now
        else:
            self._i += 1
        if self.scale < 1.0 or bgr.shape[1] != self.width:
            bgr = cv2.resize(bgr, (self.width, self.height), interpolation=cv2.INTER_AREA)
        t = (now - self._t0) if self.is_camera else self._i / self.fps
        return Frame(self._i, t, bgr, now)

    def __iter__(self) -> Iterator[Frame]:
        while (f := self.read()) is not None:
            yield f

    def close(self) -> None:
        self.cap.release()

    def __enter__(self) -> "VideoSource":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
