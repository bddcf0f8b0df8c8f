"""Draw the coaching overlay onto a BGR frame with OpenCV, for the annotated review video:
skeleton, named angle labels placed so they never overlap, the rep count or hold time,
side and the current cue, in the colour-blind-safe scheme of coach/app/theme.py.

The live window draws only the skeleton here (draw_skeleton) and puts its words on the
screen itself (coach/app/hud.py), sized to the window.
"""

from __future__ import annotations

import functools

import cv2
import numpy as np

from coach.app import theme
from coach.app.hud import angle_labels, hud_view
from coach.app.layout import Rect, place_labels
from coach.core.engine import FrameResult
from coach.core.landmarks import INDEX, SKELETON
from coach.rules.pose_spec import CONTOUR_KINDS, PoseSpec

WHITE = (255, 255, 255)
JOINT = theme.bgr("accent")
FONT = cv2.FONT_HERSHEY_SIMPLEX


@functools.lru_cache(maxsize=512)
def _stamp(s: str, scale: float, color: tuple[int, int, int], thick: int) -> tuple[int, np.ndarray, np.ndarray]:
    """Outlined text drawn once: (baseline offset, colour x alpha, 1 - alpha), float32 HxWx3.
    Labels, counters and cues repeat from frame to frame, and anti-aliased text is the
    overlay's dearest drawing (about 0.1 ms a string), so each string is drawn only once."""
    (tw, th), base = cv2.getTextSize(s, FONT, scale, thick + 2)
    pad = thick + 2
    size, org = (th + base + 2 * pad, tw + 2 * pad), (pad, pad + th)
    on_black, on_white = np.zeros(size + (3,), np.uint8), np.full(size + (3,), 255, np.uint8)
    for canvas in (on_black, on_white):
        cv2.putText(canvas, s, org, FONT, scale, (0, 0, 0), thick + 2, cv2.LINE_AA)
        cv2.putText(canvas, s, org, FONT, scale, color, thick, cv2.LINE_AA)
    # drawn over black and over white: alpha = 1 - (white - black) / 255, colour = black / alpha
    alpha = 1.0 - (on_white.astype(np.float32) - on_black).max(axis=2, keepdims=True) / 255.0
    # kept premultiplied (black-drawn = colour x alpha) with 1 - alpha, both 3-channel float32
    keep = np.repeat(1.0 - alpha, 3, axis=2)
    return pad + th, on_black.astype(np.float32), keep


def _text(img: np.ndarray, s: str, org: tuple[int, int], scale: float = 0.55,
          color: tuple[int, int, int] = WHITE, thick: int = 1) -> None:
    """Outlined text with its baseline at `org`, as cv2.putText would place it, clipped to `img`."""
    rise, patch, keep = _stamp(s, scale, tuple(int(c) for c in color), thick)
    x0, y0 = org[0] - (thick + 2), org[1] - rise
    h, w = img.shape[:2]
    ax, ay = max(0, -x0), max(0, -y0)
    bx, by = min(patch.shape[1], w - x0), min(patch.shape[0], h - y0)
    if bx <= ax or by <= ay:
        return
    region = img[y0 + ay:y0 + by, x0 + ax:x0 + bx]
    mixed = cv2.add(cv2.multiply(region, keep[ay:by, ax:bx], dtype=cv2.CV_32F), patch[ay:by, ax:bx])
    region[:] = cv2.convertScaleAbs(mixed)


def _cv_measure(text: str, px: int) -> tuple[int, int]:
    (w, h), base = cv2.getTextSize(text, FONT, px / 30.0, 1)
    return w, h + base


def _icon(img: np.ndarray, tone: str, x: int, y: int, s: int) -> None:
    """Pass: a filled circle with a check; fail: a triangle with "!"; else a ring."""
    col = theme.bgr(tone if tone in ("pass", "fail") else "neutral")
    c, r = (x + s // 2, y + s // 2), max(3, int(s * 0.42))
    if tone == "pass":
        cv2.circle(img, c, r, col, -1, cv2.LINE_AA)
        pts = np.array([(c[0] - r * 0.5, c[1]), (c[0] - r * 0.1, c[1] + r * 0.4), (c[0] + r * 0.55, c[1] - r * 0.45)], np.int32)
        cv2.polylines(img, [pts], False, (0, 0, 0), 2, cv2.LINE_AA)
    elif tone == "fail":
        pts = np.array([(c[0], c[1] - r), (c[0] + r, c[1] + r * 0.8), (c[0] - r, c[1] + r * 0.8)], np.int32)
        cv2.fillPoly(img, [pts], col, cv2.LINE_AA)
        cv2.line(img, (c[0], int(c[1] - r * 0.4)), (c[0], int(c[1] + r * 0.2)), (0, 0, 0), 2, cv2.LINE_AA)
        cv2.circle(img, (c[0], int(c[1] + r * 0.55)), 1, (0, 0, 0), -1)
    else:
        cv2.circle(img, c, r, col, 2, cv2.LINE_AA)


def draw_skeleton(img: np.ndarray, res: FrameResult) -> np.ndarray:
    """Bones and joints only, in place; returns `img`."""
    lm = res.landmarks
    for a, b in SKELETON:
        pa, pb = lm[INDEX[a], :2], lm[INDEX[b], :2]
        if np.isfinite(pa).all() and np.isfinite(pb).all():
            cv2.line(img, tuple(int(v) for v in pa), tuple(int(v) for v in pb), WHITE, 2, cv2.LINE_AA)
    for i in range(11, 33):
        if np.isfinite(lm[i, :2]).all():
            cv2.circle(img, tuple(int(v) for v in lm[i, :2]), 3, JOINT, -1, cv2.LINE_AA)
    return img


def back_tone(spec: PoseSpec, res: FrameResult) -> str:
    """The back curve's state: 'fail' when a check on a back measure fails, 'pass' when one
    passes (or the rep counter is in a phase it reads off the back), else 'neutral'."""
    names = {n for n, m in spec.measures.items() if m.kind in CONTOUR_KINDS}
    states = [res.checks[c.id].passed for c in spec.checks if c.measure in names and c.id in res.checks]
    if any(s is False for s in states):
        return "fail"
    if any(s is True for s in states) or (spec.reps and spec.reps.measure in names and res.phase in ("low", "high")):
        return "pass"
    return "neutral"


def draw_back_curve(img: np.ndarray, spec: PoseSpec, res: FrameResult) -> np.ndarray:
    """The back's outline read from the person mask (FrameResult.back), coloured by its
    state (back_tone), with the state's shape at its middle; in place, returns `img`."""
    back = res.back
    if back is None:
        return img
    pts = back[np.isfinite(back).all(axis=1)]
    if len(pts) < 2:
        return img
    tone = back_tone(spec, res)
    poly = np.round(pts).astype(np.int32).reshape(-1, 1, 2)
    cv2.polylines(img, [poly], False, (0, 0, 0), 8, cv2.LINE_AA)
    cv2.polylines(img, [poly], False, theme.bgr(tone), 4, cv2.LINE_AA)
    mid = pts[len(pts) // 2]
    _icon(img, tone, int(mid[0]) - 9, int(mid[1]) - 26, 18)
    return img


def back_rect(res: FrameResult, pad: int = 8) -> Rect | None:
    """The box around the drawn back curve and its state icon, for labels to keep clear of."""
    back = res.back
    pts = None if back is None else back[np.isfinite(back).all(axis=1)]
    if pts is None or len(pts) < 2:
        return None
    x0, y0 = pts.min(axis=0) - pad
    x1, y1 = pts.max(axis=0) + pad
    y0 = min(y0, pts[len(pts) // 2][1] - 30)
    return Rect(int(x0), int(y0), int(x1 - x0), int(y1 - y0))


def draw_overlay(img: np.ndarray, spec: PoseSpec, res: FrameResult, extra: list[str] | None = None) -> np.ndarray:
    """Skeleton, back curve, angle labels, count or hold time, side and cue; in place, returns `img`."""
    draw_skeleton(img, res)
    draw_back_curve(img, spec, res)
    h, w = img.shape[:2]
    view = hud_view(spec, res, image_size=(w, h))

    # HUD panel top left
    lines: list[tuple[str, tuple[int, int, int], float, int]] = [(spec.title, WHITE, 0.55, 1)]
    if view.side:
        lines.append((view.side, theme.bgr("accent"), 0.6, 2))
    if spec.reps:
        lines.append((f"Reps {res.reps} of {res.rep_target}", WHITE, 0.7, 2))
    if spec.hold:
        lines.append((f"Hold {int(res.hold_elapsed)} of {res.hold_target:g} s", WHITE, 0.7, 2))
        if view.state:
            lines.append((view.state, theme.bgr(view.state_tone if view.state_tone in theme.RGB else "text"), 0.5, 1))
        if view.done:
            lines.append(("   ".join(view.done), WHITE, 0.45, 1))
    panel_h = 12 + 24 * len(lines)
    panel_w = min(w, max(int(cv2.getTextSize(s, FONT, sc, th)[0][0]) for s, _, sc, th in lines) + 20)
    img[0:panel_h, 0:panel_w] >>= 1                  # darken in place: halving is cheap on uint8
    for i, (s, col, sc, th) in enumerate(lines):
        _text(img, s, (8, 22 + 24 * i), sc, col, th)

    # cue at the bottom, wrapped to the frame
    cue_rows: list[str] = []
    if view.cue:
        words, cur = view.cue.split(), ""
        for word in words:
            cand = f"{cur} {word}".strip()
            if cv2.getTextSize(cand, FONT, 0.7, 2)[0][0] > w - 24 and cur:
                cue_rows.append(cur)
                cur = word
            else:
                cur = cand
        cue_rows.append(cur)
    cue_top = h - 8 - 28 * len(cue_rows)
    if cue_rows:
        bg = theme.CUE_BG.get(view.cue_tone, theme.CUE_BG["info"])
        cv2.rectangle(img, (0, cue_top - 6), (w, h), (bg[2], bg[1], bg[0]), -1)
        for i, row in enumerate(cue_rows):
            tw = cv2.getTextSize(row, FONT, 0.7, 2)[0][0]
            _text(img, row, (max(4, (w - tw) // 2), cue_top + 20 + 28 * i), 0.7, WHITE, 2)

    # angle labels, placed clear of the panel, the cue and each other
    taken = [Rect(0, 0, panel_w, panel_h)] + ([Rect(0, cue_top - 6, w, h - cue_top + 6)] if cue_rows else [])
    curve = back_rect(res)
    if curve is not None:
        taken.append(curve)               # the back curve stays in view
    labels = tuple(type(a)(a.name, a.value, " deg" if a.unit == "°" else a.unit, a.anchor, a.tone)
                   for a in angle_labels(spec, res))
    boxes, _ = place_labels(Rect(0, 0, w, h), (w, h), labels, taken, 15, _cv_measure)
    for b in boxes:
        r = b.rect
        col = theme.bgr(b.tone if b.tone in ("pass", "fail") else "neutral")
        if b.anchor is not None:
            tx, ty = min(max(b.anchor[0], r.x), r.right), min(max(b.anchor[1], r.y), r.bottom)
            cv2.line(img, b.anchor, (tx, ty), col, 1, cv2.LINE_AA)
        img[r.y:r.bottom, r.x:r.right] >>= 1
        _icon(img, b.tone, r.x, r.y, r.h)
        _text(img, b.text, (r.x + r.h + r.h // 4, r.bottom - 4), 0.5, col, 1)
    for i, line in enumerate(extra or []):
        _text(img, line, (w - 220, 20 + 20 * i), 0.45, theme.bgr("dim"))
    return img
