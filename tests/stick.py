"""A 2D stick figure that turns joint directions into MediaPipe-shaped landmark frames,
so the checkers and state machines can be tested on exactly known angles.

Directions are degrees in a y-up frame (0 = +x, 90 = up); output is pixels, y down.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from coach.core import contour as C
from coach.core.landmarks import INDEX, N_LANDMARKS

LEN = {"torso": 160.0, "head": 45.0, "thigh": 130.0, "shin": 120.0, "upper": 90.0, "fore": 80.0, "foot": 30.0}


def _at(p: np.ndarray, deg: float, length: float) -> np.ndarray:
    r = math.radians(deg)
    return p + length * np.array([math.cos(r), math.sin(r)])


@dataclass
class Stick:
    hip: tuple[float, float] = (320.0, 200.0)     # y-up pixels of the mid-hip
    torso: float = 90.0                             # hip -> shoulder
    head: float = 90.0                              # shoulder -> ear
    thigh: dict[str, float] = field(default_factory=lambda: {"left": -90.0, "right": -90.0})
    shin: dict[str, float] = field(default_factory=lambda: {"left": -90.0, "right": -90.0})
    upper: dict[str, float] = field(default_factory=lambda: {"left": -90.0, "right": -90.0})
    fore: dict[str, float] = field(default_factory=lambda: {"left": -90.0, "right": -90.0})
    width: float = 8.0           # left/right separation in px (side view: small)
    height: int = 480
    far_visibility: float = 0.9  # the right side is the far side
    facing: int = 1              # +1: nose towards image right; -1: mirrored (facing left)
    spread_x: float = 0.0        # extra left/right separation along image x (turned to the camera)
    vis: dict[str, float] = field(default_factory=dict)   # per-landmark visibility overrides
    # the back's outline (coach/core/contour.py): turning of its lower and upper half in
    # degrees, + = rounded (flexion), - = hollow (extension); drawn `back_depth` px behind
    # the hip-shoulder line, on the side away from the knees
    back: tuple[float, float] = (0.0, 0.0)
    back_depth: float = 25.0

    def with_(self, **kw) -> "Stick":
        return replace(self, **kw)

    def outline(self, k: int = C.DEFAULT.k) -> np.ndarray:
        """The back outline (K, 2) in image pixels (y down), hip end first: a curve whose
        lower and upper halves turn by `back`, spanning the stations coach's edge samples."""
        lm = self.frame()
        hip, sh = lm[[23, 24], :2].mean(axis=0), lm[[11, 12], :2].mean(axis=0)
        knee, nose = lm[[25, 26], :2].mean(axis=0), lm[0, :2]
        dorsal = C.dorsal_normal(hip, sh, [knee, nose])
        if dorsal is None:            # legs along the trunk: no side for the back (the edge finds none either)
            return np.full((k, 2), np.nan)
        n = 400
        s = np.linspace(0.0, 1.0, n + 1)
        lower, upper = (math.radians(v) for v in self.back)
        turn = np.where(s <= 0.5, lower * s / 0.5, lower + upper * (s - 0.5) / 0.5)
        theta = -turn
        u = np.concatenate([[0.0], np.cumsum(np.cos(theta[:-1]) / n)])
        h = np.concatenate([[0.0], np.cumsum(np.sin(theta[:-1]) / n)])
        rot = -math.atan2(h[-1], u[-1])                     # chord along the axis
        u, h = u * math.cos(rot) - h * math.sin(rot), u * math.sin(rot) + h * math.cos(rot)
        scale = 1.0 / u[-1]
        axis = sh - hip
        frac = np.linspace(C.DEFAULT.s_from, C.DEFAULT.s_to, k)
        idx = np.searchsorted(u * scale, frac).clip(0, n)
        span = C.DEFAULT.s_to - C.DEFAULT.s_from
        pts = [hip + axis * (C.DEFAULT.s_from + span * u[i] * scale)
               + dorsal * (self.back_depth + span * h[i] * scale * math.hypot(*axis)) for i in idx]
        return np.array(pts)

    def frame(self) -> np.ndarray:
        out = np.zeros((N_LANDMARKS, 4))
        out[:, 3] = 1.0
        hip = np.array(self.hip, dtype=float)
        for s, sign in (("left", -0.5), ("right", 0.5)):
            off = np.array([sign * self.spread_x, sign * self.width])
            h = hip + off
            sh = _at(h, self.torso, LEN["torso"])
            k = _at(h, self.thigh[s], LEN["thigh"])
            a = _at(k, self.shin[s], LEN["shin"])
            e = _at(sh, self.upper[s], LEN["upper"])
            w = _at(e, self.fore[s], LEN["fore"])
            ear = _at(sh, self.head, LEN["head"])
            pts = {"hip": h, "shoulder": sh, "knee": k, "ankle": a, "elbow": e, "wrist": w, "ear": ear,
                   "heel": a + np.array([-8.0, -4.0]), "foot_index": _at(a, 0.0, LEN["foot"]),
                   "eye": _at(ear, 0.0, 12.0), "eye_inner": _at(ear, 0.0, 14.0), "eye_outer": _at(ear, 0.0, 10.0),
                   "pinky": _at(w, self.fore[s], 10), "index": _at(w, self.fore[s], 12), "thumb": _at(w, self.fore[s], 8),
                   }
            pts[f"mouth_{s}"] = _at(ear, -30.0, 14.0)
            for name, p in pts.items():
                i = INDEX[name if name.startswith("mouth") else f"{s}_{name}"]
                out[i, :2] = p
                out[i, 3] = 1.0 if s == "left" else self.far_visibility
        out[INDEX["nose"], :2] = _at(out[INDEX["left_ear"], :2], 0.0, 18.0)
        if self.facing < 0:
            out[:, 0] = 2.0 * hip[0] - out[:, 0]
        for name, v in self.vis.items():
            out[INDEX[name], 3] = v
        out[:, 1] = self.height - out[:, 1]   # y down
        return out


@dataclass
class Front:
    """A person seen from the front (facing the camera), drawn straight in the image plane:
    their left is at image right. Directions are degrees y-up (0 = image right, -90 = down);
    `hip` is the mid-hip relative to the mid-shoulder (y-up px). Used to test the front-view
    rule (shoulders and hips wide apart in the image)."""

    shoulder: tuple[float, float] = (320.0, 150.0)   # mid-shoulder, y-up px
    shoulder_width: float = 120.0
    hip_width: float = 100.0
    hip: tuple[float, float] = (0.0, 60.0)           # mid-hip offset from mid-shoulder
    upper: dict[str, float] = field(default_factory=lambda: {"left": -90.0, "right": -90.0})
    fore: dict[str, float] = field(default_factory=lambda: {"left": -90.0, "right": -90.0})
    thigh: dict[str, float] = field(default_factory=lambda: {"left": 90.0, "right": 90.0})
    shin: dict[str, float] = field(default_factory=lambda: {"left": -90.0, "right": -90.0})
    thigh_len: float = 40.0      # foreshortened: thighs point away from the camera
    shin_len: float = 30.0
    head: tuple[float, float] = (0.0, -40.0)         # mid-ear offset from mid-shoulder
    height: int = 480
    vis: dict[str, float] = field(default_factory=dict)

    def with_(self, **kw) -> "Front":
        return replace(self, **kw)

    def frame(self) -> np.ndarray:
        out = np.zeros((N_LANDMARKS, 4))
        out[:, 3] = 1.0
        ms = np.array(self.shoulder, dtype=float)
        mh = ms + np.array(self.hip, dtype=float)
        ear_c = ms + np.array(self.head, dtype=float)
        for s, sign in (("left", 1.0), ("right", -1.0)):
            sh = ms + np.array([sign * self.shoulder_width / 2, 0.0])
            h = mh + np.array([sign * self.hip_width / 2, 0.0])
            e = _at(sh, self.upper[s], LEN["upper"])
            w = _at(e, self.fore[s], LEN["fore"])
            k = _at(h, self.thigh[s], self.thigh_len)
            a = _at(k, self.shin[s], self.shin_len)
            ear = ear_c + np.array([sign * 22.0, 0.0])
            pts = {"shoulder": sh, "hip": h, "elbow": e, "wrist": w, "knee": k, "ankle": a, "ear": ear,
                   "heel": a + np.array([0.0, -5.0]), "foot_index": a + np.array([sign * 4.0, -10.0]),
                   "eye": ear + np.array([-sign * 12.0, -6.0]), "eye_inner": ear + np.array([-sign * 17.0, -6.0]),
                   "eye_outer": ear + np.array([-sign * 7.0, -6.0]),
                   "pinky": _at(w, self.fore[s], 10), "index": _at(w, self.fore[s], 12),
                   "thumb": _at(w, self.fore[s], 8)}
            for name, p in pts.items():
                out[INDEX[f"{s}_{name}"], :2] = p
            out[INDEX[f"mouth_{s}"], :2] = ear_c + np.array([sign * 8.0, -22.0])
        out[INDEX["nose"], :2] = ear_c + np.array([0.0, -12.0])
        for name, v in self.vis.items():
            out[INDEX[name], 3] = v
        out[:, 1] = self.height - out[:, 1]   # y down
        return out


def child_pose(reach: float = 0.0, knee: float = 25.0, facing: int = -1) -> Stick:
    """Child's pose from the side and above, left side nearer the camera, head towards image
    left (facing=-1: a face-down body seen from its left; +1: the mirror image, as filmed
    from its right side). Knees folded to `knee` deg (hips on the heels: about 25; lifted:
    60), trunk sloping down to the shoulders, arms long on the mat. `reach` tilts the arms
    in the image by that many degrees towards the person's left (negative: right): from
    above, hands walked towards the camera sit lower in the image."""
    arm = -15.0 + reach * facing
    return Stick(width=0, torso=-10.0, head=-20.0, thigh={"left": -knee, "right": -knee},
                 shin={"left": 180.0, "right": 180.0}, upper={"left": arm, "right": arm},
                 fore={"left": arm, "right": arm}, facing=facing)


def steps(segments: list, fps: float = 15.0, jitter_px: float = 0.0, seed: int = 0, t0: float = 0.0):
    """Frames at `fps` holding each pose for its seconds, switching in one frame:
    segments = [(pose, seconds)] with pose a Stick, a Front or None (nobody in view).
    Returns (times, frames); frame i is at t0 + i / fps."""
    rng = np.random.default_rng(seed)
    frames = []
    for pose, secs in segments:
        f = pose.frame() if pose is not None else np.full((N_LANDMARKS, 4), np.nan)
        for _ in range(int(round(secs * fps))):
            g = f.copy()
            if jitter_px and pose is not None:
                g[:, :2] += rng.normal(0, jitter_px, size=(N_LANDMARKS, 2))
            frames.append(g)
    times = t0 + np.arange(len(frames)) / fps
    return times, np.stack(frames)


def trace(poses: list[tuple[float, Stick]], fps: float = 15.0, jitter_px: float = 0.0, seed: int = 0,
          with_back: bool = False):
    """Frames at `fps` following keyframes [(t, Stick)], linearly interpolated.
    Returns (times, frames), and with `with_back` also the back outlines (N, 25, 2)
    interpolated the same way (the person mask's outline, see coach/core/contour.py)."""
    rng = np.random.default_rng(seed)
    t_end = poses[-1][0]
    times = np.arange(0.0, t_end + 1e-9, 1.0 / fps)
    key_t = [p[0] for p in poses]
    frames = [p[1].frame() for p in poses]
    if with_back:
        outlines = [p[1].outline() for p in poses]
        backs = []
        for t in times:
            j = max(0, min(int(np.searchsorted(key_t, t, side="right")) - 1, len(poses) - 1))
            u = 0.0 if j == len(poses) - 1 else (t - key_t[j]) / (key_t[j + 1] - key_t[j])
            backs.append(outlines[j] if u == 0.0 else outlines[j] * (1 - u) + outlines[j + 1] * u)
        t_, f_ = trace(poses, fps, jitter_px, seed)
        return t_, f_, np.stack(backs)
    out = []
    for t in times:
        j = int(np.searchsorted(key_t, t, side="right")) - 1
        j = max(0, min(j, len(poses) - 1))
        if j == len(poses) - 1:
            f = frames[j].copy()
        else:
            u = (t - key_t[j]) / (key_t[j + 1] - key_t[j])
            f = frames[j] * (1 - u) + frames[j + 1] * u
        if jitter_px:
            f[:, :2] += rng.normal(0, jitter_px, size=(N_LANDMARKS, 2))
        out.append(f)
    return times, np.stack(out)


def backs(segments: list, fps: float = 15.0, jitter_px: float = 0.0, seed: int = 1) -> np.ndarray:
    """The back outlines of `steps(segments, fps)`, frame by frame (NaN where nobody is in
    view or the pose has no side-view back), with their own pixel jitter."""
    rng = np.random.default_rng(seed)
    out = []
    for pose, secs in segments:
        o = pose.outline() if isinstance(pose, Stick) else np.full((C.DEFAULT.k, 2), np.nan)
        for _ in range(int(round(secs * fps))):
            g = o.copy()
            if jitter_px:
                g += rng.normal(0, jitter_px, size=g.shape)
            out.append(g)
    return np.stack(out)


def drive(engine, times, frames, finish: bool = True, back: np.ndarray | None = None) -> list:
    """Run an Engine over (times, frames) and, where given, the back outlines; returns the
    FrameResults (finish() at the end)."""
    out = [engine.step(float(t), f, None if back is None or not np.isfinite(back[i]).any() else back[i])
           for i, (t, f) in enumerate(zip(times, frames))]
    if finish:
        engine.finish(float(times[-1]))
    return out
