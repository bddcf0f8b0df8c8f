"""A self-contained HTML report of stored sessions, written for a physiotherapist:
matplotlib PNGs embedded as base64, inline CSS, no scripts and no external files, so it
opens anywhere and can be mailed.

Sections: a summary table; per set, each measure (by name, in degrees) over time with its
thresholds drawn as lines and the accepted range shaded (the y axis always takes the
thresholds in, so they are never off the plot or the whole panel), reps and holds marked,
faults by name on a timeline, and a table of each hold's angles during the hold; left vs
right; the hold angle across sessions on a date axis; adherence (sessions per week that
count: at least one stretch finished, or two minutes of stretching).
"""

from __future__ import annotations

import base64
import html
import io
import sqlite3
import statistics
from collections import defaultdict
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from coach.io import atomic
from coach.io.safe_text import plot_text
from coach.app.history_db import SessionSummary, load_set_rows, session_summaries

BAND = {"form": "#0072b2", "target": "#009e73", "setup": "#9e9e9e"}
SIDE_COLOR = {"left": "#0072b2", "right": "#e69f00", "none": "#444444"}   # blue / orange: colour-blind safe
UNIT_SIGN = {"deg": "°", "ratio": ""}
UNIT_WORD = {"deg": "degrees", "ratio": "ratio of body length"}
KIND_WORD = {"live": "Live", "routine": "Routine", "review": "Imported review"}
REAL_SESSION_S = 120.0     # a session counts for adherence with a finished stretch or this much stretching

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#222;max-width:1100px}
h1{font-size:1.6em}h2{margin-top:1.6em;border-bottom:1px solid #ddd}h3{margin-bottom:.2em}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;padding:4px 8px;text-align:left}
th{background:#f4f4f4}img.plot{display:block;max-width:100%;height:auto;margin:.4em 0 1em}
.muted{color:#666}.num{text-align:right;font-variant-numeric:tabular-nums}
"""


def _png(fig: Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight", facecolor="white")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _img(fig: Figure, alt: str) -> str:
    return f'<img class="plot" alt="{html.escape(alt)}" src="data:image/png;base64,{_png(fig)}">'


def _day(iso: str) -> date:
    return datetime.fromisoformat(iso).date()


# ---------------------------------------------------------------- names for people

@lru_cache(maxsize=32)
def _spec(pose: str):
    try:
        from coach.rules.pose_spec import load_pose

        return load_pose(pose)
    except Exception:  # noqa: BLE001 - an unknown or renamed pose: fall back to the ids in words
        return None


def measure_label(pose: str, measure: str) -> str:
    """"Front knee" for front_knee: the name the live screen uses."""
    spec = _spec(pose)
    if spec is not None and measure in spec.measures:
        from coach.app.hud import measure_name

        return measure_name(spec, measure)
    return measure.replace("_", " ").capitalize()


def check_label(pose: str, check_id: str) -> str:
    """A fault's name in words: the check's label ("Torso upright"), never its id."""
    spec = _spec(pose)
    c = next((c for c in spec.checks if c.id == check_id), None) if spec is not None else None
    text = c.label if c is not None and c.label else check_id.replace("_", " ")
    return text[:1].upper() + text[1:]


def _unit(s: dict[str, Any], m: str) -> str:
    return s["rules"].get("units", {}).get(m, "deg")


def _fmt(v: float, unit: str) -> str:
    return f"{v:.2f}" if unit == "ratio" else f"{v:.0f}{UNIT_SIGN.get(unit, '')}"


def hold_values(s: dict[str, Any], h: dict[str, Any], m: str) -> list[float]:
    """The measure's stored samples during a hold (its side, its start to end)."""
    if h.get("start_s") is None or h.get("end_s") is None:
        return []
    return [v for t, v, side in s["series"].get(m, [])
            if h["start_s"] <= t <= h["end_s"] and (side == h["side"] or h["side"] not in ("left", "right"))]


def hold_angle(s: dict[str, Any], h: dict[str, Any], m: str | None) -> float | None:
    """The angle a hold was held at: the median of its samples during the hold (not the
    peak over the whole span, which is the upright position between sides); the stored
    peak in the stretch's direction where no samples were kept."""
    if not m:
        return None
    vals = hold_values(s, h, m)
    if vals:
        return statistics.median(vals)
    pk = h.get("peaks", {}).get(m)
    if not pk:
        return None
    return pk[0] if s["rules"].get("better") == "down" else pk[1]


# ---------------------------------------------------------------- figures

def _limits(values: list[float], marks: list[float]) -> tuple[float, float]:
    """A y range that holds the data and every threshold, with a margin."""
    allv = values + marks
    lo, hi = (min(allv), max(allv)) if allv else (0.0, 1.0)
    pad = max((hi - lo) * 0.08, 2.0 if hi - lo > 1 else 0.02)
    return lo - pad, hi + pad


def set_figure(s: dict[str, Any]) -> Figure:
    """Each judged measure over time (by name, in its unit): the thresholds as dashed lines
    with their values and the accepted range shaded; holds shaded, reps marked, faults by
    name on a timeline below. Legends sit outside the plots, never over the data."""
    rules, pose = s["rules"], s.get("pose", "")
    bands = [b for b in rules.get("bands", []) if b["role"] != "setup"]
    measures = [m for m in dict.fromkeys([rules.get("main")] + [b["measure"] for b in bands]) if m and m in s["series"]]
    n = max(1, len(measures))
    fig = Figure(figsize=(11, 2.0 * n + 1.4))
    axes = fig.subplots(n + 1, 1, sharex=True, gridspec_kw={"height_ratios": [3] * n + [1.2]})
    t_end = max([s["duration_s"] or 0.0] + [r["end_s"] or 0 for r in s["reps"]] + [h["end_s"] or 0 for h in s["holds"]]
                + [f["end_s"] or 0 for f in s["faults"]] + [p[0] for v in s["series"].values() for p in v] + [1.0])
    if not measures:
        axes[0].text(0.5, 0.5, "no angle samples stored for this set", ha="center", va="center",
                     transform=axes[0].transAxes, color="#666")
    for ax, m in zip(axes[:-1], measures):
        unit = _unit(s, m)
        name = measure_label(pose, m)
        pts = s["series"][m]
        for side in sorted({p[2] for p in pts}):
            xs = [p[0] for p in pts if p[2] == side]
            ys = [p[1] for p in pts if p[2] == side]
            ax.plot(xs, ys, ".-", ms=2, lw=1, color=SIDE_COLOR.get(side, "#444"),
                    label=f"{side} side" if side != "none" else "side not known")
        mine = [b for b in bands if b["measure"] == m]
        marks = [v for b in mine for v in (b["min"], b["max"]) if v is not None]
        reps = rules.get("reps")
        if reps and m == rules.get("main"):
            marks += [reps["low"], reps["high"]]
        lo_v, hi_v = _limits([p[1] for p in pts], marks)
        for b in mine:
            lo = b["min"] if b["min"] is not None else lo_v
            hi = b["max"] if b["max"] is not None else hi_v
            what = "aim" if b["role"] == "target" else "good form"
            ax.axhspan(lo, hi, color=BAND.get(b["role"], "#999"), alpha=0.10, lw=0,
                       label=f"{what}: {check_label(pose, b['id']).lower()}")
            for v, word in ((b["min"], "min"), (b["max"], "max")):
                if v is not None:
                    ax.axhline(v, color=BAND.get(b["role"], "#999"), lw=1, ls="--")
                    ax.annotate(f"{word} {_fmt(v, unit)}", (1.0, v), xycoords=("axes fraction", "data"),
                                xytext=(4, 0), textcoords="offset points", va="center", fontsize=7,
                                color=BAND.get(b["role"], "#555"))
        if reps and m == rules.get("main"):
            for y in (reps["low"], reps["high"]):
                ax.axhline(y, color="#6a1b9a", lw=0.8, ls=":")
        ax.set_ylim(lo_v, hi_v)
        for h in s["holds"]:
            if h["start_s"] is not None and h["end_s"] is not None:
                ax.axvspan(h["start_s"], h["end_s"], color="#ffd54f", alpha=0.15, lw=0)
        for r in s["reps"]:
            if r["end_s"] is not None:
                ax.axvline(r["end_s"], color="#6a1b9a", lw=0.8, alpha=0.7)
        ax.set_ylabel(f"{plot_text(name)}\n({UNIT_WORD.get(unit, unit)})", fontsize=8)
        ax.legend(loc="upper left", bbox_to_anchor=(1.08, 1.0), fontsize=7, frameon=False, borderaxespad=0)
    tl = axes[-1]
    ids = sorted({f["check_id"] for f in s["faults"]})
    for i, cid in enumerate(ids):
        spans = [(f["start_s"], max(0.2, (f["end_s"] or f["start_s"]) - f["start_s"])) for f in s["faults"]
                 if f["check_id"] == cid and f["start_s"] is not None]
        tl.broken_barh(spans, (i - 0.4, 0.8), color="#d55e00")
    for h in s["holds"]:
        if h["start_s"] is not None and h["end_s"] is not None:
            tl.axvspan(h["start_s"], h["end_s"], color="#ffd54f", alpha=0.35, lw=0)
    for r in s["reps"]:
        if r["end_s"] is not None:
            tl.plot([r["end_s"]], [-0.9 if ids else 0], "v", color="#6a1b9a", ms=5)
    tl.set_yticks(range(len(ids)), [plot_text(check_label(pose, c)) for c in ids], fontsize=7)
    tl.set_ylim(-1.2, max(1, len(ids)) - 0.4)
    tl.set_xlim(0, t_end)
    tl.set_xlabel("seconds into the set (yellow: holds, purple marks: reps, orange bars: faults)")
    fig.suptitle(plot_text(f"{s['title']}  (round {s['round']})"), fontsize=10)
    fig.subplots_adjust(top=1.0 - 0.45 / fig.get_figheight(), hspace=0.25)
    return fig


def side_figure(sets: list[dict[str, Any]]) -> Figure | None:
    """Left vs right per per-side stretch: seconds in good form per hold, and the main
    angle during the holds (median of the samples, not the peak of the whole span), one
    bar pair per stretch, each named with its measure."""
    data: dict[str, dict[str, dict[str, list[float]]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
    names: dict[str, str] = {}
    for s in sets:
        main = s["rules"].get("main")
        degrees = bool(main) and _unit(s, main) == "deg"
        for h in s["holds"]:
            if h["side"] in ("left", "right"):
                data[s["title"]][h["side"]]["in_tol"].append(h["in_tolerance_s"] or 0.0)
                a = hold_angle(s, h, main) if degrees else None
                if a is not None:
                    data[s["title"]][h["side"]]["angle"].append(a)
                    names[s["title"]] = measure_label(s.get("pose", ""), main)
    if not data:
        return None
    fig = Figure(figsize=(11, 3.6))
    ax1, ax2 = fig.subplots(1, 2)
    for ax, key, label in ((ax1, "in_tol", "seconds in good form per hold (mean)"),
                           (ax2, "angle", "main angle during the holds (median, degrees)")):
        titles = sorted(t for t in data if any(data[t][sd][key] for sd in ("left", "right")))
        for j, side in enumerate(("left", "right")):
            vals = [sum(v) / len(v) if (v := data[n][side][key]) else 0.0 for n in titles]
            bars = ax.bar([i + (j - 0.5) * 0.38 for i in range(len(titles))], vals, 0.38, label=f"{side} side",
                          color=SIDE_COLOR[side], hatch="" if side == "left" else "//", edgecolor="white")
            ax.bar_label(bars, fmt="%.0f", fontsize=7, padding=2)
        ticks = [plot_text(n.replace(" with ", "\nwith ") + (f"\n({names[n]})" if key == "angle" else ""))
                 for n in titles]
        ax.set_xticks(range(len(titles)), ticks, fontsize=7)
        ax.set_title(plot_text(label), fontsize=9)
        ax.margins(y=0.15)
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    fig.tight_layout()
    return fig


def rom_value(s: dict[str, Any]) -> float | None:
    """One range-of-motion figure per set: reps: mean cycle range (high - low peak);
    holds: the best hold's angle (median during the hold) in the stretch's direction."""
    if s["reps"]:
        rs = [r["high_peak"] - r["low_peak"] for r in s["reps"] if r["high_peak"] is not None and r["low_peak"] is not None]
        return sum(rs) / len(rs) if rs else None
    main, better = s["rules"].get("main"), s["rules"].get("better", "up")
    vals = [a for h in s["holds"] if (a := hold_angle(s, h, main)) is not None]
    if not vals:
        return None
    return min(vals) if better == "down" else max(vals)


def rom_figure(trend: dict[str, list[tuple[datetime, float]]], units: dict[str, str] | None = None,
               names: dict[str, str] | None = None) -> Figure | None:
    """The hold angle (or rep range) per session on a date axis that spans the sessions:
    a single day shows as that day, not as years."""
    import matplotlib.dates as mdates

    trend = {k: v for k, v in trend.items() if v}
    if not trend:
        return None
    n = len(trend)
    cols = min(3, n)
    rows = (n + cols - 1) // cols
    fig = Figure(figsize=(11, 2.8 * rows))
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, (title, pts) in zip(axes, sorted(trend.items())):
        pts.sort()
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        ax.plot(xs, ys, "o-", color="#009e73")
        pad = max((xs[-1] - xs[0]) * 0.08, timedelta(hours=12))
        ax.set_xlim(xs[0] - pad, xs[-1] + pad)
        loc = mdates.AutoDateLocator(minticks=2, maxticks=6)
        ax.xaxis.set_major_locator(loc)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc))
        ax.margins(y=0.2)
        ax.set_title(plot_text(title), fontsize=9)
        ax.tick_params(axis="x", labelsize=7)
        unit = (units or {}).get(title, "deg")
        ax.set_ylabel(plot_text(f"{(names or {}).get(title, '')} ({UNIT_WORD.get(unit, unit)})".strip()), fontsize=8)
    for ax in axes[n:]:
        ax.set_visible(False)
    fig.tight_layout()
    return fig


def week_counts(days: list[date], end: date, weeks: int) -> list[tuple[date, int]]:
    """Sessions per Monday-started week, the `weeks` weeks up to and including `end`'s."""
    monday = end - timedelta(days=end.weekday())
    starts = [monday - timedelta(weeks=w) for w in range(weeks - 1, -1, -1)]
    return [(s, sum(1 for d in days if s <= d < s + timedelta(days=7))) for s in starts]


def real_sessions(con: sqlite3.Connection) -> set[int]:
    """Sessions that count for adherence: not an imported review, and at least one
    stretch finished (all its holds or reps) or REAL_SESSION_S of stretching in all. A
    short try of one stretch is not a session of the routine."""
    rows = con.execute(
        "SELECT s.id AS id, MAX(COALESCE(sets.complete, 0)) AS done, SUM(COALESCE(sets.duration_s, 0)) AS secs "
        "FROM sessions s JOIN stretches st ON st.session_id = s.id JOIN sets ON sets.stretch_id = st.id "
        "WHERE s.kind != 'review' GROUP BY s.id").fetchall()
    return {int(r[0]) for r in rows if r[1] or (r[2] or 0) >= REAL_SESSION_S}


def adherence_figure(counts: list[tuple[date, int]], target: int) -> Figure:
    fig = Figure(figsize=(11, 2.8))
    ax = fig.subplots()
    ax.bar([c[0].strftime("%d %b") for c in counts], [c[1] for c in counts],
           color=["#0072b2" if c[1] >= target else "#e69f00" for c in counts])
    ax.axhline(target, color="#222", ls="--", lw=1)
    ax.annotate(f"target: {target} a week", (1.0, target), xycoords=("axes fraction", "data"), xytext=(4, 0),
                textcoords="offset points", va="center", fontsize=8)
    ax.set_ylabel("sessions")
    ax.set_ylim(0, max([target + 1] + [c[1] + 1 for c in counts]))
    ax.tick_params(axis="x", labelsize=7)
    ax.set_title("sessions per week (week starting; blue: target met, orange: not met)", fontsize=9)
    return fig


# ---------------------------------------------------------------- the page

def _summary_table(rows: list[SessionSummary]) -> str:
    head = ("<tr><th>session</th><th>date</th><th>kind</th><th>stretches</th><th>reps</th>"
            "<th>holds finished</th><th>faults</th><th>profile</th><th>status</th></tr>")
    body = "".join(
        f"<tr><td>{r.id}</td><td>{html.escape(r.started_at[:16].replace('T', ' '))}</td>"
        f"<td>{html.escape(KIND_WORD.get(r.kind, r.kind))}</td>"
        f"<td>{html.escape(', '.join(r.stretches))}</td><td class='num'>{r.reps if r.reps else '-'}</td>"
        f"<td class='num'>{f'{r.holds_completed} of {r.holds}' if r.holds else '-'}</td>"
        f"<td class='num'>{r.faults}</td><td>{html.escape(', '.join(r.profiles) or '-')}</td>"
        f"<td>{html.escape(r.status)}</td></tr>"
        for r in rows)
    return f"<table>{head}{body}</table>"


def _set_text(s: dict[str, Any]) -> str:
    pose = s.get("pose", "")
    parts = []
    if s["reps"]:
        parts.append(f"{len(s['reps'])} reps")
    if s["faults"]:
        parts.append("faults: " + ", ".join(f"{check_label(pose, f['check_id']).lower()} at {f['start_s'] or 0:.0f} s"
                                          f"{'' if f['side'] in ('none', None) else ' (' + f['side'] + ' side)'}"
                                          for f in s["faults"]))
    prof = f" — profile {html.escape(s['profile'])}" if s["profile"] else ""
    return f"<p>{html.escape('; '.join(parts) or ('holds below' if s['holds'] else 'nothing recorded'))}{prof}</p>"


def _hold_table(s: dict[str, Any]) -> str:
    """One row per hold: side, when, seconds in good form, and each judged measure's
    median (lowest to highest) during the hold."""
    if not s["holds"]:
        return ""
    pose, rules = s.get("pose", ""), s["rules"]
    ms = [m for m in dict.fromkeys([rules.get("main")] + [b["measure"] for b in rules.get("bands", [])
                                                           if b["role"] != "setup"]) if m]
    head = "".join(f"<th>{html.escape(measure_label(pose, m))} during the hold<br>"
                   f"<span class='muted'>median (lowest-highest)</span></th>" for m in ms)
    rows = []
    for h in s["holds"]:
        cells = []
        for m in ms:
            vals, unit = hold_values(s, h, m), _unit(s, m)
            cells.append(f"<td class='num'>{_fmt(statistics.median(vals), unit)} ({_fmt(min(vals), unit)}-"
                         f"{_fmt(max(vals), unit)})</td>" if vals else "<td class='muted'>no samples</td>")
        side = h["side"] if h["side"] in ("left", "right") else "-"
        rows.append(f"<tr><td>{side}</td><td class='num'>{h['start_s'] or 0:.0f}-{h['end_s'] or 0:.0f} s</td>"
                    f"<td class='num'>{h['in_tolerance_s'] or 0:.0f} of {h['target_s'] or 0:.0f} s"
                    f"{' (finished)' if h['completed'] else ''}</td>{''.join(cells)}</tr>")
    return (f"<table><tr><th>side</th><th>from-to</th><th>in good form</th>{head}</tr>{''.join(rows)}</table>")


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
             f"{html.escape(chosen[0].started_at[:10])} to {html.escape(chosen[-1].started_at[:10])}. "
             "Angles in degrees; dashed lines are the thresholds in use at the time, the shaded range is "
             "good form (blue) or the aim (green).</p>",
             "<h2>Sessions</h2>", _summary_table(chosen)]
    chosen_sets: list[dict[str, Any]] = []
    for r in chosen:
        sets = load_set_rows(con, r.id)
        chosen_sets += sets
        parts.append(f"<h2>Session {r.id}: {html.escape(r.started_at[:16].replace('T', ' '))}"
                     f" ({html.escape(KIND_WORD.get(r.kind, r.kind).lower())})</h2>")
        for s in sets:
            parts.append(f"<h3>{html.escape(s['title'])}</h3>{_set_text(s)}{_hold_table(s)}")
            if s["series"] or s["reps"] or s["holds"] or s["faults"]:
                parts.append(_img(set_figure(s), f"{s['title']} angle over time"))
            else:
                parts.append("<p class='muted'>No angle samples were stored for this set.</p>")
    parts.append("<h2>Left vs right</h2>")
    fig = side_figure(chosen_sets)
    parts.append(_img(fig, "left vs right") if fig else "<p class='muted'>No per-side holds in these sessions.</p>")

    trend: dict[str, list[tuple[datetime, float]]] = defaultdict(list)
    units: dict[str, str] = {}
    names: dict[str, str] = {}
    for r in all_rows:
        if _day(r.started_at) > last_day:
            continue
        for s in load_set_rows(con, r.id):
            v = rom_value(s)
            if v is not None:
                trend[s["title"]].append((datetime.fromisoformat(r.started_at), v))
                main = s["rules"].get("main")
                units[s["title"]] = _unit(s, main) if main else "deg"
                names[s["title"]] = ("range per rep, " if s["reps"] else "") + (
                    measure_label(s.get("pose", ""), main) if main else "")
    parts.append("<h2>Range of motion across sessions</h2><p class='muted'>Rep stretches: mean range per rep; "
                 "holds: the best hold's angle (the median during the hold) in the stretch's direction.</p>")
    fig = rom_figure(trend, units, names)
    parts.append(_img(fig, "range of motion trend") if fig else "<p class='muted'>No range-of-motion data yet.</p>")

    real = real_sessions(con)
    days = [_day(r.started_at) for r in all_rows if r.id in real and _day(r.started_at) <= last_day]
    counts = week_counts(days, last_day, weeks)
    met = sum(1 for c in counts if c[1] >= sessions_per_week)
    parts.append(f"<h2>Adherence</h2><p>The routine asks for {sessions_per_week} sessions a week; "
                 f"met in {met} of the last {weeks} weeks. A session counts when at least one stretch was "
                 f"finished or it lasted {REAL_SESSION_S / 60:.0f} minutes; short tries and imported reviews "
                 "do not.</p>")
    parts.append(_img(adherence_figure(counts, sessions_per_week), "sessions per week"))
    parts.append("</body></html>")
    return atomic.write_text(out, "\n".join(parts))
