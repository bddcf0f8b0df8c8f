"""Test-wide set-up: no screen, no sound card, no camera here (nor in CI)."""

import os
import sys
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
# The history DB is the user's health record: tests never touch ~/.local/share/coach.
# (CI runs on a machine whose home may already hold one, of any schema version.)
import tempfile as _tempfile
os.environ["COACH_DB"] = str(Path(_tempfile.mkdtemp(prefix="coach-tests-")) / "history.sqlite")

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
SAMPLES = ROOT / "sample_videos"
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))   # tests import their helpers (stick.py) by name


# ---------------------------------------------------------------- robustness helpers
# (tests/test_robust_*.py import these by name: `from conftest import ...`)

import numpy as _np


def robust_cat_cow_trace(cycles: int = 3, fps: float = 15.0, jitter_px: float = 0.0, seed: int = 0,
                         with_back: bool = False):
    """(times, frames) of a stick figure in side-view tabletop: 3 s still (the neutral),
    then `cycles` slow cat-cow cycles (4 s each: the back rounds and hollows, the head
    tucks and lifts), then 2 s still. Counts `cycles` reps when fed with its back outlines
    (`with_back`: (times, frames, backs); the person mask's outline, coach/core/contour.py)."""
    from stick import Stick, trace

    base = Stick(torso=0.0, head=0.0, thigh={"left": -90.0, "right": -90.0},
                 shin={"left": 180.0, "right": 180.0}, upper={"left": -90.0, "right": -90.0},
                 fore={"left": -90.0, "right": -90.0})
    keys = [(0.0, base), (3.0, base)]
    t = 3.0
    for _ in range(cycles):
        cat, cow = base.with_(head=-25.0, back=(8.0, 8.0)), base.with_(head=25.0, back=(-6.0, -6.0))
        keys += [(t + 0.7, cat), (t + 1.5, cat), (t + 2.7, cow), (t + 3.5, cow), (t + 4.0, base)]
        t += 4.0
    keys.append((t + 2.0, base))
    return trace(keys, fps=fps, jitter_px=jitter_px, seed=seed, with_back=with_back)


def robust_hip_flexor_stick(front: str = "left", knee: float = 90.0, width: float = 8.0):
    """A side-view kneeling lunge with the `front` leg forward and that knee at `knee` deg."""
    from stick import Stick

    back = "right" if front == "left" else "left"
    return Stick(torso=90.0, thigh={front: 0.0, back: -90.0}, shin={front: knee - 180.0, back: 180.0},
                 width=width)


def robust_hip_flexor_trace(seconds: float = 40.0, fps: float = 10.0, jitter_px: float = 0.0,
                            seed: int = 0, **kw):
    """(times, frames) holding the lunge still for `seconds` (one 30 s hold completes)."""
    from stick import trace

    s = robust_hip_flexor_stick(**kw)
    return trace([(0.0, s), (seconds, s)], fps=fps, jitter_px=jitter_px, seed=seed)


def robust_run_engine(spec, times, frames, backs=None):
    """Feed (times, frames) and, where given, the back outlines to a fresh Engine;
    returns (engine, results)."""
    from coach.core.engine import Engine

    eng = Engine(spec)
    backs = [None] * len(frames) if backs is None else backs
    results = [eng.step(float(t), f, b) for t, f, b in zip(times, frames, backs)]
    eng.finish(float(times[-1]) if len(times) else 0.0)
    return eng, results


def robust_counts(engine) -> tuple[int, int]:
    """(reps counted, holds completed over all sides)."""
    reps = sum(c.count for c in engine.reps.values())
    holds = sum(engine.hold.completed(s) for s in engine.spec.sides) if engine.hold else 0
    return reps, holds


def robust_write_clip(path, frames, fps: float = 10.0, fourcc: str = "mp4v"):
    """Write BGR frames (list of HxWx3 uint8) to a video file with OpenCV."""
    import cv2

    h, w = frames[0].shape[:2]
    vw = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), fps, (w, h))
    assert vw.isOpened(), f"OpenCV cannot write {path} with {fourcc}"
    for f in frames:
        vw.write(f)
    vw.release()
    return Path(path)


class RobustFakeBackend:
    """A pose backend that replays landmark frames (or None) and can fail on cue:
    `raise_at` = (frame index, exception) raised by detect() on that frame."""

    name = "fake-backend"

    def __init__(self, frames=None, raise_at=None) -> None:
        self.frames = frames
        self.raise_at = raise_at
        self.calls = 0
        self.shapes: list[tuple[int, ...]] = []
        self.closed = False

    def detect(self, rgb, t):
        i = self.calls
        self.calls += 1
        self.shapes.append(rgb.shape)
        if self.raise_at is not None and i == self.raise_at[0]:
            raise self.raise_at[1]
        if self.frames is None:
            return None
        f = self.frames[min(i, len(self.frames) - 1)]
        return None if f is None else _np.array(f, dtype=float)

    def close(self) -> None:
        self.closed = True


class FakeCamera:
    """A camera that delivers `n` frames and is then unplugged (read fails forever)."""

    def __init__(self, n: int, opened: bool = True) -> None:
        self.n, self.opened, self.reads = n, opened, 0

    def isOpened(self):
        return self.opened

    def get(self, prop):
        import cv2
        return {cv2.CAP_PROP_FRAME_WIDTH: 64, cv2.CAP_PROP_FRAME_HEIGHT: 48}.get(prop, 0.0)

    def read(self):
        self.reads += 1
        if self.reads > self.n:
            return False, None
        return True, _np.zeros((48, 64, 3), _np.uint8)

    def release(self):
        self.opened = False


def read_frames(path, start_s: float = 0.0, seconds: float | None = None) -> list:
    """Decoded BGR frames of a video: all of them, or `seconds` from `start_s`."""
    import cv2
    cap = cv2.VideoCapture(str(path))
    fps = cap.get(cv2.CAP_PROP_FPS) or 10.0
    if start_s:
        cap.set(cv2.CAP_PROP_POS_FRAMES, int(start_s * fps))
    limit = None if seconds is None else int(seconds * fps)
    out = []
    while limit is None or len(out) < limit:
        ok, f = cap.read()
        if not ok:
            break
        out.append(f)
    cap.release()
    return out


# ---------------------------------------------------------------- figures for the README
# Tests that measure something the README quotes call record_figure(); the figures are
# printed at the end of the run ("coach figures"), so they come from the tests' own output.
FIGURES: dict[str, str] = {}


def record_figure(name: str, text: str) -> None:
    FIGURES[name] = text


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if FIGURES:
        terminalreporter.section("coach figures")
        for name, text in FIGURES.items():
            terminalreporter.write_line(f"{name}: {text}")
