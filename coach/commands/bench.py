"""`coach bench speed|accuracy`: benchmarks that print figures (never asserted in tests)."""

from __future__ import annotations

import argparse
import importlib

#: bench name -> module with register(subparsers) adding that benchmark's parser.
BENCHES = {"speed": "coach.bench.speed", "accuracy": "coach.bench.accuracy"}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bench", help="speed and accuracy benchmarks",
                       description="Benchmarks print ratios and errors against the project's targets "
                                   "and exit non-zero when a figure misses its target.")
    bsub = p.add_subparsers(dest="bench", metavar="BENCH")
    for name, mod in BENCHES.items():
        try:
            importlib.import_module(mod).register(bsub)
        except ModuleNotFoundError as e:
            if e.name != mod:
                raise
    p.set_defaults(func=lambda a: p.print_help() or 2)
