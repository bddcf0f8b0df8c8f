"""The person's neutral is learnt only from stillness (coach/core/neutral.py), and the
engine counts cat-cow cycles from t=0 without one."""

from __future__ import annotations

import math

import numpy as np

import pytest

from coach.core.engine import Engine
from coach.core.measures import evaluate
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


# ---------------------------------------------------------------- the rest: least stretched
def test_rest_log_plans_the_least_stretched_window_of_each_run():
    from coach.core.neutral import RestLog

    log = RestLog({"m": "lower"}, gap_s=1.0)
    for i in range(200):                       # set up 0-4.95 s, away 5-6.95 s, set up again 7-9.95 s
        t = i * 0.05
        log.step(t, not 5.0 <= t < 7.0)
    for t, v in ((2.0, 4.0), (3.0, 5.0), (4.0, 4.5), (6.0, 9.0), (9.0, 3.0)):
        log.add(t, {"m": v})
    plan = log.plan()
    assert [(round(p.start, 2), round(p.end, 2), p.values["m"]) for p in plan] == [(0.0, 4.95, 5.0), (7.0, 9.95, 3.0)]
    assert RestLog({"m": "higher"}, runs=[[0.0, 4.0]], windows=[(1.0, {"m": 4.0}), (2.0, {"m": 2.0})]).plan()[0].values == {"m": 2.0}
    assert RestLog({"m": ""}, runs=[[0.0, 4.0]], windows=[(1.0, {"m": 4.0})]).plan() == []   # no direction: no plan


def _tilts(first_tilted: bool):
    """Pelvic tilt segments: (already tilted from t=0 or at rest 3 s), rest 4 s, a 7 s tilt, rest 3 s."""
    from test_stretches import hook_lying

    start = [(hook_lying(-5.0), 7.0)] if first_tilted else [(hook_lying(), 3.0)]
    return start + [(hook_lying(), 4.0), (hook_lying(-5.0), 7.0), (hook_lying(), 3.0)]


def _feed(session_or_engine, segs):
    from stick import backs, steps

    times, frames = steps(segs, 15.0)
    outlines = backs(segs, 15.0)
    feed = getattr(session_or_engine, "feed", None) or session_or_engine.step
    for t, f, b in zip(times, frames, outlines):
        feed(float(t), f, back=b) if hasattr(session_or_engine, "feed") else feed(float(t), f, b)
    return float(times[-1])


def test_started_tilted_the_rest_moves_to_the_less_stretched_stillness_live():
    e = Engine(load_pose("pelvic_tilt"))
    end = _feed(e, _tilts(first_tilted=True))
    e.finish(end)
    assert e.baseline["arch"] == pytest.approx(3.52, abs=0.25)     # the rest, not the tilt it first saw
    done = [h for h in e.hold_records if h.completed]
    assert len(done) == 1 and done[0].start > 10.0                 # live: only the tilt after the rest


def test_a_more_stretched_stillness_never_becomes_the_rest():
    from test_stretches import hook_lying

    e = Engine(load_pose("pelvic_tilt"))
    _feed(e, [(hook_lying(), 3.0), (hook_lying(-3.0), 8.0)])          # a still part-tilt under the threshold
    assert e.baseline["arch"] == pytest.approx(3.52, abs=0.25)


def test_review_judges_a_tilt_held_from_the_start_against_the_rest_found_later():
    from coach.core.session import Session

    spec = load_pose("pelvic_tilt")
    offline, live = Session(spec, record_trace=False), Session(spec, record_trace=False, rejudge=False)
    for s in (offline, live):
        _feed(s, _tilts(first_tilted=True))
    got = [h for h in offline.close().holds if h["completed"]]
    assert len(got) == 2 and got[0]["start"] < 1.0                 # the first tilt, timed from t=0
    assert got[0]["in_tolerance_s"] == pytest.approx(7.0 - spec.hold.min_enter_s, abs=0.4)
    assert len([h for h in live.close().holds if h["completed"]]) == 1   # live keeps what it told the person
    assert offline.engine.baseline["arch"] == pytest.approx(3.52, abs=0.25)


# ------------------------------------------------------------------ a change in % of the rest

def _arch_spec(**arch):
    from coach.rules.pose_spec import raw_pose, spec_from_dict

    d, text, path = raw_pose("pelvic_tilt")
    d["measures"]["arch"].update(arch)
    return spec_from_dict(d, path, text)


def _tilt_run(spec, gain=1.0):
    """A rest, a 5 deg tilt and a rest again, the back's gap over the mat shown `gain` times
    as deep (a camera or clothes that show more or less of it); the engine's results."""
    from stick import backs, steps
    from test_stretches import hook_lying

    from coach.core.landmarks import point

    segs = [(hook_lying(), 3.0), (hook_lying(-5.0), 7.0), (hook_lying(), 3.0)]
    times, frames = steps(segs, 15.0)
    outlines = backs(segs, 15.0)
    e, out = Engine(spec), []
    for t, f, b in zip(times, frames, outlines):
        hip, sh = point(f, "mid_hip", 0.0), point(f, "mid_shoulder", 0.0)
        if gain != 1.0 and hip is not None and np.isfinite(b).all():
            u = (sh - hip) / np.linalg.norm(sh - hip)
            rel = b - hip
            along = (rel @ u)[:, None] * u
            b = hip + along + gain * (rel - along)     # the gap scaled across the hip-shoulder line
        out.append(e.step(float(t), f, b))
    e.finish(float(times[-1]))
    return e, out


def test_a_relative_measure_reads_its_change_in_percent_of_the_rest_never_under_its_floor():
    for floor in (0.5, 7.0):                       # under the stick's 3.5 % rest, and over it
        spec = _arch_spec(rest_floor=floor)
        e, res = _tilt_run(spec)
        rest = e.baseline["arch"]
        assert rest == pytest.approx(3.52, abs=0.25)
        assert sum(r.measures.get("arch") is not None for r in res) > 100
        for r in res[::7]:
            if r.measures.get("arch") is None:
                continue
            raw = evaluate(spec.measures["arch"], r.landmarks, r.side, r.near, spec.min_visibility, r.back)
            assert r.measures["arch"] == pytest.approx(100.0 * (raw - rest) / max(rest, floor), abs=1e-6)


def test_the_tilt_held_is_the_same_whatever_share_of_the_gap_the_mask_shows():
    spec = _arch_spec(rest_floor=0.5)              # relative all the way down
    holds = {}
    for gain in (1.0, 2.0):
        e, res = _tilt_run(spec, gain)
        assert e.baseline["arch"] == pytest.approx(3.52 * gain, rel=0.1)
        holds[gain] = [(round(h.start, 1), round(h.in_tolerance_s, 1)) for h in e.hold_records]
    assert holds[1.0] == holds[2.0] and len(holds[1.0]) == 1
    # control: read in % of the back (not of the rest) the doubled gap flattens twice as far
    d, e = {}, None
    for gain in (1.0, 2.0):
        e, res = _tilt_run(spec, gain)
        mid = [r for r in res if 7.0 <= r.t <= 8.0]
        d[gain] = np.mean([r.measures["arch"] * e.baseline["arch"] / 100.0 for r in mid])
    assert d[2.0] == pytest.approx(2.0 * d[1.0], rel=0.15)
