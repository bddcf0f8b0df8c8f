"""One stretch's frame loop: the only place that drives Engine.step frame by frame.

A Session owns the engine, the landmark trace being recorded and the frame counters.
Review, live, the routine, replay/scoring, calibration and the benchmarks all feed their
frames here, so the loop (record -> step -> count, then finish -> record) exists once.
Nothing here touches a camera, window, clock or file: saving the trace is the edges' job.
"""

from __future__ import annotations

import numpy as np

from coach.core.engine import Engine, FrameResult
from coach.core.record import StretchRecord, build_record
from coach.io.trace import Trace, TraceRecorder
from coach.rules.pose_spec import PoseSpec


class Session:
    """Feed one frame at a time with `feed(t, landmarks)`; `close()` ends the set and gives
    its record. `record_trace=False` when the frames already come from a trace.

    `rejudge` (offline review, scoring): where a pose's baseline measures have a stretch
    direction, close() judges the frames again against the rest found in each set-up run
    (coach/core/neutral.py RestLog), so a person who started part-way into the stretch is
    timed from the start. Live passes False: it can only refresh the neutral going forward,
    and its record stays what the person was told."""

    def __init__(self, spec: PoseSpec, *, source: str = "", model: str = "", profile: str = "",
                 width: int = 0, height: int = 0, record_trace: bool = True, rejudge: bool = True) -> None:
        spec = spec.for_model(model)     # thresholds on this model's scale
        self._engine = Engine(spec)
        self._frames: list[tuple[float, np.ndarray | None, np.ndarray | None, np.ndarray | None]] | None = (
            [] if rejudge and spec.rest_has_direction else None)
        self.source, self.model, self.profile = source, model, profile
        self._trace = TraceRecorder(width, height, model, source) if record_trace else None
        self.frames = 0                 # frames fed
        self.frames_with_person = 0     # frames in which the pose model found a person
        self.last_t = 0.0               # the last frame's time, seconds
        self._record: StretchRecord | None = None

    @property
    def engine(self) -> Engine:
        """The engine, to read (its records, counts); feed frames through the session."""
        return self._engine

    @property
    def spec(self) -> PoseSpec:
        return self._engine.spec

    def update_spec(self, spec: PoseSpec) -> None:
        """New thresholds mid-set (the tuning panel); counts and timers carry on."""
        self._engine.update_spec(spec.for_model(self.model))

    def feed(self, t: float, landmarks: np.ndarray | None, world: np.ndarray | None = None,
             back: np.ndarray | None = None) -> FrameResult:
        """One frame: landmarks of shape (33, 4) in pixels, or None (or all NaN) for no
        person; `world` (33, 3) metres where the backend gives world landmarks (recorded, and
        read by the view offset and the view-robust measures);
        `back` the back outline from the person mask, for poses that read it
        (coach/core/contour.py; recorded and judged)."""
        if self._record is not None:
            raise RuntimeError("this session is closed")
        if landmarks is not None and not np.isfinite(landmarks[:, 0]).any():
            landmarks = None
        if self._trace is not None:
            self._trace.add(t, landmarks, world, back)
        world = world if landmarks is not None else None
        result = self._engine.step(t, landmarks, back, world)
        if self._frames is not None:
            self._frames.append((t, landmarks, back, world))
        self.frames += 1
        self.frames_with_person += landmarks is not None
        self.last_t = t
        return result

    def trace(self) -> Trace | None:
        """The landmarks fed so far (None when not recording); can be saved at any moment."""
        return self._trace.trace() if self._trace is not None else None

    def close(self, duration_s: float | None = None) -> StretchRecord:
        """Close the open hold and faults at the last frame and build the set's record
        (duration: the last frame's time unless given). Closing again gives the same record.
        With `rejudge`, the record (and `engine`) come from the second pass."""
        if self._record is None:
            self._engine.finish(self.last_t)
            rests = self._engine.rest_plan() if self._frames else []
            if rests:
                again = Engine(self._engine.spec, rests=rests)
                for t, lm, back, world in self._frames:
                    again.step(t, lm, back, world)
                again.finish(self.last_t)
                self._engine, self._frames = again, None
            self._record = build_record(
                self._engine, source=self.source, duration_s=self.last_t if duration_s is None else duration_s,
                frames=self.frames, frames_with_person=self.frames_with_person, model=self.model,
                profile=self.profile)
        return self._record
