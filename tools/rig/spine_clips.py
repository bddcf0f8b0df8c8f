"""Spine clips (`sample_videos/spine/`): the back bends while the head does not, the head
moves while the back does not, graded pelvic tilts and still lying.  Every clip writes the
`spine` / `spine3d` truth (docs/architecture.md, "Spine truth").

Uses the spine-only controls of rig/body.py (`lumbar`, `thorax`, `ptilt`), so the committed
clips are untouched.  Truth events follow the committed clips' conventions.
"""
from __future__ import annotations

from rig.clips import HOOK, HOOK_SOLVE, NEUTRAL, SIT, TABLE, TABLE_SOLVE, K, hold_entry

FOLDER = "spine"
HEAD_STILL_NECK = NEUTRAL["neck"]     # head pitch of the neutral tabletop, kept while the back moves


def _spec(name, pose, duration, keys, seed, sway, reps=0, rep_times=(), holds=(), faults=(), clean=True):
    return dict(name=name, pose=pose, duration=round(duration, 2), keys=keys, view="side", offset=0, seed=seed,
                variant=0, sway=sway, reps=reps, rep_times=list(rep_times), holds=list(holds), faults=list(faults),
                clean=clean, folder=FOLDER, spine_truth=True)


def back(flex: float, pelvis: float = 0.0) -> dict:
    """Tabletop back bent by `flex` deg (+ cat, - cow), lower and upper back alike, with the
    head kept at its neutral world pitch (the neck takes back the whole bend)."""
    return dict(spine=0.0, lumbar=0.5 * flex, thorax=0.5 * flex, neck=HEAD_STILL_NECK - flex, pelvis=pelvis)


def clip_cat_cow_head_still(seed=71, cycles=3):
    """Cat-cow done with the back only: the head keeps its tabletop pitch throughout."""
    keys = [K(0, TABLE_SOLVE, TABLE, back(0)), K(3.0, TABLE_SOLVE, **back(0))]
    t, reps = 3.0, []
    for T in [4.0, 4.5, 3.6, 5.0, 4.2][:cycles]:
        keys += [K(t + 0.25 * T, TABLE_SOLVE, **back(30, 6)), K(t + 0.5 * T, TABLE_SOLVE, **back(0)),
                 K(t + 0.75 * T, TABLE_SOLVE, **back(-24, -6)), K(t + T, TABLE_SOLVE, **back(0))]
        reps.append([round(t, 2), round(t + T, 2)])
        t += T
    return _spec("cat_cow_head_still", "cat_cow", t + 1.5, keys, seed, sway=0.3, reps=len(reps), rep_times=reps)


def clip_head_nod(seed=72, nods=3):
    """Tabletop with a still back; only the head nods down and up (about +-35 deg): 0 reps."""
    keys = [K(0, TABLE_SOLVE, TABLE, back(0)), K(3.0, TABLE_SOLVE, **back(0))]
    t = 3.0
    for T in [3.2, 3.8, 3.0, 4.0, 3.5][:nods]:
        keys += [K(t + 0.25 * T, None, neck=HEAD_STILL_NECK + 35), K(t + 0.5 * T, None, neck=HEAD_STILL_NECK),
                 K(t + 0.75 * T, None, neck=HEAD_STILL_NECK - 38), K(t + T, None, neck=HEAD_STILL_NECK)]
        t += T
    return _spec("head_nod_still_back", "cat_cow", t + 1.5, keys, seed, sway=0.3)


# seated forward bends: a flat back with the head dropped; a rounded lower back with the head up
FLAT_HEAD_DOWN = dict(tau=52, spine=0, lumbar=0, thorax=0, neck=48, uaL=78, uaR=78, faL=80, faR=80,
                      hdL=80, hdR=80, spreadL=8, spreadR=8)
ROUND_LOW_HEAD_UP = dict(tau=18, spine=0, lumbar=46, thorax=4, neck=-62, uaL=64, uaR=64, faL=68, faR=68,
                         hdL=68, hdR=68, spreadL=8, spreadR=8)


def clip_bend_flat_head_down(seed=73, hold=8.0):
    he = 6.0 + hold
    keys = [K(0, None, **SIT), K(3.0), K(6.0, None, **FLAT_HEAD_DOWN), K(he, None, **FLAT_HEAD_DOWN),
            K(he + 3.0, None, **SIT, lumbar=0, thorax=0), K(he + 4.0)]
    return _spec("forward_bend_flat_head_down", "seated_forward_bend", he + 4.0, keys, seed, sway=0.6,
                 holds=[hold_entry("none", 6.0, he)])


def clip_bend_rounded_low_head_up(seed=74, end=12.0):
    keys = [K(0, None, **SIT), K(1.5), K(4.0, None, **ROUND_LOW_HEAD_UP), K(end, None, **ROUND_LOW_HEAD_UP)]
    return _spec("forward_bend_rounded_lower_head_up", "seated_forward_bend", end, keys, seed, sway=0.6,
                 faults=[{"id": "rounded_back", "start": 3.0, "end": round(end, 2)}], clean=False)


def clip_pelvic_tilt(deg: float, seed: int, tilts=2):
    """Posterior pelvic tilts of `deg` deg (lumbar flattening spread over the lumbar joints),
    each held 6 s (the pose's 5 s hold completes: the truth counts it as a rep), 1 s rest."""
    tilt = dict(ptilt=deg, pelvis=0, thL=135 + deg, thR=135 + deg)
    rest = dict(ptilt=0.0, pelvis=0, thL=135, thR=135)
    keys = [K(0, HOOK_SOLVE, HOOK, rest), K(2.0, HOOK_SOLVE, **rest)]
    holds, reps = [], []
    t = 2.0
    for _ in range(tilts):
        keys += [K(t + 1.0, HOOK_SOLVE, **tilt), K(t + 7.0, HOOK_SOLVE, **tilt), K(t + 8.0, HOOK_SOLVE, **rest),
                 K(t + 9.0, HOOK_SOLVE, **rest)]
        holds.append(hold_entry("none", t + 1.0, t + 7.0))
        reps.append([round(t, 2), round(t + 8.0, 2)])
        t += 9.0
    return _spec(f"pelvic_tilt_{int(deg)}deg", "pelvic_tilt", t + 0.5, keys, seed, sway=0.3, reps=len(reps),
                 rep_times=reps, holds=holds)


def clip_lying_breathing(seed=78, dur=14.0, breath=4.5):
    """Lying with knees bent, still; breathing moves the chest (thorax +-2.5 deg) and the
    lower back (+-1 deg) only: no tilt, no rep, no hold."""
    rest = dict(ptilt=0.0, pelvis=0, thL=135, thR=135)
    keys = [K(0, HOOK_SOLVE, HOOK, rest)]
    t, i = 0.0, 0
    while t + breath / 2 <= dur:
        t += breath / 2
        i += 1
        keys.append(K(t, None, thorax=-2.5 if i % 2 else 0.0, lumbar=-1.0 if i % 2 else 0.0))
    keys.append(K(dur))
    return _spec("lying_still_breathing", "pelvic_tilt", dur, keys, seed, sway=0.2)


def spine_clips():
    cl = [clip_cat_cow_head_still(), clip_head_nod(), clip_bend_flat_head_down(), clip_bend_rounded_low_head_up(),
          clip_pelvic_tilt(5.0, 75), clip_pelvic_tilt(10.0, 76), clip_pelvic_tilt(15.0, 77), clip_lying_breathing()]
    return {c["name"]: c for c in cl}
