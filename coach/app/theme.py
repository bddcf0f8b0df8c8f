"""The colour scheme of the live screen, the summary screens and the annotated video.

Pass and fail are blue and orange (the Okabe-Ito pair that people with red-green colour
blindness still tell apart), and never colour alone: a pass carries a round check mark,
a fail a triangle with a "!" (see coach/app/hud.py). Colours are named by what they mean
("tones") so the layout never picks a raw colour.
"""

from __future__ import annotations

# RGB, for pygame
RGB: dict[str, tuple[int, int, int]] = {
    "pass": (86, 180, 233),       # sky blue
    "fail": (230, 159, 0),        # orange
    "neutral": (200, 200, 200),   # not judged (hidden, or no check)
    "text": (240, 240, 240),
    "dim": (165, 165, 165),
    "accent": (240, 228, 66),     # yellow: headings, the side indicator
    "info": (240, 240, 240),
    "bg": (18, 18, 22),
    "panel": (34, 36, 44),
    "ring_bg": (70, 72, 82),
}

#: Background of a cue band by its tone: a fault on dark orange-brown, others on dark blue-grey.
CUE_BG: dict[str, tuple[int, int, int]] = {
    "fail": (92, 52, 0),
    "pass": (10, 58, 86),
    "info": (44, 48, 60),
}

#: The shape that goes with a tone (colour is never the only sign).
ICON: dict[str, str] = {"pass": "check", "fail": "warn", "neutral": "dot"}


def bgr(tone: str) -> tuple[int, int, int]:
    """The same tone for OpenCV (blue, green, red)."""
    r, g, b = RGB[tone]
    return (b, g, r)
