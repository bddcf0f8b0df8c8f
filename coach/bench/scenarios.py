"""Rig scenarios in `coach bench accuracy DIR` (issue 12 item 7): synthetic clips of people
as they really move (starting at once, fidgeting, resting between sides, walking off,
other tempos, a cropped or pitched camera) and clips that must count nothing (a wrong
pose, an empty room). Their truth names the scenario (`"scenario"` in the truth file).

Each clip is judged whole, by the real-clip rule (coach/bench/real.py: reps equal, every
truth hold matched, no spurious hold of 3 s or more, every fault found, no false fault of
1 s or more on a clean clip) with the scenario target's tighter hold error of `HOLD_TOL_S`.
"""

from __future__ import annotations

from coach.bench.real import RealResult, evaluate_real
from coach.bench.truth import Truth
from coach.io.trace import Trace
from coach.rules.pose_spec import PoseSpec

HOLD_TOL_S = 1.0          # the target: hold error <= 1 s on every scenario clip


def is_scenario(truth: Truth) -> bool:
    return bool(truth.raw.get("scenario"))


def evaluate_scenario(truth: Truth, trace: Trace, spec: PoseSpec) -> RealResult:
    """One scenario clip scored whole and judged against its truth."""
    return evaluate_real(truth, trace, spec, hold_tol_s=HOLD_TOL_S)


def table(results: list[tuple[Truth, RealResult]], model: str) -> list[str]:
    """Per-clip rows, then `scenarios passed: N/M` and the target."""
    rows = [f"-- rig scenarios ({model}): people as they really move --",
            f"{'clip':28} {'stretch':20} {'scenario':36} {'reps':>5} {'holds':>5} {'hold err s':>10}  result"]
    for truth, r in results:
        err = ",".join(f"{e:.1f}" for e in r.hold_errors) or "-"
        rows.append(f"{r.clip:28} {r.pose:20} {str(truth.raw['scenario'])[:36]:36} {r.reps_got:>2}/{r.reps_true:<2} "
                    f"{r.holds_matched:>2}/{r.holds_true:<2} {err:>10}  "
                    f"{'pass' if r.passed else 'FAIL: ' + '; '.join(r.reasons)}")
    rows.append(f"scenarios passed: {sum(r.passed for _, r in results)}/{len(results)}")
    rows.append(f"target: reps exact on every clip, hold error <= {HOLD_TOL_S:g} s, no count on the "
                "wrong-pose and no-person clips, no false fault of 1 s or more")
    return rows
