"""Runs the real routine (coach/commands/routine.py run_routine: camera feed, window,
history sink, stream sink) with a short plan, so tests can kill it at any point.
Usage: python tests/routine_driver.py DB OUT CLIP. The pose model is the test-only trace
replay (COACH_TEST_TRACE_BACKEND); the safety screen is accepted with a posted Enter key.
Exit codes as `coach routine`: 0 done, 1 stopped early, 130 Ctrl-C / SIGINT."""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("SDL_NO_SIGNAL_HANDLERS", "1")     # as `coach` sets it: Ctrl-C stays Ctrl-C


def main(db: str, out: str, clip: str) -> int:
    import pygame

    from coach.app import routine as rt
    from coach.app.history_db import connect
    from coach.app.recovery import recover
    from coach.app.routine import RoutinePlan
    from coach.app.routine_live import run_routine
    from coach.rules.pose_spec import load_pose

    plan = RoutinePlan(stretches=("cat_cow", "pelvic_tilt"), rounds=2, allowed_rounds=(2,), warmup_s=0.1,
                       preview_s=0.1, rest_s=0.1, round_rest_s=0.1, switch_prompt_s=0.1, max_stretch_s=0.8)
    recover(connect(db), (Path(out),))

    def on_loop(r, frames: int) -> None:
        if r.step.kind == rt.SAFETY:
            pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_RETURN, mod=0, unicode="", scancode=0))

    try:
        ended, sid = run_routine(clip, plan, {n: load_pose(n) for n in plan.stretches}, db=db,
                                 out_dir=Path(out), on_loop=on_loop)
    except KeyboardInterrupt:
        return 130
    print(f"routine {ended}; session {sid}", flush=True)
    return 130 if ended == "interrupted" else 0 if ended in ("done", "camera ended") else 1


if __name__ == "__main__":
    try:                                # as coach.entry: Ctrl-C while modules load ends quietly
        sys.exit(main(*sys.argv[1:4]))
    except KeyboardInterrupt:
        sys.exit(130)
    except ImportError as e:            # Ctrl-C inside numpy's import comes back as ImportError
        if isinstance(e.__context__, KeyboardInterrupt) or isinstance(e.__cause__, KeyboardInterrupt):
            sys.exit(130)
        raise
