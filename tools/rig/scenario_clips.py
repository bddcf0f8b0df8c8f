"""Realism scenarios (`sample_videos/scenarios/`, issue 12 item 7): people as they really
move.  Each clip breaks one habit of the committed clips (a still start, a clean hold, a
quick turn between sides, a tidy end, one tempo, the whole body in frame, a camera at hip
height) or must count nothing (a wrong pose, an empty room).  Truth events follow the
committed clips' conventions (docs/architecture.md).

Camera options read by render_synthetic.py: `pitch_deg` (camera raised so it looks down at
the body's centre at that angle: a laptop on a table), `cam_dist` (m, horizontal),
`frame_shift` (the camera slides sideways by this fraction of the half frame width, the
body moves toward the image's right edge: partial crop), `no_body` (an empty room).
"""
from __future__ import annotations

from rig.clips import (CAT, COW, HOOK, HOOK_SOLVE, NEUTRAL, TABLE, TABLE_SOLVE, TALL_KNEEL, TILT, K,
                       hold_entry, kneel_back, lunge, lunge_solve, lunge_step)

FOLDER = "scenarios"

#: What each clip breaks, written to its truth as `scenario` (coach bench accuracy prints a
#: table of the clips that have one, coach/bench/scenarios.py).
SCENARIO = {
    "cat_cow_fast": "faster tempo (2 s cycles)",
    "cat_cow_laptop_pitch25": "laptop camera, 25 deg down",
    "cat_cow_slow": "slower tempo",
    "cat_cow_start_moving": "starts moving at t=0",
    "hip_flexor_crop_edge": "body cropped at the frame edge",
    "hip_flexor_fidget": "fidgets during the hold",
    "hip_flexor_laptop_pitch30": "laptop camera, 30 deg down",
    "hip_flexor_rest_between": "rests between sides",
    "hip_flexor_walk_off": "walks off at the end",
    "no_person": "empty room: counts nothing",
    "pelvic_tilt_start_moving": "starts tilting at t=0.3 s",
    "wrong_pose_standing_bends": "wrong pose: counts nothing",
}


def _spec(name, pose, duration, keys, seed, sway, reps=0, rep_times=(), holds=(), faults=(), clean=True, **cam):
    return dict(name=name, pose=pose, duration=round(duration, 2), keys=keys, view="side", offset=cam.pop("offset", 0),
                seed=seed, variant=0, sway=sway, reps=reps, rep_times=list(rep_times), holds=list(holds),
                faults=list(faults), clean=clean, folder=FOLDER, scenario=SCENARIO[name], **cam)


def cat_cow(name, tempos, seed, still=3.0, **cam):
    """Cat-cow cycles (neutral -> cat -> neutral -> cow -> neutral); `still` s of tabletop first
    (0: the first cycle starts at t=0)."""
    keys = [K(0, TABLE_SOLVE, TABLE, NEUTRAL)]
    if still:
        keys.append(K(still, TABLE_SOLVE, **NEUTRAL))
    t, reps = still, []
    for T in tempos:
        keys += [K(t + 0.25 * T, TABLE_SOLVE, **CAT), K(t + 0.5 * T, TABLE_SOLVE, **NEUTRAL),
                 K(t + 0.75 * T, TABLE_SOLVE, **COW), K(t + T, TABLE_SOLVE, **NEUTRAL)]
        reps.append([round(t, 2), round(t + T, 2)])
        t += T
    return _spec(name, "cat_cow", t + 1.5, keys, seed, sway=0.4, reps=len(reps), rep_times=reps, **cam)


def pelvic_tilt_start_moving(seed=85, tilts=2, first=0.3):
    """The first tilt starts 0.3 s in (no still start), then tilts with 2 s rests."""
    tilt = dict(pelvis=-TILT, thL=135 + TILT, thR=135 + TILT)
    rest = dict(pelvis=0, thL=135, thR=135)
    keys = [K(0, HOOK_SOLVE, HOOK, rest)]
    holds, reps = [], []
    t = first
    for _ in range(tilts):
        keys += [K(t, HOOK_SOLVE, **rest), K(t + 1.0, HOOK_SOLVE, **tilt), K(t + 7.0, HOOK_SOLVE, **tilt),
                 K(t + 8.0, HOOK_SOLVE, **rest)]
        holds.append(hold_entry("none", t + 1.0, t + 7.0))
        reps.append([round(t, 2), round(t + 8.0, 2)])
        t += 10.0
    return _spec("pelvic_tilt_start_moving", "pelvic_tilt", t - 1.0, keys, seed, sway=0.3, reps=len(reps),
                 rep_times=reps, holds=holds)


def _into_lunge(keys, t, f, **kw):
    keys += [K(t + 1.2, None, **lunge_step(f), tau=3), K(t + 2.5, lunge_solve(f), **lunge(f, **kw))]
    return t + 2.5


def _out_of_lunge(keys, t, f):
    keys += [K(t + 1.2, None, **lunge_step(f), tau=3), K(t + 2.5, None, **kneel_back(f))]
    return t + 2.5


def hip_flexor_fidget(seed=86, hold=14.0):
    """One 14 s hold with fidgets that stay in position: a weight shift back and forth, the
    near hand scratches the face, the head looks down and up, the trunk sways 4 deg."""
    f = "L"
    keys = [K(0, None, **TALL_KNEEL), K(2.0)]
    hs = _into_lunge(keys, 2.0, f)
    L0 = lunge(f)
    fid = [
        (1.5, dict(tau=-4)), (2.7, dict(tau=4)), (3.9, dict(tau=0)),                      # weight shift
        (5.0, dict(uaL=120, faL=170, hdL=170)), (6.2, dict(uaL=120, faL=175, hdL=175)),    # hand up to the head
        (7.4, dict(uaL=L0["uaL"], faL=L0["faL"], hdL=L0["hdL"])),
        (8.6, dict(neck=30)), (9.6, dict(neck=-15)), (10.6, dict(neck=0)),               # looks down, up
        (11.5, dict(tau=3, lat=4)), (12.5, dict(tau=-2, lat=-3)), (13.5, dict(tau=0, lat=0)),
    ]
    for dt, d in fid:
        keys.append(K(hs + dt, lunge_solve(f), L0, d))
    he = hs + hold
    keys.append(K(he, lunge_solve(f), **L0))
    t = _out_of_lunge(keys, he, f)
    keys.append(K(t + 1.0))
    return _spec("hip_flexor_fidget", "kneeling_hip_flexor", t + 1.0, keys, seed, sway=1.0,
                 holds=[hold_entry("left", hs, he)])


SEIZA_REST = dict(thL=62, thR=62, tau=0, uaL=30, uaR=30, faL=70, faR=70, hdL=70, hdR=70)


def hip_flexor_rest_between(seed=87, hold=8.0, rest=5.0):
    """Left side, then a real rest between sides: back to kneeling, sits on the heels for
    `rest` s, rolls the shoulders, kneels up again, then the right side."""
    keys = [K(0, None, **TALL_KNEEL), K(2.0)]
    holds = []
    t = 2.0
    for i, f in enumerate("LR"):
        hs = _into_lunge(keys, t, f)
        he = hs + hold
        keys.append(K(he, lunge_solve(f), **lunge(f)))
        holds.append(hold_entry("left" if f == "L" else "right", hs, he))
        t = _out_of_lunge(keys, he, f)
        if i == 0:
            keys += [K(t + 1.5, None, **SEIZA_REST), K(t + 1.5 + rest * 0.4, None, uaL=45, uaR=45),
                     K(t + 1.5 + rest * 0.7, None, uaL=30, uaR=30), K(t + 1.5 + rest),
                     K(t + 3.0 + rest, None, **kneel_back("L")), K(t + 4.0 + rest)]
            t = t + 4.0 + rest
    keys.append(K(t + 1.0))
    return _spec("hip_flexor_rest_between", "kneeling_hip_flexor", t + 1.0, keys, seed, sway=1.0, holds=holds)


STAND = dict(tau=0, thL=0, thR=0, shL=0, shR=0, pfL=0, pfR=0, uaL=5, uaR=5, faL=10, faR=10, hdL=10, hdR=10)


def hip_flexor_walk_off(seed=88, hold=8.0, speed=0.6):
    """A hold, then the person stands up and walks out of the frame (forward, -Y)."""
    f = "L"
    keys = [K(0, None, **TALL_KNEEL), K(2.0)]
    hs = _into_lunge(keys, 2.0, f)
    he = hs + hold
    keys.append(K(he, lunge_solve(f), **lunge(f)))
    # stand up from the lunge: push up on the front foot, bring the back leg under
    t = he
    keys += [K(t + 1.0, None, tau=10, thL=70, shL=-10, pfL=-10, thR=-10, shR=-60, pfR=60),
             K(t + 2.2, None, **STAND)]
    t += 2.2
    # walk: a step every 0.55 s, legs swinging +-22 deg, the body moving forward at `speed`
    y = 0.0
    for i in range(8):
        a = "L" if i % 2 == 0 else "R"
        b = "R" if a == "L" else "L"
        y -= speed * 0.55
        keys.append(K(t + 0.275, None, **{f"th{a}": 25, f"sh{a}": 5, f"pf{a}": 0, f"th{b}": -12, f"sh{b}": -30,
                                           f"pf{b}": 20, f"ua{a}": -15, f"ua{b}": 20, "tau": 4},
                      dy=y + speed * 0.275))
        keys.append(K(t + 0.55, None, **{f"th{a}": 10, f"sh{a}": 8, f"th{b}": -8, f"sh{b}": -12, f"pf{b}": 8},
                      dy=y))
        t += 0.55
    return _spec("hip_flexor_walk_off", "kneeling_hip_flexor", t + 0.5, keys, seed, sway=0.6,
                 holds=[hold_entry("left", hs, he)])


def hip_flexor_view(name, seed, f="L", hold=8.0, **cam):
    keys = [K(0, None, **TALL_KNEEL), K(2.0)]
    hs = _into_lunge(keys, 2.0, f)
    he = hs + hold
    keys.append(K(he, lunge_solve(f), **lunge(f)))
    t = _out_of_lunge(keys, he, f)
    keys.append(K(t + 1.0))
    return _spec(name, "kneeling_hip_flexor", t + 1.0, keys, seed, sway=1.0,
                 holds=[hold_entry("left" if f == "L" else "right", hs, he)], **cam)


def wrong_pose(seed=91):
    """Asked for cat-cow, the person stands and does two standing forward bends: no rep."""
    keys = [K(0, None, **STAND), K(2.0)]
    t = 2.0
    for T in (4.0, 4.0):
        keys += [K(t + 0.4 * T, None, tau=70, spine=20, neck=20, uaL=100, uaR=100, faL=110, faR=110),
                 K(t + 0.6 * T, None), K(t + T, None, tau=0, spine=0, neck=0, uaL=5, uaR=5, faL=10, faR=10)]
        t += T
    return _spec("wrong_pose_standing_bends", "cat_cow", t + 1.5, keys, seed, sway=0.5)


def no_person(seed=92, dur=6.0):
    """The empty room, camera as for a kneeling stretch: nothing to count."""
    return _spec("no_person", "kneeling_hip_flexor", dur, [K(0, None, **TALL_KNEEL), K(dur)], seed, sway=0.0,
                 no_body=True)


def scenario_clips():
    cl = [
        cat_cow("cat_cow_start_moving", [4.0, 3.6, 4.4, 3.8], 81, still=0.0),
        pelvic_tilt_start_moving(),
        hip_flexor_fidget(),
        hip_flexor_rest_between(),
        hip_flexor_walk_off(),
        cat_cow("cat_cow_fast", [2.0, 2.2, 1.8, 2.1, 1.9, 2.2], 82),
        cat_cow("cat_cow_slow", [7.0, 7.0], 83),
        hip_flexor_view("hip_flexor_crop_edge", 84, frame_shift=0.62),
        hip_flexor_view("hip_flexor_laptop_pitch30", 89, pitch_deg=30.0, cam_dist=2.4),
        cat_cow("cat_cow_laptop_pitch25", [4.0, 4.2], 90, pitch_deg=25.0, cam_dist=2.4),
        wrong_pose(),
        no_person(),
    ]
    return {c["name"]: c for c in cl}
