"""The pygame window of the live coach, the routine and `coach review --show`.

Resizable, with fullscreen on `f` (or from the start): everything on it is laid out in
proportion to the window (coach/app/layout.py) and drawn by coach/app/hud.py; the camera
image is letterboxed. Only drawing and input here; what to show is decided by the loop.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

import numpy as np

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
import pygame  # noqa: E402 - after the prompt switch

from coach.app.hud import draw_layout  # noqa: E402
from coach.app.layout import HudView, SummaryView, hud_layout, summary_layout  # noqa: E402

QUIT = "quit"   # returned by poll() for window close
DEFAULT_SIZE = (1280, 720)


@dataclass
class KeyPress:
    key: int
    name: str


class WindowError(RuntimeError):
    """No window can be opened (no display); the message says what to do."""


def display_available() -> bool:
    """Whether a window can be shown: a display server, or SDL's dummy/offscreen driver."""
    drv = os.environ.get("SDL_VIDEODRIVER", "")
    if drv in ("dummy", "offscreen", "windows", "cocoa"):
        return True
    if os.name == "nt" or os.uname().sysname == "Darwin":
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


NO_DISPLAY = ("no display to show the coaching window on (DISPLAY and WAYLAND_DISPLAY are not set): "
              "run it on a desktop session, or review a recording without a window with "
              "`coach review VIDEO --pose NAME`")


def initial_size(img_w: int, img_h: int) -> tuple[int, int]:
    """A comfortable first size: 1280x720 where the desktop is large enough, else 90 % of it."""
    try:
        sizes = pygame.display.get_desktop_sizes()
    except pygame.error:
        sizes = []
    dw, dh = sizes[0] if sizes and sizes[0][0] > 0 else DEFAULT_SIZE
    w, h = DEFAULT_SIZE
    s = min(1.0, 0.9 * dw / w, 0.9 * dh / h)
    return max(320, int(w * s)), max(240, int(h * s))


class LiveWindow:
    """Works with SDL_VIDEODRIVER=dummy (tests); `size` fixes the first window size."""

    def __init__(self, width: int, height: int, title: str, *, fullscreen: bool = False,
                 size: tuple[int, int] | None = None) -> None:
        self.image_size = (int(width), int(height))
        self.title = title
        if not display_available():
            raise WindowError(NO_DISPLAY)
        try:
            pygame.display.init()
            pygame.font.init()
            self.windowed_size = size or initial_size(width, height)
            self.fullscreen = False
            self.screen = pygame.display.set_mode(self.windowed_size, pygame.RESIZABLE)
            if fullscreen:
                self.toggle_fullscreen()
        except pygame.error as e:
            raise WindowError(f"cannot open a window ({e}): run it on a desktop session, or set "
                              "SDL_VIDEODRIVER=dummy to run without a screen") from None
        pygame.display.set_caption(title)
        self.last_layout = None

    @property
    def size(self) -> tuple[int, int]:
        return self.screen.get_size()

    def toggle_fullscreen(self) -> None:
        """Fullscreen at the desktop's size, or back to the last window size."""
        if self.fullscreen:
            self.screen = pygame.display.set_mode(self.windowed_size, pygame.RESIZABLE)
            self.fullscreen = False
        else:
            self.windowed_size = self.screen.get_size()
            self.screen = pygame.display.set_mode((0, 0), pygame.FULLSCREEN)
            self.fullscreen = True

    def resize(self, w: int, h: int) -> None:
        """Follow a window resize (also used by scripts/screens to draw at a set size)."""
        self.screen = pygame.display.set_mode((max(160, w), max(120, h)), pygame.RESIZABLE)

    def poll(self) -> list[KeyPress | str]:
        """Key presses since the last call, and QUIT for a window close; `f` (fullscreen)
        and resizes are handled here."""
        out: list[KeyPress | str] = []
        for e in pygame.event.get():
            if e.type == pygame.QUIT:
                out.append(QUIT)
            elif e.type == pygame.VIDEORESIZE and not self.fullscreen:
                self.resize(e.w, e.h)
            elif e.type == pygame.KEYDOWN:
                if e.key == pygame.K_f:
                    self.toggle_fullscreen()
                    continue
                out.append(KeyPress(e.key, pygame.key.name(e.key)))
        return out

    def show(self, bgr: np.ndarray | None, help_line: str, status: str = "",
             guide: list[str] | None = None, paused: bool = False, panel=None, result=None,
             hud: HudView | None = None) -> None:
        """Draw one frame and flip it: `hud` says everything on the screen; without it,
        the image with the help line, status, guide and pause only."""
        if hud is None:
            hud = HudView(title=self.title, help=help_line, status=status, paused=paused,
                          guide=tuple(guide or ()), image_size=self.image_size)
        layout = hud_layout(self.size, hud)
        self.last_layout = layout
        draw_layout(self.screen, layout, bgr)
        if panel is not None and result is not None and not hud.guide:
            panel.draw(self.screen, result)
        pygame.display.flip()

    def show_summary(self, view: SummaryView) -> None:
        layout = summary_layout(self.size, view)
        self.last_layout = layout
        draw_layout(self.screen, layout)
        pygame.display.flip()

    def hold_summary(self, view: SummaryView, timeout_s: float) -> str:
        """Keep a summary (or stopped) screen up until a key, a window close or `timeout_s`.
        Returns "key", "quit" or "timeout"."""
        end = time.monotonic() + timeout_s
        self.show_summary(view)
        while time.monotonic() < end:
            for k in self.poll():
                if k == QUIT:
                    return "quit"
                return "key"
            self.show_summary(view)        # redraw: a resize or fullscreen toggle may have come
            time.sleep(0.05)
        return "timeout"

    def save(self, path: str) -> None:
        """Write what is on the window to a PNG (scripts/screens)."""
        pygame.image.save(self.screen, path)

    def close(self) -> None:
        pygame.display.quit()
