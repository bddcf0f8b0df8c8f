"""End-of-set, end-of-session and stopped screens: plain words from a record, and a
stopped screen that stays until a key or its timeout."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pygame
import pytest

from coach.app.summary import close_hint, session_summary, set_summary, stretch_lines
from coach.rules.pose_spec import load_pose

GOLDEN = Path(__file__).parent / "golden"


def golden(name: str) -> dict:
    return json.loads((GOLDEN / f"{name}.report.json").read_text())


def test_set_summary_says_holds_per_side_and_faults_in_words():
    spec = load_pose("kneeling_hip_flexor")
    view = set_summary(golden("hip_flexor_both"), spec, next_step="Next: Child's Pose")
    text = "\n".join(view.lines)
    assert view.title == "Set complete: Kneeling Hip Flexor Stretch"
    assert "Left leg forward: 1 of 1 hold done" in text and "Right leg forward: 1 of 1 hold done" in text
    assert re.search(r"longest \d+ s in good form of 30 s", text)
    assert "To work on: lift your chest: keep the torso upright (twice" in text
    assert view.next == "Next: Child's Pose"
    # no developer wording: ids, (low)/(high), "none: 0", x/y counts
    assert not re.search(r"[a-z]+_[a-z]+|\(low\)|\(high\)|none: \d|\d+/\d+", text), text


def test_reps_summary_and_good_form():
    lines = stretch_lines(golden("cat_cow_clean"), load_pose("cat_cow"))
    assert lines[0] == "Reps: 10 of 10"
    assert "Good form throughout" in lines


def test_stopped_screen_says_saved_and_what_next():
    spec = load_pose("kneeling_hip_flexor")
    view = session_summary([(golden("hip_flexor_fault_knee120"), spec)], stopped="You pressed the pain key.",
                           hint=close_hint(30))
    assert view.title == "Stopped" and view.tone == "fail"
    assert view.lines[:2] == ("You pressed the pain key.", "Everything so far is saved.")
    assert "front knee too open" in " ".join(view.lines).lower()
    assert view.next and "30 s" in view.hint


def _post_key_later(delay_s: float) -> None:
    import threading
    import time

    def go():
        time.sleep(delay_s)
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_SPACE, mod=0, unicode=" ", scancode=44))

    threading.Thread(target=go, daemon=True).start()


def test_stopped_screen_stays_until_a_key_or_the_timeout(monkeypatch):
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    from coach.app.window import LiveWindow

    win = LiveWindow(640, 480, "coach", size=(800, 600))
    try:
        view = session_summary([], stopped="The camera stopped.", hint=close_hint(1))
        assert win.hold_summary(view, 0.3) == "timeout"
        assert win.last_layout.box("summary_title").text == "Stopped"
        _post_key_later(0.2)
        assert win.hold_summary(view, 30.0) == "key"
    finally:
        win.close()


def test_live_without_a_display_says_so_and_exits_nonzero(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER")}
    env["COACH_DB"] = str(tmp_path / "h.sqlite")
    r = subprocess.run([sys.executable, "-m", "coach.cli", "live", "--pose", "kneeling_hip_flexor", "--camera",
                        "sample_videos/hip_flexor_both.mp4", "--no-history", "--out", str(tmp_path / "out")],
                       capture_output=True, text=True, timeout=120, env=env, cwd=Path(__file__).parents[1])
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "no display" in r.stderr and "coach review" in r.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_mediapipe_chatter_is_filtered_from_stderr_and_the_rest_kept():
    code = (
        "import os, sys\n"
        "from coach.io.pose_backend import filter_native_stderr\n"
        "filter_native_stderr()\n"
        "os.write(2, b'INFO: Created TensorFlow Lite XNNPACK delegate for CPU.\\n')\n"
        "os.write(2, b'WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\\n')\n"
        "os.write(2, b'W0000 00:00:1796199093.816367   29145 inference_feedback_manager.cc:114] Feedback manager\\n')\n"
        "os.write(2, b'I0000 00:00:1796199093.816367   29145 gl_context.cc:369] GL version\\n')\n"
        "os.write(2, b'review clip:  50%|#####     | 5/10\\r')\n"
        "print('coach: error: a real problem', file=sys.stderr)\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "TensorFlow" not in r.stderr and "W0000" not in r.stderr and "I0000" not in r.stderr
    assert "absl" not in r.stderr
    assert "review clip:  50%" in r.stderr and "coach: error: a real problem" in r.stderr


def test_history_table_has_no_zero_over_zero():
    from coach.app.history_db import SessionSummary
    from coach.commands.history import table_lines

    rows = [SessionSummary(1, "2026-12-02T08:00:00+00:00", "live", "finished", ["Cat-Cow Pose"], [], 10, 0, 0, 0),
            SessionSummary(2, "2026-12-02T09:00:00+00:00", "live", "stopped", ["Kneeling Hip Flexor Stretch"], [],
                           0, 2, 1, 1)]
    text = "\n".join(table_lines(rows))
    assert "0/0" not in text and "1 of 2" in text
    assert re.search(r"Cat-Cow Pose\s+10\s+-\s", text), text


def test_a_session_with_an_unfinished_set_is_not_called_complete():
    spec = load_pose("kneeling_hip_flexor")
    done = golden("hip_flexor_both")
    assert any(e["kind"] == "set_complete" for e in done["events"])
    unfinished = {**golden("hip_flexor_fault_knee120"), "events": []}
    assert session_summary([(done, spec)]).title == "Session complete"
    ended = session_summary([(done, spec), (unfinished, spec)])
    assert ended.title == "Session ended" and ended.tone != "pass"
