"""`coach report`: a self-contained HTML report of stored sessions (plots embedded)."""

from __future__ import annotations

import argparse
from pathlib import Path

from coach.commands.history import add_db_arg
from coach.app.history_db import connect, default_db_path, parse_date, session_ids, session_summaries
from coach.app.html_report import build_report
from coach.app.routine import load_plan


def pick_sessions(con, session_id: int | None, last: bool, since: str | None) -> list[int]:
    """SESSION_ID, --since DATE (every session from then), or the last session (default)."""
    if session_id is not None:
        if session_id not in session_ids(con):
            raise FileNotFoundError(f"no session {session_id} in the history (see `coach history`)")
        return [session_id]
    if since:
        return [s.id for s in session_summaries(con, parse_date(since))]
    ids = session_ids(con)
    return ids[-1:]


def run(args: argparse.Namespace) -> int:
    path = default_db_path(args.db)
    con = connect(path)
    ids = pick_sessions(con, args.session, args.last, args.since)
    if not ids:
        print(f"coach: no sessions to report in {path}")
        return 1
    out = Path(args.out) if args.out else Path("coach_out") / (
        f"report-{ids[0]}.html" if len(ids) == 1 else f"report-{ids[0]}-{ids[-1]}.html")
    build_report(con, ids, out, sessions_per_week=load_plan().sessions_per_week)
    print(f"report: {out} ({len(ids)} session{'s' if len(ids) != 1 else ''})")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="HTML report of sessions: angles, reps, holds, faults, trends",
                       description="Write a self-contained HTML report (plots embedded): angle over time with "
                                   "threshold bands, reps and holds marked, faults on the timeline, left vs right, "
                                   "range of motion across sessions and sessions per week against the routine's target.")
    p.add_argument("session", nargs="?", type=int, metavar="SESSION_ID", help="a session id from `coach history`")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--last", action="store_true", help="the last session (default)")
    g.add_argument("--since", metavar="DATE", help="every session from DATE (2024-05-01, 7d, 2w)")
    p.add_argument("--out", metavar="FILE.html", help="output file (default: coach_out/report-<id>.html)")
    add_db_arg(p)
    p.set_defaults(func=run)
