"""`coach poses`: list the stretches and what each one checks."""

from __future__ import annotations

import argparse

from coach.rules.pose_spec import PoseSpec, load_all


def describe(spec: PoseSpec) -> list[str]:
    lines = [f"{spec.name}  ({spec.title})", f"  {spec.summary}",
             f"  camera: {spec.view.kind} view. " + " ".join(spec.setup_guide)]
    if spec.side.mode == "per_side":
        lines.append(f"  sides: {', '.join(spec.side.labels.get(s, s) for s in spec.sides)}")
    if spec.reps:
        r = spec.reps
        lines.append(f"  reps: {r.target} cycles of '{r.measure}' (low <= {r.low_enter:g}, high >= {r.high_enter:g})")
    if spec.hold:
        h = spec.hold
        lines.append(f"  hold: {h.seconds:g} s x {h.count}{' per side' if spec.side.mode == 'per_side' else ''}, "
                     f"lapses under {h.grace_s:g} s pause the timer")
    for c in spec.checks:
        m = spec.measures[c.measure]
        band = (f"{c.min:g}" if c.min is not None else "") + ".." + (f"{c.max:g}" if c.max is not None else "")
        lines.append(f"  - {c.role:6} {c.id}: {m.help or c.measure} in [{band}] {m.unit}"
                     f"{' (vs your neutral)' if m.baseline else ''}")
    return lines


def run(args: argparse.Namespace) -> int:
    for spec in load_all():
        print("\n".join(describe(spec)) + "\n")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("poses", help="list the stretches and what each checks",
                       description="List the six stretches, their camera view, rules and thresholds "
                                   "(from poses/*.toml).")
    p.set_defaults(func=run)
