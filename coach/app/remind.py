"""Desk reminders: after prolonged sitting, suggest a one-minute Cat-Cow (the routine's
'every hour after prolonged sitting'). Durations parse from text like 45m, 1h, 90s."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from typing import Callable, TextIO

TITLE = "Time for a stretch"
MESSAGE = ("You have been sitting a while. Stand up and do a one-minute Cat-Cow: on hands and knees, "
           "inhale and lift the head (cow), exhale and round the back (cat). Ten slow cycles.")

_UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hr": 3600}
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(h|hr|m|min|s|sec)?", re.I)


def parse_duration(text: str) -> float:
    """'45m' -> 2700, '1h' -> 3600, '90s' -> 90, '1h30m' -> 5400, '10' -> 600 (minutes)."""
    t = text.strip().lower().replace(" ", "")
    if not t or not re.fullmatch(r"(\d+(?:\.\d+)?(h|hr|m|min|s|sec)?)+", t):
        raise ValueError(f"cannot read duration {text!r}: use e.g. 45m, 1h, 90s or 1h30m")
    parts = _PART.findall(t)
    if len(parts) > 1 and any(not u for _, u in parts):
        raise ValueError(f"cannot read duration {text!r}: give every number a unit (h, m, s)")
    total = sum(float(n) * _UNITS[(u or "m").lower()] for n, u in parts)
    if total <= 0:
        raise ValueError(f"duration {text!r} must be more than zero")
    return total


@dataclass
class Notifier:
    """Desktop notification through notify-send when present, else a terminal bell and message."""

    notify_send: str | None = None
    out: TextIO | None = None          # None: sys.stdout at the time of the reminder
    run: Callable[..., subprocess.CompletedProcess] = subprocess.run

    @classmethod
    def detect(cls, out: TextIO | None = None) -> "Notifier":
        return cls(shutil.which("notify-send"), out)

    def __call__(self, title: str = TITLE, message: str = MESSAGE) -> str:
        """Show the reminder; returns how it was shown ('desktop' or 'terminal')."""
        out = self.out or sys.stdout
        if self.notify_send:
            try:
                r = self.run([self.notify_send, "--app-name=coach", title, message], timeout=10,
                             capture_output=True)
                if r.returncode == 0:
                    print(f"{title}: {message}", file=out, flush=True)
                    return "desktop"
            except (OSError, subprocess.TimeoutExpired):
                pass
        print(f"\a{title}: {message}", file=out, flush=True)
        return "terminal"


def remind_loop(every_s: float, notify: Callable[[], str], sleep: Callable[[float], None],
                once: bool = False, count: int | None = None) -> int:
    """Wait `every_s`, remind, repeat (once: remind now and stop). Returns reminders shown."""
    if once:
        notify()
        return 1
    shown = 0
    while count is None or shown < count:
        sleep(every_s)
        notify()
        shown += 1
    return shown
