"""Posing the anny body on the CPU with sagittal-plane controls, plus floor contact.

World axes (anny): Z up, -Y is the subject's forward at rest, +X the subject's left.
Every bone is given a world orientation relative to its rest orientation
("world-orient" parameterisation: D_c = G_c @ R_rest_c); heads follow their parents.

Angles (degrees) used by the controls:
- tau: trunk pitch. 0 = upright, 90 = horizontal face down with the head toward -Y,
  -90 = lying on the back with the head toward +Y.  Trunk rotation = R_x(tau).
- segment angle phi for legs/arms: direction of the segment measured from "straight down"
  toward forward (-Y): dir = (0, -sin phi, -cos phi).  Segment rotation = R_x(-phi).
"""
from __future__ import annotations

import os

import numpy as np
import torch

SPINE = ["spine05", "spine04", "spine03", "spine02", "spine01"]
SPINE_W = [0.12, 0.22, 0.24, 0.22, 0.20]  # share of the spine flexion per bone
NECK = ["neck01", "neck02", "neck03"]


def rx(deg):
    a = np.radians(deg)
    c, s = np.cos(a), np.sin(a)
    return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])


def ry(deg):
    a = np.radians(deg)
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])


def rz(deg):
    a = np.radians(deg)
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])


def align(a, b):
    """Minimal rotation taking unit vector a to unit vector b."""
    a = a / np.linalg.norm(a)
    b = b / np.linalg.norm(b)
    v = np.cross(a, b)
    c = float(np.dot(a, b))
    if np.linalg.norm(v) < 1e-9:
        return np.eye(3)
    vx = np.array([[0, -v[2], v[1]], [v[2], 0, -v[0]], [-v[1], v[0], 0]])
    return np.eye(3) + vx + vx @ vx * (1.0 / (1.0 + c))


DEFAULTS = dict(
    tau=0.0, pelvis=0.0, spine=0.0, neck=0.0, twist=0.0, lat=0.0,
    thL=0.0, thR=0.0, shL=0.0, shR=0.0, pfL=0.0, pfR=0.0, abL=0.0, abR=0.0,
    uaL=0.0, uaR=0.0, faL=0.0, faR=0.0, hdL=None, hdR=None, yawL=0.0, yawR=0.0,
    spreadL=0.0, spreadR=0.0, lumbar=0.0, thorax=0.0, ptilt=0.0, dx=0.0, dy=0.0,
)
# Spine-only controls (spine clips; 0 = no effect, so the other clips pose exactly as before):
# lumbar / thorax: extra flexion (+) or extension (-) of the lower / upper back, spread over
# these bones (shares sum to 1); ptilt: posterior pelvic tilt (+) whose lumbar flattening is
# spread over the lumbar joints (pelvis, spine05, spine04, spine03 turned by -1, -3/4, -1/2,
# -1/4 of it), so the thorax keeps its angle.  dx/dy: body translation in metres (walking).
LUMBAR_W = {"spine05": 0.2, "spine04": 0.3, "spine03": 0.3, "spine02": 0.2}
THORAX_W = {"spine02": 0.3, "spine01": 0.7}
PTILT_MIX = {"pelvis": -1.0, "spine05": -0.75, "spine04": -0.5, "spine03": -0.25}


class Body:
    """One anny body (fixed phenotype) that can be posed from a control dict."""

    def __init__(self, model, phenotype: dict):
        self.m = model
        self.labels = list(model.bone_labels)
        self.idx = {n: i for i, n in enumerate(self.labels)}
        self.parents = list(model.bone_parents)
        self.ph = {k: float(phenotype.get(k, 0.5)) for k in model.phenotype_labels}
        with torch.no_grad():
            out = model(pose_parameters=None, phenotype_kwargs=self.ph)
        self.rest_R = out["rest_bone_poses"][0, :, :3, :3].numpy().astype(np.float64)
        self.rest_h = out["rest_bone_heads"][0].numpy().astype(np.float64)
        self.rest_v = out["vertices"][0].numpy().astype(np.float64)
        self.faces = model.faces.numpy()
        w = model.vertex_bone_weights.numpy()
        bi = model.vertex_bone_indices.numpy()
        self.dom = bi[np.arange(len(bi)), w.argmax(1)]  # dominant bone per vertex
        self.dom_name = np.array(self.labels)[self.dom]
        self._side_map()
        self._arm_alignment()
        self._pick_landmark_vertices()
        self._groups()

    # ---------------------------------------------------------------- setup
    def _side_map(self):
        """Which limb chain each bone belongs to (for applying limb rotations)."""
        self.chain = {}
        for n in self.labels:
            s = "L" if n.endswith(".L") else "R" if n.endswith(".R") else None
            base = n.split(".")[0]
            if base.startswith("toe") or base == "foot":
                self.chain[n] = ("foot", s)
            elif base.startswith("lowerleg"):
                self.chain[n] = ("shin", s)
            elif base.startswith("upperleg"):
                self.chain[n] = ("thigh", s)
            elif base.startswith("upperarm"):
                self.chain[n] = ("uarm", s)
            elif base.startswith("lowerarm"):
                self.chain[n] = ("farm", s)
            elif base in ("wrist",) or base.startswith("finger") or base.startswith("metacarpal"):
                self.chain[n] = ("hand", s)
            elif base in ("clavicle", "shoulder01"):
                self.chain[n] = ("shoulder", s)
            elif base == "pelvis" or base == "root":
                self.chain[n] = ("pelvis", s)
            elif base.startswith("spine"):
                self.chain[n] = ("spine", None)
            elif base.startswith("neck"):
                self.chain[n] = ("neck", None)
            else:  # head, eyes
                self.chain[n] = ("head", None)

    def _dir(self, a, b):
        d = self.rest_h[self.idx[b]] - self.rest_h[self.idx[a]]
        return d / np.linalg.norm(d)

    def _arm_alignment(self):
        """Rest-to-'hanging straight down' rotations for the arm segments."""
        self.A = {}
        for s in "LR":
            ua = self._dir(f"upperarm01.{s}", f"lowerarm01.{s}")
            fa = self._dir(f"lowerarm01.{s}", f"wrist.{s}")
            hd = self._dir(f"wrist.{s}", f"finger3-1.{s}")
            down = np.array([0.0, 0.0, -1.0])
            self.A[("uarm", s)] = align(ua, down)
            self.A[("farm", s)] = align(fa, down)
            self.A[("hand", s)] = align(hd, down) if True else None
            # legs: rest thigh/shin are almost vertical; align them exactly
            th = self._dir(f"upperleg01.{s}", f"lowerleg01.{s}")
            sh = self._dir(f"lowerleg01.{s}", f"foot.{s}")
            self.A[("thigh", s)] = align(th, down)
            self.A[("shin", s)] = align(sh, down)

    def _pick_landmark_vertices(self):
        # picked once on the average body (same topology for every phenotype)
        with torch.no_grad():
            o = self.m(pose_parameters=None, phenotype_kwargs={k: 0.5 for k in self.m.phenotype_labels})
        v, dn = o["vertices"][0].numpy().astype(np.float64), self.dom_name
        rest_h = o["rest_bone_heads"][0].numpy()
        head = np.where(dn == "head")[0]
        eye_z = rest_h[self.idx["eye.L"]][2]
        hc = rest_h[self.idx["head"]]
        # nose: most forward head vertex near the midline, below the eyes
        cand = head[(np.abs(v[head, 0]) < 0.012) & (v[head, 2] < eye_z) & (v[head, 2] > eye_z - 0.06)]
        nose = cand[np.argmin(v[cand, 1])]
        # ears: widest head vertex about eye height, behind the eyes
        band = head[(np.abs(v[head, 2] - (eye_z - 0.015)) < 0.015) & (v[head, 1] > hc[1] - 0.03) & (v[head, 1] < hc[1] + 0.04)]
        lear = band[np.argmax(v[band, 0])]
        rear = band[np.argmin(v[band, 0])]
        self.lm_vert = {"nose": nose, "left_ear": lear, "right_ear": rear}
        for s, side in (("L", "left"), ("R", "right")):
            foot = np.where(dn == f"foot.{s}")[0]
            zmin = v[foot, 2].min()
            low = foot[v[foot, 2] < zmin + 0.03]
            self.lm_vert[f"{side}_heel"] = low[np.argmax(v[low, 1])]
            toes = np.where(np.char.startswith(dn.astype(str), "toe2") & np.char.endswith(dn.astype(str), f".{s}"))[0]
            self.lm_vert[f"{side}_foot_index"] = toes[np.argmin(v[toes, 1])]

    def _groups(self):
        dn = self.dom_name.astype(str)
        def where(pred):
            return np.where(np.array([pred(n) for n in dn]))[0]
        self.grp = {}
        for s in "LR":
            self.grp[f"hand{s}"] = where(lambda n: n.endswith(f".{s}") and (n.startswith("wrist") or n.startswith("finger") or n.startswith("metacarpal")))
            self.grp[f"foot{s}"] = where(lambda n: n.endswith(f".{s}") and (n.startswith("foot") or n.startswith("toe")))
            self.grp[f"shin{s}"] = where(lambda n: n.endswith(f".{s}") and n.startswith("lowerleg"))
            self.grp[f"knee{s}"] = where(lambda n: n in (f"lowerleg01.{s}", f"upperleg02.{s}"))
        self.grp["torso"] = where(lambda n: n.startswith("spine") or n.startswith("pelvis") or n == "root"
                                  or n.startswith("neck") or n == "head")
        self.grp["head"] = where(lambda n: n == "head")
        self.grp["seat"] = where(lambda n: n.startswith("pelvis") or n == "root" or n.startswith("upperleg01"))

    # ---------------------------------------------------------------- posing
    def rotations(self, c: dict) -> np.ndarray:
        """World rotation (relative to rest) for each bone from controls c."""
        G = np.tile(np.eye(3), (len(self.labels), 1, 1))
        tau, pelv, sp, nk = c["tau"], c["pelvis"], c["spine"], c["neck"]
        lat, twist = c["lat"], c["twist"]
        acc = tau + pelv
        spine_R = {}
        # lower spine shares the pelvic tilt, then hands back to the trunk angle
        lower_mix = [0.5, 0.15, 0.0, 0.0, 0.0]
        cum = 0.0
        for name, w, mix in zip(SPINE, SPINE_W, lower_mix):
            cum += sp * w
            if c.get("lumbar") or c.get("thorax"):
                cum += c.get("lumbar", 0.0) * LUMBAR_W.get(name, 0.0) + c.get("thorax", 0.0) * THORAX_W.get(name, 0.0)
            ang = tau + cum + pelv * mix
            if c.get("ptilt"):
                ang += c["ptilt"] * PTILT_MIX.get(name, 0.0)
            R = rx(ang)
            if lat or twist:  # lateral bend (about the trunk's long axis frame) grows up the spine
                frac = (SPINE.index(name) + 1) / len(SPINE)
                R = rz(twist * frac) @ R @ ry(-lat * frac)
            spine_R[name] = R
        top = spine_R["spine01"]
        if c.get("lumbar") or c.get("thorax"):      # neck and head follow the extra flexion
            sp = sp + c.get("lumbar", 0.0) + c.get("thorax", 0.0)
        if c.get("ptilt"):
            acc = acc - c["ptilt"]
        for n, name in enumerate(self.labels):
            kind, s = self.chain[name]
            if kind == "pelvis":
                G[n] = rx(acc)
            elif kind == "spine":
                G[n] = spine_R[name]
            elif kind == "shoulder":
                G[n] = top
            elif kind == "neck":
                k = NECK.index(name) + 1
                G[n] = rz(twist) @ rx(tau + sp + nk * 0.25 * k) @ ry(-lat)
            elif kind == "head":
                G[n] = rz(twist) @ rx(tau + sp + nk) @ ry(-lat)
            elif kind == "thigh":
                G[n] = ry(c[f"ab{s}"] * (1 if s == "L" else -1)) @ rx(-c[f"th{s}"]) @ self.A[("thigh", s)]
            elif kind == "shin":
                G[n] = ry(c[f"ab{s}"] * (1 if s == "L" else -1)) @ rx(-c[f"sh{s}"]) @ self.A[("shin", s)]
            elif kind == "foot":
                G[n] = ry(c[f"ab{s}"] * (1 if s == "L" else -1)) @ rx(-c[f"sh{s}"] + c[f"pf{s}"]) @ self.A[("shin", s)]
            elif kind in ("uarm", "farm", "hand"):
                key = {"uarm": "ua", "farm": "fa", "hand": "hd"}[kind]
                phi = c[f"{key}{s}"]
                if phi is None:
                    phi = c[f"fa{s}"]
                sgn = 1 if s == "L" else -1
                spread = ry(sgn * c[f"spread{s}"])
                G[n] = rz(c[f"yaw{s}"]) @ spread @ rx(-phi) @ self.A[(kind, s)]
        return G

    def forward(self, c: dict, root_pos=(0.0, 0.0, 0.0)):
        G = self.rotations(c)
        D = np.einsum("bij,bjk->bik", G, self.rest_R)
        P = np.tile(np.eye(4), (len(self.labels), 1, 1))
        P[:, :3, :3] = D
        P[0, :3, 3] = np.asarray(root_pos)
        with torch.no_grad():
            out = self.m(pose_parameters=torch.from_numpy(P[None]).float(), phenotype_kwargs=self.ph,
                         pose_parameterization="world-orient")
        v = out["vertices"][0].numpy().astype(np.float64)
        j = out["bone_poses"][0, :, :3, 3].numpy().astype(np.float64)
        return v, j

    def gz(self, v, name):
        return v[self.grp[name], 2].min()

    def pose(self, c: dict, solves=(), floor_z=0.0):
        """Pose with contact solves, then drop the body so its lowest vertex is on the floor.

        solves: list of (controls_to_shift, group_a, group_b): shift the listed controls by one
        common delta (deg) until min z of group_a == min z of group_b (secant method).
        """
        c = dict(DEFAULTS, **c)
        for ctrl, ga, gb in solves:
            def f(d):
                cc = dict(c)
                for k in ctrl:
                    cc[k] = cc[k] + d
                v, _ = self.forward(cc)
                return self.gz(v, ga) - self.gz(v, gb)
            d0, d1 = 0.0, 4.0
            f0, f1 = f(d0), f(d1)
            for _ in range(4):
                if abs(f1) < 0.002 or abs(f1 - f0) < 1e-9:
                    break
                d2 = d1 - f1 * (d1 - d0) / (f1 - f0)
                d2 = float(np.clip(d2, -40, 40))
                d0, f0, d1 = d1, f1, d2
                f1 = f(d1)
            for k in ctrl:
                c[k] = c[k] + d1
        v, j = self.forward(c)
        dz = floor_z - v[:, 2].min()
        v[:, 2] += dz
        j[:, 2] += dz
        if c.get("dx") or c.get("dy"):
            sh = np.array([c.get("dx", 0.0), c.get("dy", 0.0), 0.0])
            v, j = v + sh, j + sh
        return v, j, c

    def landmarks3d(self, v, j):
        """Truth 3-D points named as MediaPipe names them."""
        J = lambda n: j[self.idx[n]]
        out = {
            "nose": v[self.lm_vert["nose"]],
            "left_ear": v[self.lm_vert["left_ear"]],
            "right_ear": v[self.lm_vert["right_ear"]],
        }
        for s, side in (("L", "left"), ("R", "right")):
            out[f"{side}_shoulder"] = J(f"upperarm01.{s}")
            out[f"{side}_elbow"] = J(f"lowerarm01.{s}")
            out[f"{side}_wrist"] = J(f"wrist.{s}")
            out[f"{side}_hip"] = J(f"upperleg01.{s}")
            out[f"{side}_knee"] = J(f"lowerleg01.{s}")
            out[f"{side}_ankle"] = J(f"foot.{s}")
            out[f"{side}_heel"] = v[self.lm_vert[f"{side}_heel"]]
            out[f"{side}_foot_index"] = v[self.lm_vert[f"{side}_foot_index"]]
        return out


LM_NAMES = ["nose", "left_ear", "right_ear", "left_shoulder", "right_shoulder", "left_elbow",
            "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip", "left_knee",
            "right_knee", "left_ankle", "right_ankle", "left_heel", "right_heel",
            "left_foot_index", "right_foot_index"]


def load_model():
    os.environ.setdefault("ANNY_CACHE_DIR", "/work/anny_cache")
    import anny
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    return anny.Anny().to(torch.float32)
