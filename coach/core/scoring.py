"""Score a landmark trace with a stretch's rules: the pure path shared by review, replay,
calibration and the benchmarks (no camera, no model)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from coach.core.engine import Engine, FrameResult
from coach.rules.pose_spec import PoseSpec
from coach.core.record import StretchRecord, build_record
from coach.io.trace import Trace


@dataclass
class Scored:
    engine: Engine
    record: StretchRecord
    results: list[FrameResult] | None


def _frame(lm: np.ndarray) -> np.ndarray | None:
    return None if not np.isfinite(lm[:, 0]).any() else lm


def score_trace(trace: Trace, spec: PoseSpec, keep_results: bool = False, profile: str = "") -> Scored:
    """Run the engine over every frame of `trace` and build the session record."""
    engine = Engine(spec)
    results: list[FrameResult] = []
    seen = 0
    for t, lm in zip(trace.t, trace.lm):
        frame = _frame(lm)
        seen += frame is not None
        r = engine.step(float(t), frame)
        if keep_results:
            results.append(r)
    end = float(trace.t[-1]) if len(trace) else 0.0
    engine.finish(end)
    rec = build_record(engine, source=trace.source, duration_s=trace.duration, frames=len(trace),
                       frames_with_person=seen, model=trace.model, profile=profile)
    return Scored(engine, rec, results if keep_results else None)
