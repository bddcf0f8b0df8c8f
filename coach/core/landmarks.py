"""MediaPipe's 33 pose landmarks by name, and the virtual mid-points poses may name.

One frame of landmarks is a float array of shape (33, 4): x, y in pixels of the analysed
image, z (MediaPipe's relative depth), visibility in [0, 1]. No person: all NaN.
"""

from __future__ import annotations

import math

import numpy as np

NAMES: tuple[str, ...] = (
    "nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner", "right_eye",
    "right_eye_outer", "left_ear", "right_ear", "mouth_left", "mouth_right",
    "left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
    "left_pinky", "right_pinky", "left_index", "right_index", "left_thumb", "right_thumb",
    "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle",
    "left_heel", "right_heel", "left_foot_index", "right_foot_index",
)
INDEX: dict[str, int] = {n: i for i, n in enumerate(NAMES)}
N_LANDMARKS = len(NAMES)

#: Virtual points: the mean of a left/right pair.
MIDPOINTS: dict[str, tuple[int, int]] = {
    f"mid_{part}": (INDEX[f"left_{part}"], INDEX[f"right_{part}"])
    for part in ("shoulder", "hip", "knee", "ankle", "wrist", "ear", "elbow", "heel")
}

#: Bones drawn by the overlay.
SKELETON: tuple[tuple[str, str], ...] = (
    ("left_ear", "left_shoulder"), ("right_ear", "right_shoulder"),
    ("left_shoulder", "right_shoulder"), ("left_shoulder", "left_elbow"),
    ("left_elbow", "left_wrist"), ("right_shoulder", "right_elbow"),
    ("right_elbow", "right_wrist"), ("left_shoulder", "left_hip"),
    ("right_shoulder", "right_hip"), ("left_hip", "right_hip"), ("left_hip", "left_knee"),
    ("left_knee", "left_ankle"), ("right_hip", "right_knee"), ("right_knee", "right_ankle"),
    ("left_ankle", "left_heel"), ("left_heel", "left_foot_index"),
    ("right_ankle", "right_heel"), ("right_heel", "right_foot_index"),
)

SIDES = ("left", "right")


def is_known(name: str) -> bool:
    """True for a real landmark name or a virtual mid-point."""
    return name in INDEX or name in MIDPOINTS


def empty_frame() -> np.ndarray:
    """A frame with no person in it."""
    return np.full((N_LANDMARKS, 4), np.nan)


def point(lm: np.ndarray, name: str, min_visibility: float) -> np.ndarray | None:
    """(x, y) of a landmark or mid-point, or None where it is missing or poorly seen (for a
    mid-point: where neither side is seen; one side seen stands for both).
    Scalar reads (ndarray.item) instead of small-array reductions: this runs a few
    dozen times per frame, and replaying a trace must stay fast."""
    rows = (INDEX[name],) if name in INDEX else MIDPOINTS[name]
    x = y = 0.0
    n = 0.0
    for r in rows:
        px, py, v = lm.item(r, 0), lm.item(r, 1), lm.item(r, 3)
        if v >= min_visibility and math.isfinite(px) and math.isfinite(py):
            w = v if len(rows) > 1 else 1.0
            x += w * px
            y += w * py
            n += w
    # a mid-point stands on the side that is seen: in a side view the far shoulder, hip or
    # knee lies behind the near one, so the far side never blocks a measure the near can make;
    # each side weighs as well as it is seen, so a far side flickering at the threshold
    # (the heavy model reads it at 0.00-0.05) does not make the mid-point jump
    if not n > 0:
        return None
    return np.array((x / n, y / n))


def hidden_parts(lm: np.ndarray, name: str, min_visibility: float) -> list[str]:
    """The real landmarks behind `name` that are missing or poorly seen."""
    rows = (INDEX[name],) if name in INDEX else MIDPOINTS[name]
    hidden = [NAMES[r] for r in rows if not (lm[r, 3] >= min_visibility) or not np.isfinite(lm[r, 0])]
    return hidden if len(hidden) == len(rows) else []     # a mid-point is hidden only when no side is seen


def point3(world: np.ndarray, lm: np.ndarray, name: str, min_visibility: float) -> np.ndarray | None:
    """(x, y, z) in metres of a landmark or mid-point from the world landmarks `world`
    (33, 3); None where the image landmark is not seen (for a mid-point: where neither side
    is). Unlike `point`, a mid-point averages both sides once one is seen: MediaPipe places
    the far side in 3-D too, and the near side alone sits a half-width off the body's middle."""
    rows = (INDEX[name],) if name in INDEX else MIDPOINTS[name]
    if not any(lm.item(r, 3) >= min_visibility for r in rows):
        return None
    acc = np.zeros(3)
    n = 0
    for r in rows:
        x, y, z = world.item(r, 0), world.item(r, 1), world.item(r, 2)
        if math.isfinite(x) and math.isfinite(y) and math.isfinite(z):
            acc += (x, y, z)
            n += 1
    return acc / n if n else None
