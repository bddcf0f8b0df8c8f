"""What the end-of-set, end-of-session and stopped screens say, in plain words, from a
stretch record: reps, holds per side with the seconds in good form, the faults by their
cue, and what comes next. Pure: coach/app/window.py draws it (layout.summary_layout)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Iterable

from coach.app.layout import SummaryView
from coach.core.record import StretchRecord
from coach.rules.pose_spec import PoseSpec


def _times(n: int) -> str:
    return {1: "once", 2: "twice"}.get(n, f"{n} times")


def _secs(s: float) -> str:
    return f"{s:.0f} s"


def stretch_lines(rec: StretchRecord | dict[str, Any], spec: PoseSpec | None = None) -> list[str]:
    """One stretch's result for a person: reps, holds per side, faults ("To work on")."""
    r = rec.to_dict() if isinstance(rec, StretchRecord) else rec
    out: list[str] = []
    if r.get("counts_reps") or r.get("holds_are_reps"):
        target = f" of {spec.reps.target}" if spec is not None and spec.reps else ""
        out.append(f"Reps: {r.get('rep_count', 0)}{target}")
    by_side: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for h in r.get("holds", []):
        by_side[h["side"]].append(h)
    per_side = spec.hold.count if spec is not None and spec.hold else None
    for side in sorted(by_side):
        holds = by_side[side]
        done = sum(1 for h in holds if h.get("completed"))
        best = max(h.get("in_tolerance_s") or 0.0 for h in holds)
        target = holds[0].get("target_s") or 0.0
        label = (spec.side.labels.get(side, side) if spec is not None else side) if side in ("left", "right") else "Holds"
        label = label[:1].upper() + label[1:]
        want = per_side if per_side is not None else len(holds)
        out.append(f"{label}: {min(done, want)} of {want} hold{'s' if want != 1 else ''} done, "
                   f"longest {_secs(best)} in good form of {_secs(target)}")
    if not by_side and spec is not None and spec.hold and not r.get("holds_are_reps"):
        out.append("No hold was timed: the position was not reached")
    faults: dict[str, list[float]] = defaultdict(list)
    for f in r.get("faults", []):
        faults[f["text"]].append(f.get("duration_s") or 0.0)
    for text, durs in sorted(faults.items(), key=lambda kv: -sum(kv[1])):
        out.append(f"To work on: {text[:1].lower() + text[1:]} ({_times(len(durs))}, {_secs(sum(durs))} in all)")
    if not faults and (by_side or r.get("rep_count")):
        out.append("Good form throughout")
    return out


def set_summary(rec: StretchRecord | dict[str, Any], spec: PoseSpec | None = None, *, next_step: str = "",
                hint: str = "") -> SummaryView:
    """The end-of-set screen."""
    title = rec.title if isinstance(rec, StretchRecord) else rec.get("title", "")
    return SummaryView(f"Set complete: {title}", tuple(stretch_lines(rec, spec)), next=next_step, hint=hint)


def session_summary(records: Iterable[tuple[StretchRecord | dict[str, Any], PoseSpec | None]], *, stopped: str = "",
                    hint: str = "", next_step: str = "") -> SummaryView:
    """The end-of-session screen; `stopped` gives the reason when it ended early."""
    lines: list[str] = []
    recs = list(records)
    for rec, spec in recs:
        title = rec.title if isinstance(rec, StretchRecord) else rec.get("title", "")
        body = stretch_lines(rec, spec)
        lines += [f"{title}:"] + ([f"   {b}" for b in body] if body else ["   nothing recorded"])
    if not recs:
        lines.append("Nothing was recorded.")
    if stopped:
        return SummaryView("Stopped", (stopped, "Everything so far is saved.", *lines),
                           next=next_step or "Rest. If it hurt, do not go on: see a professional if the pain stays.",
                           hint=hint, tone="fail")
    finished = bool(recs) and all(_set_complete(rec) for rec, _ in recs)
    return SummaryView("Session complete" if finished else "Session ended", tuple(lines),
                       next=next_step or ("Well done. Next session: see you soon." if finished
                                          else "Well done for today. Next time, try to finish the set."),
                       hint=hint, tone="pass" if finished else "neutral")


def _set_complete(rec: StretchRecord | dict[str, Any]) -> bool:
    r = rec.to_dict() if isinstance(rec, StretchRecord) else rec
    return any(e.get("kind") == "set_complete" for e in r.get("events", []))


def close_hint(timeout_s: float) -> str:
    return f"Press any key to close (it closes by itself in {timeout_s:.0f} s)"
