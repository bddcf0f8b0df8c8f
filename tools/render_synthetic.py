#!/usr/bin/env python3
"""Render synthetic ground-truth stretch clips with the anny body (dev tool).

For each clip: pose anny on the CPU from scripted keyframes, render offscreen 640x480 at
10 fps with pyrender, encode H.264 (<clip>.mp4) and write <clip>.truth.json (the contract in
docs/architecture.md).  With --check (default) MediaPipe is run on the encoded clip and the
detection rate and angle errors against the truth are printed and saved to tools/rig/metrics.json.

    python tools/render_synthetic.py --list
    python tools/render_synthetic.py --clip hip_flexor_both --out sample_videos/
    python tools/render_synthetic.py --all --out sample_videos/
    python tools/render_synthetic.py --variant 1 --clip cat_cow_clean --out sample_videos/holdout/   # held-out

--variant N (N >= 1) renders `<clip>_vN`: the same script and camera view with another body
shape, shirt/leggings, lighting, camera height/distance, tempo and sway (all derived from the
clip's seed and N); --variant 0 (default) is the committed set, unchanged.

Needs the `rig` extra (pip install -e '.[rig]') and PYOPENGL_PLATFORM=egl (set here by default).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("PYOPENGL_PLATFORM", "egl")
os.environ.setdefault("ANNY_CACHE_DIR", "/work/anny_cache")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402

FPS = 10
EXTRA_SETS = ("spine", "scenarios", "views")
METRICS = Path(__file__).resolve().parent / "rig" / "metrics.json"

SHIRTS = [[200, 55, 50], [40, 150, 140], [230, 140, 30], [130, 60, 160], [60, 150, 60], [220, 200, 60],
          [200, 80, 140], [90, 170, 210]]
LEGGINGS = [[35, 35, 45], [25, 30, 70], [55, 55, 60], [50, 30, 30], [20, 20, 20]]
SKINS = [[235, 195, 165], [210, 160, 125], [165, 115, 80], [120, 80, 55], [240, 205, 180]]
FLOORS = [[0.55, 0.45, 0.35, 1], [0.62, 0.52, 0.40, 1], [0.45, 0.40, 0.36, 1], [0.58, 0.58, 0.56, 1]]
MATS = [[0.20, 0.35, 0.60, 1], [0.25, 0.50, 0.35, 1], [0.55, 0.25, 0.45, 1], [0.30, 0.30, 0.35, 1]]
WALLS = [[0.92, 0.92, 0.90, 1], [0.88, 0.90, 0.94, 1], [0.94, 0.90, 0.84, 1], [0.86, 0.92, 0.88, 1]]


def smooth(u):
    return 0.5 - 0.5 * math.cos(math.pi * min(max(u, 0.0), 1.0))


def appearance(seed, variant=0):
    """Body shape, style and camera for a clip; variant >= 1 redraws some of them (`vary`)."""
    base = _appearance(seed)
    return vary(seed, variant, *base) if variant else base


def _appearance(seed):
    rng = np.random.default_rng(seed)
    pick = lambda L: L[int(rng.integers(len(L)))]
    phen = dict(gender=float(rng.uniform(0, 1)), age=float(rng.uniform(0.5, 0.8)),
                muscle=float(rng.uniform(0.3, 0.7)), weight=float(rng.uniform(0.3, 0.7)),
                height=float(rng.uniform(0.35, 0.7)), proportions=float(rng.uniform(0.35, 0.65)))
    style = dict(floor=pick(FLOORS), mat=pick(MATS), wall=pick(WALLS), shirt=pick(SHIRTS), legging=pick(LEGGINGS),
                 skin=pick(SKINS), ambient=float(rng.uniform(0.3, 0.45)), key=float(rng.uniform(3.0, 4.5)),
                 fill=float(rng.uniform(1.2, 2.0)), key_az=float(rng.uniform(-40, 40)))
    cam = dict(height=float(rng.uniform(0.45, 0.8)), dist=float(rng.uniform(2.6, 3.3)))
    rng.uniform(1.0, 1.3), rng.uniform(2.0, 2.3)   # the retired front camera's draws: keep the stream
    cam["sway_phase"] = rng.uniform(0, 2 * np.pi, 4)
    return phen, style, cam


def vary(seed, variant, phen, style, cam):
    """Held-out variant: a new body shape, shirt and leggings (never the variant-0 colours),
    light intensities and key direction, camera height and distance (the same ranges as the
    committed clips for the clip's view) and sway phases.  Floor, mat, wall and skin stay."""
    rng = np.random.default_rng([int(seed), int(variant), 0])
    other = lambda L, cur: [c for c in L if c != cur][int(rng.integers(len(L) - 1))]
    phen = dict(gender=float(rng.uniform(0, 1)), age=float(rng.uniform(0.5, 0.8)),
                muscle=float(rng.uniform(0.3, 0.7)), weight=float(rng.uniform(0.3, 0.7)),
                height=float(rng.uniform(0.35, 0.7)), proportions=float(rng.uniform(0.35, 0.65)))
    style = dict(style, shirt=other(SHIRTS, style["shirt"]), legging=other(LEGGINGS, style["legging"]),
                 ambient=float(rng.uniform(0.3, 0.45)), key=float(rng.uniform(3.0, 4.5)),
                 fill=float(rng.uniform(1.2, 2.0)), key_az=float(rng.uniform(-40, 40)))
    cam = dict(height=float(rng.uniform(0.45, 0.8)), dist=float(rng.uniform(2.6, 3.3)))
    rng.uniform(1.0, 1.3), rng.uniform(2.0, 2.3)   # the retired front camera's draws: keep the stream
    cam["sway_phase"] = rng.uniform(0, 2 * np.pi, 4)
    return phen, style, cam


def bake_keys(body, spec):
    """Carry controls forward and contact-solve the keys that ask for it."""
    from rig.body import DEFAULTS
    cur = dict(DEFAULTS)
    baked = []
    for t, c, solve in spec["keys"]:
        cur = dict(cur, **c)
        if solve:
            _, _, solved = body.pose(cur, solve)
            cur = solved
        baked.append((t, dict(cur)))
    return baked


def controls_at(baked, t, sway, phase):
    if t <= baked[0][0]:
        c = dict(baked[0][1])
    elif t >= baked[-1][0]:
        c = dict(baked[-1][1])
    else:
        for (t0, a), (t1, b) in zip(baked, baked[1:]):
            if t0 <= t <= t1:
                u = smooth((t - t0) / max(t1 - t0, 1e-6))
                c = {k: (a[k] + (b[k] - a[k]) * u) if a[k] is not None and b[k] is not None else b[k] for k in a}
                break
    if sway:
        c["tau"] += sway * math.sin(2 * math.pi * t / 5.3 + phase[0])
        c["neck"] += 1.5 * sway * math.sin(2 * math.pi * t / 4.1 + phase[1])
        c["lat"] += 0.6 * sway * math.sin(2 * math.pi * t / 6.7 + phase[2])
    return c


def camera_for(spec, cam, centre):
    """The subject's left side (+X), perpendicular to the body's long axis (Y), turned
    `offset` deg and raised `cam_raise` m above the drawn height where the clip asks.
    Extra clips only: `cam_dist` replaces the drawn distance, `pitch_deg` sets the height
    so the camera looks down at the target at that angle, `frame_shift` slides the camera
    sideways (fraction of the half frame width; the body moves toward the image's right)."""
    off = math.radians(spec["offset"])
    d, h = spec.get("cam_dist", cam["dist"]), cam["height"] + spec.get("cam_raise", 0.0)
    v = np.array([math.cos(off) * d, math.sin(off) * d])
    target = np.array([centre[0], centre[1], float(np.clip(centre[2], 0.25, 0.55))])
    if spec.get("pitch_deg") is not None:
        h = float(target[2] + d * math.tan(math.radians(spec["pitch_deg"])))
    eye = np.array([target[0] + v[0], target[1] + v[1], h])
    if spec.get("frame_shift"):
        right = np.array([-v[1], v[0], 0.0]) / d          # image right, horizontal
        half_w = math.hypot(d, h - target[2]) * math.tan(math.radians(20.0)) * 4 / 3
        sh = right * spec["frame_shift"] * half_w
        eye, target = eye - sh, target - sh
    return eye, target, h


def render_clip(model, spec, out_dir: Path, crf=26, quiet=False):
    import imageio_ffmpeg
    from rig.body import LM_NAMES, Body
    from rig.scene import H, W, Stage, body_colors, project

    t_start = time.time()
    variant = spec.get("variant", 0)
    phen, style, cam = appearance(spec["seed"], variant)
    body = Body(model, phen)
    baked = bake_keys(body, spec)
    n = int(round(spec["duration"] * FPS))
    # framing: centre of the body over the clip
    pts = []
    for t in np.linspace(0, spec["duration"], 6):
        v, j, _ = body.pose(dict(controls_at(baked, t, 0, cam["sway_phase"]), dx=0.0, dy=0.0))
        pts.append(j[[body.idx[b] for b in ("root", "head", "foot.L", "foot.R", "wrist.L", "wrist.R")]])
    pts = np.concatenate(pts)
    centre = 0.5 * (pts.min(0) + pts.max(0))
    eye, target, cam_h = camera_for(spec, cam, centre)
    style = dict(style, mat_size=(0.8, 2.0), mat_center=(0, float(centre[1])))
    stage = Stage(style, eye, target)
    colors = body_colors(body, style["shirt"], style["legging"], style["skin"])
    out_dir.mkdir(parents=True, exist_ok=True)
    mp4 = out_dir / f"{spec['name']}.mp4"
    writer = imageio_ffmpeg.write_frames(str(mp4), (W, H), fps=FPS, codec="libx264", pix_fmt_out="yuv420p",
                                         output_params=["-crf", str(crf), "-preset", "medium"], macro_block_size=16)
    writer.send(None)
    xy = []
    spine_on = bool(spec.get("spine_truth"))
    t3d = bool(spec.get("truth3d"))
    xyz, ang3 = [], {k: [] for k in ANGLES3D}
    no_body = bool(spec.get("no_body"))
    if spine_on:
        from rig import spine as sp
        mid_vert = sp.midline_vertices(body)
        sp_img = {k: [] for k in sp.KEYS}
        sp_3d = {k: [] for k in sp.KEYS}
        sp_curve = []
    for i in range(n):
        t = i / FPS
        c = controls_at(baked, t, spec["sway"], cam["sway_phase"])
        v, j, cpos = body.pose(c)
        img = stage.render(None if no_body else v, body.faces, colors)
        if spine_on:
            m_img, m_3d = sp.frame_truth(body, v, j, body.rotations(cpos), project, stage.cam_pose, mid_vert)
            for dst, m in ((sp_img, m_img), (sp_3d, m_3d)):
                for k in sp.KEYS:
                    dst[k].append(None if m is None else round(float(m[k]), 2))
            sp_curve.append(None if m_img is None else [[round(float(x), 1), round(float(y), 1)] for x, y in m_img["curve"]])
        writer.send(np.ascontiguousarray(img[:, :, :3]))
        lm = body.landmarks3d(v, j)
        P = project(np.array([lm[k] for k in LM_NAMES]), stage.cam_pose)
        if t3d:
            xyz.append([[round(float(a), 4) for a in lm[k]] for k in LM_NAMES])
            left = body.rotations(cpos)[body.idx["root"]] @ np.array([1.0, 0.0, 0.0])
            for k, val in angles3d(lm, left).items():
                ang3[k].append(round(val, 2))
        row = []
        for x, y in P:
            if no_body or not np.isfinite(x) or x < 0 or x > W or y < 0 or y > H:
                row.append(None)
            else:
                row.append([round(float(x), 1), round(float(y), 1)])
        xy.append(row)
        if not quiet and (i % 50 == 0 or i == n - 1):
            el = time.time() - t_start
            print(f"  {spec['name']}: frame {i + 1}/{n}  {el:5.1f}s", flush=True)
    writer.close()
    stage.close()
    truth = {
        "pose": spec["pose"], "video": mp4.name, "fps": FPS, "width": W, "height": H, "n_frames": n,
        "view_offset_deg": spec["offset"], "camera_height_m": round(float(cam_h), 2), "clean": spec["clean"],
        "reps": spec["reps"], "rep_times": spec["rep_times"], "holds": spec["holds"], "faults": spec["faults"],
        "landmarks": {"names": LM_NAMES, "xy": xy},
    }
    if variant:
        truth = dict(list(truth.items())[:-1], variant=variant, landmarks=truth["landmarks"])
    if spec.get("folder"):          # extra clips: the camera's downward pitch (the committed truth stays as it was)
        truth["camera_pitch_deg"] = round(math.degrees(math.atan2(eye[2] - target[2], float(np.hypot(*(eye - target)[:2])))), 1)
    if spec.get("scenario"):        # a realism scenario (tools/rig/scenario_clips.py): what the clip breaks
        truth["scenario"] = spec["scenario"]
    if t3d:
        truth["camera"] = dict(eye=[round(float(a), 4) for a in eye], target=[round(float(a), 4) for a in target],
                               yfov_deg=40.0, world="Z up, metres; the subject faces -Y at rest, +X is its left")
        truth["angles3d"] = ang3
        truth["landmarks3d"] = dict(names=LM_NAMES, xyz=xyz)
    if spine_on:
        truth["spine"] = dict(n_samples=sp.N_STATIONS, **sp_img, curve_xy=sp_curve)
        truth["spine3d"] = sp_3d
    (out_dir / f"{spec['name']}.truth.json").write_text(json.dumps(truth, separators=(",", ":")))
    info = dict(seconds=round(time.time() - t_start, 1), size_kb=round(mp4.stat().st_size / 1024),
                duration_s=spec["duration"], phenotype={k: round(v, 2) for k, v in phen.items()},
                camera=dict(eye=[round(float(a), 2) for a in eye], target=[round(float(a), 2) for a in target]))
    return info


# ---------------------------------------------------------------- MediaPipe check
MP_IDX = {"nose": 0, "left_ear": 7, "right_ear": 8, "left_shoulder": 11, "right_shoulder": 12, "left_elbow": 13,
          "right_elbow": 14, "left_wrist": 15, "right_wrist": 16, "left_hip": 23, "right_hip": 24, "left_knee": 25,
          "right_knee": 26, "left_ankle": 27, "right_ankle": 28, "left_heel": 29, "right_heel": 30,
          "left_foot_index": 31, "right_foot_index": 32}


def angle(a, b, c):
    v1, v2 = a - b, c - b
    n = np.linalg.norm(v1) * np.linalg.norm(v2)
    if not np.isfinite(n) or n < 1e-6:
        return np.nan
    return math.degrees(math.acos(float(np.clip(np.dot(v1, v2) / n, -1, 1))))


def check_clip(out_dir: Path, name: str, near: str | None):
    import cv2
    import mediapipe as mp

    truth = json.loads((out_dir / f"{name}.truth.json").read_text())
    names = truth["landmarks"]["names"]
    cap = cv2.VideoCapture(str(out_dir / f"{name}.mp4"))
    pose = mp.solutions.pose.Pose(static_image_mode=False, model_complexity=1)
    det, frames = 0, 0
    err = {"knee": {"left": [], "right": []}, "hip": {"left": [], "right": []}}
    a3 = truth.get("angles3d")
    err3 = {"knee": [], "hip": []}      # MediaPipe world landmarks (3-D) vs true 3-D angle, near (left) side
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        i = frames
        frames += 1
        res = pose.process(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
        if res.pose_landmarks is None or i >= len(truth["landmarks"]["xy"]):
            continue
        det += 1
        lm = res.pose_landmarks.landmark
        w, h = frame.shape[1], frame.shape[0]
        mpp = lambda k: np.array([lm[MP_IDX[k]].x * w, lm[MP_IDX[k]].y * h])
        row = truth["landmarks"]["xy"][i]
        tp = lambda k: np.array(row[names.index(k)], float) if row[names.index(k)] is not None else np.full(2, np.nan)
        for s in ("left", "right"):
            for meas, (a, b, c) in (("knee", ("hip", "knee", "ankle")), ("hip", ("shoulder", "hip", "knee"))):
                ka, kb, kc = f"{s}_{a}", f"{s}_{b}", f"{s}_{c}"
                at = angle(tp(ka), tp(kb), tp(kc))
                am = angle(mpp(ka), mpp(kb), mpp(kc))
                if np.isfinite(at) and np.isfinite(am):
                    err[meas][s].append(am - at)
        if a3 and res.pose_world_landmarks is not None:
            wl = res.pose_world_landmarks.landmark
            wp = lambda k: np.array([wl[MP_IDX[k]].x, wl[MP_IDX[k]].y, wl[MP_IDX[k]].z])
            for meas, (a, b, c) in (("knee", ("hip", "knee", "ankle")), ("hip", ("shoulder", "hip", "knee"))):
                tv = a3[f"left_{meas}"][i]
                am = angle(wp(f"left_{a}"), wp(f"left_{b}"), wp(f"left_{c}"))
                if tv is not None and np.isfinite(am):
                    err3[meas].append(am - tv)
    pose.close()
    cap.release()
    res = {"frames_read": frames, "n_frames": truth["n_frames"], "detected": det,
           "detection_rate": round(det / max(frames, 1), 3)}
    for meas in ("knee", "hip"):
        if a3:
            e = err3[meas]
            res[f"{meas}_medae_3d_near"] = round(float(np.median(np.abs(e))), 1) if e else None
            # the 2-D image angle against the TRUE 3-D angle: what projection costs
            e2 = []
            for i, row in enumerate(truth["landmarks"]["xy"]):
                pts = [row[names.index(f"left_{k}")] for k in (("hip", "knee", "ankle") if meas == "knee" else ("shoulder", "hip", "knee"))]
                if None not in pts and a3[f"left_{meas}"][i] is not None:
                    e2.append(angle(*(np.array(p, float) for p in pts)) - a3[f"left_{meas}"][i])
            res[f"{meas}_truth2d_vs_3d_medae_near"] = round(float(np.median(np.abs(e2))), 1) if e2 else None
        both = err[meas]["left"] + err[meas]["right"]
        res[f"{meas}_medae_both"] = round(float(np.median(np.abs(both))), 1) if both else None
        if near:
            e = err[meas][near]
            res[f"{meas}_medae_near"] = round(float(np.median(np.abs(e))), 1) if e else None
            res[f"{meas}_bias_near"] = round(float(np.median(e)), 1) if e else None
    return res


ANGLES3D = {f"{s}_{j}": (f"{s}_{a}", f"{s}_{j}", f"{s}_{c}") for s in ("left", "right")
            for a, j, c in (("hip", "knee", "ankle"), ("shoulder", "hip", "knee"), ("shoulder", "elbow", "wrist"),
                            ("hip", "shoulder", "elbow"))}
ANGLES3D.update(trunk_incline=None, bend_hip_shoulder_ear=None)


def angles3d(lm, left):
    """True 3-D angles (deg) from the 3-D truth landmarks: interior joint angles, the trunk's
    incline from vertical (mid_hip -> mid_shoulder) and the signed turn at mid_shoulder from
    the hip->shoulder line to the near (left) ear, about the body's left axis `left`
    (+ = head lifted above the back line, as the coach's `bend` measure)."""
    out = {}
    for k, pts in ANGLES3D.items():
        if pts:
            a, b, c = (np.asarray(lm[p], float) for p in pts)
            out[k] = angle(a, b, c)
    mh = 0.5 * (np.asarray(lm["left_hip"]) + np.asarray(lm["right_hip"]))
    ms = 0.5 * (np.asarray(lm["left_shoulder"]) + np.asarray(lm["right_shoulder"]))
    u = ms - mh
    out["trunk_incline"] = math.degrees(math.acos(float(np.clip(u[2] / np.linalg.norm(u), -1, 1))))
    w = np.asarray(lm["left_ear"]) - ms
    out["bend_hip_shoulder_ear"] = -math.degrees(math.atan2(float(np.cross(u, w) @ left), float(u @ w)))
    return out


def extra_clips():
    """The clips outside the committed top-level set, each with its `folder`."""
    from rig.spine_clips import spine_clips
    out = dict(spine_clips())
    try:
        from rig.scenario_clips import scenario_clips
        out.update(scenario_clips())
    except ImportError:
        pass
    try:
        from rig.view_clips import view_clips
        out.update(view_clips())
    except ImportError:
        pass
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description="Render synthetic ground-truth stretch clips (anny + pyrender).")
    ap.add_argument("--clip", action="append", default=[], help="clip name (repeatable); see --list")
    ap.add_argument("--all", action="store_true", help="render every committed top-level clip")
    ap.add_argument("--set", choices=sorted(EXTRA_SETS), action="append", default=[],
                    help="render every clip of an extra set (written to <out>/<set>/; variant 0 only)")
    ap.add_argument("--list", action="store_true", help="list the clips and exit")
    ap.add_argument("--out", default="sample_videos", help="output folder (default: sample_videos)")
    ap.add_argument("--crf", type=int, default=26, help="x264 quality (default 26)")
    ap.add_argument("--no-check", action="store_true", help="skip the MediaPipe detection/accuracy check")
    ap.add_argument("--check-only", action="store_true", help="only run the MediaPipe check on existing clips")
    ap.add_argument("--variant", type=int, default=0, metavar="N",
                    help="0 (default): the committed clips; N >= 1: held-out variant <clip>_vN (other body, "
                         "colours, lights, camera height/distance, tempo, sway; same view, sides and faults)")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)

    from rig.clips import all_clips
    if args.variant < 0:
        ap.error("--variant must be >= 0")
    clips = all_clips(args.variant)
    extra = extra_clips() if not args.variant else {}
    clips.update(extra)
    if args.list:
        for k, c in clips.items():
            where = c.get("folder", "") + "/" if c.get("folder") else ""
            print(f"{where + k:44s} pose={c['pose']:24s} {c['duration']:5.1f}s view={c['view']} offset={c['offset']}"
                  + (f" pitch={c['pitch_deg']}" if c.get("pitch_deg") is not None else ""))
        return 0
    names = [k for k in clips if k not in extra] if args.all else list(args.clip)
    names += [k for k, c in extra.items() if c.get("folder") in args.set]
    if not names:
        ap.error("give --clip NAME, --all or --set SET (see --list)")
    suffix = f"_v{args.variant}" if args.variant else ""
    names = [nm + suffix if nm not in clips and nm + suffix in clips else nm for nm in names]
    for nm in names:
        if nm not in clips:
            ap.error(f"unknown clip {nm!r}; see --list")
    out = Path(args.out)
    metrics = json.loads(METRICS.read_text()) if METRICS.exists() else {}
    model = None
    for nm in names:
        spec = clips[nm]
        out_clip = out / spec["folder"] if spec.get("folder") else out
        print(f"[{nm}] {spec['duration']:.1f}s, pose {spec['pose']}", flush=True)
        entry = metrics.get(nm, {})
        if not args.check_only:
            if model is None:
                from rig.body import load_model
                model = load_model()
            entry.update(render_clip(model, spec, out_clip, crf=args.crf, quiet=args.quiet))
            print(f"  wrote {out_clip / (nm + '.mp4')} ({entry['size_kb']} KB) in {entry['seconds']} s", flush=True)
        if not args.no_check:
            entry["check"] = check_clip(out_clip, nm, "left")
            print(f"  mediapipe: {entry['check']}", flush=True)
        # re-read before writing: another render process may have added its clips meanwhile
        metrics = json.loads(METRICS.read_text()) if METRICS.exists() else {}
        metrics[nm] = entry
        METRICS.write_text(json.dumps(metrics, indent=1, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
