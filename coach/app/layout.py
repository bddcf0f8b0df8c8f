"""Where everything goes on the live screen, as plain data: a window size and what to show
in, a list of text boxes (text, font size, rectangle, tone), a ring and the camera image's
letterboxed rectangle out. No drawing and no window here, so layout tests run without a
display; coach/app/hud.py draws a Layout with pygame.

Every size is a fraction of the window height, so the screen reads the same from the mat
at 640x480 and in fullscreen at 1920x1080: the rep count or hold time is at least 12 % of
the height, a cue at least 5 %.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable

#: (text, font px) -> rendered (width, height) in pixels.
Measure = Callable[[str, int], tuple[int, int]]

MAIN_MIN = 0.12        # the rep count / hold time: at least this share of the window height
CUE_MIN = 0.05         # a cue line: at least this share
CUE_WANT = 0.065       # a cue line when it fits in two lines
ANGLE_H = 0.042        # an angle label
SMALL_H = 0.034        # help and status lines
MIN_PX_H = 13          # nothing smaller than this (pixels of text height), whatever the window


# ------------------------------------------------------------------ geometry
@dataclass(frozen=True)
class Rect:
    x: int
    y: int
    w: int
    h: int

    @property
    def right(self) -> int:
        return self.x + self.w

    @property
    def bottom(self) -> int:
        return self.y + self.h

    def overlaps(self, o: "Rect") -> bool:
        return self.x < o.right and o.x < self.right and self.y < o.bottom and o.y < self.bottom

    def inside(self, o: "Rect") -> bool:
        return self.x >= o.x and self.y >= o.y and self.right <= o.right and self.bottom <= o.bottom


@dataclass(frozen=True)
class TextBox:
    """One line of text: `rect` is exactly the rendered text (plus its icon, if any)."""

    role: str          # title, side, side_sub, main, caption, state, done, cue, angle, help, status, ...
    text: str
    rect: Rect
    px: int            # font size to render with
    tone: str          # a coach.app.theme tone: pass, fail, neutral, text, dim, accent, info
    icon: str = ""     # "pass"/"fail"/"neutral": a shape drawn in the first `rect.h` pixels
    anchor: tuple[int, int] | None = None   # angle labels: the joint the label belongs to


@dataclass(frozen=True)
class Ring:
    """The hold (or rep) progress ring."""

    cx: int
    cy: int
    r: int
    width: int
    frac: float
    tone: str


@dataclass
class Layout:
    size: tuple[int, int]
    image: Rect | None                  # where the camera image goes (aspect kept)
    boxes: list[TextBox] = field(default_factory=list)
    bands: list[tuple[Rect, str]] = field(default_factory=list)   # filled backgrounds: (rect, colour key)
    ring: Ring | None = None
    dropped_labels: list[str] = field(default_factory=list)       # angle labels with no free place

    def box(self, role: str) -> TextBox | None:
        return next((b for b in self.boxes if b.role == role), None)


# ------------------------------------------------------------------ what to show
@dataclass(frozen=True)
class AngleLabel:
    name: str                       # "Front knee"
    value: float
    unit: str                       # "°" or "" (ratios)
    anchor: tuple[float, float]     # the joint, in camera-image pixels
    tone: str                       # pass, fail or neutral

    @property
    def text(self) -> str:
        v = f"{self.value:.2f}" if not self.unit else f"{self.value:.0f}"   # ratios have no unit
        return f"{self.name} {v}{self.unit}"


@dataclass(frozen=True)
class HudView:
    """Everything the live screen says for one frame, in words a person reads."""

    title: str
    main: str = ""                  # "12" (hold seconds) or "3/5" (reps); "" shows nothing
    caption: str = ""               # under the main number: "of 30 s", "reps"
    ring_frac: float | None = None  # progress ring 0..1; None: no ring
    ring_tone: str = "pass"
    state: str = ""                 # "Holding", "Get into position", ...
    state_tone: str = "text"
    side: str = ""                  # "LEFT leg forward" ("" when the stretch has no side)
    done: tuple[str, ...] = ()      # "Left: 1 of 1 done"
    cue: str = ""
    cue_tone: str = "info"          # fail (a fault), pass (praise), info
    angles: tuple[AngleLabel, ...] = ()
    image_size: tuple[int, int] | None = None
    status: str = ""                # "Sound off" ...
    help: str = ""
    paused: bool = False
    guide: tuple[str, ...] = ()     # set-up guide lines (first: the title); shown over everything


# ------------------------------------------------------------------ text metrics
def _font_path() -> str | None:
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    import pygame

    p = os.path.join(os.path.dirname(pygame.__file__), pygame.font.get_default_font())
    return p if os.path.exists(p) else None


@lru_cache(maxsize=64)
def _font(px: int):
    import pygame

    if not pygame.font.get_init():
        pygame.font.init()
    return pygame.font.Font(_font_path(), px)


def font(px: int):
    """The pygame font for `px` (cached); the drawing side uses the same one."""
    return _font(max(6, int(px)))


@lru_cache(maxsize=4096)
def pygame_measure(text: str, px: int) -> tuple[int, int]:
    """Rendered size of `text` with coach's font at `px` (works without a display)."""
    return font(px).size(text or " ")


def px_for(height: float, measure: Measure) -> int:
    """The font size whose line is at least `height` pixels tall."""
    h100 = measure("Ag°", 100)[1]
    px = max(6, int(height * 100 / h100))
    while measure("Ag°", px)[1] < height:
        px += 1
    return px


def wrap(text: str, width: int, px: int, measure: Measure) -> list[str]:
    """Greedy word wrap to `width` pixels (a single over-long word gets its own line)."""
    lines, cur = [], ""
    for w in text.split():
        cand = f"{cur} {w}".strip()
        if measure(cand, px)[0] > width and cur:
            lines.append(cur)
            cur = w
        else:
            cur = cand
    return lines + ([cur] if cur else [])


def fit_px(text: str, width: int, want_h: float, min_h: float, measure: Measure) -> int:
    """The largest font from `want_h` down to `min_h` tall whose `text` fits in `width`."""
    px, lo = px_for(want_h, measure), px_for(min_h, measure)
    while measure(text, lo)[1] < min_h:       # heights differ a little with the glyphs
        lo += 1
    px = max(px, lo)
    while px > lo and measure(text, px)[0] > width:
        px -= 1
    return px


def ellipsize(text: str, width: int, px: int, measure: Measure) -> str:
    if measure(text, px)[0] <= width:
        return text
    while text and measure(text + "…", px)[0] > width:
        text = text[:-1]
    return text.rstrip() + "…"


# ------------------------------------------------------------------ the live screen
def letterbox(area: Rect, img_w: int, img_h: int) -> Rect:
    """The largest rectangle of the image's aspect inside `area`, centred."""
    s = min(area.w / img_w, area.h / img_h)
    w, h = max(1, int(img_w * s)), max(1, int(img_h * s))
    return Rect(area.x + (area.w - w) // 2, area.y + (area.h - h) // 2, w, h)


def _line(role: str, text: str, x: int, y: int, px: int, tone: str, measure: Measure,
          icon: str = "", align: str = "left") -> TextBox:
    w, h = measure(text, px)
    if icon:
        w += h + h // 4
    if align == "center":
        x -= w // 2
    elif align == "right":
        x -= w
    return TextBox(role, text, Rect(int(x), int(y), int(w), int(h)), px, tone, icon)


def hud_layout(size: tuple[int, int], view: HudView, measure: Measure = pygame_measure) -> Layout:
    """The live screen for a window of `size` pixels."""
    W, H = int(size[0]), int(size[1])
    if view.guide:
        return guide_layout(size, view, measure)
    m = max(4, round(0.015 * min(W, H)))
    out = Layout((W, H), None)
    window = Rect(0, 0, W, H)

    # bottom: help (left) and status (right), one line
    small = px_for(max(MIN_PX_H, SMALL_H * H), measure)
    sh = measure("Ag", small)[1]
    y_help = H - m // 2 - sh
    if view.status:
        st = _line("status", view.status, W - m, y_help, small, "text", measure, align="right")
        out.boxes.append(st)
        help_w = st.rect.x - 2 * m
    else:
        help_w = W - 2 * m
    if view.help:
        out.boxes.append(_line("help", ellipsize(view.help, help_w, small, measure), m, y_help, small, "dim", measure))
    bottom = y_help - m // 2

    # cue band above it: two lines at CUE_WANT reserved, so the image never jumps
    cue_w = W - 4 * m
    want_px = px_for(max(MIN_PX_H, CUE_WANT * H), measure)
    min_px = px_for(max(MIN_PX_H, CUE_MIN * H), measure)
    lh = measure("Ag", want_px)[1]
    band_h = 2 * lh + m
    px, lines = want_px, wrap(view.cue, cue_w, want_px, measure) if view.cue else []
    while len(lines) > 2 and px > min_px:
        px -= 1
        lines = wrap(view.cue, cue_w, px, measure)
    if len(lines) > 2:                      # still too long at the minimum size: the band grows
        lines = lines[:3]
        band_h = max(band_h, 3 * measure("Ag", px)[1] + m)
    band = Rect(0, bottom - band_h, W, band_h)
    if lines:
        out.bands.append((band, "cue_" + view.cue_tone))
        lh = measure("Ag", px)[1]
        y = band.y + (band.h - lh * len(lines)) // 2
        for i, ln in enumerate(lines):
            out.boxes.append(_line("cue", ln, W // 2, y + i * lh, px, "text", measure, align="center"))

    # top: the stretch's name
    title_px = fit_px(view.title, W - 2 * m, max(MIN_PX_H, 0.05 * H), max(MIN_PX_H, SMALL_H * H), measure)
    title = _line("title", ellipsize(view.title, W - 2 * m, title_px, measure), m, m // 2, title_px, "text", measure)
    out.boxes.append(title)
    top = title.rect.bottom + m // 2

    # the coaching panel: at the right on a landscape window, else a strip under the title
    content = Rect(0, top, W, band.y - top)
    landscape = W >= 1.2 * H
    if landscape:
        pw = int(max(0.26 * W, 0.36 * H))
        panel = Rect(W - pw, top, pw, content.h)
        img_area = Rect(m, top, W - pw - 2 * m, content.h)
    else:
        ph = int(0.36 * H)
        panel = Rect(0, top, W, ph)
        img_area = Rect(m, top + ph, W - 2 * m, content.h - ph)
    out.bands.append((panel, "panel"))
    _panel(out, panel, view, measure, m, H, landscape)

    if view.image_size and img_area.w > 10 and img_area.h > 10:
        out.image = letterbox(img_area, *view.image_size)
    if out.image is not None and view.paused:
        img = out.image
        p1 = fit_px("Paused", img.w - 2 * m, 0.10 * H, MAIN_MIN * 0.5 * H, measure)
        p2 = fit_px("press space to go on", img.w - 2 * m, 0.045 * H, MIN_PX_H, measure)
        b1 = _line("paused", "Paused", img.x + img.w // 2, img.y + img.h // 2 - measure("P", p1)[1], p1, "accent", measure, align="center")
        b2 = _line("paused_hint", "press space to go on", img.x + img.w // 2, b1.rect.bottom, p2, "text", measure, align="center")
        out.bands.append((Rect(min(b1.rect.x, b2.rect.x) - m, b1.rect.y - m, max(b1.rect.w, b2.rect.w) + 2 * m,
                               b2.rect.bottom - b1.rect.y + 2 * m), "shade"))
        out.boxes += [b1, b2]
    elif out.image is not None and view.angles:
        _place_angles(out, view, measure, H)
    # nothing may leave the window
    out.boxes = [b for b in out.boxes if b.rect.inside(window)]
    return out


def _panel(out: Layout, panel: Rect, view: HudView, measure: Measure, m: int, H: int, landscape: bool) -> None:
    """Side indicator, ring with the big count or hold time, state, holds done."""
    if landscape:
        cx, y = panel.x + panel.w // 2, panel.y + m
        inner_w = panel.w - 2 * m
        if view.side:
            word, _, rest = view.side.partition(" ")
            p = fit_px(word, inner_w, 0.08 * H, 0.05 * H, measure)
            b = _line("side", word, cx, y, p, "accent", measure, align="center")
            out.boxes.append(b)
            y = b.rect.bottom
            if rest:
                p = fit_px(rest, inner_w, 0.045 * H, max(MIN_PX_H, SMALL_H * H), measure)
                b = _line("side_sub", rest, cx, y, p, "accent", measure, align="center")
                out.boxes.append(b)
                y = b.rect.bottom
            y += m
        # what comes under the ring decides how big it may be
        state_px = px_for(max(MIN_PX_H, 0.045 * H), measure)
        done_px = px_for(max(MIN_PX_H, 0.038 * H), measure)
        below = (measure("Ag", state_px)[1] + m if view.state else 0) + \
            len(view.done) * measure("Ag", done_px)[1] + m
        d = int(min(inner_w, panel.bottom - y - below, 0.42 * H))
        d = max(d, int(MAIN_MIN * H * 1.3))
        ring_c = (cx, y + d // 2)
        y_after = y + d + m // 2
    else:
        d = int(panel.h - 2 * m)
        ring_c = (panel.x + m + d // 2, panel.y + m + d // 2)
        cx = ring_c[0]
        y_after = None
    if view.main:
        out.ring = Ring(ring_c[0], ring_c[1], d // 2, max(4, d // 12),
                        max(0.0, min(1.0, view.ring_frac)), view.ring_tone) if view.ring_frac is not None else None
        inner = int(d * 0.72)
        cap_px = px_for(max(MIN_PX_H, 0.04 * H), measure) if view.caption else 0
        cap_h = measure("Ag", cap_px)[1] if view.caption else 0
        main_px = fit_px(view.main, inner, min(0.2 * H, 0.5 * d), MAIN_MIN * H, measure)
        mh = measure(view.main, main_px)[1]
        top = ring_c[1] - (mh + cap_h) // 2
        out.boxes.append(_line("main", view.main, cx, top, main_px, "text", measure, align="center"))
        if view.caption:
            cap_px = fit_px(view.caption, inner, 0.04 * H, MIN_PX_H, measure)
            out.boxes.append(_line("caption", view.caption, cx, top + mh, cap_px, "dim", measure, align="center"))
    if landscape:
        y = y_after
        inner_w = panel.w - 2 * m
        if view.state:
            p = fit_px(view.state, inner_w, 0.045 * H, MIN_PX_H, measure)
            b = _line("state", view.state, cx, y, p, view.state_tone, measure, align="center")
            out.boxes.append(b)
            y = b.rect.bottom + m // 2
        for i, line in enumerate(view.done):
            p = fit_px(line, inner_w, 0.038 * H, MIN_PX_H, measure)
            b = _line(f"done{i}", line, cx, y, p, "text", measure, align="center")
            out.boxes.append(b)
            y = b.rect.bottom
    else:
        x = ring_c[0] + d // 2 + 2 * m
        w = panel.right - m - x
        y = panel.y + m
        if view.side:
            p = fit_px(view.side, w, 0.07 * H, max(MIN_PX_H, SMALL_H * H), measure)
            b = _line("side", ellipsize(view.side, w, p, measure), x, y, p, "accent", measure)
            out.boxes.append(b)
            y = b.rect.bottom + m // 2
        for role, text, tone, hh in [("state", view.state, view.state_tone, 0.05)] + \
                [(f"done{i}", t, "text", 0.04) for i, t in enumerate(view.done)]:
            if not text:
                continue
            p = fit_px(text, w, hh * H, MIN_PX_H, measure)
            b = _line(role, ellipsize(text, w, p, measure), x, y, p, tone, measure)
            if b.rect.bottom > panel.bottom:
                break
            out.boxes.append(b)
            y = b.rect.bottom + m // 3


def _place_angles(out: Layout, view: HudView, measure: Measure, H: int) -> None:
    assert out.image is not None and view.image_size is not None
    px = px_for(max(MIN_PX_H, ANGLE_H * H), measure)
    taken = [b.rect for b in out.boxes] + [r for r, k in out.bands if k == "shade"]
    boxes, dropped = place_labels(out.image, view.image_size, view.angles, taken, px, measure)
    out.boxes += boxes
    out.dropped_labels += dropped


def place_labels(img: Rect, image_size: tuple[int, int], angles: tuple[AngleLabel, ...] | list[AngleLabel],
                 taken: list[Rect], px: int, measure: Measure) -> tuple[list[TextBox], list[str]]:
    """Angle labels next to their joints, each where it overlaps nothing in `taken` nor
    another label; a label with no free place near its joint goes in a column at the
    image's left edge, and only one with no place at all is dropped (returned by text)."""
    sx, sy = img.w / image_size[0], img.h / image_size[1]
    taken = list(taken)
    gap = max(3, px // 4)
    column_y = img.y + gap
    boxes: list[TextBox] = []
    dropped: list[str] = []
    for a in sorted(angles, key=lambda a: a.anchor[1]):
        ax, ay = img.x + a.anchor[0] * sx, img.y + a.anchor[1] * sy
        text = a.text
        w, h = measure(text, px)
        w += h + h // 4
        cands = []
        for k in (1, 2, 3):
            d = gap * k * 2
            cands += [(ax + d, ay - h - d), (ax + d, ay + d), (ax - w - d, ay - h - d), (ax - w - d, ay + d),
                      (ax + d, ay - h // 2), (ax - w - d, ay - h // 2)]
        spot = None
        for x, y in cands:
            r = Rect(int(x), int(y), w, h)
            if r.inside(img) and not any(r.overlaps(t) for t in taken):
                spot = r
                break
        while spot is None and column_y + h <= img.bottom:      # the column at the left edge
            r = Rect(img.x + gap, column_y, w, h)
            column_y += h + gap
            if r.inside(img) and not any(r.overlaps(t) for t in taken):
                spot = r
        if spot is None:
            dropped.append(text)
            continue
        taken.append(spot)
        boxes.append(TextBox("angle", text, spot, px, a.tone, icon=a.tone, anchor=(int(ax), int(ay))))
    return boxes, dropped


def guide_layout(size: tuple[int, int], view: HudView, measure: Measure = pygame_measure) -> Layout:
    """The set-up guide over the whole window: the title, headings and wrapped lines."""
    W, H = int(size[0]), int(size[1])
    m = max(6, round(0.03 * min(W, H)))
    out = Layout((W, H), None)
    out.bands.append((Rect(0, 0, W, H), "bg"))
    small = px_for(max(MIN_PX_H, SMALL_H * H), measure)
    sh = measure("Ag", small)[1]
    if view.help:
        out.boxes.append(_line("help", ellipsize(view.help, W - 2 * m, small, measure), m, H - m // 2 - sh,
                               small, "dim", measure))
    bottom = H - m - sh
    lines = list(view.guide)
    # shrink the body until the whole guide fits (not below the minimum)
    for body_h in (0.05, 0.045, 0.04, 0.036, 0.032, 0.028):
        head_px = px_for(max(MIN_PX_H, 0.075 * H), measure)
        body_px = px_for(max(MIN_PX_H, body_h * H), measure)
        boxes, y, ok = [], m, True
        for i, line in enumerate(lines):
            heading = i == 0 or line.endswith(":")
            px = head_px if i == 0 else body_px
            tone = "accent" if heading else "text"
            for part in wrap(line, W - 2 * m, px, measure):
                b = _line("guide", part, m, y, px, tone, measure)
                if b.rect.bottom > bottom or b.rect.right > W - m:
                    ok = False
                    break
                boxes.append(b)
                y = b.rect.bottom
            if not ok:
                break
            y += m // 3
        if ok:
            break
    out.boxes += boxes
    return out


# ------------------------------------------------------------------ summary screens
@dataclass(frozen=True)
class SummaryView:
    """An end-of-set, end-of-session or stopped screen."""

    title: str                       # "Set complete", "Session stopped"
    lines: tuple[str, ...]           # what was done, in plain words
    next: str = ""                   # what comes next
    hint: str = ""                   # "Press any key to close (closes by itself in 20 s)"
    tone: str = "pass"               # pass: done; fail: stopped


def summary_layout(size: tuple[int, int], view: SummaryView, measure: Measure = pygame_measure) -> Layout:
    W, H = int(size[0]), int(size[1])
    m = max(6, round(0.04 * min(W, H)))
    out = Layout((W, H), None)
    out.bands.append((Rect(0, 0, W, H), "bg"))
    small = px_for(max(MIN_PX_H, 0.04 * H), measure)
    y_hint = H - m - measure("Ag", small)[1]
    if view.hint:
        out.boxes.append(_line("hint", ellipsize(view.hint, W - 2 * m, small, measure), W // 2, y_hint, small, "dim",
                               measure, align="center"))
    tp = fit_px(view.title, W - 2 * m - 2 * m, 0.11 * H, 0.06 * H, measure)
    t = _line("summary_title", view.title, W // 2, m, tp, view.tone, measure, icon=view.tone, align="center")
    out.boxes.append(t)
    for body_h in (0.06, 0.055, 0.05, 0.045, 0.04, 0.035, 0.03):
        px = px_for(max(MIN_PX_H, body_h * H), measure)
        boxes, y, ok = [], t.rect.bottom + m, True
        for i, line in enumerate(list(view.lines) + ([view.next] if view.next else [])):
            is_next = view.next and i == len(view.lines)
            if is_next:
                y += m // 2
            for part in wrap(line, W - 2 * m, px, measure):
                b = _line("summary_next" if is_next else "summary", part, m, y, px,
                          "accent" if is_next else "text", measure)
                if b.rect.bottom > y_hint - m // 2 or b.rect.right > W - m:
                    ok = False
                    break
                boxes.append(b)
                y = b.rect.bottom + px // 6
            if not ok:
                break
        if ok:
            break
    out.boxes += boxes
    return out
