"""The live screen's words and shapes: what one frame's result means for a person on the
mat (hud_view, pure), and drawing a coach.app.layout Layout with pygame (draw_layout).

hud_view turns engine states into plain words ("Holding", "Get into position",
"LEFT leg forward", "Front knee 91°"); layout.py decides where they go.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import numpy as np

from coach.app import theme
from coach.app.layout import AngleLabel, HudView, Layout, Ring, TextBox, font
from coach.core.engine import FrameResult
from coach.core.landmarks import point
from coach.core.measures import resolve
from coach.rules.pose_spec import PoseSpec

HOLD_STATE_WORDS = {
    "idle": ("Get into position", "text"),
    "entering": ("Settle in: the clock starts soon", "text"),
    "holding": ("Holding: good", "pass"),
    "paused": ("Back into position: clock paused", "fail"),
}
UNIT_SIGN = {"deg": "°", "ratio": "", "pct": "%"}


def measure_name(spec: PoseSpec, name: str) -> str:
    """A measure's short name for people: the part of its help before ':' when there is
    one ("Front knee"), else its id in words ("Torso lean")."""
    m = spec.measures[name]
    head, sep, _ = (m.help or "").partition(":")
    if sep and 0 < len(head) <= 22:
        return head.strip()
    return name.replace("_", " ").capitalize()


def measure_tone(spec: PoseSpec, name: str, res: FrameResult) -> str:
    """pass / fail / neutral for a measure from the checks that judge it now."""
    states = [res.checks[c.id].passed for c in spec.checks if c.measure == name and c.id in res.checks]
    if not states or all(s is None for s in states):
        return "neutral"
    return "fail" if any(s is False for s in states) else "pass"


def side_text(spec: PoseSpec, side: str) -> str:
    """"LEFT leg forward": the side word in capitals, so it reads from across the room."""
    if side not in ("left", "right"):
        return ""
    label = spec.side.labels.get(side, side) or side
    word, _, rest = label.partition(" ")
    return f"{word.upper()} {rest}".strip()


def angle_labels(spec: PoseSpec, res: FrameResult) -> tuple[AngleLabel, ...]:
    """One label per angle measure with a value, anchored at its joint (image pixels)."""
    side = res.side if res.side in ("left", "right") else res.near
    out = []
    for name, m in spec.measures.items():
        v = res.measures.get(name)
        if v is None or m.kind not in ("angle", "bend", "incline") or len(m.points) < 2:
            continue
        if m.kind == "incline":        # a segment's lean: labelled at the segment's middle
            a, b = (point(res.landmarks, resolve(q, side, res.near), 0.0) for q in m.points[:2])
            p = None if a is None or b is None else (a[:2] + b[:2]) / 2.0
        else:                          # an angle: labelled at its vertex
            p = point(res.landmarks, resolve(m.points[1], side, res.near), 0.0)
        if p is None or not np.isfinite(p[:2]).all():
            continue
        out.append(AngleLabel(measure_name(spec, name), float(v), UNIT_SIGN.get(m.unit, ""),
                              (float(p[0]), float(p[1])), measure_tone(spec, name, res)))
    return tuple(out)


def _correction_texts(spec: PoseSpec) -> set[str]:
    """Every form check's cue: a cue among these is a correction (drawn as a fault)."""
    return {t for c in spec.checks if c.role == "form" for t in (c.cue_low, c.cue_high) if t}


def cue_shown(spec: PoseSpec, res: FrameResult) -> tuple[str, str]:
    """The cue line's words and tone. A correction whose cause has gone stays a moment to be
    read, but as done ("Good." before it, in the pass tone), not beside a green status."""
    cue = res.cue or ""
    if not cue or cue not in _correction_texts(spec):
        return cue, "info"
    return (cue, "fail") if res.cue_wanted else (f"Good. {cue}", "pass")


def hud_view(spec: PoseSpec, res: FrameResult | None, *, image_size: tuple[int, int] | None,
             help: str = "", status: str = "", paused: bool = False,
             guide: list[str] | None = None, title: str | None = None) -> HudView:
    """What the live screen says for `res` (None: before the first frame)."""
    base = dict(title=title or spec.title, help=help, status=status, paused=paused,
                guide=tuple(guide or ()), image_size=image_size)
    if res is None:
        return HudView(**base, state="Starting the camera")
    main = caption = ""
    frac: float | None = None
    ring_tone = "pass"
    state, state_tone = "", "text"
    done: list[str] = []
    if spec.hold:
        main = f"{int(res.hold_elapsed)}"
        caption = f"of {res.hold_target:g} s"
        frac = res.hold_elapsed / res.hold_target if res.hold_target else 0.0
        ring_tone = "pass" if res.hold_state == "holding" else ("fail" if res.hold_state == "paused" else "neutral")
        state, state_tone = HOLD_STATE_WORDS.get(res.hold_state, ("", "text"))
        n = spec.hold.count
        for s, k in res.holds_done.items():
            who = s.capitalize() if s in ("left", "right") else "Holds"
            done.append(f"{who}: {min(k, n)} of {n} done")
    if spec.reps:
        main = f"{res.reps}/{res.rep_target}"
        caption = "reps"
        frac = res.reps / res.rep_target if res.rep_target else 0.0
        ring_tone = "pass"
        if not spec.hold:
            state, state_tone = ("Moving well", "pass") if res.set_up else ("Get into position", "text")
            done = []
    if not res.person:
        state, state_tone = "I can't see you", "fail"
    elif not res.view_ok:
        state, state_tone = "Camera view: turn sideways", "fail"
    cue, cue_tone = cue_shown(spec, res)
    return HudView(**base, main=main, caption=caption, ring_frac=frac, ring_tone=ring_tone,
                   state=state, state_tone=state_tone, side=side_text(spec, res.side),
                   done=tuple(done), cue=cue, cue_tone=cue_tone,
                   angles=() if paused else angle_labels(spec, res))


# ------------------------------------------------------------------ drawing (pygame)
def _icon(surface: Any, kind: str, x: int, y: int, s: int) -> None:
    import pygame

    col = theme.RGB.get(kind, theme.RGB["neutral"])
    c = (x + s // 2, y + s // 2)
    r = max(3, int(s * 0.42))
    if kind == "pass":            # a filled circle with a check mark
        pygame.draw.circle(surface, col, c, r)
        w = max(2, s // 9)
        pygame.draw.lines(surface, theme.RGB["bg"], False,
                          [(c[0] - r * 0.5, c[1]), (c[0] - r * 0.1, c[1] + r * 0.4), (c[0] + r * 0.55, c[1] - r * 0.45)], w)
    elif kind == "fail":          # a triangle with "!"
        pts = [(c[0], c[1] - r), (c[0] + r * 1.05, c[1] + r * 0.8), (c[0] - r * 1.05, c[1] + r * 0.8)]
        pygame.draw.polygon(surface, col, pts)
        w = max(2, s // 9)
        pygame.draw.line(surface, theme.RGB["bg"], (c[0], c[1] - r * 0.45), (c[0], c[1] + r * 0.25), w)
        pygame.draw.circle(surface, theme.RGB["bg"], (c[0], int(c[1] + r * 0.55)), max(1, w // 2 + 1))
    else:                         # a hollow circle: not judged
        pygame.draw.circle(surface, col, c, r, max(2, s // 10))


def _ring(surface: Any, ring: Ring) -> None:
    """A thick progress ring, filled clockwise from 12 o'clock (drawn once per size, tone
    and 1/240 of progress, then blitted)."""
    img = _ring_image(ring.r, ring.width, round(max(0.0, min(1.0, ring.frac)) * 240), ring.tone)
    surface.blit(img, (ring.cx - ring.r, ring.cy - ring.r))


@lru_cache(maxsize=256)
def _ring_image(r: int, width: int, steps: int, tone: str) -> Any:
    import pygame

    img = pygame.Surface((2 * r + 1, 2 * r + 1), pygame.SRCALPHA)
    pygame.draw.circle(img, theme.RGB["ring_bg"], (r, r), r, width)
    frac = steps / 240

    def arc_points(rr: float, a1: float, n: int) -> list[tuple[float, float]]:
        return [(r + rr * math.sin(a1 * i / n), r - rr * math.cos(a1 * i / n)) for i in range(n + 1)]

    if frac > 0:
        a1 = 2 * math.pi * frac
        n = max(2, int(90 * frac))
        pygame.draw.polygon(img, theme.RGB[tone], arc_points(r, a1, n) + arc_points(r - width, a1, n)[::-1])
    return img


def _colour(key: str) -> tuple[int, ...]:
    if key.startswith("cue_"):
        return theme.CUE_BG.get(key[4:], theme.CUE_BG["info"])
    if key == "shade":
        return (0, 0, 0, 190)
    return theme.RGB.get(key, theme.RGB["panel"])


def draw_layout(surface: Any, layout: Layout, image: Any = None) -> None:
    """Draw `layout` on a pygame surface; `image` is a BGR array for layout.image."""
    import pygame

    surface.fill(theme.RGB["bg"])
    for rect, key in layout.bands:
        if key == "shade":
            continue
        pygame.draw.rect(surface, _colour(key), pygame.Rect(rect.x, rect.y, rect.w, rect.h))
    if image is not None and layout.image is not None:
        r = layout.image
        import cv2

        bgr = image if (image.shape[1], image.shape[0]) == (r.w, r.h) else \
            cv2.resize(image, (r.w, r.h), interpolation=cv2.INTER_LINEAR)
        bgr = np.ascontiguousarray(bgr)
        surface.blit(pygame.image.frombuffer(bgr.data, (r.w, r.h), "BGR"), (r.x, r.y))
    for rect, key in layout.bands:
        if key == "shade":
            sh = pygame.Surface((rect.w, rect.h), pygame.SRCALPHA)
            sh.fill(_colour(key))
            surface.blit(sh, (rect.x, rect.y))
    if layout.ring is not None:
        _ring(surface, layout.ring)
    for b in layout.boxes:
        _text_box(surface, b)


def _text_box(surface: Any, b: TextBox) -> None:
    import pygame

    colour = theme.RGB.get(b.tone, theme.RGB["text"])
    x = b.rect.x
    if b.role == "angle":           # a dark plate and a line to its joint, over the camera image
        plate = pygame.Surface((b.rect.w + 4, b.rect.h + 2), pygame.SRCALPHA)
        plate.fill((0, 0, 0, 185))
        surface.blit(plate, (b.rect.x - 2, b.rect.y - 1))
        if b.anchor is not None:
            tx = min(max(b.anchor[0], b.rect.x), b.rect.right)
            ty = min(max(b.anchor[1], b.rect.y), b.rect.bottom)
            pygame.draw.line(surface, colour, b.anchor, (tx, ty), 2)
            pygame.draw.circle(surface, colour, b.anchor, 4)
    if b.icon:
        _icon(surface, b.icon, x, b.rect.y, b.rect.h)
        x += b.rect.h + b.rect.h // 4
    surface.blit(_rendered(b.text, b.px, colour), (x, b.rect.y))


@lru_cache(maxsize=512)
def _rendered(text: str, px: int, colour: tuple[int, int, int]) -> Any:
    """Rendered text, cached: the same words are drawn frame after frame."""
    return font(px).render(text, True, colour)
