"""Propose a patient's thresholds from a demonstration: a few good reps or a good hold.

The trace is scored with the current rules only to know when the patient is in the
stretch (set up, seen from the right view, neutral learned); the measures on those frames
give the demonstrated range. Proposals, per check role:
- form band: the 5th-95th percentile of the demonstration, widened by a margin, so
  what the physio just approved never reads as a fault;
- target: the level reached at least half the time in the stretch, eased by the margin
  (and never so far that a neutral position would pass, for measures relative to neutral);
- reps: low/high phases entered at a fraction of the demonstrated amplitude, left at a
  smaller fraction (hysteresis);
- setup checks and hold times are not changed: they are the physio's prescription.
Pure: a trace in, numbers out. Recording from a camera or file lives in `record_trace`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from coach.rules.pose_spec import PoseSpec
from coach.rules.profiles import spec_with, thresholds, unit_of, value_range
from coach.core.scoring import score_trace
from coach.io.trace import Trace, TraceRecorder

MIN_FRAMES = 10   # fewer in-stretch frames than this: no proposal for that measure


@dataclass(frozen=True)
class Margins:
    """How far proposals sit outside what was demonstrated, in each unit."""

    deg: float = 5.0
    ratio: float = 0.05
    low_pct: float = 5.0
    high_pct: float = 95.0
    rep_enter: float = 0.6      # a rep phase starts at this fraction of the demonstrated amplitude
    rep_exit: float = 0.25      # ...and ends back below this fraction
    loosen_only: bool = False   # never propose a stricter threshold than the current one

    def of(self, unit: str) -> float:
        return self.deg if unit == "deg" else self.ratio


@dataclass
class MeasureRange:
    measure: str
    unit: str
    n: int
    lo: float
    p_low: float
    median: float
    p_high: float
    hi: float


@dataclass
class Proposal:
    key: str              # flat profile key, e.g. checks.front_knee_angle.min
    old: Any
    new: Any
    unit: str
    why: str


@dataclass
class Calibration:
    pose: str
    frames: int
    frames_in_stretch: int
    ranges: dict[str, MeasureRange]
    proposals: list[Proposal] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def changes(self) -> dict[str, Any]:
        return {p.key: p.new for p in self.proposals}


def in_stretch_values(trace: Trace, spec: PoseSpec) -> tuple[dict[str, np.ndarray], int]:
    """Each measure's values on the frames where the patient is in the stretch."""
    scored = score_trace(trace, spec, keep_results=True)
    vals: dict[str, list[float]] = {m: [] for m in spec.measures}
    n = 0
    for r in scored.results or []:
        if not (r.set_up and r.view_ok and r.baseline_ready):
            continue
        n += 1
        for m, v in r.measures.items():
            if v is not None:
                vals[m].append(v)
    return {m: np.asarray(v, dtype=float) for m, v in vals.items()}, n


def _round(v: float, unit: str) -> float:
    step = 0.5 if unit == "deg" else 0.01
    return round(round(v / step) * step, 4)


def _clip(spec: PoseSpec, measure: str, v: float) -> float:
    lo, hi = value_range(spec, measure)
    return min(hi, max(lo, v))


def propose(trace: Trace, spec: PoseSpec, margins: Margins = Margins()) -> Calibration:
    """Measured ranges and the threshold changes they suggest (not yet validated as a set:
    `validated` drops what would make an invalid stretch)."""
    vals, n_in = in_stretch_values(trace, spec)
    ranges: dict[str, MeasureRange] = {}
    for m, v in vals.items():
        if len(v):
            ranges[m] = MeasureRange(m, spec.measures[m].unit, len(v), float(v.min()),
                                     float(np.percentile(v, margins.low_pct)), float(np.median(v)),
                                     float(np.percentile(v, margins.high_pct)), float(v.max()))
    cal = Calibration(spec.name, len(trace), n_in, ranges)
    if n_in < MIN_FRAMES:
        cal.notes.append(f"only {n_in} frames in the starting position: the demonstration was not "
                         "recognised (check the camera view and the setup checks); nothing proposed")
        return cal
    current = thresholds(spec)
    new: dict[str, tuple[float, str]] = {}
    for c in spec.checks:
        r = ranges.get(c.measure)
        if c.role == "setup":
            continue
        if r is None or r.n < MIN_FRAMES:
            cal.notes.append(f"{c.id}: '{c.measure}' seen on too few frames; unchanged")
            continue
        mg = margins.of(r.unit)
        if c.role == "form":
            if c.min is not None:
                new[f"checks.{c.id}.min"] = (r.p_low - mg, f"p{margins.low_pct:g} {r.p_low:.1f} - margin")
            if c.max is not None:
                new[f"checks.{c.id}.max"] = (r.p_high + mg, f"p{margins.high_pct:g} {r.p_high:.1f} + margin")
        else:  # target: reached at least half the time in the stretch
            base = spec.measures[c.measure].baseline
            if c.min is not None:
                v = r.median - mg
                v = max(v, r.median / 2) if base and r.median > 0 else v
                new[f"checks.{c.id}.min"] = (v, f"median {r.median:.1f} - margin")
            if c.max is not None:
                v = r.median + mg
                v = min(v, r.median / 2) if base and r.median < 0 else v
                new[f"checks.{c.id}.max"] = (v, f"median {r.median:.1f} + margin")
    if spec.reps:
        _propose_reps(spec, ranges.get(spec.reps.measure), margins, new, cal)

    for key, (v, why) in new.items():
        unit = unit_of(spec, key)
        measure = spec.check(key.split(".")[1]).measure if key.startswith("checks.") else spec.reps.measure
        v = _round(_clip(spec, measure, v), unit)
        old = current.get(key)
        if old is not None and abs(v - old) < 1e-9:
            continue
        if margins.loosen_only and old is not None and _stricter(key, old, v):
            cal.notes.append(f"{key}: demonstration suggests a stricter {v:g} {unit}; kept {old:g} (--loosen-only)")
            continue
        cal.proposals.append(Proposal(key, old, v, unit, why))
    return validated(cal, spec)


def _stricter(key: str, old: float, new: float) -> bool:
    k = key.rsplit(".", 1)[1]
    if k in ("min",):
        return new > old
    if k in ("max",):
        return new < old
    if k in ("low_enter", "low_exit"):        # cat phase: a smaller (more negative) number asks more
        return new < old
    return new > old                           # high_enter, high_exit


def _propose_reps(spec: PoseSpec, r: MeasureRange | None, mg: Margins,
                  new: dict[str, tuple[float, str]], cal: Calibration) -> None:
    if r is None or r.n < MIN_FRAMES:
        cal.notes.append(f"reps: '{spec.reps.measure}' seen on too few frames; unchanged")
        return
    ref = 0.0 if spec.measures[spec.reps.measure].baseline else (r.p_low + r.p_high) / 2
    down, up = r.p_low - ref, r.p_high - ref
    if down >= 0 or up <= 0:
        cal.notes.append(f"reps: the demonstration did not go both ways from "
                         f"{'neutral' if ref == 0 else 'its middle'} ({r.p_low:.1f} to {r.p_high:.1f} "
                         f"{r.unit}); rep thresholds unchanged")
        return
    amp = f"demonstrated {r.p_low:.1f} to {r.p_high:.1f}"
    new["reps.low_enter"] = (ref + mg.rep_enter * down, f"{mg.rep_enter:g} x {amp}")
    new["reps.low_exit"] = (ref + mg.rep_exit * down, f"{mg.rep_exit:g} x {amp}")
    new["reps.high_exit"] = (ref + mg.rep_exit * up, f"{mg.rep_exit:g} x {amp}")
    new["reps.high_enter"] = (ref + mg.rep_enter * up, f"{mg.rep_enter:g} x {amp}")


def validated(cal: Calibration, spec: PoseSpec) -> Calibration:
    """Drop proposals that together would not make a valid stretch (e.g. a min above the
    max), one at a time from the last, with a note saying which and why."""
    from coach.rules.pose_spec import SpecError
    from coach.rules.pose_spec import load_pose
    from coach.rules.profiles import diff

    base_over = {k: v for k, (_, v) in diff(load_pose(spec.name), spec).items()}
    while cal.proposals:
        try:
            spec_with(spec.name, {**base_over, **cal.changes})
            break
        except SpecError as e:
            dropped = cal.proposals.pop()
            cal.notes.append(f"{dropped.key}: not proposed ({e.problem})")
    return cal


# ---------------------------------------------------------------- presenting


def ranges_table(cal: Calibration, spec: PoseSpec) -> list[str]:
    """The demonstrated range of each checked measure."""
    checked = {c.measure for c in spec.checks} | ({spec.reps.measure} if spec.reps else set())
    lines = [f"{spec.title}: {cal.frames_in_stretch} of {cal.frames} frames in the stretch",
             f"  {'measure':<16}{'unit':<6}{'frames':>7}{'min':>9}{'p5':>9}{'median':>9}{'p95':>9}{'max':>9}"]
    for m in spec.measures:
        if m not in checked:
            continue
        r = cal.ranges.get(m)
        if r is None:
            lines.append(f"  {m:<16}{spec.measures[m].unit:<6}{0:>7}   (not seen in the stretch)")
            continue
        lines.append(f"  {m:<16}{r.unit:<6}{r.n:>7}{r.lo:>9.2f}{r.p_low:>9.2f}{r.median:>9.2f}"
                     f"{r.p_high:>9.2f}{r.hi:>9.2f}")
    return lines


def diff_table(cal: Calibration) -> list[str]:
    if not cal.proposals:
        return ["no threshold would change"]
    lines = [f"  {'threshold':<34}{'now':>9}{'proposed':>10}  unit   from"]
    for p in cal.proposals:
        old = "unset" if p.old is None else f"{p.old:g}"
        lines.append(f"  {p.key:<34}{old:>9}{p.new:>10g}  {p.unit:<6} {p.why}")
    return lines


# ---------------------------------------------------------------- recording (edge)


def record_trace(source: str | int | Path, backend_choice: Any, seconds: float | None = None,
                 progress: bool = True) -> Trace:
    """Landmarks of a camera or video file through coach.io.video_source and
    coach.io.pose_backend (no window). A camera stops after `seconds` or Ctrl-C; what was
    recorded so far is kept."""
    from coach.io.back_outline import detected
    from coach.io.video_source import VideoSource

    src = VideoSource(source)
    backend = backend_choice.create()
    rec = TraceRecorder(src.width, src.height, backend.name, str(source))
    start = time.monotonic()
    try:
        for fr in src:
            lm = backend.detect(cv2.cvtColor(fr.bgr, cv2.COLOR_BGR2RGB), fr.t)
            det = detected(backend, lm)
            rec.add(fr.t, lm, det.world, det.back())
            if progress and src.is_camera and len(rec._t) % 30 == 0:
                print(f"\rrecording {fr.t:5.1f} s", end="", flush=True)
            if seconds is not None and src.is_camera and time.monotonic() - start >= seconds:
                break
    except KeyboardInterrupt:
        pass
    finally:
        src.close()
        backend.close()
        if progress and src.is_camera:
            print()
    return rec.trace()
