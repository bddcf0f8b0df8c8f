"""The engine on stick-figure traces: visibility gating, view check, side detection with
switch delay, baseline for relative measures, live threshold updates."""

from dataclasses import replace

import pytest

from coach.core import events as ev
from coach.core.engine import Engine
from coach.rules.pose_spec import ViewRule, load_pose, raw_pose, spec_from_dict
from stick import Front, Stick, backs, child_pose, drive, steps

FPS = 15.0


def kinds(engine, kind):
    return [e for e in engine.events if e.kind == kind]


def spoken(results):
    return [r.spoken for r in results if r.spoken]


def lunge(front="left", knee=90.0, **kw):
    """Kneeling lunge facing +x: front thigh horizontal, front knee `knee` deg, back thigh
    15 deg behind vertical with the shin on the floor (back hip 165, back knee 105)."""
    back = "right" if front == "left" else "left"
    return Stick(width=0, thigh={front: 0.0, back: -105.0}, shin={front: -180.0 + knee, back: 180.0}, **kw)


KNEEL = Stick(width=0, thigh={"left": -90.0, "right": -90.0}, shin={"left": 180.0, "right": 180.0})


# ------------------------------------------------------------------ visibility gating

def test_visible_bad_knee_is_a_fault():
    e = Engine(load_pose("kneeling_hip_flexor"))
    t, f = steps([(KNEEL, 1.0), (lunge(knee=120.0), 4.0)], FPS)
    res = drive(e, t, f)
    assert [x.data["id"] for x in kinds(e, ev.FAULT_START)] == ["front_knee_angle"]
    assert res[-1].checks["front_knee_angle"].value == pytest.approx(120.0, abs=0.5)
    # still a lunge: the hold is timed, none of it in good form
    holds = e.hold.records + ([e.hold.current] if e.hold.current else [])
    assert holds and holds[0].in_tolerance_s > 1.0 and holds[0].good_form_s == 0.0


def test_hidden_knee_gives_no_fault_no_hold_and_names_the_joint():
    e = Engine(load_pose("kneeling_hip_flexor"))
    hidden = lunge(knee=120.0, vis={"left_knee": 0.0})
    t, f = steps([(KNEEL, 1.0), (lunge(), 3.0), (hidden, 6.0)], FPS)
    res = drive(e, t, f, finish=False)
    assert not kinds(e, ev.FAULT_START)
    # the hold that began while visible is not timed on through the hidden knee
    assert e.hold.current is None
    assert len(e.hold.records) == 1 and e.hold.records[0].end == pytest.approx(4.0, abs=0.1)
    last = res[-1]
    assert last.checks["front_knee_angle"].passed is None
    assert "left_knee" in last.checks["front_knee_angle"].hidden
    assert not last.in_position
    assert any(s.startswith("left knee hidden") for s in spoken(res))


def test_hidden_knees_stop_rep_counting():
    spec = load_pose("cat_cow")
    cow, cat = TABLE.with_(head=25.0, back=(-6.0, -6.0)), TABLE.with_(head=-25.0, back=(8.0, 8.0))
    hide = {"left_knee": 0.0, "right_knee": 0.0}
    segs = [(TABLE, 3.0)] + [(cow, 1.5), (cat, 1.5)] * 3
    segs += [(cow.with_(vis=hide), 1.5), (cat.with_(vis=hide), 1.5)] * 3
    t, f = steps(segs, FPS)
    e = Engine(spec)
    res = drive(e, t, f, back=backs(segs, FPS))
    assert res[-1].reps == 3           # counted only while the knees were seen
    assert any("knee hidden" in s for s in spoken(res))


# ------------------------------------------------------------------ view check

TABLE = Stick(width=0, torso=0.0, head=0.0, thigh={"left": -90.0, "right": -90.0},
              shin={"left": 180.0, "right": 180.0}, upper={"left": -90.0, "right": -90.0},
              fore={"left": -90.0, "right": -90.0})
SIT_HINGE = Stick(width=0, torso=30.0, head=30.0, thigh={"left": 0.0, "right": 0.0},
                  shin={"left": 0.0, "right": 0.0}, upper={"left": -10.0, "right": -10.0},
                  fore={"left": -10.0, "right": -10.0})


def test_side_view_hinge_is_held():
    e = Engine(load_pose("seated_forward_bend"))
    segs = [(SIT_HINGE.with_(back=(-28.0, 30.0)), 5.0)]       # a flat back: the hollow above the seat
    t, f = steps(segs, FPS)
    res = drive(e, t, f, back=backs(segs, FPS))
    assert res[-1].view_ok and res[-1].width_ratio == pytest.approx(0.0, abs=1e-6)
    assert len(kinds(e, ev.HOLD_START)) == 1


def test_front_on_body_for_side_view_stretch_warns_and_never_counts():
    # the same hinge with shoulders and hips 120 px apart across the image: every measure
    # (near-side chains) is unchanged, only the view is wrong (width ratio 120/160)
    e = Engine(load_pose("seated_forward_bend"))
    t, f = steps([(SIT_HINGE.with_(spread_x=120.0), 8.0)], FPS)
    res = drive(e, t, f)
    assert res[-1].width_ratio == pytest.approx(0.75, abs=1e-6)
    assert res[-1].measures["hip_hinge"] == pytest.approx(30.0, abs=1e-6)
    assert len(kinds(e, ev.VIEW_WARNING)) == 1
    assert not res[-1].view_ok
    assert not kinds(e, ev.HOLD_START) and e.hold.records == []
    assert "Turn sideways to the camera" in spoken(res)


def test_front_on_rep_stretch_counts_nothing():
    cow, cat = TABLE.with_(head=25.0, spread_x=120.0), TABLE.with_(head=-25.0, spread_x=120.0)
    t, f = steps([(TABLE.with_(spread_x=120.0), 3.0)] + [(cow, 1.5), (cat, 1.5)] * 5, FPS)
    e = Engine(load_pose("cat_cow"))
    res = drive(e, t, f)
    assert res[-1].reps == 0 and not kinds(e, ev.REP)
    assert kinds(e, ev.VIEW_WARNING)


def test_turning_side_on_clears_the_warning():
    e = Engine(load_pose("seated_forward_bend"))
    flat = SIT_HINGE.with_(back=(-28.0, 30.0))
    segs = [(flat.with_(spread_x=120.0), 3.0), (flat, 4.0)]
    t, f = steps(segs, FPS)
    res = drive(e, t, f, back=backs(segs, FPS))
    assert kinds(e, ev.VIEW_OK) and res[-1].view_ok
    starts = kinds(e, ev.HOLD_START)
    assert len(starts) == 1 and starts[0].t >= 3.0


# ------------------------------------------------------------------ sides

def supine(left_hip: float, right_hip: float) -> Stick:
    """Lying on the back, head towards +x; hip angle = torso-to-thigh (thigh direction)."""
    return Stick(width=0, torso=0.0, head=0.0, thigh={"left": left_hip, "right": right_hip},
                 shin={"left": 180.0, "right": 180.0}, upper={"left": 180.0, "right": 180.0},
                 fore={"left": 180.0, "right": 180.0})


def test_side_smaller_rule_follows_after_switch_delay():
    spec = load_pose("supine_knee_to_chest")
    assert spec.side.switch_after_s == 1.0
    # left knee in (hip 50, right 180), then both knees up with the right further in
    t, f = steps([(supine(50.0, 180.0), 3.0), (supine(60.0, 40.0), 3.0)], FPS)
    e = Engine(spec)
    res = drive(e, t, f)
    assert res[int(2.9 * FPS)].side == "left"
    switched = next(r.t for r in res if r.t >= 3.0 and r.side == "right")
    assert 3.0 + 1.0 <= switched <= 3.0 + 1.0 + 0.25


def test_side_flicker_shorter_than_delay_is_ignored():
    segs = [(supine(50.0, 180.0), 3.0)] + [(supine(60.0, 40.0), 0.6), (supine(40.0, 60.0), 0.6)] * 5
    t, f = steps(segs, FPS)
    e = Engine(load_pose("supine_knee_to_chest"))
    res = drive(e, t, f)
    assert {r.side for r in res} == {"left"}


def test_side_follows_at_once_when_not_set_up_on_the_old_side():
    # kneeling upright ties the two hip angles; stepping the left foot forward must time
    # the left hold from the step, not switch_after_s later
    t, f = steps([(KNEEL, 3.0), (lunge("left"), 6.0)], FPS)
    e = Engine(load_pose("kneeling_hip_flexor"))
    drive(e, t, f)
    starts = kinds(e, ev.HOLD_START)
    assert len(starts) == 1 and starts[0].side == "left"
    assert starts[0].t == pytest.approx(3.0, abs=0.2)


def test_side_sign_rule_reads_the_change_from_the_neutral():
    # child's pose: the side is the sign of the reach from the arms-ahead neutral, so it
    # stays unknown until the neutral is learnt, then follows the hands
    spec = load_pose("childs_pose_side_reach")
    assert spec.side.positive == "left" and spec.measures[spec.side.measure].baseline
    t, f = steps([(child_pose(), 2.5), (child_pose(20.0), 3.0), (child_pose(-20.0), 3.0)], FPS)
    res = drive(Engine(spec), t, f)
    assert res[int(1.0 * FPS)].measures["reach"] is None
    assert res[int(5.4 * FPS)].side == "left"
    assert res[-1].side == "right"


def test_absolute_baseline_measure_is_the_size_of_the_change():
    # arms ahead, the hands read +0.11 torso lengths; a small reach to the right crosses
    # zero to -0.08: the size of the change is 0.18, not the 0.03 between the two sizes
    spec = load_pose("childs_pose_side_reach")
    t, f = steps([(child_pose(), 2.5), (child_pose(-10.0), 1.0)], FPS)
    res = drive(Engine(spec), t, f)
    last = res[-1].measures
    assert last["reach"] == pytest.approx(-0.18, abs=0.01)
    assert last["reach_size"] == pytest.approx(-last["reach"], abs=1e-9)


def test_front_view_rule_warns_when_seen_side_on():
    # a pose that wants the camera in front: a side-on body (shoulders and hips stacked in
    # the image) reads a width ratio near 0 and gets the view cue
    base = load_pose("childs_pose_side_reach")
    spec = replace(base, view=ViewRule(kind="front", min_width_ratio=0.5, cue="Face the camera"))
    t, f = steps([(Front(), 2.0), (child_pose(), 4.0)], FPS)
    e = Engine(spec)
    res = drive(e, t, f)
    assert res[int(1.9 * FPS)].view_ok and res[int(1.9 * FPS)].width_ratio > 0.5
    assert not res[-1].view_ok and res[-1].width_ratio < 0.1
    assert [x.text for x in kinds(e, ev.VIEW_WARNING)] == ["Face the camera"]


# ------------------------------------------------------------------ baseline

def test_baseline_makes_measures_relative():
    spec = load_pose("cat_cow")
    segs = [(TABLE.with_(back=(-10.0, -10.0)), 3.0), (TABLE.with_(back=(5.0, 5.0)), 2.0),
            (TABLE.with_(back=(-25.0, -25.0)), 2.0)]
    t, f = steps(segs, FPS)
    e = Engine(spec)
    res = drive(e, t, f, back=backs(segs, FPS))
    base = kinds(e, ev.BASELINE)
    assert len(base) == 1
    assert base[0].t == pytest.approx(spec.baseline_s, abs=0.1)
    assert e.baseline["spine"] == pytest.approx(-10.0, abs=0.01)
    assert res[0].measures["spine"] is None and not res[0].baseline_ready
    assert res[int(4.9 * FPS)].measures["spine"] == pytest.approx(15.0, abs=0.3)
    assert res[-1].measures["spine"] == pytest.approx(-15.0, abs=0.3)
    assert res[-1].reps == 1


def test_a_cycle_counts_before_any_neutral_is_learnt():
    # 1.9 s in all: a full cow-cat cycle (1.15 s) inside the 2 s a neutral takes to learn;
    # reps are counted from the movement itself, so it counts without one
    spec = load_pose("cat_cow")
    segs = [(TABLE, 0.2), (TABLE.with_(back=(-8.0, -8.0)), 0.867), (TABLE.with_(back=(10.0, 10.0)), 0.867)]
    t, f = steps(segs, FPS)
    b = backs(segs, FPS)
    assert t[-1] < spec.baseline_s
    res = drive(Engine(spec), t, f, back=b)
    assert not any(r.baseline_ready for r in res)
    assert res[-1].reps == 1
    # control: half a cycle (one way only) counts nothing
    half = segs[:2] + [(TABLE, 0.867)]
    t, f = steps(half, FPS)
    assert drive(Engine(spec), t, f, back=backs(half, FPS))[-1].reps == 0


def test_baseline_only_while_set_up():
    # wrists far forward: not in tabletop set-up, so no neutral is learned
    spec = load_pose("cat_cow")
    t, f = steps([(TABLE.with_(upper={"left": -40.0, "right": -40.0}, fore={"left": -40.0, "right": -40.0}), 5.0)], FPS)
    e = Engine(spec)
    drive(e, t, f)
    assert e.baseline == {} and not kinds(e, ev.BASELINE)


# ------------------------------------------------------------------ live threshold update

def _spec_with(name, check_id, **bounds):
    d, text, path = raw_pose(name)
    for c in d["checks"]:
        if c["id"] == check_id:
            c.update(bounds)
    return spec_from_dict(d, path, text)


def test_update_spec_changes_a_verdict_on_the_next_frame():
    spec = load_pose("kneeling_hip_flexor")
    e = Engine(spec)
    t, f = steps([(KNEEL, 1.0), (lunge(knee=100.0), 3.0)], FPS)
    res = drive(e, t, f, finish=False)
    assert res[-1].checks["front_knee_angle"].passed is True
    assert res[-1].checks["front_knee_angle"].value == pytest.approx(100.0, abs=0.2)
    e.update_spec(_spec_with("kneeling_hip_flexor", "front_knee_angle", max=95.0))
    r = e.step(float(t[-1]) + 1 / FPS, f[-1])
    assert r.checks["front_knee_angle"].passed is False and r.in_position   # a form fault: the clock runs
    e.update_spec(spec)
    r = e.step(float(t[-1]) + 2 / FPS, f[-1])
    assert r.checks["front_knee_angle"].passed is True


def test_update_spec_keeps_counts():
    spec = load_pose("kneeling_hip_flexor")
    e = Engine(spec)
    t, f = steps([(KNEEL, 1.0), (lunge(), 3.0)], FPS)
    drive(e, t, f, finish=False)
    held = e.hold.elapsed
    e.update_spec(_spec_with("kneeling_hip_flexor", "torso_upright", max=25.0))
    e.step(float(t[-1]) + 1 / FPS, f[-1])
    assert e.hold.elapsed == pytest.approx(held + 1 / FPS)


def test_update_spec_rejects_other_checks():
    e = Engine(load_pose("kneeling_hip_flexor"))
    with pytest.raises(ValueError):
        e.update_spec(load_pose("seated_forward_bend"))


# ------------------------------------------------------------------ a check's `when`: held still

def test_steadiness_needs_the_whole_window_still():
    from coach.core.checks import Steadiness
    s = Steadiness()
    got = [s.step(i * 0.1, 40.0 + (0.5 if i % 2 else 0.0), 0.5, 4.0) for i in range(8)]
    assert got == [False] * 5 + [True] * 3            # watched 0.5 s: still within 4 deg
    assert s.step(0.8, 40.0, 0.5, 4.0) and s.step(0.8, 40.0, 0.5, 4.0)   # the same frame again: no change
    assert not s.step(0.9, 46.0, 0.5, 4.0)              # moved 6 deg within the window
    assert not s.step(1.3, 46.0, 0.5, 4.0) and s.step(1.4, 46.0, 0.5, 4.0)   # still again after 0.5 s
    assert not s.step(1.5, None, 0.5, 4.0) and not s.step(1.6, 46.0, 0.5, 4.0)  # unseen: starts again
