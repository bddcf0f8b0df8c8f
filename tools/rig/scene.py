"""Offscreen pyrender scene: floor, mat, back wall, key + fill + ambient light, pinhole camera."""
from __future__ import annotations

import os

os.environ.setdefault("PYOPENGL_PLATFORM", "egl")

import numpy as np
import pyrender
import trimesh

W, H = 640, 480
YFOV = np.radians(40.0)


def look_at(eye, target, up=(0, 0, 1)):
    eye, target, up = map(lambda a: np.asarray(a, float), (eye, target, up))
    f = target - eye
    f /= np.linalg.norm(f)
    r = np.cross(f, up)
    r /= np.linalg.norm(r)
    u = np.cross(r, f)
    M = np.eye(4)
    M[:3, 0], M[:3, 1], M[:3, 2], M[:3, 3] = r, u, -f, eye
    return M


def project(points, cam_pose):
    """World points (N,3) -> pixels (N,2); NaN where behind the camera."""
    P = np.asarray(points, float)
    inv = np.linalg.inv(cam_pose)
    pc = P @ inv[:3, :3].T + inv[:3, 3]
    z = -pc[:, 2]
    f = (H / 2) / np.tan(YFOV / 2)
    x = W / 2 + f * pc[:, 0] / z
    y = H / 2 - f * pc[:, 1] / z
    out = np.stack([x, y], 1)
    out[z <= 1e-6] = np.nan
    return out


def _box(extents, center, rgba):
    m = trimesh.creation.box(extents=extents)
    m.apply_translation(center)
    mat = pyrender.MetallicRoughnessMaterial(baseColorFactor=rgba, metallicFactor=0.0, roughnessFactor=0.9)
    return pyrender.Mesh.from_trimesh(m, material=mat, smooth=False)


class Stage:
    def __init__(self, style: dict, cam_eye, cam_target):
        self.style = style
        self.r = pyrender.OffscreenRenderer(W, H)
        amb = style.get("ambient", 0.35)
        self.scene = pyrender.Scene(bg_color=[0.85, 0.85, 0.85, 1.0], ambient_light=[amb, amb, amb])
        self.cam_pose = look_at(cam_eye, cam_target)
        cam = pyrender.PerspectiveCamera(yfov=YFOV, aspectRatio=W / H)
        self.scene.add(cam, pose=self.cam_pose)
        eye = np.asarray(cam_eye, float)
        tgt = np.asarray(cam_target, float)
        # floor
        self.scene.add(_box([12, 12, 0.02], [0, 0, -0.01], style["floor"]))
        # mat: along the body's long axis
        mx, my = style.get("mat_size", (0.7, 1.9))
        mc = style.get("mat_center", (0, 0))
        self.scene.add(_box([mx, my, 0.008], [mc[0], mc[1], 0.004], style["mat"]))
        # back wall: perpendicular to the horizontal viewing direction, behind the subject
        hd = tgt[:2] - eye[:2]
        hd /= np.linalg.norm(hd)
        wall_c = np.r_[tgt[:2] + hd * style.get("wall_dist", 1.6), 1.5]
        wall = trimesh.creation.box(extents=[8, 0.05, 3.2])
        ang = np.arctan2(hd[1], hd[0]) - np.pi / 2
        T = trimesh.transformations.rotation_matrix(ang, [0, 0, 1])
        T[:3, 3] = wall_c
        wall.apply_transform(T)
        wmat = pyrender.MetallicRoughnessMaterial(baseColorFactor=style["wall"], metallicFactor=0.0, roughnessFactor=1.0)
        self.scene.add(pyrender.Mesh.from_trimesh(wall, material=wmat, smooth=False))
        # lights: key from the camera side and above, fill from the other side
        key_dir = style.get("key_az", 35.0)
        kin = style.get("key", 3.5)
        kp = look_at(eye + rot_z(np.r_[0, 0, 1.8] + (eye - tgt) * 0.3, key_dir) , tgt)
        self.scene.add(pyrender.DirectionalLight(color=np.ones(3), intensity=kin), pose=kp)
        fp = look_at(tgt + rot_z(tgt - eye, 110.0) + np.r_[0, 0, 1.0], tgt)
        self.scene.add(pyrender.DirectionalLight(color=np.ones(3), intensity=style.get("fill", 1.5)), pose=fp)
        self.body_node = None

    def render(self, verts, faces, vcolors):
        """One frame; verts None renders the empty room."""
        if verts is None:
            if self.body_node is not None:
                self.scene.remove_node(self.body_node)
                self.body_node = None
            color, _ = self.r.render(self.scene)
            return color
        tm = trimesh.Trimesh(vertices=verts, faces=faces, vertex_colors=vcolors, process=False)
        mesh = pyrender.Mesh.from_trimesh(tm, smooth=True)
        if self.body_node is not None:
            self.scene.remove_node(self.body_node)
        self.body_node = self.scene.add(mesh)
        color, _ = self.r.render(self.scene)
        return color

    def close(self):
        self.r.delete()


def rot_z(v, deg):
    a = np.radians(deg)
    c, s = np.cos(a), np.sin(a)
    v = np.asarray(v, float)
    return np.array([c * v[0] - s * v[1], s * v[0] + c * v[1], v[2]])


def body_colors(body, shirt, legging, skin, sock=None):
    """Vertex colours (uint8 RGBA) by dominant bone: shirt, leggings, skin."""
    dn = body.dom_name.astype(str)
    col = np.zeros((len(dn), 4), np.uint8)
    col[:] = np.r_[skin, 255]
    for i, n in enumerate(dn):
        b = n.split(".")[0]
        if b.startswith("spine") or b in ("clavicle", "shoulder01", "upperarm01", "upperarm02", "neck01"):
            col[i, :3] = shirt
        elif b in ("root", "pelvis") or b.startswith("upperleg") or b.startswith("lowerleg"):
            col[i, :3] = legging
        elif sock is not None and (b == "foot" or b.startswith("toe")):
            col[i, :3] = sock
    return col
