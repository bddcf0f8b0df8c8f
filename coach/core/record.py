"""The session record of one stretch: reps, holds and faults, as JSON- and CSV-ready data."""

from __future__ import annotations

import csv
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from coach.core.engine import Engine
from coach.io import atomic
from coach.io.safe_text import csv_cell, file_stem


@dataclass
class StretchRecord:
    pose: str
    title: str
    source: str
    duration_s: float
    frames: int
    frames_with_person: int
    reps: list[dict[str, Any]] = field(default_factory=list)
    holds: list[dict[str, Any]] = field(default_factory=list)
    faults: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    baseline: dict[str, float] = field(default_factory=dict)
    model: str = ""
    profile: str = ""
    counts_reps: bool = False      # the stretch has a rep rule (else holds only)
    holds_are_reps: bool = False   # repeated holds (e.g. 10 x 5 s pelvic tilts): each completed hold is a rep

    @property
    def rep_count(self) -> int:
        if self.holds_are_reps:
            return sum(1 for h in self.holds if h["completed"])
        return len(self.reps)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["rep_count"] = self.rep_count
        d["holds_completed"] = sum(1 for h in self.holds if h["completed"])
        return d


def _r(x: float | None, nd: int = 2) -> float | None:
    return None if x is None else round(float(x), nd)


def build_record(engine: Engine, *, source: str, duration_s: float, frames: int,
                 frames_with_person: int, model: str = "", profile: str = "") -> StretchRecord:
    """Collect an engine's reps, holds and faults through its public read-only view
    (call engine.finish first, or the open hold and faults are left out)."""
    spec = engine.spec
    reps = [
        {"index": r.index, "side": r.side, "start": _r(r.start), "end": _r(r.end),
         "duration_s": _r(r.duration), "low_peak": _r(r.low_peak, 1), "high_peak": _r(r.high_peak, 1)}
        for r in engine.rep_records
    ]
    holds = [
        {"side": h.side, "start": _r(h.start), "end": _r(h.end), "duration_s": _r(h.duration),
         "in_tolerance_s": _r(h.in_tolerance_s), "good_form_s": _r(h.good_form_s), "target_s": spec.hold.seconds,
         "completed": h.completed, "pauses": h.pauses,
         "peaks": {k: [_r(lo, 1), _r(hi, 1)] for k, (lo, hi) in h.peaks.items()}}
        for h in engine.hold_records
    ]
    faults = [
        {"id": f.id, "side": f.side, "start": _r(f.start), "end": _r(f.end),
         "duration_s": _r((f.end or f.start) - f.start), "worst": _r(f.worst, 1), "text": f.text}
        for f in engine.fault_records
    ]
    return StretchRecord(
        pose=spec.name, title=spec.title, source=source, duration_s=_r(duration_s),
        frames=frames, frames_with_person=frames_with_person, reps=reps, holds=holds, faults=faults,
        events=[{**e.to_dict(), "t": _r(e.t)} for e in engine.events],
        baseline={k: _r(v, 2) for k, v in engine.baseline.items()}, model=model, profile=profile,
        counts_reps=spec.reps is not None,
        holds_are_reps=spec.reps is None and spec.hold is not None and spec.hold.count > 1,
    )


def summary_lines(rec: StretchRecord) -> list[str]:
    """A short human summary of a record for the terminal."""
    lines = [f"{rec.title}: {rec.frames} frames, person seen in {rec.frames_with_person}"]
    if rec.counts_reps or rec.holds_are_reps:
        lines.append(f"  reps counted: {rec.rep_count}")
    for h in rec.holds:
        lines.append(f"  hold {h['side']:>5}: {h['start']:6.1f}-{h['end']:6.1f} s, in position "
                     f"{h['in_tolerance_s']:.1f} s of {h['target_s']:.0f} s"
                     f" ({h.get('good_form_s', h['in_tolerance_s']):.1f} s in good form)"
                     f"{' (complete)' if h['completed'] else ''}, {h['pauses']} pause(s)")
    for f in rec.faults:
        lines.append(f"  fault {f['id']} at {f['start']:.1f}-{f['end']:.1f} s: {f['text']}")
    if rec.frames_with_person == 0:
        lines.append("  no person was detected in this video: is the whole body in the frame and lit?")
    return lines


def output_paths(out_dir: Path, stem: str) -> dict[str, Path]:
    """Where a session's files go: <stem>.report.json, .report.csv, .trace.npz, .annotated.mp4
    (the stem made safe for a file name)."""
    stem = file_stem(stem)
    return {k: Path(out_dir) / f"{stem}.{k}" for k in ("report.json", "report.csv", "trace.npz", "annotated.mp4")}


def partial_reason(record: StretchRecord) -> str | None:
    """Why a record is partial (an 'incomplete' event, or a session that did not end as
    planned), or None for a complete one."""
    for e in record.events:
        if e.get("kind") == "incomplete":
            return e.get("text") or "incomplete"
        if e.get("kind") == "session_end" and not (e.get("data") or {}).get("complete", True):
            return e.get("text") or "incomplete"
    return None


def write_json(record: StretchRecord, path: Path) -> None:
    atomic.write_text(path, json.dumps(record.to_dict(), indent=2))


def write_csv(record: StretchRecord, path: Path) -> None:
    """One row per rep, hold and fault: kind, index, side, start, end, duration, detail.
    A partial record (interrupted run) says so in a `partial` row first."""
    with atomic.atomic_open(path, newline="") as f:
        w = csv.writer(f)
        w.writerow(["kind", "index", "side", "start_s", "end_s", "duration_s", "detail"])
        if (why := partial_reason(record)) is not None:
            w.writerow(["partial", "", "", "", record.duration_s, "", csv_cell(f"incomplete: {why}")])
        for r in record.reps:
            w.writerow(["rep", r["index"], r["side"], r["start"], r["end"], r["duration_s"],
                        f"low_peak={r['low_peak']} high_peak={r['high_peak']}"])
        for i, h in enumerate(record.holds, 1):
            peaks = " ".join(f"{k}={lo}..{hi}" for k, (lo, hi) in h["peaks"].items())
            w.writerow(["hold", i, h["side"], h["start"], h["end"], h["duration_s"],
                        f"in_tolerance_s={h['in_tolerance_s']} good_form_s={h.get('good_form_s')} completed={h['completed']} pauses={h['pauses']} {peaks}"])
        for i, fl in enumerate(record.faults, 1):
            w.writerow(["fault", i, fl["side"], fl["start"], fl["end"], fl["duration_s"], csv_cell(f"{fl['id']}: {fl['text']}")])
