"""Frame feeds for the live loop: a camera (or a video file at camera pace) read in a
thread that keeps only the newest frame, or every frame in order (review --show).

Both say why they ended (`end_reason`) and count what they delivered and dropped.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import replace
from typing import Callable

from coach.io.video_source import Frame, VideoSource

log = logging.getLogger(__name__)

END_OF_VIDEO = "end of video"


class NewestFrameGrabber:
    """Reads the source in a thread and keeps only the newest frame.

    A video file is paced to its frame rate (times `speed`) so it behaves like a camera;
    its frames are stamped `captured_at` when due, as a camera's would be.
    """

    def __init__(self, src: VideoSource, speed: float | None = 1.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.src, self.speed, self.clock = src, speed, clock
        self._cv = threading.Condition()
        self._slot: Frame | None = None
        self._stop = False
        self.ended = False
        self.end_reason = ""
        self.captured = 0
        self.dropped = 0
        self.last_frame_at = clock()
        self._thread = threading.Thread(target=self._run, name="coach-capture", daemon=True)

    def start(self) -> None:
        self.last_frame_at = self.clock()
        self._thread.start()

    def _run(self) -> None:
        t0: float | None = None
        try:
            while not self._stop:
                fr = self.src.read()
                if fr is None:
                    self.end_reason = ("camera stopped delivering frames" if self.src.is_camera
                                       else END_OF_VIDEO)
                    return
                if not self.src.is_camera and self.speed:
                    if t0 is None:
                        t0 = self.clock() - fr.t / self.speed
                    while not self._stop and (wait := t0 + fr.t / self.speed - self.clock()) > 0:
                        time.sleep(min(wait, 0.05))
                    fr = replace(fr, captured_at=self.clock())
                with self._cv:
                    if self._slot is not None:
                        self.dropped += 1
                    self._slot = fr
                    self.captured += 1
                    self.last_frame_at = self.clock()
                    self._cv.notify_all()
        except Exception as e:  # noqa: BLE001 - a failing camera ends the session, cleanly
            log.exception("capture failed")
            self.end_reason = f"camera stopped delivering frames ({type(e).__name__}: {e})"
        finally:
            with self._cv:
                self.ended = True
                self._cv.notify_all()

    def take(self, timeout_s: float) -> Frame | None:
        """The newest frame not taken yet, waiting up to `timeout_s`; None if none came."""
        with self._cv:
            if self._slot is None and not self.ended:
                self._cv.wait(timeout_s)
            fr, self._slot = self._slot, None
            return fr

    def stop(self) -> None:
        with self._cv:
            self._stop = True
            self._cv.notify_all()
        if self._thread.is_alive():
            self._thread.join(timeout=2.0)   # a hung camera read must not hang the exit


class EveryFrameFeed:
    """Every frame in order, read in the loop's thread as fast as it goes (review --show)."""

    def __init__(self, src: VideoSource, clock: Callable[[], float] = time.monotonic) -> None:
        self.src, self.clock = src, clock
        self.ended = False
        self.end_reason = ""
        self.captured = 0
        self.dropped = 0
        self.last_frame_at = clock()

    def start(self) -> None:
        self.last_frame_at = self.clock()

    def take(self, timeout_s: float) -> Frame | None:
        if self.ended:
            return None
        fr = self.src.read()
        if fr is None:
            self.ended = True
            self.end_reason = "camera stopped delivering frames" if self.src.is_camera else END_OF_VIDEO
            return None
        self.captured += 1
        self.last_frame_at = self.clock()
        return replace(fr, captured_at=self.clock())

    def stop(self) -> None:
        pass
