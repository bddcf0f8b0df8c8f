"""Re-score a saved landmark trace with the default rules and with a patient's profile,
and say what the profile changes: reps counted, hold time per side, faults.

No pose detection runs: a trace (from `coach review` or `coach calibrate`) holds every
frame's landmarks, so trying a threshold takes a fraction of a second.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from coach.rules.pose_spec import PoseSpec
from coach.rules.profiles import diff, load_spec
from coach.core.record import StretchRecord
from coach.core.scoring import score_trace
from coach.io.trace import Trace, load_trace


@dataclass
class Outcome:
    """What one set of rules makes of the trace."""

    reps: int
    rep_target: int
    holds: dict[str, dict[str, float]] = field(default_factory=dict)  # side -> in_position_s, completed
    hold_target_s: float = 0.0
    faults: dict[str, dict[str, float]] = field(default_factory=dict)  # id -> count, seconds


def outcome(rec: StretchRecord, spec: PoseSpec) -> Outcome:
    out = Outcome(rec.rep_count, spec.reps.target if spec.reps else 0,
                  hold_target_s=spec.hold.seconds if spec.hold else 0.0)
    for h in rec.holds:
        s = out.holds.setdefault(h["side"], {"in_position_s": 0.0, "completed": 0})
        s["in_position_s"] = round(s["in_position_s"] + (h["in_tolerance_s"] or 0.0), 2)
        s["completed"] += int(bool(h["completed"]))
    for f in rec.faults:
        s = out.faults.setdefault(f["id"], {"count": 0, "seconds": 0.0})
        s["count"] += 1
        s["seconds"] = round(s["seconds"] + (f["duration_s"] or 0.0), 2)
    return out


@dataclass
class ReplayResult:
    pose: str
    trace: str
    frames: int
    duration_s: float
    profile: str
    thresholds: dict[str, tuple[Any, Any]]     # what the profile changes: key -> (default, profile)
    default: Outcome
    tuned: Outcome
    seconds: float                              # wall time to score the trace (both runs)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["thresholds"] = {k: {"default": a, "profile": b} for k, (a, b) in self.thresholds.items()}
        return d


def replay(trace: Trace | Path | str, pose: str, profile: Path | str | None = None) -> ReplayResult:
    """Score `trace` with the defaults and (if given) with `profile`."""
    tr = trace if isinstance(trace, Trace) else load_trace(Path(trace))
    base = load_spec(pose)
    tuned_spec = load_spec(pose, profile) if profile else base
    t0 = time.perf_counter()
    d = outcome(score_trace(tr, base).record, base)
    p = outcome(score_trace(tr, tuned_spec).record, tuned_spec) if profile else d
    took = time.perf_counter() - t0
    return ReplayResult(pose, str(trace) if not isinstance(trace, Trace) else tr.source, len(tr),
                        round(tr.duration, 2), str(profile or ""), diff(base, tuned_spec), d, p, took)


def _cell(v: Any) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def lines(res: ReplayResult) -> list[str]:
    """A side-by-side table: defaults | profile, rows that differ marked with '*'."""
    rows: list[tuple[str, str, str]] = []
    d, p = res.default, res.tuned
    if d.rep_target or p.rep_target:
        rows.append(("reps counted", f"{d.reps} of {d.rep_target}", f"{p.reps} of {p.rep_target}"))
    if d.hold_target_s or p.hold_target_s:
        rows.append(("hold target", f"{d.hold_target_s:g} s", f"{p.hold_target_s:g} s"))
        for side in sorted(set(d.holds) | set(p.holds)):
            a, b = d.holds.get(side, {}), p.holds.get(side, {})
            rows.append((f"hold {side}: in position",
                         f"{a.get('in_position_s', 0):.1f} s", f"{b.get('in_position_s', 0):.1f} s"))
            rows.append((f"hold {side}: completed", str(a.get("completed", 0)), str(b.get("completed", 0))))
    for fid in sorted(set(d.faults) | set(p.faults)):
        a, b = d.faults.get(fid, {}), p.faults.get(fid, {})
        rows.append((f"fault {fid}", f"{a.get('count', 0)}x {a.get('seconds', 0):.1f} s",
                     f"{b.get('count', 0)}x {b.get('seconds', 0):.1f} s"))
    if not d.faults and not p.faults:
        rows.append(("faults", "none", "none"))
    out = [f"{res.pose}: {res.trace}, {res.frames} frames, {res.duration_s:g} s"]
    if res.profile:
        out.append(f"profile {res.profile} changes:")
        out += [f"  {k} {_cell(a)} -> {_cell(b)}" for k, (a, b) in res.thresholds.items()] or ["  nothing for this stretch"]
    w = max(len(r[0]) for r in rows) + 2
    out.append(f"  {'':<{w}}{'defaults':>16}{'profile' if res.profile else '':>16}")
    for name, a, b in rows:
        mark = "*" if res.profile and a != b else " "
        out.append(f"{mark} {name:<{w}}{a:>16}{b if res.profile else '':>16}")
    changed = sum(1 for _, a, b in rows if a != b)
    if res.profile:
        out.append(f"{changed} result(s) change with the profile" if changed else "the profile changes no result")
    return out
