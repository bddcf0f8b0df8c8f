"""`coach routine`: the full six-stretch routine with previews, rests and a pain/stop key."""

from __future__ import annotations

import argparse


def run(args: argparse.Namespace) -> int:
    print("coach routine: the window part is not ready yet (waiting for coach/live.py)")
    return 2


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("routine", help="the full six-stretch routine, coached live")
    p.set_defaults(func=run)
