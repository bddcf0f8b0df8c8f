"""Draw the coaching overlay onto a BGR frame: skeleton, live angles coloured pass/fail,
rep count or hold timer, side, and the one current cue. Shared by review (written to
video) and live (shown in the pygame window)."""

from __future__ import annotations

import cv2
import numpy as np

from coach.core.engine import FrameResult
from coach.core.landmarks import INDEX, SKELETON, point
from coach.core.measures import resolve
from coach.rules.pose_spec import PoseSpec

GREEN = (80, 200, 80)
RED = (60, 60, 230)
GREY = (170, 170, 170)
WHITE = (255, 255, 255)
YELLOW = (40, 210, 240)
FONT = cv2.FONT_HERSHEY_SIMPLEX


def _text(img: np.ndarray, s: str, org: tuple[int, int], scale: float = 0.55,
          color: tuple[int, int, int] = WHITE, thick: int = 1) -> None:
    cv2.putText(img, s, org, FONT, scale, (0, 0, 0), thick + 2, cv2.LINE_AA)
    cv2.putText(img, s, org, FONT, scale, color, thick, cv2.LINE_AA)


def _measure_colour(spec: PoseSpec, name: str, res: FrameResult) -> tuple[int, int, int]:
    states = [res.checks[c.id].passed for c in spec.checks if c.measure == name and c.id in res.checks]
    if not states or all(s is None for s in states):
        return GREY
    return RED if any(s is False for s in states) else GREEN


def draw_overlay(img: np.ndarray, spec: PoseSpec, res: FrameResult, extra: list[str] | None = None) -> np.ndarray:
    """Draw in place and return `img`."""
    lm = res.landmarks
    h, w = img.shape[:2]
    for a, b in SKELETON:
        pa, pb = lm[INDEX[a], :2], lm[INDEX[b], :2]
        if np.isfinite(pa).all() and np.isfinite(pb).all():
            cv2.line(img, tuple(int(v) for v in pa), tuple(int(v) for v in pb), WHITE, 2, cv2.LINE_AA)
    for i in range(11, 33):
        if np.isfinite(lm[i, :2]).all():
            cv2.circle(img, tuple(int(v) for v in lm[i, :2]), 3, YELLOW, -1, cv2.LINE_AA)

    # angle values at their vertex, coloured by their checks
    side = res.side if res.side in ("left", "right") else res.near
    for name, m in spec.measures.items():
        v = res.measures.get(name)
        if v is None or m.kind not in ("angle", "bend"):
            continue
        p = point(lm, resolve(m.points[1], side, res.near), 0.0)
        if p is None:
            continue
        _text(img, f"{v:.0f}", (int(p[0]) + 8, int(p[1]) - 8), 0.6, _measure_colour(spec, name, res), 2)

    # HUD panel
    panel = img[0:118, 0:min(w, 330)]
    panel >>= 1                       # darken in place: halving is cheap on uint8
    _text(img, spec.title, (8, 20), 0.55, WHITE, 1)
    label = spec.side.labels.get(res.side, res.side) if res.side != "none" else ""
    if label:
        _text(img, f"Side: {label}", (8, 42), 0.5)
    if spec.reps:
        _text(img, f"Reps {res.reps}/{res.rep_target}  ({res.phase})", (8, 66), 0.6, GREEN, 2)
    if spec.hold:
        frac = min(1.0, res.hold_elapsed / res.hold_target) if res.hold_target else 0.0
        colour = GREEN if res.in_position else (YELLOW if res.hold_state == "paused" else GREY)
        _text(img, f"Hold {res.hold_elapsed:4.1f}/{res.hold_target:.0f} s  {res.hold_state}", (8, 66 if not spec.reps else 88), 0.55, colour, 1)
        y = 76 if not spec.reps else 98
        cv2.rectangle(img, (8, y), (8 + 300, y + 10), GREY, 1)
        cv2.rectangle(img, (8, y), (8 + int(300 * frac), y + 10), colour, -1)
        done = "  ".join(f"{s}: {n}" for s, n in res.holds_done.items())
        _text(img, f"done {done}", (8, 108 if not spec.reps else 116), 0.45)
    if not res.view_ok:
        _text(img, spec.view.cue, (8, h - 48), 0.6, RED, 2)
    if res.cue:
        (tw, th), _ = cv2.getTextSize(res.cue, FONT, 0.7, 2)
        x = max(4, (w - tw) // 2)
        cv2.rectangle(img, (x - 6, h - 34), (x + tw + 6, h - 4), (0, 0, 0), -1)
        _text(img, res.cue, (x, h - 12), 0.7, YELLOW, 2)
    for i, line in enumerate(extra or []):
        _text(img, line, (w - 220, 20 + 20 * i), 0.45, GREY)
    return img
