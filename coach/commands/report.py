"""`coach report`: a self-contained HTML report of stored sessions (plots embedded)."""

from __future__ import annotations

import argparse
from pathlib import Path

from coach.app.history_db import HistoryError, connect, default_db_path, parse_date, session_ids, session_summaries
from coach.app.recovery import recover
from coach.app.routine import load_plan
from coach.commands.common import add_db_arg
from coach.errors import UserError


def pick_sessions(con, session_id: int | None, last: bool, since: str | None) -> list[int]:
    """SESSION_ID, --since DATE (every session from then), or the last session (default)."""
    if session_id is not None:
        if session_id not in session_ids(con):
            raise HistoryError(f"no session {session_id} in the history (see `coach history`)")
        return [session_id]
    if since:
        return [s.id for s in session_summaries(con, parse_date(since))]
    ids = session_ids(con)
    return ids[-1:]


def check_out_file(out: Path) -> None:
    """--out must name a file whose folder can be made (checked before the work starts)."""
    if out.is_dir():
        raise UserError(f"--out {out}: is a folder; give a file name such as {out / 'report.html'}")
    for parent in out.parents:
        if parent.exists():
            if not parent.is_dir():
                raise UserError(f"--out {out}: {parent} is a file, not a folder")
            break


def run(args: argparse.Namespace) -> int:
    if args.since is not None:
        parse_date(args.since)                       # a bad date fails before anything is opened
    if args.out:
        check_out_file(Path(args.out))
    path = default_db_path(args.db)
    con = connect(path)
    recover(con)
    ids = pick_sessions(con, args.session, args.last, args.since)
    if not ids:
        print(f"coach: no sessions to report in {path}")
        return 1
    out = Path(args.out) if args.out else Path("coach_out") / (
        f"report-{ids[0]}.html" if len(ids) == 1 else f"report-{ids[0]}-{ids[-1]}.html")
    from coach.app.html_report import build_report      # matplotlib: only once there is work to do

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
