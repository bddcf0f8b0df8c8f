"""View clips (`sample_videos/views/`, issue 12 item 6): one hold pose (kneeling hip flexor)
and one rep pose (cat-cow), each filmed at camera yaw 0/15/30/45 deg off the ideal side view
and from a laptop on a table (yaw 0, looking down 30 deg).  Every clip writes the TRUE 3-D
joint angles (`angles3d`), the 3-D truth landmarks (`landmarks3d`, metres) and the camera
(`camera`), so 2-D, MediaPipe world-landmark 3-D and fused angles can be measured against
the same truth (docs/architecture.md, "3-D truth").

The hold drifts inside the position (front knee 82-98 deg, trunk lean 0-10 deg) so the
angle errors are measured over a range, not at one value.
"""
from __future__ import annotations

from rig.clips import CAT, COW, NEUTRAL, TABLE, TABLE_SOLVE, TALL_KNEEL, K, hold_entry, lunge, lunge_solve, lunge_step

FOLDER = "views"
VIEWS = [("yaw0", dict(offset=0)), ("yaw15", dict(offset=15)), ("yaw30", dict(offset=30)),
         ("yaw45", dict(offset=45)), ("laptop30", dict(offset=0, pitch_deg=30.0, cam_dist=2.4))]


def _spec(name, pose, duration, keys, seed, sway, reps=0, rep_times=(), holds=(), **cam):
    return dict(name=name, pose=pose, duration=round(duration, 2), keys=keys, view="side",
                offset=cam.pop("offset", 0), seed=seed, variant=0, sway=sway, reps=reps, rep_times=list(rep_times),
                holds=list(holds), faults=[], clean=True, folder=FOLDER, truth3d=True, **cam)


def hip_flexor(name, seed, **cam):
    """Into the lunge by 3.5 s, then a hold that drifts (front knee 82 -> 98 -> 90 deg, trunk
    lean 6 -> 10 -> 0 deg) until the clip ends at 10 s."""
    f = "L"
    keys = [K(0, None, **TALL_KNEEL), K(1.0), K(2.2, None, **lunge_step(f), tau=3),
            K(3.5, lunge_solve(f), **lunge(f))]
    for t, knee, lean in ((5.5, 82, 6), (7.5, 98, 10), (9.5, 90, 0), (10.0, 90, 0)):
        keys.append(K(t, lunge_solve(f), **lunge(f, knee=knee, lean=lean)))
    return _spec(name, "kneeling_hip_flexor", 10.0, keys, seed, sway=1.0, holds=[hold_entry("left", 3.5, 10.0)], **cam)


def cat_cow(name, seed, **cam):
    """1.5 s still tabletop, 2 cycles of 3.5 s."""
    keys = [K(0, TABLE_SOLVE, TABLE, NEUTRAL), K(1.5, TABLE_SOLVE, **NEUTRAL)]
    t, reps = 1.5, []
    for T in (3.5, 3.5):
        keys += [K(t + 0.25 * T, TABLE_SOLVE, **CAT), K(t + 0.5 * T, TABLE_SOLVE, **NEUTRAL),
                 K(t + 0.75 * T, TABLE_SOLVE, **COW), K(t + T, TABLE_SOLVE, **NEUTRAL)]
        reps.append([round(t, 2), round(t + T, 2)])
        t += T
    return _spec(name, "cat_cow", t + 0.5, keys, seed, sway=0.4, reps=len(reps), rep_times=reps, **cam)


def view_clips():
    """Same body, colours and tempo at every view of a pose (one seed per pose)."""
    cl = []
    for tag, cam in VIEWS:
        cl.append(hip_flexor(f"hip_flexor_{tag}", 101, **cam))
        cl.append(cat_cow(f"cat_cow_{tag}", 102, **cam))
    return {c["name"]: c for c in cl}
