"""`coach history`: the stored sessions as a table in the terminal; `--import` adds review reports."""

from __future__ import annotations

import argparse

from coach.app.routine import load_plan
from coach.app.history_db import (SessionSummary, connect, default_db_path, import_record, parse_date,
                                  samples_from_trace, trace_for_report,
                                  read_report_json, session_ids, session_summaries)
from coach.app.recovery import recover
from coach.commands.common import add_db_arg


def table_lines(rows: list[SessionSummary]) -> list[str]:
    """Fixed-width table: id, date, stretches, reps, holds finished, faults, profile; "-"
    where a stretch has no reps or no holds (not "0/0")."""
    head = ["id", "date", "stretches", "reps", "holds finished", "faults", "profile", "status"]
    body = [[str(r.id), r.started_at[:16].replace("T", " "),
             ", ".join(r.stretches) if len(r.stretches) < 3 else f"{len(r.stretches)} stretches",
             str(r.reps) if r.reps else "-", f"{r.holds_completed} of {r.holds}" if r.holds else "-",
             str(r.faults), ", ".join(r.profiles) or "-", f"{r.kind}, {r.status}"] for r in rows]
    widths = [max(len(x[i]) for x in [head] + body) for i in range(len(head))]
    fmt = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    return [fmt(head), fmt(["-" * w for w in widths])] + [fmt(b) for b in body]


def run(args: argparse.Namespace) -> int:
    since = parse_date(args.since) if args.since is not None else None
    reports = [(f, *read_report_json(f)) for f in args.import_json or ()]   # all valid before any write
    path = default_db_path(args.db)
    con = connect(path)
    recover(con)
    rom = load_plan().rom if reports else None
    for f, d, when in reports:
        before = set(session_ids(con))
        trace = trace_for_report(f)         # the review's angles, for the report's plots
        samples = samples_from_trace(trace, d["pose"]) if trace is not None else None
        sid = import_record(con, d, started_at=when, rom=rom, samples=samples)
        print(f"imported {f} as session {sid}" if sid not in before else f"{f}: already imported as session {sid}")
    rows = session_summaries(con, since)
    if not rows:
        print(f"no sessions yet in {path}")
        return 0
    print("\n".join(table_lines(rows)))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("history", help="list past sessions (date, stretches, reps, holds, faults)",
                       description="Print the session history stored by `coach live`/`coach routine`. "
                                   "--import adds `coach review` report JSON files to it.")
    add_db_arg(p)
    p.add_argument("--since", metavar="DATE", help="only sessions from this date (2024-05-01, 7d, 2w)")
    p.add_argument("--import", dest="import_json", metavar="REPORT.json", nargs="+",
                   help="import `coach review` reports into the history first")
    p.set_defaults(func=run)
