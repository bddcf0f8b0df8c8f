"""True spine measures from the body mesh (the definition is in docs/architecture.md,
"Spine truth"): back curve sampled at 25 stations between the hip and shoulder centres,
then signed flexion angles, sagitta and the lumbar arch against the mat line.

The same `back_measures()` runs on image pixels (the `spine` truth) and on the body's
sagittal plane in metres (`spine3d`), so the coach's contour measures can be compared
with either.
"""
from __future__ import annotations

import numpy as np

N_STATIONS = 25
LUMBAR_LAST = 14          # stations 0..14 (the lower 58 % of the span) for the lumbar arch
BAND_X = 0.015            # m: half-width of the back midline band on the rest body
KEYS = ("flex_deg", "flex_lower_deg", "flex_upper_deg", "sagitta_pct", "lumbar_arch_pct")


def midline_vertices(body) -> np.ndarray:
    """Indices of the back-midline skin vertices, picked once on the average rest body:
    |x| < BAND_X, behind the spine bones, from below the hip joints to above the shoulders."""
    import torch
    m = body.m
    with torch.no_grad():
        o = m(pose_parameters=None, phenotype_kwargs={k: 0.5 for k in m.phenotype_labels})
    v = o["vertices"][0].numpy().astype(np.float64)
    h = o["rest_bone_heads"][0].numpy().astype(np.float64)
    idx = body.idx
    line = np.array([h[idx[n]] for n in ("root", "spine05", "spine04", "spine03", "spine02", "spine01", "neck01")])
    order = np.argsort(line[:, 2])
    line = line[order]
    hip_z = 0.5 * (h[idx["upperleg01.L"], 2] + h[idx["upperleg01.R"], 2])
    sh_z = 0.5 * (h[idx["upperarm01.L"], 2] + h[idx["upperarm01.R"], 2])
    spine_y = np.interp(v[:, 2], line[:, 2], line[:, 1])
    dn = body.dom_name.astype(str)
    trunk = np.array([n.startswith(("spine", "pelvis", "root", "neck01")) for n in dn])
    sel = (np.abs(v[:, 0]) < BAND_X) & (v[:, 1] > spine_y) & trunk \
        & (v[:, 2] > hip_z - 0.10) & (v[:, 2] < sh_z + 0.08)
    return np.where(sel)[0]


def _sample(s, h, L):
    """h at the 25 stations: the most dorsal crossing of the outline (s sorted polyline)."""
    st = np.linspace(0.0, L, N_STATIONS)
    out = np.full(N_STATIONS, np.nan)
    o = np.argsort(s)
    s, h = s[o], h[o]
    # crossings of consecutive outline points, plus the points themselves
    for k, sk in enumerate(st):
        best = -np.inf
        a, b = s[:-1], s[1:]
        hit = ((a <= sk) & (b >= sk)) | ((b <= sk) & (a >= sk))
        for i in np.where(hit)[0]:
            ds = s[i + 1] - s[i]
            u = 0.0 if abs(ds) < 1e-12 else (sk - s[i]) / ds
            best = max(best, h[i] + u * (h[i + 1] - h[i]))
        if np.isfinite(best):
            out[k] = best
    return st, out


def _phi(st, hk, lo, hi):
    b = np.polyfit(st[lo:hi + 1], hk[lo:hi + 1], 1)[0]
    return float(np.degrees(np.arctan(b)))


def _upper_hull(x, y):
    """Smallest concave function >= the points (x ascending), evaluated at x."""
    hull = []
    for p in zip(x, y):
        while len(hull) >= 2:
            (x1, y1), (x2, y2) = hull[-2], hull[-1]
            if (x2 - x1) * (p[1] - y1) - (y2 - y1) * (p[0] - x1) >= 0:   # middle point under the chord
                hull.pop()
            else:
                break
        hull.append(p)
    hx, hy = np.array(hull).T
    return np.interp(x, hx, hy)


def back_measures(points, mid_hip, mid_shoulder, dorsal) -> dict | None:
    """Spine measures of one back outline (N,2 points, any unit) against the hip->shoulder
    axis; `dorsal` is any vector pointing to the back side.  None if the axis is degenerate
    or a station has no outline crossing."""
    P = np.asarray(points, float)
    A = np.asarray(mid_shoulder, float) - np.asarray(mid_hip, float)
    L = float(np.linalg.norm(A))
    if not np.isfinite(L) or L < 1e-9 or len(P) < 3:
        return None
    a = A / L
    n = np.array([-a[1], a[0]])
    if float(np.dot(n, dorsal)) < 0:
        n = -n
    rel = P - np.asarray(mid_hip, float)
    s, h = rel @ a, rel @ n
    st, hk = _sample(s, h, L)
    if not np.all(np.isfinite(hk)):
        return None
    p0, p1 = np.array([st[0], hk[0]]), np.array([st[-1], hk[-1]])
    ch = p1 - p0
    cl = float(np.linalg.norm(ch))
    cn = np.array([-ch[1], ch[0]]) / cl
    if cn[1] < 0:          # + on the dorsal side (+h)
        cn = -cn
    d = (np.stack([st, hk], 1) - p0) @ cn
    ds = float(d[np.argmax(np.abs(d))])
    g = _upper_hull(st, hk) - hk
    return {
        "flex_deg": _phi(st, hk, 0, 12) - _phi(st, hk, 12, 24),
        "flex_lower_deg": _phi(st, hk, 0, 8) - _phi(st, hk, 8, 16),
        "flex_upper_deg": _phi(st, hk, 8, 16) - _phi(st, hk, 16, 24),
        "sagitta_pct": 100.0 * ds / cl,
        "lumbar_arch_pct": 100.0 * float(g[:LUMBAR_LAST + 1].max()) / L,
        "curve": np.asarray(mid_hip, float) + np.outer(st, a) + np.outer(hk, n),
    }


def frame_truth(body, v, j, G, project, cam_pose, mid_vert):
    """(image measures, sagittal-plane 3-D measures) for one posed frame; G = the bones'
    world rotations relative to rest that posed it (`Body.rotations`)."""
    I = body.idx
    hips = j[[I["upperleg01.L"], I["upperleg01.R"]]]
    shs = j[[I["upperarm01.L"], I["upperarm01.R"]]]
    # the trunk's back and left directions: the rest +Y / +X turned by the spine03 / pelvis bones
    R_sp = G[I["spine03"]]
    R_pv = G[I["pelvis.L"]] if "pelvis.L" in I else G[I["root"]]
    back3 = R_sp @ np.array([0.0, 1.0, 0.0])
    left3 = R_pv @ np.array([1.0, 0.0, 0.0])
    mv = v[mid_vert]
    # image
    ph = project(hips, cam_pose).mean(0)
    ps = project(shs, cam_pose).mean(0)
    hc = hips.mean(0)
    pb = project(np.stack([hc, hc + 0.1 * back3]), cam_pose)
    img = back_measures(project(mv, cam_pose), ph, ps, pb[1] - pb[0]) if np.all(np.isfinite(pb)) else None
    # sagittal plane (orthographic), metres
    r = left3 / np.linalg.norm(left3)
    ax = shs.mean(0) - hc
    ax -= r * (ax @ r)
    ax /= np.linalg.norm(ax)
    nn = np.cross(r, ax)
    E = np.stack([ax, nn], 1)           # 3x2 basis of the plane
    q = lambda X: (np.asarray(X) - hc) @ E
    s3 = back_measures(q(mv), q(hc), q(shs.mean(0)), np.array([back3 @ ax, back3 @ nn]))
    return img, s3

