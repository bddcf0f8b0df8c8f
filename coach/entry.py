"""The `coach` command's entry point. Its first act is to make Ctrl-C (and SIGTERM) during
start-up end quietly with exit 130: until coach.cli's own handling is in place (it then
turns them into KeyboardInterrupt, which every command handles), a Ctrl-C while modules
load would otherwise print a Python traceback."""

import os
import signal
import sys


def _stopped_during_start(_sig, _frame):
    sys.stderr.write("\ncoach: stopped\n")
    sys.stderr.flush()
    os._exit(130)


def main() -> int:
    signal.signal(signal.SIGINT, _stopped_during_start)
    signal.signal(signal.SIGTERM, _stopped_during_start)
    from coach.cli import main as cli_main

    signal.signal(signal.SIGINT, signal.default_int_handler)   # from here on: KeyboardInterrupt
    return cli_main()


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
