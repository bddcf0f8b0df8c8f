"""The six stretches of the routine on stick-figure traces built from its description
(/work/shared/reference/stretch-routine.md). Each pose is held exactly as constructed,
so counts, sides and hold times are known in advance."""

import math

import pytest

from coach.core import events as ev
from coach.core.engine import Engine
from coach.rules.pose_spec import load_pose
from stick import Stick, backs, child_pose, drive, steps

FPS = 15.0
TOL = 0.2     # seconds: hold timing


def run(name, segments, jitter_px=0.0, seed=0):
    spec = load_pose(name)
    e = Engine(spec)
    t, f = steps(segments, FPS, jitter_px=jitter_px, seed=seed)
    res = drive(e, t, f, back=backs(segments, FPS, jitter_px=jitter_px / 2, seed=seed + 1))
    return spec, e, res


def kinds(e, kind):
    return [x for x in e.events if x.kind == kind]


def holds(e):
    """Every hold so far, the open one included."""
    return e.hold.records + ([e.hold.current] if e.hold.current else [])


def fault_ids(e):
    return [x.data["id"] for x in kinds(e, ev.FAULT_START)]


def spoken(res):
    return [r.spoken for r in res if r.spoken]


def both(d_left, d_right=None):
    return {"left": d_left, "right": d_left if d_right is None else d_right}


# ------------------------------------------------------------------ 1. cat-cow

def tabletop(head=0.0, arms=-90.0, facing=1, back=0.0):
    """Hands and knees, back level, facing +x (or mirrored): thighs and arms vertical;
    `back` bends the back's outline (+ rounded, - hollow), lower and upper half alike."""
    return Stick(width=0, torso=0.0, head=head, thigh=both(-90.0), shin=both(180.0),
                 upper=both(arms), fore=both(arms), facing=facing, back=(back, back))


def cow(facing=1, **kw):
    return tabletop(25.0, facing=facing, back=-6.0, **kw)      # belly drops, head lifts


def cat(facing=1, **kw):
    return tabletop(-25.0, facing=facing, back=8.0, **kw)      # back rounds, chin tucks


@pytest.mark.parametrize("facing", [1, -1])
def test_cat_cow_ten_cycles_counted_exactly(facing):
    # "Inhale, belly drops, head lifts (cow). Exhale, round the back, tuck the chin (cat).
    # Repeat 10 cycles." Neutral tabletop first, so the coach learns the person's neutral.
    segs = [(tabletop(facing=facing), 3.0)]
    segs += [(cow(facing), 2.0), (cat(facing), 2.0)] * 10
    segs += [(tabletop(facing=facing), 2.0)]
    spec, e, res = run("cat_cow", segs, jitter_px=0.5)
    assert res[-1].reps == 10
    reps = kinds(e, ev.REP)
    assert [r.data["count"] for r in reps] == list(range(1, 11))
    assert not kinds(e, ev.REP_REJECTED) and not fault_ids(e)
    assert kinds(e, ev.SET_COMPLETE)
    # each cycle is one cow (from 3 + 4k s) and the cat after it; the back's curve, not the head
    for k, r in enumerate(reps):
        assert r.data["start"] == pytest.approx(3.0 + 4.0 * k, abs=0.3)    # the outline's 0.15 s smoothing
        assert r.data["high_peak"] == pytest.approx(8.0, abs=1.0)       # rounded: cat
        assert r.data["low_peak"] == pytest.approx(-6.0, abs=1.0)       # hollow: cow


def test_cat_cow_nine_cycles_is_not_ten():
    segs = [(tabletop(), 3.0)] + [(cow(), 2.0), (cat(), 2.0)] * 9 + [(cow(), 2.0)]
    _, e, res = run("cat_cow", segs)
    assert res[-1].reps == 9 and not kinds(e, ev.SET_COMPLETE)


def test_cat_cow_head_only_nodding_counts_nothing():
    # the head lifts and tucks 25 deg while the back stays as in tabletop
    segs = [(tabletop(), 3.0)] + [(tabletop(25.0), 2.0), (tabletop(-25.0), 2.0)] * 5
    _, e, res = run("cat_cow", segs, jitter_px=0.5)
    assert res[-1].reps == 0 and not kinds(e, ev.REP)


def test_cat_cow_back_alone_with_the_head_still_counts_every_cycle():
    segs = [(tabletop(), 3.0)] + [(tabletop(back=-6.0), 2.0), (tabletop(back=8.0), 2.0)] * 5 + [(tabletop(), 2.0)]
    _, e, res = run("cat_cow", segs, jitter_px=0.5)
    assert res[-1].reps == 5


def test_cat_cow_wrists_far_forward_counts_nothing_and_cues_setup():
    segs = [(tabletop(arms=-40.0), 3.0)] + [(cow(arms=-40.0), 2.0), (cat(arms=-40.0), 2.0)] * 5
    _, e, res = run("cat_cow", segs)
    assert res[-1].reps == 0 and not kinds(e, ev.REP)
    assert not res[-1].set_up
    assert res[-1].checks["wrists_under_shoulders"].passed is False
    assert "Place your wrists under your shoulders" in spoken(res)


def test_cat_cow_small_back_moves_do_not_count():
    # +-2 deg of the back around neutral never reaches the -3.5 / +5 deg phases
    segs = [(tabletop(), 3.0)] + [(tabletop(6.0, back=2.0), 2.0), (tabletop(-6.0, back=-2.0), 2.0)] * 8
    _, _, res = run("cat_cow", segs, jitter_px=0.5)
    assert res[-1].reps == 0


# ------------------------------------------------------------------ 2. kneeling hip flexor

KNEEL = Stick(width=0, thigh=both(-90.0), shin=both(180.0))


def lunge(front="left", knee=90.0):
    """Front thigh level and shin `knee` deg from it; back thigh 15 deg behind vertical,
    back shin on the floor (back hip angle 165: hips pushed forward)."""
    back = "right" if front == "left" else "left"
    return Stick(width=0, thigh={front: 0.0, back: -105.0}, shin={front: -180.0 + knee, back: 180.0})


def test_hip_flexor_left_then_right_holds_timed():
    held = 32.0
    segs = [(KNEEL, 3.0), (lunge("left"), held), (KNEEL, 4.0), (lunge("right"), held), (KNEEL, 3.0)]
    spec, e, res = run("kneeling_hip_flexor", segs)
    recs = e.hold.records
    assert [r.side for r in recs] == ["left", "right"]
    assert all(r.completed for r in recs)
    expect = held - spec.hold.min_enter_s            # settling time is not held time
    for r, t0 in zip(recs, (3.0, 3.0 + held + 4.0)):
        assert r.in_tolerance_s == pytest.approx(expect, abs=TOL)
        assert r.start == pytest.approx(t0, abs=TOL)
        assert r.end == pytest.approx(t0 + held, abs=TOL)
    assert not fault_ids(e)
    assert kinds(e, ev.SET_COMPLETE)
    done = kinds(e, ev.HOLD_COMPLETE)
    assert [d.side for d in done] == ["left", "right"]
    assert spec.hold.switch_cue in done[0].text           # after the first side: switch


def test_hip_flexor_hold_pauses_through_a_brief_wobble():
    # the wobble: leaning 30 deg forward takes the stretch off the hip (its check pauses the clock)
    segs = [(KNEEL, 2.0), (lunge(), 10.0), (lunge().with_(torso=60.0), 1.0), (lunge(), 22.0), (KNEEL, 3.0)]
    spec, e, _ = run("kneeling_hip_flexor", segs)
    assert len(e.hold.records) == 1
    r = e.hold.records[0]
    assert r.pauses == 2 and r.completed          # the wobble, then the release
    assert r.in_tolerance_s == pytest.approx(10.0 + 22.0 - spec.hold.min_enter_s, abs=2 * TOL)


def test_hip_flexor_front_knee_120_is_a_fault_timed_beside_the_hold():
    segs = [(KNEEL, 2.0), (lunge("left", knee=120.0), 10.0)]
    spec, e, res = run("kneeling_hip_flexor", segs)
    assert fault_ids(e) == ["front_knee_angle"]
    assert kinds(e, ev.FAULT_START)[0].t == pytest.approx(2.0, abs=0.2)
    assert res[-1].checks["front_knee_angle"].value == pytest.approx(120.0, abs=0.5)
    # the knee does not stop the stretch: 10 s in position, none of it in good form
    [h] = holds(e)
    assert h.in_tolerance_s == pytest.approx(10.0 - spec.hold.min_enter_s, abs=2 * TOL) and h.good_form_s == 0.0
    assert "Front knee too open: bring the foot back under the knee" in spoken(res)
    assert e.faults.records[0].side == "left"


def test_hip_flexor_front_knee_too_bent():
    _, e, res = run("kneeling_hip_flexor", [(KNEEL, 2.0), (lunge("right", knee=60.0), 6.0)])
    assert fault_ids(e) == ["front_knee_angle"]
    assert "Front knee too bent: move the front foot forward" in spoken(res)
    assert all(h.good_form_s == 0.0 for h in holds(e))


def test_hip_flexor_leaning_torso_is_a_fault():
    lean = lunge().with_(torso=60.0)       # 30 deg forward lean
    _, e, res = run("kneeling_hip_flexor", [(KNEEL, 2.0), (lean, 6.0)])
    assert fault_ids(e) == ["torso_upright"]
    assert res[-1].measures["torso_lean"] == pytest.approx(30.0, abs=0.5)
    assert not kinds(e, ev.HOLD_START)


# ------------------------------------------------------------------ 3. child's pose, side reach (raised side view)

@pytest.mark.parametrize("facing", [-1, 1])
def test_childs_pose_reach_right_then_left_holds(facing):
    # "Sit back onto your heels and extend your arms forward ... walk your hands to the
    # right ... hold 20 seconds, then walk the hands to the left." From either side.
    held = 23.0
    segs = [(child_pose(facing=facing), 3.0), (child_pose(-25.0, facing=facing), held),
            (child_pose(facing=facing), 3.0), (child_pose(25.0, facing=facing), held), (child_pose(facing=facing), 2.0)]
    spec, e, res = run("childs_pose_side_reach", segs)
    assert res[0].view_ok and res[0].set_up
    assert [x.t for x in kinds(e, ev.BASELINE)] == [pytest.approx(spec.baseline_s, abs=0.1)]
    # 170 px arms tilted from -15 deg in the image, over a 160 px torso, from the neutral;
    # + = the person's left from either side
    def reach(r):
        return facing * 170.0 * (math.sin(math.radians(-15.0 + r * facing)) - math.sin(math.radians(-15.0))) / 160.0
    assert reach(-25.0) < -0.3 and reach(25.0) > 0.3
    assert res[int(10 * FPS)].measures["reach"] == pytest.approx(reach(-25.0), abs=0.01)
    assert res[-int(5 * FPS)].measures["reach"] == pytest.approx(reach(25.0), abs=0.01)
    recs = e.hold.records
    assert [r.side for r in recs] == ["right", "left"]
    assert all(r.completed for r in recs)
    for r, t0 in zip(recs, (3.0, 3.0 + held + 3.0)):
        assert r.in_tolerance_s == pytest.approx(held - spec.hold.min_enter_s, abs=TOL)
        assert r.start == pytest.approx(t0, abs=TOL)
    assert not fault_ids(e)
    assert kinds(e, ev.SET_COMPLETE)


def test_childs_pose_arms_ahead_is_no_hold_and_asks_for_the_reach():
    _, e, res = run("childs_pose_side_reach", [(child_pose(), 10.0)], jitter_px=1.0)
    assert e.hold.records == [] and not kinds(e, ev.HOLD_START)
    # the hands sit below the knees from here, but that is this person's neutral; landmark
    # jitter moves the reach either way of it without naming a side
    assert res[-1].measures["reach_size"] == pytest.approx(0.0, abs=0.03)
    assert {r.side for r in res} == {"none"}
    assert spoken(res)[:2] == ["Arms long, straight ahead on the mat: hold still", "Walk your hands to one side"]


def test_childs_pose_hips_lifted_fault():
    _, e, res = run("childs_pose_side_reach", [(child_pose(), 2.5), (child_pose(-25.0, knee=60.0), 8.0)])
    assert res[-1].measures["knee_fold"] == pytest.approx(60.0, abs=0.01)
    assert fault_ids(e) == ["hips_lifted"]
    assert holds(e) and all(h.good_form_s == 0.0 for h in holds(e))   # reaching: timed, not in good form
    assert "Sit your hips back towards your heels" in spoken(res)


def test_childs_pose_sitting_up_is_not_judged():
    upright = child_pose().with_(torso=90.0, head=90.0)
    _, e, res = run("childs_pose_side_reach", [(upright, 5.0)])
    assert not res[-1].set_up and not kinds(e, ev.BASELINE)
    assert "Fold forward: forehead towards the mat, arms long" in spoken(res)


def test_childs_pose_neutral_seen_at_an_angle_is_refused_until_set_up_again():
    # a camera turned 30 deg off the side tilts the knees-to-hands line on the mat: the
    # arms-ahead neutral reads far from level, so nothing is judged (a reach that follows
    # included) until the person sits up, fixes the camera and folds forward again
    angled = child_pose(12.0)
    upright = child_pose().with_(torso=90.0, head=90.0)
    # the reach after the warning reads near level from this camera: learnt as a neutral
    # it would pass, which is why the coach waits for the person to sit up
    segs = [(angled, 3.0), (child_pose(-7.0), 5.0), (upright, 2.0), (child_pose(), 3.0), (child_pose(-25.0), 23.0)]
    spec, e, res = run("childs_pose_side_reach", segs)
    warn = kinds(e, ev.VIEW_WARNING)
    assert [w.text for w in warn] == [spec.view.neutral_cue]
    assert warn[0].t == pytest.approx(spec.baseline_s, abs=0.1) and warn[0].data["neutral"]["reach"] > 0.16
    assert not any(r.view_ok for r in res[int(2.1 * FPS):int(10 * FPS)])
    assert [x.t for x in kinds(e, ev.BASELINE)] == [pytest.approx(10.0 + spec.baseline_s, abs=0.1)]
    assert [x.t for x in kinds(e, ev.VIEW_OK)] == [pytest.approx(10.0 + spec.baseline_s, abs=0.1)]
    assert [(r.side, r.completed) for r in e.hold.records] == [("right", True)]
    assert e.hold.records[0].start == pytest.approx(13.0, abs=TOL)
    assert not fault_ids(e)


def test_childs_pose_facing_the_camera_is_the_wrong_view():
    facing_camera = child_pose().with_(spread_x=120.0)
    _, e, res = run("childs_pose_side_reach", [(facing_camera, 5.0)])
    assert not res[-1].view_ok and kinds(e, ev.VIEW_WARNING)
    assert "Kneel side-on to the camera" in spoken(res)


# ------------------------------------------------------------------ 4. seated forward bend

def seated(torso=90.0, head_drop=0.0, knee=180.0, lower_back=-28.0):
    """Sitting, legs out along +x; torso `torso` deg up from the thighs; head continues the
    torso line unless dropped by `head_drop` deg; knee angle `knee`. The back's outline
    turns `lower_back` deg over its lower half (about -28: the hollow above the seat of a
    flat back; near 0 or above: a rounded lower back) and 30 deg over the upper half."""
    return Stick(width=0, torso=torso, head=torso - head_drop, thigh=both(0.0),
                 shin=both(-(180.0 - knee)), upper=both(torso - 100.0), fore=both(torso - 100.0),
                 back=(lower_back, 30.0))


def test_seated_forward_bend_flat_back_hinge_hold():
    held = 33.0
    spec, e, res = run("seated_forward_bend", [(seated(30.0), held), (seated(90.0, 0.0), 0.0)])
    assert res[-1].measures["hip_hinge"] == pytest.approx(30.0, abs=0.1)
    assert res[-1].measures["lower_back"] == pytest.approx(-14.7, abs=0.3)
    recs = e.hold.records
    assert len(recs) == 1 and recs[0].completed
    assert recs[0].in_tolerance_s == pytest.approx(held - spec.hold.min_enter_s - 1 / FPS, abs=TOL)
    assert not fault_ids(e)


def test_seated_forward_bend_rounded_lower_back_with_the_head_up():
    # the lower back rounds (its outline turns -8 instead of -28) while the head stays up
    _, e, res = run("seated_forward_bend", [(seated(30.0, head_drop=-20.0, lower_back=-8.0), 8.0)])
    assert res[-1].measures["lower_back"] == pytest.approx(-2.8, abs=0.3)
    assert fault_ids(e) == ["rounded_back"]
    assert holds(e) and all(h.good_form_s == 0.0 for h in holds(e))   # folded: timed, not in good form
    assert "Keep your back flat: tip the pelvis forward, lead with the chest" in spoken(res)


def test_seated_forward_bend_rounded_back_facing_left():
    fold = seated(30.0, lower_back=-8.0).with_(facing=-1)
    _, e, res = run("seated_forward_bend", [(fold, 8.0)])
    assert res[-1].measures["lower_back"] == pytest.approx(-2.8, abs=0.3)
    assert fault_ids(e) == ["rounded_back"]


def test_seated_forward_bend_flat_back_with_the_head_dropped_is_no_fault():
    _, e, res = run("seated_forward_bend", [(seated(30.0, head_drop=40.0), 8.0)])
    assert res[-1].measures["head"] == pytest.approx(-40.0, abs=0.5)
    assert not fault_ids(e)
    assert kinds(e, ev.HOLD_START)


def _roll(lower_back, start, end, deg_per_s=30.0):
    """Rolling the torso from `start` to `end` deg at `deg_per_s` (a real roll-down and
    roll-up move at 20-45 deg/s), one frame per step, the lower back as given."""
    n = max(1, round(abs(end - start) / deg_per_s * FPS))
    return [(seated(start + (end - start) * i / n, lower_back=lower_back), 1 / FPS) for i in range(1, n + 1)]


def test_seated_forward_bend_rolling_down_and_up_round_is_no_fault():
    # rolling down into a full fold and straight up again with the back rounded all the
    # way: the hinge never holds still, so the flat-back check is never judged
    segs = ([(seated(90.0), 1.0)] + _roll(-8.0, 90.0, 25.0) + [(seated(25.0, lower_back=-8.0), 0.3)]
            + _roll(-8.0, 25.0, 90.0) + [(seated(90.0), 1.0)])
    _, e, res = run("seated_forward_bend", segs)
    assert min(r.measures["hip_hinge"] for r in res) == pytest.approx(25.0, abs=0.5)
    assert max(r.measures["lower_back"] for r in res) > -6.5       # it does read rounded on the way
    assert not fault_ids(e)
    assert all(not r.checks["rounded_back"].applies for r in res if r.measures["hip_hinge"] > 60.0)


def test_seated_forward_bend_rounded_fold_held_still_is_a_fault():
    # the same roll-down, then the rounded fold held: judged once the hinge is still for
    # still_s, and flagged (a held rounded fold is not let off)
    spec = load_pose("seated_forward_bend")
    still_s = spec.check("rounded_back").when.still_s
    segs = [(seated(90.0), 1.0)] + _roll(-8.0, 90.0, 25.0) + [(seated(25.0, lower_back=-8.0), 4.0)]
    _, e, res = run("seated_forward_bend", segs)
    assert fault_ids(e) == ["rounded_back"]
    fold_at = 1.0 + 65.0 / 30.0
    start = kinds(e, ev.FAULT_START)[0].t
    assert fold_at + still_s - 0.2 <= start <= fold_at + still_s + 0.2


def test_seated_slouched_upright_is_not_judged_for_the_back():
    # sitting up between folds (hinge 90, out of the when band) with a rounded lower back
    _, e, res = run("seated_forward_bend", [(seated(90.0, lower_back=-8.0), 6.0)])
    assert res[-1].measures["lower_back"] > -6.5
    assert not fault_ids(e)
    assert res[-1].checks["rounded_back"].passed is None and not res[-1].checks["rounded_back"].applies


def test_seated_forward_bend_bent_knees():
    _, e, res = run("seated_forward_bend", [(seated(30.0, knee=130.0), 8.0)])
    assert fault_ids(e) == ["knees_bent"]
    assert holds(e) and all(h.good_form_s == 0.0 for h in holds(e))


def test_seated_upright_is_not_a_hinge():
    _, e, _ = run("seated_forward_bend", [(seated(90.0), 10.0)])
    assert not kinds(e, ev.HOLD_START)


# ------------------------------------------------------------------ 5. supine knee-to-chest

def supine(left_hip=180.0, right_hip=180.0):
    """On the back, head towards +x; a leg's hip angle is its thigh direction (torso at 0).
    A long leg (180) has its shin along the floor; a raised one is bent 60 deg at the knee."""
    def shin(h):
        return 180.0 if h >= 170.0 else h - 120.0
    return Stick(width=0, torso=0.0, head=0.0, thigh={"left": left_hip, "right": right_hip},
                 shin={"left": shin(left_hip), "right": shin(right_hip)},
                 upper=both(180.0), fore=both(180.0))


def test_knee_to_chest_per_leg_holds():
    held = 22.0
    segs = [(supine(), 3.0), (supine(left_hip=50.0), held), (supine(), 3.0), (supine(right_hip=50.0), held),
            (supine(), 2.0)]
    spec, e, res = run("supine_knee_to_chest", segs)
    recs = e.hold.records
    assert [r.side for r in recs] == ["left", "right"]
    assert all(r.completed for r in recs)
    for r in recs:
        assert r.in_tolerance_s == pytest.approx(held - spec.hold.min_enter_s, abs=TOL)
    assert not fault_ids(e)
    assert kinds(e, ev.SET_COMPLETE)


def test_knee_to_chest_knee_not_pulled_in():
    _, e, res = run("supine_knee_to_chest", [(supine(), 2.0), (supine(left_hip=115.0), 8.0)])
    assert res[-1].measures["hip"] == pytest.approx(115.0, abs=0.5)
    assert fault_ids(e) == ["knee_not_pulled_in"]
    assert not kinds(e, ev.HOLD_START)
    assert "Pull the knee in closer to your chest" in spoken(res)


def test_knee_to_chest_other_leg_bent():
    bent_other = Stick(width=0, torso=0.0, head=0.0, thigh={"left": 50.0, "right": 130.0},
                       shin={"left": -70.0, "right": -100.0}, upper=both(180.0), fore=both(180.0))
    _, e, res = run("supine_knee_to_chest", [(supine(), 2.0), (bent_other, 8.0)])
    # right knee: knee->hip at 130-180 = -50 deg, knee->ankle at -100 deg: 50 deg
    assert res[-1].measures["other_knee"] == pytest.approx(50.0, abs=0.5)
    assert "other_leg_long" in fault_ids(e)


# ------------------------------------------------------------------ 6. pelvic tilt

def hook_lying(tilt=0.0):
    """On the back, knees bent, feet flat; `tilt` (deg, negative = posterior) changes the
    torso-to-thigh angle and flattens the lower back's hollow above the mat (its outline
    turns -20 deg over the lower half at rest: a 3.5 % gap; -5 deg of tilt leaves 2.3 %)."""
    return Stick(width=0, torso=0.0, head=0.0, thigh=both(130.0 + tilt), shin=both(-100.0),
                 upper=both(180.0), fore=both(180.0), back=(-20.0 - 1.2 * tilt, 10.0))


@pytest.mark.parametrize("jitter", [0.0, 1.0])
def test_pelvic_tilt_five_second_holds(jitter):
    n, held = 3, 6.0
    segs = [(hook_lying(), 3.0)] + [(hook_lying(-5.0), held), (hook_lying(), 2.0)] * n
    spec, e, res = run("pelvic_tilt", segs, jitter_px=jitter, seed=3)
    assert e.baseline["arch"] == pytest.approx(3.52, abs=0.25)      # jitter lifts the largest gap a little
    recs = e.hold.records
    assert len(recs) == n and all(r.completed for r in recs)
    # the outline's 0.15 s smoothing (and, with jitter, the -0.8 % threshold's hysteresis)
    # delays the entry by a few frames
    for k, r in enumerate(recs):
        assert r.start == pytest.approx(3.0 + k * (held + 2.0), abs=0.4)
        assert r.in_tolerance_s == pytest.approx(held - spec.hold.min_enter_s, abs=0.4)
    assert res[-1].holds_done == {"none": n}
    assert not kinds(e, ev.SET_COMPLETE)          # 10 per set


def test_pelvic_tilt_still_body_with_jitter_gives_no_holds():
    _, e, res = run("pelvic_tilt", [(hook_lying(), 60.0)], jitter_px=1.5, seed=7)
    assert res[-1].baseline_ready
    assert e.hold.records == [] and not kinds(e, ev.HOLD_START)


def test_pelvic_tilt_small_tilt_is_not_a_hold():
    # 2 deg is inside the -3 deg threshold
    _, e, _ = run("pelvic_tilt", [(hook_lying(), 3.0)] + [(hook_lying(-2.0), 6.0), (hook_lying(), 2.0)] * 2)
    assert e.hold.records == []
