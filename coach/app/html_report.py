"""A self-contained HTML report of stored sessions: matplotlib PNGs embedded as base64,
inline CSS, no scripts and no external files, so it opens anywhere and can be mailed.

Sections: a summary table; per set, each measure over time with its threshold bands, reps
and holds marked and faults on a timeline; left vs right; range of motion across sessions;
adherence (sessions per week against the routine's target).
"""

from __future__ import annotations

import base64
import html
import io
import sqlite3
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from coach.io import atomic
from coach.io.safe_text import plot_text
from coach.app.history_db import SessionSummary, load_set_rows, session_summaries

BAND = {"form": "#2e7d32", "target": "#1565c0", "setup": "#9e9e9e"}
SIDE_COLOR = {"left": "#1f77b4", "right": "#ff7f0e", "none": "#444444"}

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#222;max-width:1100px}
h1{font-size:1.6em}h2{margin-top:1.6em;border-bottom:1px solid #ddd}h3{margin-bottom:.2em}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;padding:4px 8px;text-align:left}
th{background:#f4f4f4}img.plot{display:block;max-width:100%;height:auto;margin:.4em 0 1em}
.muted{color:#777}
"""


def _png(fig: Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight", facecolor="white")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _img(fig: Figure, alt: str) -> str:
    return f'<img class="plot" alt="{html.escape(alt)}" src="data:image/png;base64,{_png(fig)}">'


def _day(iso: str) -> date:
    return datetime.fromisoformat(iso).date()


# ---------------------------------------------------------------- figures

def set_figure(s: dict[str, Any]) -> Figure:
    """Each judged measure over time with its bands; reps as lines, holds shaded, faults below."""
    rules = s["rules"]
    bands = [b for b in rules.get("bands", []) if b["role"] != "setup"]
    measures = [m for m in dict.fromkeys([rules.get("main")] + [b["measure"] for b in bands]) if m and m in s["series"]]
    n = max(1, len(measures))
    fig = Figure(figsize=(11, 1.9 * n + 1.3))
    axes = fig.subplots(n + 1, 1, sharex=True, gridspec_kw={"height_ratios": [3] * n + [1]})
    t_end = max([s["duration_s"] or 0.0] + [r["end_s"] or 0 for r in s["reps"]] + [h["end_s"] or 0 for h in s["holds"]]
                + [f["end_s"] or 0 for f in s["faults"]] + [p[0] for v in s["series"].values() for p in v] + [1.0])
    if not measures:
        axes[0].text(0.5, 0.5, "no angle samples stored for this set", ha="center", va="center",
                     transform=axes[0].transAxes, color="#777")
    units = rules.get("units", {})
    for ax, m in zip(axes[:-1], measures):
        pts = s["series"][m]
        for side in sorted({p[2] for p in pts}):
            xs = [p[0] for p in pts if p[2] == side]
            ys = [p[1] for p in pts if p[2] == side]
            ax.plot(xs, ys, ".-", ms=2, lw=1, color=SIDE_COLOR.get(side, "#444"), label=f"{m} ({side})" if side != "none" else m)
        lo_v, hi_v = ax.get_ylim()
        for b in bands:
            if b["measure"] != m:
                continue
            lo = b["min"] if b["min"] is not None else lo_v
            hi = b["max"] if b["max"] is not None else hi_v
            ax.axhspan(lo, hi, color=BAND.get(b["role"], "#999"), alpha=0.12, label=f"{b['id']} ({b['role']})")
        reps = rules.get("reps")
        if reps and m == rules.get("main"):
            for y in (reps["low"], reps["high"]):
                ax.axhline(y, color="#6a1b9a", lw=0.8, ls="--")
        ax.set_ylim(lo_v, hi_v)
        for h in s["holds"]:
            if h["start_s"] is not None and h["end_s"] is not None:
                ax.axvspan(h["start_s"], h["end_s"], color="#ffd54f", alpha=0.25)
        for r in s["reps"]:
            if r["end_s"] is not None:
                ax.axvline(r["end_s"], color="#6a1b9a", lw=0.8, alpha=0.7)
        ax.set_ylabel(units.get(m, ""))
        ax.legend(loc="upper right", fontsize=7, ncol=3)
    tl = axes[-1]
    ids = sorted({f["check_id"] for f in s["faults"]})
    for i, cid in enumerate(ids):
        spans = [(f["start_s"], max(0.2, (f["end_s"] or f["start_s"]) - f["start_s"])) for f in s["faults"]
                 if f["check_id"] == cid and f["start_s"] is not None]
        tl.broken_barh(spans, (i - 0.4, 0.8), color="#c62828")
    for h in s["holds"]:
        if h["start_s"] is not None and h["end_s"] is not None:
            tl.axvspan(h["start_s"], h["end_s"], color="#ffd54f", alpha=0.35)
    for r in s["reps"]:
        if r["end_s"] is not None:
            tl.plot([r["end_s"]], [-0.9 if ids else 0], "v", color="#6a1b9a", ms=5)
    tl.set_yticks(range(len(ids)), ids, fontsize=7)
    tl.set_ylim(-1.2, max(1, len(ids)) - 0.4)
    tl.set_xlim(0, t_end)
    tl.set_xlabel("seconds (purple: reps, yellow: holds, red: faults)")
    fig.suptitle(f"{s['title']}  (round {s['round']})", fontsize=10)
    return fig


def side_figure(sets: list[dict[str, Any]]) -> Figure | None:
    """Left vs right per per-side stretch: time in position and the main measure's peak."""
    data: dict[str, dict[str, dict[str, list[float]]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
    for s in sets:
        main = s["rules"].get("main")
        for h in s["holds"]:
            if h["side"] in ("left", "right"):
                data[s["title"]][h["side"]]["in_tol"].append(h["in_tolerance_s"] or 0.0)
                pk = h["peaks"].get(main) if main else None
                if pk:
                    data[s["title"]][h["side"]]["peak"].append(pk[1] if s["rules"].get("better") != "down" else pk[0])
    if not data:
        return None
    fig = Figure(figsize=(11, 3.2))
    ax1, ax2 = fig.subplots(1, 2)
    names = sorted(data)
    for k, (ax, key, label) in enumerate(((ax1, "in_tol", "seconds in position (mean per hold)"),
                                          (ax2, "peak", "peak of the main angle (deg)"))):
        for j, side in enumerate(("left", "right")):
            vals = [sum(v) / len(v) if (v := data[n][side][key]) else 0.0 for n in names]
            ax.bar([i + (j - 0.5) * 0.38 for i in range(len(names))], vals, 0.38, label=side, color=SIDE_COLOR[side])
        ax.set_xticks(range(len(names)), names, fontsize=7, rotation=10)
        ax.set_title(plot_text(label), fontsize=9)
        ax.legend(fontsize=7)
    return fig


def rom_value(s: dict[str, Any]) -> float | None:
    """One range-of-motion figure per set: reps: mean cycle range (high - low peak);
    holds: the best peak of the main measure in the direction the stretch wants."""
    if s["reps"]:
        rs = [r["high_peak"] - r["low_peak"] for r in s["reps"] if r["high_peak"] is not None and r["low_peak"] is not None]
        return sum(rs) / len(rs) if rs else None
    main, better = s["rules"].get("main"), s["rules"].get("better", "up")
    vals = [h["peaks"][main] for h in s["holds"] if main in h["peaks"]]
    if not vals:
        return None
    return min(v[0] for v in vals) if better == "down" else max(v[1] for v in vals)


def rom_figure(trend: dict[str, list[tuple[date, float]]], units: dict[str, str] | None = None) -> Figure | None:
    trend = {k: v for k, v in trend.items() if v}
    if not trend:
        return None
    n = len(trend)
    cols = min(3, n)
    rows = (n + cols - 1) // cols
    fig = Figure(figsize=(11, 2.6 * rows))
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, (title, pts) in zip(axes, sorted(trend.items())):
        pts.sort()
        ax.plot([p[0] for p in pts], [p[1] for p in pts], "o-", color="#00897b")
        ax.set_title(plot_text(title), fontsize=9)
        ax.tick_params(axis="x", labelsize=7, rotation=30)
        ax.set_ylabel((units or {}).get(title, "deg"), fontsize=8)
    for ax in axes[n:]:
        ax.set_visible(False)
    fig.tight_layout()
    return fig


def week_counts(days: list[date], end: date, weeks: int) -> list[tuple[date, int]]:
    """Sessions per Monday-started week, the `weeks` weeks up to and including `end`'s."""
    monday = end - timedelta(days=end.weekday())
    starts = [monday - timedelta(weeks=w) for w in range(weeks - 1, -1, -1)]
    return [(s, sum(1 for d in days if s <= d < s + timedelta(days=7))) for s in starts]


def adherence_figure(counts: list[tuple[date, int]], target: int) -> Figure:
    fig = Figure(figsize=(11, 2.8))
    ax = fig.subplots()
    ax.bar([c[0].strftime("%d %b") for c in counts], [c[1] for c in counts],
           color=["#43a047" if c[1] >= target else "#ef6c00" for c in counts])
    ax.axhline(target, color="#222", ls="--", lw=1, label=f"target: {target} a week")
    ax.set_ylabel("sessions")
    ax.set_ylim(0, max([target + 1] + [c[1] + 1 for c in counts]))
    ax.tick_params(axis="x", labelsize=7)
    ax.legend(fontsize=8)
    ax.set_title("sessions per week (week starting)", fontsize=9)
    return fig


# ---------------------------------------------------------------- the page

def _summary_table(rows: list[SessionSummary]) -> str:
    head = "<tr><th>session</th><th>date</th><th>kind</th><th>stretches</th><th>reps</th><th>holds done</th><th>faults</th><th>profile</th><th>status</th></tr>"
    body = "".join(
        f"<tr><td>{r.id}</td><td>{html.escape(r.started_at[:16].replace('T', ' '))}</td><td>{html.escape(r.kind)}</td>"
        f"<td>{html.escape(', '.join(r.stretches))}</td><td>{r.reps}</td><td>{r.holds_completed}/{r.holds}</td>"
        f"<td>{r.faults}</td><td>{html.escape(', '.join(r.profiles) or '-')}</td><td>{html.escape(r.status)}</td></tr>"
        for r in rows)
    return f"<table>{head}{body}</table>"


def _set_table(s: dict[str, Any]) -> str:
    parts = []
    if s["reps"]:
        parts.append(f"{len(s['reps'])} reps")
    if s["holds"]:
        parts.append(", ".join(f"hold {h['side']}: {h['in_tolerance_s'] or 0:.1f}/{h['target_s'] or 0:g} s"
                               f"{' ✓' if h['completed'] else ''}" for h in s["holds"]))
    if s["faults"]:
        parts.append(", ".join(f"{f['check_id']} at {f['start_s'] or 0:.1f} s ({f['side']})" for f in s["faults"]))
    prof = f" — profile {html.escape(s['profile'])}" if s["profile"] else ""
    return f"<p>{html.escape('; '.join(parts) or 'nothing recorded')}{prof}</p>"


def build_report(con: sqlite3.Connection, session_ids: list[int], out: Path | str, *,
                 sessions_per_week: int = 3, weeks: int = 8) -> Path:
    """Write the HTML report for the given sessions (trends use every session stored up to
    the last of them). Returns the output path."""
    if not session_ids:
        raise ValueError("no sessions to report")
    all_rows = session_summaries(con)
    chosen = [r for r in all_rows if r.id in set(session_ids)]
    if not chosen:
        raise ValueError(f"no such session(s): {session_ids}")
    last_day = max(_day(r.started_at) for r in chosen)
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>coach report</title>"
             f"<style>{CSS}</style></head><body>",
             f"<h1>Stretch report</h1><p class='muted'>{len(chosen)} session(s), "
             f"{html.escape(chosen[0].started_at[:10])} to {html.escape(chosen[-1].started_at[:10])}</p>",
             "<h2>Sessions</h2>", _summary_table(chosen)]
    chosen_sets: list[dict[str, Any]] = []
    for r in chosen:
        sets = load_set_rows(con, r.id)
        chosen_sets += sets
        parts.append(f"<h2>Session {r.id}: {html.escape(r.started_at[:16].replace('T', ' '))}</h2>")
        for s in sets:
            parts.append(f"<h3>{html.escape(s['title'])}</h3>{_set_table(s)}")
            parts.append(_img(set_figure(s), f"{s['title']} angle over time"))
    parts.append("<h2>Left vs right</h2>")
    fig = side_figure(chosen_sets)
    parts.append(_img(fig, "left vs right") if fig else "<p class='muted'>No per-side holds in these sessions.</p>")

    trend: dict[str, list[tuple[date, float]]] = defaultdict(list)
    units: dict[str, str] = {}
    for r in all_rows:
        if _day(r.started_at) > last_day:
            continue
        for s in load_set_rows(con, r.id):
            v = rom_value(s)
            if v is not None:
                trend[s["title"]].append((_day(r.started_at), v))
                units[s["title"]] = s["rules"].get("units", {}).get(s["rules"].get("main"), "deg")
    parts.append("<h2>Range of motion across sessions</h2><p class='muted'>Rep stretches: mean cycle range; "
                 "holds: the best angle reached in the stretch's direction.</p>")
    fig = rom_figure(trend, units)
    parts.append(_img(fig, "range of motion trend") if fig else "<p class='muted'>No range-of-motion data yet.</p>")

    days = [_day(r.started_at) for r in all_rows if r.kind != "review" and _day(r.started_at) <= last_day]
    counts = week_counts(days, last_day, weeks)
    met = sum(1 for c in counts if c[1] >= sessions_per_week)
    parts.append(f"<h2>Adherence</h2><p>The routine asks for {sessions_per_week} sessions a week; "
                 f"met in {met} of the last {weeks} weeks.</p>")
    parts.append(_img(adherence_figure(counts, sessions_per_week), "sessions per week"))
    parts.append("</body></html>")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    return atomic.write_text(out, "\n".join(parts))
