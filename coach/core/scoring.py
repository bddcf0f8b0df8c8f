"""Score a landmark trace with a stretch's rules: the pure path shared by review, replay,
calibration and the benchmarks (no camera, no model)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from coach.core.engine import Engine, FrameResult
from coach.core.record import StretchRecord
from coach.core.session import Session
from coach.io.trace import Trace
from coach.rules.pose_spec import PoseSpec


@dataclass
class Scored:
    engine: Engine
    record: StretchRecord
    results: list[FrameResult] | None


def score_trace(trace: Trace, spec: PoseSpec, keep_results: bool = False, profile: str = "") -> Scored:
    """Feed every frame of `trace` through a Session and build the session record."""
    session = Session(spec, source=trace.source, model=trace.model, profile=profile, record_trace=False)
    results: list[FrameResult] = []
    for i, (t, lm) in enumerate(zip(trace.t, trace.lm)):
        back = trace.back[i] if trace.back is not None and np.isfinite(trace.back[i]).any() else None
        world = trace.world[i] if trace.world is not None else None
        r = session.feed(float(t), lm, world, back=back)
        if keep_results:
            results.append(r)
    rec = session.close(duration_s=trace.duration)
    return Scored(session.engine, rec, results if keep_results else None)
