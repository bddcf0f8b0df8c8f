"""Real clips in `coach bench accuracy DIR`: hand-labelled footage with no landmark truth.

A real clip passes when, as a new user would see it from `coach review`:
- its reps equal the truth (a spurious rep is an error);
- every truth hold is matched, on the same side unless the truth side is "none", with its
  time in position within `HOLD_TOL_S` of the truth's `in_position_s`;
- no hold the truth does not have lasts `SPURIOUS_HOLD_S` or more in position;
- every truth fault is found (same id, overlapping in time);
- on a clean clip, no fault lasts `FALSE_FAULT_S` or more.

Truth files carry `view_segments` (how far the camera is from the pose's ideal view, per
part of the clip). The pass rate is reported strictly (whole clips, oblique parts
included) and again with only the side-view segments (`SIDE_VIEW_MAX_DEG` or less): each
such segment is scored from a fresh start, as if the clip had been cut there.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

import numpy as np

from coach.bench.truth import Truth
from coach.core.record import StretchRecord
from coach.core.scoring import score_trace
from coach.io.trace import Trace
from coach.rules.pose_spec import PoseSpec

HOLD_TOL_S = 1.5          # a matched hold's time in position may differ this much from the truth
SPURIOUS_HOLD_S = 3.0     # an unmatched hold this long (in position) is an error
FALSE_FAULT_S = 1.0       # a fault this long on a clean clip is an error
SIDE_VIEW_MAX_DEG = 15.0  # view segments this close to the ideal view count as side view


@dataclass
class RealResult:
    """One real clip (or its side-view part) scored against its hand labels."""

    clip: str
    pose: str
    reps_true: int
    reps_got: int
    holds_true: int
    holds_matched: int
    hold_errors: list[float] = field(default_factory=list)   # |time in position - truth| per matched hold
    spurious_holds: list[float] = field(default_factory=list)  # seconds in position of unmatched holds >= 3 s
    faults_true: int = 0
    faults_found: int = 0
    false_faults: list[str] = field(default_factory=list)    # "id 1.2s" on clean clips
    person_frac: float = 0.0
    angle_mae: float | None = None     # None: the truth has no landmarks (real footage)
    reasons: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.reasons


def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return min(a1, b1) - max(a0, b0)


def judge_record(clip: str, truth: Truth, rec: StretchRecord, holds_true: list[dict], reps_true: int,
                 faults_true: list[dict], person_frac: float, hold_tol_s: float = HOLD_TOL_S) -> RealResult:
    """Apply the pass rule to one scored record (a matched hold within `hold_tol_s`)."""
    res = RealResult(clip, truth.pose, reps_true, rec.rep_count, len(holds_true), 0,
                     faults_true=len(faults_true), person_frac=person_frac)
    if rec.rep_count != reps_true:
        res.reasons.append(f"reps {rec.rep_count}/{reps_true}")
    used: set[int] = set()
    for th in holds_true:
        side = th.get("side", "none")
        cands = [(i, h) for i, h in enumerate(rec.holds)
                 if i not in used and (side == "none" or h["side"] == side)
                 and _overlap(th["start"], th["end"], h["start"], h["end"]) > 0]
        best = min(cands, key=lambda ih: abs(ih[1]["in_tolerance_s"] - th["in_position_s"]), default=None)
        if best is None:
            res.reasons.append(f"hold {th['start']:.0f}-{th['end']:.0f}s {side} missed")
            continue
        i, h = best
        used.add(i)
        err = abs(h["in_tolerance_s"] - th["in_position_s"])
        res.hold_errors.append(err)
        if err > hold_tol_s:
            res.reasons.append(f"hold {h['in_tolerance_s']:.1f}s vs {th['in_position_s']:.1f}s")
        else:
            res.holds_matched += 1
    for i, h in enumerate(rec.holds):
        if i not in used and h["in_tolerance_s"] >= SPURIOUS_HOLD_S:
            res.spurious_holds.append(h["in_tolerance_s"])
            res.reasons.append(f"spurious hold {h['side']} {h['start']:.1f}s ({h['in_tolerance_s']:.1f}s)")
    for tf in faults_true:
        if any(f["id"] == tf["id"] and _overlap(tf["start"], tf["end"], f["start"], f["end"]) >= 0 for f in rec.faults):
            res.faults_found += 1
        else:
            res.reasons.append(f"fault {tf['id']} missed")
    if truth.clean:
        for f in rec.faults:
            if f["duration_s"] >= FALSE_FAULT_S:
                res.false_faults.append(f"{f['id']} {f['duration_s']:.1f}s")
                res.reasons.append(f"false fault {f['id']} at {f['start']:.1f}s ({f['duration_s']:.1f}s)")
    return res


def _person_frac(trace: Trace) -> float:
    return float(np.isfinite(trace.lm[:, :, 0]).any(axis=1).mean()) if len(trace) else 0.0


def evaluate_real(truth: Truth, trace: Trace, spec: PoseSpec, hold_tol_s: float = HOLD_TOL_S) -> RealResult:
    """The whole clip, oblique parts included: the strict pass rule (a matched hold within
    `hold_tol_s`)."""
    rec = score_trace(trace, spec).record
    return judge_record(truth.path.name.replace(".truth.json", ""), truth, rec, truth.holds, truth.reps,
                        truth.faults, _person_frac(trace), hold_tol_s=hold_tol_s)


def _slice(trace: Trace, keep: np.ndarray) -> Trace:
    """The frames of `trace` where `keep` is true, every per-frame array with them."""
    cut = {f.name: getattr(trace, f.name)[keep] for f in fields(trace)
           if isinstance(getattr(trace, f.name), np.ndarray) and getattr(trace, f.name).shape[:1] == trace.t.shape}
    return replace(trace, **cut)


def side_segments(truth: Truth) -> list[tuple[float, float]]:
    return [(s["start"], s["end"]) for s in truth.raw.get("view_segments", [])
            if abs(s.get("view_offset_deg", 0.0)) <= SIDE_VIEW_MAX_DEG]


def evaluate_side_view(truth: Truth, trace: Trace, spec: PoseSpec) -> RealResult | None:
    """Only the side-view segments, each scored from a fresh start; truth holds and faults
    are those that lie mostly inside them (holds cut at the segments' edges). None: the clip has no side-view segment, or its
    rep truth cannot be split between segments."""
    segs = side_segments(truth)
    if not segs:
        return None
    whole = len(segs) == len(truth.raw.get("view_segments", segs))
    if truth.reps and not whole:
        return None

    def inside(item: dict) -> bool:
        length = max(1e-6, item["end"] - item["start"])
        return sum(max(0.0, _overlap(item["start"], item["end"], a, b)) for a, b in segs) >= 0.5 * length

    def clipped(h: dict) -> list[dict]:
        """A truth hold cut to each side-view segment it overlaps (its time in position
        shared in proportion), kept where at least `SPURIOUS_HOLD_S` of it remains."""
        out = []
        for a, b in segs:
            ov = _overlap(h["start"], h["end"], a, b)
            if ov >= SPURIOUS_HOLD_S:
                share = ov / max(1e-6, h["end"] - h["start"])
                out.append({**h, "start": max(a, h["start"]), "end": min(b, h["end"]),
                            "in_position_s": h["in_position_s"] * share})
        return out

    records = []
    for a, b in segs:
        keep = (trace.t >= a) & (trace.t <= b)
        if keep.sum() < 2:
            continue
        part = _slice(trace, keep)
        records.append(score_trace(part, spec).record)
    if not records:
        return None
    merged = records[0]
    for r in records[1:]:
        merged.reps += r.reps
        merged.holds += r.holds
        merged.faults += r.faults
    keep_all = np.zeros(len(trace), bool)
    for a, b in segs:
        keep_all |= (trace.t >= a) & (trace.t <= b)
    person = float(np.isfinite(trace.lm[keep_all, :, 0]).any(axis=1).mean()) if keep_all.any() else 0.0
    return judge_record(truth.path.name.replace(".truth.json", ""), truth, merged,
                        [c for h in truth.holds for c in clipped(h)], truth.reps,
                        [f for f in truth.faults if inside(f)], person)


def table(results: list[RealResult], title: str) -> list[str]:
    """Per-clip rows, then `real clips passed: N/M`."""
    rows = [f"-- {title} --",
            f"{'clip':28} {'stretch':22} {'angle MAE':>9} {'reps':>5} {'holds':>5} {'hold err s':>10} {'faults':>6} "
            f"{'person':>6}  result"]
    for r in results:
        err = ",".join(f"{e:.1f}" for e in r.hold_errors) or "-"
        mae = "-" if r.angle_mae is None else f"{r.angle_mae:.1f}"
        rows.append(f"{r.clip:28} {r.pose:22} {mae:>9} {r.reps_got:>2}/{r.reps_true:<2} {r.holds_matched:>2}/{r.holds_true:<2} "
                    f"{err:>10} {r.faults_found:>2}/{r.faults_true:<3} {r.person_frac:6.0%}  "
                    f"{'pass' if r.passed else 'FAIL: ' + '; '.join(r.reasons)}")
    rows.append(f"real clips passed: {sum(r.passed for r in results)}/{len(results)}")
    return rows
