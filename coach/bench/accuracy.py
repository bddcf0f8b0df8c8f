"""`coach bench accuracy [DIR]`: the review pipeline against the clips' truth.

Per stretch: mean absolute error of the angles the stretch checks (MediaPipe landmarks,
smoothed as the coach uses them, vs the rig's true joints through the same measure code,
after the documented calibration offsets), rep count exact-match rate and error, hold time
error, fault recall and false alarms on clean clips, frames with a person; one row per
stretch and pose model (`--models lite,full,heavy`: the same clips through each model, side
by side). Exit status 1 when an ideal-view figure of the default model misses its target.

Real clips (truth with `"real": true`, hand-labelled, no landmarks) get a per-clip table
with a pass rule instead (coach/bench/real.py) and the line `real clips passed: N/M`,
strictly and with only their side-view segments. Their traces are cached outside the
repository (`~/.cache/coach/bench` unless --cache says otherwise).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from coach.core.landmarks import INDEX
from coach.core.measures import evaluate
from coach.io.pose_backend import MODEL_NAMES, BackendChoice, installed_models
from coach.rules.pose_spec import CONTOUR_KINDS, Measure, PoseSpec, load_pose
from coach.app.batch import BatchItem, run_batch
from coach.core.scoring import score_trace
from coach.io.trace import load_trace
from coach.bench.truth import Truth, find_truths
from coach.bench import real as real_clips
from coach.bench import scenarios
from coach.bench import views as view_clips

TARGETS = {"angle_mae_deg": 5.0, "rep_exact": 0.95, "hold_err_s": 1.0, "fault_recall": 0.90, "false_alarm": 0.05}
CALIBRATION_FILE = "calibration.toml"


@dataclass
class ClipResult:
    clip: str
    pose: str
    view_offset_deg: float
    clean: bool
    frames: int
    person_frames: int
    angle_errors: dict[str, list[float]] = field(default_factory=dict)   # signed, after offsets
    reps_true: int = 0
    reps_counted: int = 0
    hold_errors: list[float] = field(default_factory=list)
    faults_true: int = 0
    faults_found: int = 0
    fault_s: float = 0.0           # seconds with any fault open
    duration_s: float = 0.0
    view_warned_frac: float = 0.0
    model: str = "full"            # pose model the trace came from: lite, full or heavy
    spine_errors: dict[str, list[float]] = field(default_factory=dict)  # contour measures vs the rig's spine truth
    spine_true: dict[str, list[float]] = field(default_factory=dict)    # ... and the true values
    holds_true: int = 0
    holds_found: int = 0           # truth holds paired one to one with a hold the coach timed
    held_s: float = 0.0            # seconds in position over all the coach's holds
    near_visibility: list[float] = field(default_factory=list)  # the model's visibility of the near knee and ankle


def checked_measures(spec: PoseSpec) -> list[str]:
    """The angle-like measures the stretch judges (checks and rep rule), and the back
    outline's measures (the lumbar arch is in %)."""
    names = {c.measure for c in spec.checks}
    if spec.reps:
        names.add(spec.reps.measure)
    return sorted(n for n in names if spec.measures[n].unit == "deg" or spec.measures[n].kind in CONTOUR_KINDS)


def load_offsets(folder: Path) -> dict[str, dict[str, dict[str, float]]]:
    """Per pose model, pose and measure: MediaPipe minus truth, where the rig's joint
    differs from MediaPipe's landmark (e.g. the hip joint centre vs MediaPipe's hip point).
    Each model places that landmark its own way, so each has its own offsets:
    `[offsets]` are the default (full) model's, `[model_offsets.<model>]` another model's;
    a model without its own table falls back to `[offsets]`."""
    p = folder / CALIBRATION_FILE
    if not p.exists():
        return {}
    data = tomllib.loads(p.read_text())
    base = data.get("offsets", {})
    per_model = data.get("model_offsets", {})
    unknown = sorted(set(per_model) - set(MODEL_NAMES))
    if unknown:
        raise SystemExit(f"coach bench accuracy: error: {p}: model_offsets for unknown model(s) {', '.join(unknown)}")
    return {m: per_model.get(m, base) for m in MODEL_NAMES}


def _pair_holds(truth: list[dict], got: list[dict]) -> list[int | None]:
    """Per truth hold, the index of the coach's hold that overlaps it most (same side),
    each used once; None where none does."""
    pairs: list[int | None] = []
    used: set[int] = set()
    for th in truth:
        best, best_ov = None, 0.0
        for i, h in enumerate(got):
            if i in used or (th.get("side", "none") != h["side"] and th.get("side", "none") != "none"):
                continue
            ov = min(th["end"], h["end"]) - max(th["start"], h["start"])
            if ov > best_ov:
                best, best_ov = i, ov
        if best is not None:
            used.add(best)
        pairs.append(best)
    return pairs


def _match_holds(truth: list[dict], got: list[dict]) -> list[float]:
    """|time in position - truth| per truth hold (its whole time where none was timed)."""
    return [float(th["in_position_s"]) if j is None else abs(got[j]["in_tolerance_s"] - th["in_position_s"])
            for th, j in zip(truth, _pair_holds(truth, got))]


def evaluate_clip(truth: Truth, trace_path: Path, offsets: dict[str, float], model: str = "full") -> ClipResult:
    trace = load_trace(trace_path)
    spec = load_pose(truth.pose).for_model(trace.model)   # the visibility threshold the coach uses with this model
    scored = score_trace(trace, spec, keep_results=True)
    rec = scored.record
    res = ClipResult(truth.path.name.replace(".truth.json", ""), truth.pose, truth.view_offset_deg, truth.clean,
                     rec.frames, rec.frames_with_person, reps_true=truth.reps, reps_counted=rec.rep_count,
                     duration_s=trace.duration, model=model)
    names = checked_measures(spec)
    res.angle_errors = {n: [] for n in names}
    warned = 0
    for i, r in enumerate(scored.results or []):
        warned += not r.view_ok
        if r.person and r.near in ("left", "right"):
            res.near_visibility += [float(trace.lm[i, INDEX[f"{r.near}_{j}"], 3]) for j in ("knee", "ankle")]
        if truth.landmarks is None or i >= len(truth.landmarks) or not r.person:
            continue
        for n in names:
            m = spec.measures[n]
            if m.kind in CONTOUR_KINDS:      # the back's outline has its own truth (spine_truth)
                got, true = evaluate(m, r.landmarks, r.side, r.near, spec.min_visibility, r.back), spine_truth(truth, m, i)
                if got is not None and true is not None:
                    res.spine_errors.setdefault(n, []).append(got - true)
                    res.spine_true.setdefault(n, []).append(true)
                continue
            got = evaluate(m, r.landmarks, r.side, r.near, spec.min_visibility)
            true = evaluate(m, truth.landmarks[i], r.side, r.near, 0.0)
            if got is not None and true is not None:
                res.angle_errors[n].append(got - true - offsets.get(n, 0.0))
    res.view_warned_frac = warned / max(1, len(scored.results or []))
    res.hold_errors = _match_holds(truth.holds, rec.holds)
    res.holds_true = len(truth.holds)
    res.holds_found = sum(j is not None for j in _pair_holds(truth.holds, rec.holds))
    res.held_s = sum(h["in_tolerance_s"] for h in rec.holds)
    res.faults_true = len(truth.faults)
    for tf in truth.faults:
        if any(f["id"] == tf["id"] and f["end"] >= tf["start"] and f["start"] <= tf["end"] for f in rec.faults):
            res.faults_found += 1
    res.fault_s = sum(f["duration_s"] for f in rec.faults)
    return res


_SPINE_KEYS = {("spine_curve", "whole"): "flex_deg", ("spine_curve", "lower"): "flex_lower_deg",
               ("spine_curve", "upper"): "flex_upper_deg", ("lumbar_arch", "whole"): "lumbar_arch_pct"}


def spine_truth(truth: Truth, m: Measure, i: int) -> float | None:
    """The rig's true value of a contour measure at frame i (docs/architecture.md, "Spine
    truth"), or None where the truth file has none."""
    key = _SPINE_KEYS.get((m.kind, m.part if m.kind == "spine_curve" else "whole"))
    vals = (truth.raw.get("spine") or {}).get(key) if key else None
    if not vals or i >= len(vals) or vals[i] is None:
        return None
    return float(vals[i])


def trace_path(truth: Truth, cache: Path) -> Path:
    stem = truth.video.stem
    return cache / stem / f"{stem}.trace.npz"


def ensure_traces(truths: list[Truth], cache: Path, reuse: bool, jobs: int, progress: bool,
                  choice: BackendChoice = BackendChoice()) -> list[str]:
    """Run the review pipeline (pose detection with `choice`) on every clip whose trace is not
    cached, `jobs` clips at a time. Returns the errors of clips that failed."""
    todo = [t for t in truths if not (reuse and trace_path(t, cache).exists()
                                      and trace_path(t, cache).stat().st_mtime >= t.video.stat().st_mtime)]
    if not todo:
        return []
    summary = run_batch([BatchItem(t.video, t.pose) for t in todo], cache, jobs=jobs, choice=choice,
                        write_video=False, progress=progress)
    return [f"{r.video.name}: {r.error}" for r in summary.failed]


def _mean(xs: list[float]) -> float | None:
    return statistics.fmean(xs) if xs else None


def _fmt(x: float | None, spec: str = ".1f") -> str:
    return "-" if x is None else format(x, spec)


def summarise(results: list[ClipResult], label: str, gate_model: str = "full") -> tuple[list[str], list[str]]:
    """Table rows per stretch and model, and the list of target misses (of `gate_model` only:
    the targets are the default model's; the others are reported beside it)."""
    rows, misses = [], []
    header = f"{'stretch':24} {'model':5} {'clips':>5} {'angle MAE':>9} {'reps exact':>10} {'rep MAE':>7} {'hold err s':>10} " \
             f"{'fault recall':>12} {'false alarm':>11} {'person':>7} {'view warn':>9}"
    rows.append(f"-- {label} --")
    rows.append(header)
    order = {m: i for i, m in enumerate(MODEL_NAMES)}
    for pose, model in sorted({(r.pose, r.model) for r in results}, key=lambda k: (k[0], order.get(k[1], 9))):
        rs = [r for r in results if r.pose == pose and r.model == model]
        errs = [abs(e) for r in rs for v in r.angle_errors.values() for e in v]
        mae = _mean(errs)
        rep_rs = [r for r in rs if r.reps_true > 0 or r.reps_counted > 0]
        exact = _mean([float(r.reps_true == r.reps_counted) for r in rep_rs]) if rep_rs else None
        rep_mae = _mean([abs(r.reps_true - r.reps_counted) for r in rep_rs]) if rep_rs else None
        hold_errs = [e for r in rs for e in r.hold_errors]
        hold = max(hold_errs) if hold_errs else None
        ft = sum(r.faults_true for r in rs)
        recall = sum(r.faults_found for r in rs) / ft if ft else None
        clean = [r for r in rs if r.clean]
        fa = sum(r.fault_s for r in clean) / sum(r.duration_s for r in clean) if clean and sum(r.duration_s for r in clean) else None
        person = sum(r.person_frames for r in rs) / max(1, sum(r.frames for r in rs))
        warn = _mean([r.view_warned_frac for r in rs])
        rows.append(f"{pose:24} {model:5} {len(rs):5d} {_fmt(mae):>9} {_fmt(exact, '.0%'):>10} {_fmt(rep_mae, '.2f'):>7} "
                    f"{_fmt(hold):>10} {_fmt(recall, '.0%'):>12} {_fmt(fa, '.1%'):>11} {person:7.0%} {_fmt(warn, '.0%'):>9}")
        if label.startswith("ideal") and model == gate_model:
            for name, val, ok in (("angle MAE", mae, mae is None or mae <= TARGETS["angle_mae_deg"]),
                                  ("reps exact", exact, exact is None or exact >= TARGETS["rep_exact"]),
                                  ("hold error", hold, hold is None or hold <= TARGETS["hold_err_s"]),
                                  ("fault recall", recall, recall is None or recall >= TARGETS["fault_recall"]),
                                  ("false alarms", fa, fa is None or fa <= TARGETS["false_alarm"])):
                if not ok:
                    misses.append(f"{pose} ({model}): {name} {val:.3g}")
    return rows, misses


def print_offsets(results: list[ClipResult], model: str = "full") -> None:
    """Median signed error (MediaPipe minus truth) per stretch and measure on clean,
    ideal-view clips of one model: the values for sample_videos/calibration.toml
    (`[offsets]` for full, `[model_offsets.<model>]` for the others)."""
    table = "offsets" if model == "full" else f"model_offsets.{model}"
    print(f"[{table}]  # median of MediaPipe ({model}) minus truth, deg, clean ideal-view clips")
    for pose in sorted({r.pose for r in results}):
        rs = [r for r in results if r.pose == pose and r.clean and abs(r.view_offset_deg) < 1e-6]
        names = sorted({n for r in rs for n in r.angle_errors})
        vals = {n: statistics.median(e for r in rs for e in r.angle_errors.get(n, [])) for n in names
                if any(r.angle_errors.get(n) for r in rs)}
        print(f"{pose} = {{ " + ", ".join(f"{n} = {v:.1f}" for n, v in vals.items()) + " }")


def pooled_mae(results: list[ClipResult]) -> float | None:
    """Mean absolute angle error over every judged angle of every frame of these clips."""
    return _mean([abs(e) for r in results for v in r.angle_errors.values() for e in v])


def model_line(ideal: list[ClipResult], models: list[str]) -> str:
    """One line comparing the models' angle error over all ideal-view clips (each model with
    its own calibration offsets): the figure of issue 16's heavy-vs-full target."""
    maes = {m: pooled_mae([r for r in ideal if r.model == m]) for m in models}
    line = "angle MAE over all ideal-view clips: " + ", ".join(f"{m} {_fmt(v, '.2f')}" for m, v in maes.items())
    if maes.get("full") is not None and maes.get("heavy") is not None:
        gain = maes["full"] - maes["heavy"]
        line += f"; heavy is {gain:.2f} deg better than full (target >= 0.4: {'met' if gain >= 0.4 else 'not met'})"
    return line


VISIBILITY_QUANTILE = 5.0     # %: the near knees and ankles a visibility threshold may drop on clean clips


def print_visibility_scales(results: list[ClipResult], models: list[str]) -> None:
    """Each model's visibility scale against full: the ratio of the 5th percentiles of the
    near-side knee and ankle visibility on clean ideal-view clips (nothing is hidden there),
    so a pose's threshold drops the same share of them with every model: the values for
    poses/models/calibration.toml."""
    def q(model: str) -> float | None:
        vs = [v for r in results if r.model == model and r.clean and abs(r.view_offset_deg) < 1e-6
              for v in r.near_visibility if v == v]
        return float(np.percentile(vs, VISIBILITY_QUANTILE)) if vs else None
    ref = q("full")
    print(f"[visibility_scale]  # {VISIBILITY_QUANTILE:g}th percentile of the near knee and ankle visibility "
          f"over full's ({_fmt(ref, '.3f')}), clean ideal-view clips")
    for m in models:
        v = q(m)
        if ref and v is not None:
            print(f"{m} = {min(1.0, v / ref):.2f}    # {v:.3f}")


def parse_models(text: str) -> list[str]:
    """`--models` -> model names in lite, full, heavy order; "installed" = each one on this machine."""
    if text == "installed":
        return installed_models()
    names = [m.strip() for m in text.split(",") if m.strip()]
    bad = [m for m in names if m not in MODEL_NAMES]
    if bad or not names:
        raise SystemExit(f"coach bench accuracy: error: --models takes {', '.join(MODEL_NAMES)} "
                         f"or installed, not {text!r}")
    return sorted(set(names), key=MODEL_NAMES.index)


def spine_rows(results: list[ClipResult]) -> list[str]:
    """Contour measures against the rig's spine truth, per stretch and measure: the mean
    absolute error as read, and with each clip's median error removed (what a measure
    judged from the person's neutral sees), beside the true range it moves over."""
    rs = [r for r in results if r.spine_errors]
    if not rs:
        return []
    rows = ["-- back outline vs the rig's spine truth (ideal view) --",
            f"{'stretch':24} {'measure':12} {'unit':>4} {'frames':>6} {'MAE':>6} {'MAE from neutral':>16} {'true range':>10}"]
    for pose in sorted({r.pose for r in rs}):
        spec = load_pose(pose)
        for name in sorted({n for r in rs if r.pose == pose for n in r.spine_errors}):
            errs, rel, true = [], [], []
            for r in rs:
                e = r.spine_errors.get(name, []) if r.pose == pose else []
                if e:
                    med = statistics.median(e)
                    errs += [abs(x) for x in e]
                    rel += [abs(x - med) for x in e]
                    true += r.spine_true[name]
            unit = "%" if spec.measures[name].unit == "pct" else "deg"
            rows.append(f"{pose:24} {name:12} {unit:>4} {len(errs):6d} {statistics.fmean(errs):6.2f} "
                        f"{statistics.fmean(rel):16.2f} {max(true) - min(true):10.2f}")
    rows.append("target: spine curvature MAE <= 3 deg (or <= 10 % of the cat-cow range) in the ideal view")
    return rows


def spine_hold_rows(results: list[ClipResult]) -> list[str]:
    """Holds on the spine clips (issue 13): per stretch, the truth holds the coach timed, and
    the share of time it held on clips with no hold to find (lying still while breathing)."""
    rs = [r for r in results if r.spine_errors]
    poses = sorted(p for p in {r.pose for r in rs} if load_pose(p).hold)      # stretches that hold
    if not any(r.holds_true for r in rs):
        return []
    rows = ["-- holds on the spine clips (ideal view) --",
            f"{'stretch':24} {'found':>7} {'share':>6}  held on clips with no hold to find"]
    for pose in poses:
        with_holds = [r for r in rs if r.pose == pose and r.holds_true]
        none = [r for r in rs if r.pose == pose and not r.holds_true and not r.reps_true and r.clean]
        found, true = sum(r.holds_found for r in with_holds), sum(r.holds_true for r in with_holds)
        share = f"{found / true:6.0%}" if true else f"{'-':>6}"
        dur = sum(r.duration_s for r in none)
        held = f"{sum(r.held_s for r in none) / dur:.1%} of {dur:.1f} s" if dur else "-"
        rows.append(f"{pose:24} {found:>3}/{true:<3} {share}  {held}")
    rows.append("target: pelvic tilts of 5 deg or more found >= 90 %, held <= 5 % of the time lying still")
    return rows


def run(args: argparse.Namespace) -> int:
    folder = Path(args.dir)
    truths = find_truths(folder)
    if args.pose:
        truths = [t for t in truths if t.pose == args.pose]
    if not truths:
        what = f" of stretch {args.pose!r}" if args.pose else ""
        print(f"coach: error: no *.truth.json clips{what} in {folder}", file=sys.stderr)
        return 2
    offsets = load_offsets(folder)
    real = [t for t in truths if t.raw.get("real")]
    truths = [t for t in truths if not t.raw.get("real")]
    status = run_real(real, args) if real else 0
    if not truths:
        return status
    models = parse_models(args.models)
    results = []
    for model in models:
        cache = Path(args.cache or "coach_out/bench") / model
        errors = ensure_traces(truths, cache, args.reuse, args.jobs, not args.quiet,
                               BackendChoice(complexity=MODEL_NAMES.index(model)))
        for e in errors:
            print(f"coach: error: {model}: {e}", file=sys.stderr)
        model_offsets = {} if args.fit_offsets else offsets.get(model, {})
        results += [evaluate_clip(t, trace_path(t, cache), model_offsets.get(t.pose, {}), model)
                    for t in truths if trace_path(t, cache).exists()]
    if args.per_clip:
        for r in results:
            maes = {n: round(statistics.fmean(map(abs, v)), 1) for n, v in r.angle_errors.items() if v}
            print(f"{r.clip:34} {r.model:5} view {r.view_offset_deg:4.0f}  reps {r.reps_counted}/{r.reps_true}  "
                  f"hold err {[round(e, 2) for e in r.hold_errors]}  faults {r.faults_found}/{r.faults_true}  "
                  f"fault_s {r.fault_s:.1f}  person {r.person_frames}/{r.frames}  view warn {r.view_warned_frac:.0%}  MAE {maes}")
    gate = "full" if "full" in models else models[0]
    gate_cache = Path(args.cache or "coach_out/bench") / gate      # the gate model's traces
    if args.fit_offsets:
        for model in models:
            print_offsets([r for r in results if r.model == model], model)
        print_visibility_scales(results, models)
    ideal = [r for r in results if abs(r.view_offset_deg) < 1e-6]
    off = [r for r in results if abs(r.view_offset_deg) >= 1e-6]
    rows, misses = summarise(ideal, f"ideal view (targets apply to {gate})", gate)
    print("\n".join(rows))
    if len(models) > 1:
        print(model_line(ideal, models))
    for line in spine_rows([r for r in ideal if r.model == gate]) + spine_hold_rows([r for r in ideal if r.model == gate]):
        print(line)
    scen = [t for t in truths if scenarios.is_scenario(t)]
    if scen:
        judged = [(t, scenarios.evaluate_scenario(t, load_trace(trace_path(t, gate_cache)), load_pose(t.pose)))
                  for t in scen if trace_path(t, gate_cache).exists()]
        print("\n".join(scenarios.table(judged, gate)))
        passed = sum(r.passed for _, r in judged)
        if passed < len(scen):
            misses.append(f"rig scenarios passed {passed}/{len(scen)}")
    for deg in sorted({abs(r.view_offset_deg) for r in off}):
        rows2, _ = summarise([r for r in off if abs(r.view_offset_deg) == deg], f"{deg:g} deg off the ideal view (reported)")
        print("\n".join(rows2))
    figs = [view_clips.evaluate_views(t, load_trace(trace_path(t, gate_cache)), load_pose(t.pose))
            for t in truths if t.raw.get("landmarks3d") and trace_path(t, gate_cache).exists()]
    if any(figs):
        print("\n".join(view_clips.table([f for f in figs if f])))
    print(f"targets: angle MAE <= {TARGETS['angle_mae_deg']} deg, reps exact >= {TARGETS['rep_exact']:.0%}, "
          f"hold error <= {TARGETS['hold_err_s']} s, fault recall >= {TARGETS['fault_recall']:.0%}, "
          f"false alarms <= {TARGETS['false_alarm']:.0%} of clean-clip time")
    if misses:
        print("MISSED: " + "; ".join(misses))
        return 1
    print("all ideal-view targets met")
    return 0


def run_real(truths: list[Truth], args: argparse.Namespace) -> int:
    """Real clips: per-clip pass/fail, strictly and with only the side-view segments.
    Their traces are kept outside the repository and reused while newer than the video."""
    cache = Path(args.cache).expanduser() if args.cache else Path("~/.cache/coach/bench").expanduser()
    errors = ensure_traces(truths, cache, True, args.jobs, not args.quiet)
    for e in errors:
        print(f"coach: error: {e}", file=sys.stderr)
    strict, side = [], []
    for t in truths:
        if not trace_path(t, cache).exists():
            continue
        spec, trace = load_pose(t.pose), load_trace(trace_path(t, cache))
        strict.append(real_clips.evaluate_real(t, trace, spec))
        s = real_clips.evaluate_side_view(t, trace, spec)
        if s is not None:
            side.append(s)
    print("\n".join(real_clips.table(strict, "real clips, whole clips (strict)")))
    print("\n".join(real_clips.table(side, f"real clips, side-view segments only "
                                            f"(<= {real_clips.SIDE_VIEW_MAX_DEG:g} deg off)")))
    return 1 if errors else 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("accuracy", help="angles, reps, holds and faults against the synthetic clips' truth",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("dir", nargs="?", default="sample_videos", help="folder of clips with .truth.json files")
    p.add_argument("--pose", help="only clips of this stretch")
    p.add_argument("--cache", help="where landmark traces are kept (default coach_out/bench; "
                                   "~/.cache/coach/bench for real clips, never inside the repository)")
    p.add_argument("--reuse", action="store_true", help="reuse cached traces (skip pose detection)")
    p.add_argument("--models", default="installed", metavar="LIST",
                   help="pose models to compare on the same clips, comma-separated: lite, full, heavy "
                        "(default: installed = each one on this machine; scripts/setup installs all three)")
    p.add_argument("--jobs", type=int, default=max(1, os.cpu_count() or 1), help="clips analysed at once")
    p.add_argument("--per-clip", action="store_true", help="also print one line per clip")
    p.add_argument("--fit-offsets", action="store_true",
                   help="print each model's median MediaPipe-minus-truth error per measure, computed "
                        "without calibration.toml's offsets (the values for its tables)")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=run)
