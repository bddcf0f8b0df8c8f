"""A pose backend that notices when its model cannot keep the live rate, and then says so
or (`switch=True`, `--model-quality auto`) gives way to the lite model.

Live coaching needs feedback at camera pace; on a slow laptop the full model alone may take
longer than a frame's budget. This wrapper times each detection and the interval between
detections; once both show the model is the bottleneck (median model time above FRAME_SHARE
of the budget of `min_fps`, and the loop's median interval above that budget) it either
prints one line of advice or switches to complexity 0, once and for good (switching back
and forth would restart tracking each time). A camera slower than `min_fps` alone never
counts (its frames leave the model time). Switching is not the default: on the bundled clips
the lite model lost a whole hold and a pelvic-tilt rep that the full model found (README).
"""

from __future__ import annotations

import statistics
import sys
import time
from collections import deque
from typing import Callable

import numpy as np

WARMUP_FRAMES = 10        # first detections (graph start-up, first full-image detection) not judged
WINDOW_FRAMES = 30        # detections the medians are taken over (about 1 s live)
FRAME_SHARE = 0.8         # of the frame budget the model may take (the rest: overlay, window, engine)


class AdaptiveBackend:
    """Wraps `make(complexity)`'s backend; see the module docstring."""

    def __init__(self, make: Callable[[int], object], complexity: int, min_fps: float,
                 clock: Callable[[], float] = time.perf_counter, announce: bool = True,
                 switch: bool = True) -> None:
        self._make, self._clock, self._announce, self._switch_ok = make, clock, announce, switch
        self.advised = False
        self.complexity = complexity
        self.min_fps = min_fps
        self.inner = make(complexity)
        self.name = self.inner.name
        self.switched_at: float | None = None     # video time (s) of the switch to lite
        self._n = 0
        self._model_s: deque[float] = deque(maxlen=WINDOW_FRAMES)
        self._interval_s: deque[float] = deque(maxlen=WINDOW_FRAMES)
        self._last_start: float | None = None

    def detect(self, rgb: np.ndarray, t: float) -> np.ndarray | None:
        start = self._clock()
        lm = self.inner.detect(rgb, t)
        end = self._clock()
        self._n += 1
        if self._n > WARMUP_FRAMES:
            self._model_s.append(end - start)
            if self._last_start is not None:
                self._interval_s.append(start - self._last_start)
        self._last_start = start
        if self.complexity > 0 and not self.advised and self.too_slow():
            if self._switch_ok:
                self._switch(t)
            else:
                self._advise()
        return lm

    def too_slow(self) -> bool:
        """Whether the window shows the model cannot keep `min_fps` (see the module docstring)."""
        if len(self._model_s) < WINDOW_FRAMES or len(self._interval_s) < WINDOW_FRAMES - 1:
            return False
        budget = 1.0 / self.min_fps
        return (statistics.median(self._model_s) > FRAME_SHARE * budget
                and statistics.median(self._interval_s) > budget)

    def _advise(self) -> None:
        self.advised = True
        if self._announce:
            print(f"coach: the pose model takes {1000 * statistics.median(self._model_s):.0f} ms a frame, too slow "
                  f"for {self.min_fps:g} fps here; --model-quality fast (or auto) is quicker but less accurate",
                  file=sys.stderr)

    def _switch(self, t: float) -> None:
        model_ms = 1000 * statistics.median(self._model_s)
        old = self.inner
        self.inner = self._make(0)
        old.close()
        self.complexity, self.switched_at = 0, t
        self.name = f"{self.name}->{self.inner.name}"
        self._model_s.clear()
        self._interval_s.clear()
        if self._announce:
            print(f"coach: the pose model took {model_ms:.0f} ms a frame, too slow for {self.min_fps:g} fps: "
                  f"switched to the lite model at {t:.1f} s (choose with --model-quality)", file=sys.stderr)

    @property
    def last_world(self):
        """The model's world landmarks of the last frame, where it gives them."""
        return getattr(self.inner, "last_world", None)

    def close(self) -> None:
        self.inner.close()
