"""`coach remind --every 60m`: desk reminders to do a one-minute Cat-Cow."""

from __future__ import annotations

import argparse
import time

from coach.app.remind import Notifier, parse_duration, remind_loop


def _duration(text: str) -> float:
    try:
        return parse_duration(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def run(args: argparse.Namespace) -> int:
    notify = Notifier.detect()
    if not args.once:
        mins = args.every / 60
        print(f"coach: reminding you every {mins:g} min to do a one-minute Cat-Cow (Ctrl-C stops)", flush=True)
    remind_loop(args.every, notify, time.sleep, once=args.once)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("remind", help="desk reminders: a one-minute Cat-Cow after prolonged sitting",
                       description="Remind you at intervals to stand up and do a one-minute Cat-Cow (desktop "
                                   "notification via notify-send if present, else a terminal bell and message).")
    p.add_argument("--every", type=_duration, default=parse_duration("60m"), metavar="DURATION",
                   help="interval, e.g. 45m, 1h, 90s (default 60m)")
    p.add_argument("--once", action="store_true", help="remind once now and exit (for testing)")
    p.set_defaults(func=run)
