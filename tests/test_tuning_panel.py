"""The tuning panel, headless (SDL dummy driver, set in conftest): keys posted through
pygame's event queue change the spec, the engine takes it, `s` saves the profile."""

from __future__ import annotations

import pygame
import pytest

from coach.core.engine import Engine
from coach.rules.profiles import load_spec
from coach.physio.tuning_panel import TuningPanel
from test_calibrate import lunge


@pytest.fixture
def screen():
    pygame.display.init()
    surf = pygame.display.set_mode((640, 480))
    yield surf
    pygame.display.quit()


def press(panel: TuningPanel, *keys: int) -> list[bool]:
    """Post key presses to pygame's queue and feed them to the panel like the live loop."""
    for k in keys:
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=k))
    return [panel.handle_key(e.key) for e in pygame.event.get(pygame.KEYDOWN)]


def select(panel: TuningPanel, key: str) -> None:
    press(panel, *[pygame.K_DOWN] * panel.keys.index(key))
    assert panel.selected == key


def test_nudges_change_only_the_selected_threshold_and_save_it(screen, tmp_path):
    prof = tmp_path / "p.toml"
    panel = TuningPanel(load_spec("kneeling_hip_flexor"), prof, who="physio")
    assert panel.keys[0] == "checks.front_knee_angle.min"       # form checks first
    assert press(panel, pygame.K_LEFT, pygame.K_LEFT, pygame.K_LEFT) == [True] * 3
    assert panel.spec.check("front_knee_angle").min == 67.0        # 3 steps of 1 deg
    assert panel.spec.check("front_knee_angle").max == 110.0
    select(panel, "hold.seconds")
    press(panel, pygame.K_RIGHT)
    assert panel.spec.hold.seconds == 30.5                         # 0.5 s steps
    assert press(panel, pygame.K_s) == [True]
    saved = load_spec("kneeling_hip_flexor", prof)
    assert saved.check("front_knee_angle").min == 67.0 and saved.hold.seconds == 30.5
    assert "by physio (tuning panel)" in prof.read_text()


def test_unhandled_keys_are_not_consumed(screen):
    panel = TuningPanel(load_spec("cat_cow"))
    assert press(panel, pygame.K_a, pygame.K_SPACE) == [False, False]


def test_a_nudge_that_would_break_the_rules_is_refused(screen):
    panel = TuningPanel(load_spec("cat_cow"))
    select(panel, "reps.low_exit")                                  # -1.5, must stay above low_enter -3.5
    press(panel, pygame.K_LEFT)
    assert panel.spec.reps.low_exit == -2.5
    press(panel, pygame.K_LEFT)
    assert panel.spec.reps.low_exit == -2.5
    assert "hysteresis" in panel.message
    select_int = panel.keys.index("reps.target")
    press(panel, *[pygame.K_DOWN] * ((select_int - panel.index) % len(panel.keys)), pygame.K_RIGHT)
    assert panel.spec.reps.target == 11 and isinstance(panel.spec.reps.target, int)


def test_save_without_a_profile_says_how(screen):
    panel = TuningPanel(load_spec("cat_cow"))
    press(panel, pygame.K_s)
    assert "--profile" in panel.message and not panel.ok


def test_engine_takes_the_panel_spec_and_the_panel_shows_pass_or_fail(screen):
    spec = load_spec("kneeling_hip_flexor")
    engine, panel = Engine(spec), TuningPanel(spec)
    frame = lunge(100.0).frame()
    res = None
    for i in range(20):
        res = engine.step(i / 10, frame)
    live = panel.lines(res)[-1][0]
    assert "front_knee 100.0 deg: passes" == live
    press(panel, *[pygame.K_RIGHT] * 32)                           # min 70 -> 102: 100 now fails
    assert panel.spec.check("front_knee_angle").min == 102.0
    engine.update_spec(panel.spec)
    for i in range(20, 25):
        res = engine.step(i / 10, frame)
    assert res.checks["front_knee_angle"].passed is False
    assert panel.lines(res)[-1][0] == "front_knee 100.0 deg: fails"
    panel.draw(screen, res)                                        # draws without a window system
    assert screen.get_at((640 - 20, 12))[:3] != (0, 0, 0)


def test_panel_starts_from_a_profile_and_keeps_its_other_overrides(screen, tmp_path):
    prof = tmp_path / "p.toml"
    prof.write_text("version = 1\n[cat_cow.reps]\ntarget = 6\n")
    panel = TuningPanel(load_spec("cat_cow", prof), prof)
    select(panel, "reps.high_enter")
    press(panel, pygame.K_RIGHT, pygame.K_s)
    s = load_spec("cat_cow", prof)
    assert s.reps.target == 6 and s.reps.high_enter == 6.0
