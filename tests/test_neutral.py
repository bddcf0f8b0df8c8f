"""The person's neutral is learnt only from stillness (coach/core/neutral.py), and the
engine counts cat-cow cycles from t=0 without one."""

from __future__ import annotations

import math

import pytest

from coach.core.engine import Engine
from coach.core.neutral import StillnessNeutral
from coach.rules.pose_spec import load_pose

DT = 1.0 / 16.0


def feed(n: StillnessNeutral, values, allowed=True, t0=0.0):
    """values: one value per frame for measure 'm'; returns [(t, neutral)] learnt."""
    out = []
    for i, v in enumerate(values):
        t = t0 + i * DT
        got = n.step(t, {"m": v}, allowed)
        if got is not None:
            out.append((t, got["m"]))
    return out


def test_a_still_window_gives_its_median():
    n = StillnessNeutral(1.0, {"m": 2.0})
    got = feed(n, [10.0, 10.5, 9.5] * 8)          # 1.5 s within +-0.5
    assert got and got[0][0] == pytest.approx(1.0) and got[0][1] == pytest.approx(10.0)


def test_never_learnt_while_moving():
    n = StillnessNeutral(1.0, {"m": 2.0})
    moving = [20.0 * math.sin(2 * math.pi * 0.5 * i * DT) for i in range(200)]   # a slow cycle, 12 s
    assert feed(n, moving) == []


def test_learnt_once_the_person_settles_after_moving():
    n = StillnessNeutral(1.0, {"m": 2.0})
    seq = [-20.0 + 2.5 * i for i in range(16)] + [5.0] * 20     # a 1 s move, then still at 5
    got = feed(n, seq)
    assert got and got[0][1] == pytest.approx(5.0) and got[0][0] >= 1.0 + 1.0 - DT


def test_not_allowed_or_unseen_restarts_the_window():
    n = StillnessNeutral(1.0, {"m": 2.0})
    assert feed(n, [0.0] * 12) == []                            # 0.75 s
    assert n.step(0.8, {"m": None}, True) is None               # unseen: start again
    assert feed(n, [0.0] * 12, t0=0.9) == []
    assert n.step(1.8, {"m": 0.0}, False) is None                # not set up: start again
    assert feed(n, [0.0] * 17, t0=2.0)                           # a whole second: learnt


def _cat_cow_from_t0(engine: Engine, cycles: int) -> int:
    """Feed the engine a side-view stick figure (and its back outline) that starts in cat at
    t=0 and never stops."""
    from stick import Stick

    table = Stick(torso=0.0, head=0.0, thigh={"left": -90.0, "right": -90.0},
                  shin={"left": 180.0, "right": 180.0}, upper={"left": -90.0, "right": -90.0},
                  fore={"left": -90.0, "right": -90.0})
    t = 0.0
    res = None
    period = 3.0
    while t < cycles * period + period / 2:
        bend = 10.0 * math.cos(2 * math.pi * t / period)       # back rounded (cat) at t=0, hollow half a period later
        pose = table.with_(back=(bend, bend))
        res = engine.step(t, pose.frame(), pose.outline())
        t += 1 / 15
    return res.reps, res.baseline_ready


@pytest.mark.parametrize("cycles", [2, 3])
def test_cat_cow_moving_from_t0_counts_every_cycle_without_a_neutral(cycles):
    reps, learnt = _cat_cow_from_t0(Engine(load_pose("cat_cow")), cycles)
    assert not learnt                    # never still: no neutral ...
    assert reps == cycles                # ... and every cycle counted (ends hollow: no extra)
