"""Test-wide set-up: no screen, no sound card, no camera here (nor in CI)."""

import os
import sys
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
SAMPLES = ROOT / "sample_videos"
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))   # tests import their helpers (stick.py) by name
