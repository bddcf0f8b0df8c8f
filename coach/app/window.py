"""The pygame window of the live coach and of `coach review --show`: the annotated camera
image, a key help bar under it, an optional set-up guide and a tuning panel on top.

Only drawing and input here; the loop that decides what to show is coach/app/live.py.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import cv2
import numpy as np

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
import pygame  # noqa: E402 - after the prompt switch

BAR_H = 26
BG = (20, 20, 20)
FG = (230, 230, 230)
DIM = (150, 150, 150)
ACCENT = (240, 210, 40)

QUIT = "quit"   # returned by poll() for window close


@dataclass
class KeyPress:
    key: int
    name: str


class WindowError(RuntimeError):
    """No window can be opened (no display); the message says what to do."""


class LiveWindow:
    """A window of the image size plus a help bar; works with SDL_VIDEODRIVER=dummy."""

    def __init__(self, width: int, height: int, title: str) -> None:
        self.size = (int(width), int(height))
        try:
            pygame.display.init()
            pygame.font.init()
            self.screen = pygame.display.set_mode((self.size[0], self.size[1] + BAR_H))
        except pygame.error as e:
            raise WindowError(f"cannot open a window ({e}): run it on a desktop session, or set "
                              "SDL_VIDEODRIVER=dummy to run without a screen") from None
        pygame.display.set_caption(title)
        self.font = pygame.font.Font(None, 22)
        self.big = pygame.font.Font(None, 30)

    def poll(self) -> list[KeyPress | str]:
        """Key presses since the last call, and QUIT for a window close."""
        out: list[KeyPress | str] = []
        for e in pygame.event.get():
            if e.type == pygame.QUIT:
                out.append(QUIT)
            elif e.type == pygame.KEYDOWN:
                out.append(KeyPress(e.key, pygame.key.name(e.key)))
        return out

    def _text(self, s: str, pos: tuple[int, int], color=FG, font=None) -> None:
        self.screen.blit((font or self.font).render(s, True, color), pos)

    def _wrap(self, s: str, width_px: int, font) -> list[str]:
        words, lines, cur = s.split(), [], ""
        for w in words:
            cand = f"{cur} {w}".strip()
            if font.size(cand)[0] > width_px and cur:
                lines.append(cur)
                cur = w
            else:
                cur = cand
        return lines + ([cur] if cur else [])

    def show(self, bgr: np.ndarray | None, help_line: str, status: str = "",
             guide: list[str] | None = None, paused: bool = False, panel=None, result=None) -> None:
        """Draw one frame and flip it to the screen."""
        self.screen.fill(BG)
        if bgr is not None:
            if (bgr.shape[1], bgr.shape[0]) != self.size:
                bgr = cv2.resize(bgr, self.size, interpolation=cv2.INTER_AREA)
            img = np.ascontiguousarray(bgr)
            self.screen.blit(pygame.image.frombuffer(img.data, self.size, "BGR"), (0, 0))
        if guide:
            self._draw_guide(guide)
        if paused:
            s = self.big.render("PAUSED - space to resume", True, ACCENT)
            self.screen.blit(s, ((self.size[0] - s.get_width()) // 2, self.size[1] // 2 - 15))
        if panel is not None and result is not None:
            panel.draw(self.screen, result)
        y = self.size[1] + 5
        self._text(help_line, (6, y), DIM)
        if status:
            s = self.font.render(status, True, FG)
            self.screen.blit(s, (self.size[0] - s.get_width() - 6, y))
        pygame.display.flip()

    def _draw_guide(self, lines: list[str]) -> None:
        w, h = self.size
        box = pygame.Surface((int(w * 0.9), int(h * 0.8)), pygame.SRCALPHA)
        box.fill((0, 0, 0, 200))
        x0, y0 = int(w * 0.05), int(h * 0.1)
        self.screen.blit(box, (x0, y0))
        y = y0 + 12
        for i, line in enumerate(lines):
            heading = line.endswith(":") or i == 0
            font = self.big if i == 0 else self.font
            for part in self._wrap(line, box.get_width() - 24, font):
                self._text(part, (x0 + 12, y), ACCENT if heading else FG, font)
                y += font.get_linesize()
            y += 4
            if y > y0 + box.get_height() - 20:
                break

    def close(self) -> None:
        pygame.display.quit()
