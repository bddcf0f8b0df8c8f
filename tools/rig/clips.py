"""Scripted clips: keyframes (seconds -> controls), contact solves, camera, truth events.

Controls are documented in rig/body.py.  A keyframe only lists what changes; everything
else carries over from the previous keyframe.  Keys with `solve` are contact-solved once
before rendering (the solved values are baked into the key), so interpolation stays smooth.

`all_clips(variant)`: variant 0 is the committed set; variant N >= 1 renames every clip
`<name>_vN` and changes its tempo deterministically (`Tempo`): hold durations +-2 s, rep
cycle times +-0.5 s.  The camera view, side order and deliberate fault stay as they are.
"""
from __future__ import annotations

import numpy as np

# ---------------------------------------------------------------- base poses
TALL_KNEEL = dict(tau=0, spine=0, neck=0, pelvis=0, thL=0, thR=0, shL=-90, shR=-90, pfL=90, pfR=90,
                  uaL=8, uaR=8, faL=15, faR=15, hdL=15, hdR=15, yawL=0, yawR=0, lat=0, twist=0,
                  abL=3, abR=3, spreadL=6, spreadR=6)

TABLE = dict(TALL_KNEEL, tau=90, uaL=0, uaR=0, faL=0, faR=0, hdL=90, hdR=90, neck=-5)
CAT = dict(spine=26, neck=32, pelvis=6)
COW = dict(spine=-20, neck=-38, pelvis=-6)
NEUTRAL = dict(spine=0, neck=-5, pelvis=0)
TABLE_SOLVE = [(["tau"], "handL", "kneeL")]


def lunge(front: str, knee: float = 90.0, lean: float = 0.0):
    b = "R" if front == "L" else "L"
    thigh = 95.0 if knee <= 100 else 80.0
    d = {f"th{front}": thigh, f"sh{front}": thigh - (180 - knee), f"pf{front}": thigh - (180 - knee),
         f"th{b}": -15, f"sh{b}": -90, f"pf{b}": 90, "tau": lean,
         f"ua{front}": 25, f"fa{front}": 60, f"hd{front}": 60, f"ua{b}": 15, f"fa{b}": 50, f"hd{b}": 50}
    return d


def lunge_step(front: str):
    """Half-way key while the front foot swings forward (knee lifted)."""
    return {f"th{front}": 60, f"sh{front}": -45, f"pf{front}": 40}


def lunge_solve(front: str):
    b = "R" if front == "L" else "L"
    return [([f"th{front}", f"sh{front}", f"pf{front}"], f"foot{front}", f"knee{b}")]


def kneel_back(front: str):
    return {f"th{front}": 0, f"sh{front}": -90, f"pf{front}": 90,
            f"th{'R' if front == 'L' else 'L'}": 0, "tau": 0,
            "uaL": 8, "uaR": 8, "faL": 15, "faR": 15, "hdL": 15, "hdR": 15}


CHILD = dict(TALL_KNEEL, thL=62, thR=62, tau=118, spine=8, neck=12, uaL=92, uaR=92, faL=92, faR=92,
             hdL=92, hdR=92, spreadL=8, spreadR=8, abL=8, abR=8)
# kneeling, sitting back on the heels, upright (start of the child's-pose clips)
SEIZA = dict(TALL_KNEEL, thL=62, thR=62, tau=0, uaL=30, uaR=30, faL=70, faR=70, hdL=70, hdR=70,
             spreadL=10, spreadR=10, abL=8, abR=8)
# forehead and shins on the mat (trunk pitch), then each hand on the mat (that arm's three
# segment angles shifted together, so the arm stays long); with the lateral bend of a side
# reach the shoulders are at different heights, so one solve for both arms left a hand in the air
CHILD_SOLVE = [(["tau"], "head", "shinL"), (["uaL", "faL", "hdL"], "handL", "shinL"),
               (["uaR", "faR", "hdR"], "handR", "shinL")]


def reach(side: str):
    s = -1 if side == "right" else 1  # subject's right is -X: yaw < 0, lateral bend > 0
    return dict(yawL=42 * s, yawR=42 * s, lat=-18 * s, twist=8 * s)


CENTRE = dict(yawL=0, yawR=0, lat=0, twist=0)
# child's pose is filmed from the side, this much (m) above the other side views' camera
# height: looking down at the mat shows the sideways reach as depth
CHILD_RAISE = 0.6

SIT = dict(TALL_KNEEL, tau=-4, thL=90, thR=90, shL=90, shR=90, pfL=8, pfR=8, abL=4, abR=4,
           uaL=20, uaR=20, faL=55, faR=55, hdL=55, hdR=55, spreadL=14, spreadR=14)
BEND = dict(tau=52, spine=4, neck=2, uaL=78, uaR=78, faL=80, faR=80, hdL=80, hdR=80, spreadL=8, spreadR=8)
ROUNDED = dict(tau=14, spine=48, neck=30, uaL=62, uaR=62, faL=66, faR=66, hdL=66, hdR=66, spreadL=8, spreadR=8)

SUPINE = dict(TALL_KNEEL, tau=-90, thL=90, thR=90, shL=90, shR=90, pfL=0, pfR=0, abL=4, abR=4,
              uaL=88, uaR=88, faL=88, faR=88, hdL=88, hdR=88, spreadL=10, spreadR=10, neck=0)


def hug(side: str, flex: float = 125.0, knee: float = 60.0):
    """Knee pulled in: hip flexion `flex` from straight, knee interior angle `knee`."""
    th = 90 + flex
    sh = th - (180 - knee)
    arm = 90 + flex * 0.42
    return {f"th{side}": th, f"sh{side}": sh, f"pf{side}": 20,
            "uaL": arm, "uaR": arm, "faL": arm + 10, "faR": arm + 10, "hdL": arm + 20, "hdR": arm + 20,
            "spreadL": 12, "spreadR": 12}


def release():
    return {"thL": 90, "thR": 90, "shL": 90, "shR": 90, "pfL": 0, "pfR": 0,
            "uaL": 88, "uaR": 88, "faL": 88, "faR": 88, "hdL": 88, "hdR": 88, "spreadL": 10, "spreadR": 10}


HOOK = dict(SUPINE, thL=135, thR=135, shL=45, shR=45, pfL=45, pfR=45, abL=6, abR=6)
HOOK_SOLVE = [(["shL", "pfL"], "footL", "torso"), (["shR", "pfR"], "footR", "torso")]
TILT = 13.0


# ---------------------------------------------------------------- variants
class Tempo:
    """Tempo changes for one clip: `hold()`/`cycle()` return a change in seconds to add to a
    hold duration / a rep cycle time.  Variant 0 always returns 0.0, so its keys, durations
    and truth times are exactly those of the committed clips."""

    def __init__(self, seed: int, variant: int):
        self.variant = int(variant)
        self.rng = np.random.default_rng([int(seed), self.variant, 1]) if self.variant else None

    def hold(self, min_change: float = -2.0) -> float:
        if not self.variant:
            return 0.0
        return max(round(float(self.rng.uniform(-2.0, 2.0)), 1), min_change)

    def cycle(self) -> float:
        if not self.variant:
            return 0.0
        return round(float(self.rng.uniform(-0.5, 0.5)), 2)


def vname(name: str, variant: int) -> str:
    return f"{name}_v{variant}" if variant else name


# ---------------------------------------------------------------- clip builders
def K(t, solve=None, *dicts, **kw):
    c = {}
    for d in dicts:
        c.update(d)
    c.update(kw)
    return (float(t), c, solve)


def clip_cat_cow(name, cycles, offset, seed, variant=0):
    tp = Tempo(seed, variant)
    tempos = [T + tp.cycle() for T in [4.0, 3.5, 5.0, 3.0, 4.5, 3.2, 4.8, 3.6, 4.2, 3.8][:cycles]]
    keys = [K(0, TABLE_SOLVE, TABLE, NEUTRAL), K(3.0, TABLE_SOLVE, **NEUTRAL)]
    t = 3.0
    reps = []
    for T in tempos:
        t0 = t
        keys += [K(t + 0.25 * T, TABLE_SOLVE, **CAT), K(t + 0.5 * T, TABLE_SOLVE, **NEUTRAL),
                 K(t + 0.75 * T, TABLE_SOLVE, **COW), K(t + T, TABLE_SOLVE, **NEUTRAL)]
        t += T
        reps.append([round(t0, 2), round(t, 2)])
    dur = t + 1.5
    return dict(name=vname(name, variant), pose="cat_cow", duration=dur, keys=keys, view="side", offset=offset,
                seed=seed, variant=variant, sway=0.4, reps=len(reps), rep_times=reps, holds=[], faults=[], clean=True)


def hold_entry(side, start, end, lapse=0.0):
    return {"side": side, "start": round(start, 2), "end": round(end, 2),
            "in_position_s": round(end - start - lapse, 2)}


def clip_hip_flexor_both(seed, variant=0):
    tp = Tempo(seed, variant)
    keys = [K(0, None, **TALL_KNEEL), K(2.0)]
    holds = []
    t = 2.0
    for i, f in enumerate(["L", "R"]):
        side = "left" if f == "L" else "right"
        keys += [K(t + 1.2, None, **lunge_step(f), tau=3),
                 K(t + 2.5, lunge_solve(f), **lunge(f))]
        hs = t + 2.5
        dh = tp.hold()
        he = hs + 32.0 + dh
        mid = hs + 0.5 * dh    # the lapse stays in the middle of the hold
        keys.append(K(mid + 15.3, lunge_solve(f), **lunge(f)))
        # brief lapse: the torso leans forward for about a second
        keys += [K(mid + 15.7, lunge_solve(f), **lunge(f, lean=28)),
                 K(mid + 16.5, lunge_solve(f), **lunge(f, lean=28)),
                 K(mid + 16.9, lunge_solve(f), **lunge(f))]
        keys.append(K(he, lunge_solve(f), **lunge(f)))
        keys += [K(he + 1.2, None, **lunge_step(f), tau=3), K(he + 2.5, None, **kneel_back(f))]
        holds.append(hold_entry(side, hs, he, lapse=1.2))
        t = he + 2.5 + 1.0
        keys.append(K(t))
    return dict(name=vname("hip_flexor_both", variant), pose="kneeling_hip_flexor", duration=t, keys=keys,
                view="side", offset=0, seed=seed, variant=variant, sway=1.0, reps=0, rep_times=[], holds=holds, faults=[], clean=True)


def clip_hip_flexor_one(name, f, offset, seed, knee=90.0, hold=32.0, variant=0):
    hold = hold + Tempo(seed, variant).hold()
    side = "left" if f == "L" else "right"
    keys = [K(0, None, **TALL_KNEEL), K(2.0), K(3.2, None, **lunge_step(f), tau=3),
            K(4.5, lunge_solve(f), **lunge(f, knee=knee))]
    he = 4.5 + hold
    keys += [K(he, lunge_solve(f), **lunge(f, knee=knee))]
    clean = knee <= 100
    if clean:
        keys += [K(he + 1.2, None, **lunge_step(f), tau=3), K(he + 2.5, None, **kneel_back(f)), K(he + 3.5)]
        dur = he + 3.5
        holds, faults = [hold_entry(side, 4.5, he)], []
    else:
        dur = he
        holds, faults = [], [{"id": "front_knee_angle", "start": 4.0, "end": round(he, 2)}]
    return dict(name=vname(name, variant), pose="kneeling_hip_flexor", duration=dur, keys=keys, view="side",
                offset=offset, seed=seed, variant=variant, sway=1.0, reps=0, rep_times=[], holds=holds, faults=faults, clean=clean)


def clip_childs_both(seed, variant=0, name="childs_pose_both", offset=0, sides=("right", "left")):
    tp = Tempo(seed, variant)
    keys = [K(0, None, **SEIZA), K(1.5), K(3.0, None, **dict(CHILD, tau=70, uaL=60, uaR=60, faL=60, faR=60)),
            K(5.0, CHILD_SOLVE, **CHILD), K(8.0, CHILD_SOLVE, **CHILD)]
    holds = []
    t = 8.0      # arms straight ahead for 3 s first: the coach reads the reach from there
    for side in sides:
        keys.append(K(t + 2.0, CHILD_SOLVE, **reach(side)))
        hs, he = t + 2.0, t + 24.0 + tp.hold()
        keys.append(K(he, CHILD_SOLVE, **reach(side)))
        keys.append(K(he + 2.0, CHILD_SOLVE, **CENTRE))
        holds.append(hold_entry(side, hs, he))
        t = he + 2.0
    keys.append(K(t + 1.0))
    return dict(name=vname(name, variant), pose="childs_pose_side_reach", duration=t + 1.0, keys=keys,
                view="side", cam_raise=CHILD_RAISE, offset=offset, seed=seed, variant=variant, sway=0.8, reps=0, rep_times=[], holds=holds, faults=[], clean=True)


def clip_childs_hips(seed, variant=0):
    end = 14.0 + Tempo(seed, variant).hold()
    lifted = dict(CHILD, thL=22, thR=22, tau=125, spine=6)
    keys = [K(0, None, **SEIZA), K(1.0), K(3.0, CHILD_SOLVE, **lifted), K(5.0, CHILD_SOLVE, **lifted),
            K(7.0, CHILD_SOLVE, **reach("right")), K(end, CHILD_SOLVE, **reach("right"))]
    return dict(name=vname("childs_pose_fault_hips_lifted", variant), pose="childs_pose_side_reach", duration=end,
                keys=keys, view="side", cam_raise=CHILD_RAISE, offset=0, seed=seed, variant=variant, sway=0.8, reps=0, rep_times=[],
                holds=[], faults=[{"id": "hips_lifted", "start": 3.0, "end": round(end, 2)}], clean=False)


def clip_forward_bend(seed, variant=0):
    d = Tempo(seed, variant).hold()
    keys = [K(0, None, **SIT), K(3.0), K(6.0, None, **BEND), K(38.0 + d, None, **BEND), K(41.0 + d, None, **SIT),
            K(42.0 + d)]
    return dict(name=vname("forward_bend_clean", variant), pose="seated_forward_bend", duration=42.0 + d, keys=keys,
                view="side", offset=0, seed=seed, variant=variant, sway=0.8, reps=0, rep_times=[],
                holds=[hold_entry("none", 6.0, 38.0 + d)], faults=[], clean=True)


def clip_forward_rounded(seed, variant=0):
    end = 15.0 + Tempo(seed, variant).hold()
    keys = [K(0, None, **SIT), K(1.5), K(4.0, None, **ROUNDED), K(end, None, **ROUNDED)]
    return dict(name=vname("forward_bend_fault_rounded", variant), pose="seated_forward_bend", duration=end,
                keys=keys, view="side", offset=0, seed=seed, variant=variant, sway=0.8, reps=0, rep_times=[],
                holds=[], faults=[{"id": "rounded_back", "start": 3.0, "end": round(end, 2)}], clean=False)


def clip_knee_both(seed, variant=0):
    tp = Tempo(seed, variant)
    keys = [K(0, None, **SUPINE), K(2.0)]
    holds = []
    t = 2.0
    for f in ("L", "R"):
        side = "left" if f == "L" else "right"
        keys += [K(t + 1.2, None, **hug(f, flex=70, knee=70)), K(t + 2.5, None, **hug(f))]
        hs, he = t + 2.5, t + 24.5 + tp.hold()
        keys.append(K(he, None, **hug(f)))
        keys += [K(he + 2.5, None, **release()), K(he + 3.5)]
        holds.append(hold_entry(side, hs, he))
        t = he + 3.5
    return dict(name=vname("knee_to_chest_both", variant), pose="supine_knee_to_chest", duration=t, keys=keys,
                view="side", offset=0, seed=seed, variant=variant, sway=0.6, reps=0, rep_times=[], holds=holds, faults=[], clean=True)


def clip_knee_fault(seed, variant=0):
    end = 12.0 + Tempo(seed, variant).hold()
    keys = [K(0, None, **SUPINE), K(1.5), K(4.0, None, **hug("L", flex=45, knee=95)),
            K(end, None, **hug("L", flex=45, knee=95))]
    return dict(name=vname("knee_to_chest_fault_not_pulled", variant), pose="supine_knee_to_chest", duration=end,
                keys=keys, view="side", offset=0, seed=seed, variant=variant, sway=0.6, reps=0, rep_times=[],
                holds=[], faults=[{"id": "knee_not_pulled_in", "start": 3.0, "end": round(end, 2)}], clean=False)


def clip_pelvic(seed, variant=0):
    tp = Tempo(seed, variant)
    tilt = dict(pelvis=-TILT, thL=135 + TILT, thR=135 + TILT)
    rest = dict(pelvis=0, thL=135, thR=135)
    keys = [K(0, HOOK_SOLVE, **HOOK), K(3.0, HOOK_SOLVE, **rest)]
    holds, reps = [], []
    t = 3.0
    for _ in range(5):
        # variants: holds only longer (6-8 s), so each still completes the pose's 5 s hold
        # that the truth counts as a rep; the rest between tilts +-0.5 s
        dh, dr = tp.hold(min_change=0.0), tp.cycle()
        keys += [K(t + 1.0, HOOK_SOLVE, **tilt), K(t + 7.0 + dh, HOOK_SOLVE, **tilt),
                 K(t + 8.0 + dh, HOOK_SOLVE, **rest), K(t + 10.0 + dh + dr, HOOK_SOLVE, **rest)]
        holds.append(hold_entry("none", t + 1.0, t + 7.0 + dh))
        reps.append([round(t, 2), round(t + 8.0 + dh, 2)])
        t += 10.0 + dh + dr
    keys.append(K(t + 1.0))
    return dict(name=vname("pelvic_tilt_clean", variant), pose="pelvic_tilt", duration=t + 1.0, keys=keys,
                view="side", offset=0, seed=seed, variant=variant, sway=0.3, reps=5, rep_times=reps, holds=holds, faults=[], clean=True)


def all_clips(variant: int = 0):
    """The clips by output name; variant N >= 1: `<name>_vN`, tempo changed (see `Tempo`)."""
    v = int(variant)
    cl = [
        clip_cat_cow("cat_cow_clean", 10, 0, 11, variant=v),
        clip_cat_cow("cat_cow_off30", 6, 30, 12, variant=v),
        clip_hip_flexor_both(21, variant=v),
        clip_hip_flexor_one("hip_flexor_fault_knee120", "L", 0, 22, knee=120.0, hold=15.0, variant=v),
        clip_hip_flexor_one("hip_flexor_off15", "L", 15, 23, variant=v),
        clip_hip_flexor_one("hip_flexor_off30", "R", 30, 24, variant=v),
        clip_childs_both(31, variant=v),
        clip_childs_hips(32, variant=v),
        clip_childs_both(33, variant=v, name="childs_pose_off30", offset=30, sides=("left",)),
        clip_forward_bend(41, variant=v),
        clip_forward_rounded(42, variant=v),
        clip_knee_both(51, variant=v),
        clip_knee_fault(52, variant=v),
        clip_pelvic(61, variant=v),
    ]
    return {c["name"]: c for c in cl}
