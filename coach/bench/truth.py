"""Ground-truth files written by the synthetic rig (`<clip>.truth.json`, see
docs/architecture.md): what really happened in a clip, to measure the coach against."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from coach.core.landmarks import INDEX, N_LANDMARKS


@dataclass
class Truth:
    path: Path
    pose: str
    video: Path
    fps: float
    n_frames: int
    view_offset_deg: float
    clean: bool
    reps: int
    holds: list[dict]
    faults: list[dict]
    landmarks: np.ndarray | None          # (N, 33, 4) pixels, visibility 1 where known
    raw: dict = field(default_factory=dict)

    @property
    def ideal_view(self) -> bool:
        return abs(self.view_offset_deg) < 1e-6


def load_truth(path: Path) -> Truth:
    path = Path(path)
    d = json.loads(path.read_text())
    lm = None
    if d.get("landmarks"):
        names = d["landmarks"]["names"]
        xy = d["landmarks"]["xy"]
        lm = np.full((len(xy), N_LANDMARKS, 4), np.nan)
        for i, frame in enumerate(xy):
            for name, p in zip(names, frame):
                if p is not None and name in INDEX:
                    lm[i, INDEX[name]] = (p[0], p[1], 0.0, 1.0)
    return Truth(path=path, pose=d["pose"], video=path.parent / d["video"], fps=float(d["fps"]),
                 n_frames=int(d.get("n_frames", 0)), view_offset_deg=float(d.get("view_offset_deg", 0.0)),
                 clean=bool(d.get("clean", True)), reps=int(d.get("reps", 0)), holds=list(d.get("holds", [])),
                 faults=list(d.get("faults", [])), landmarks=lm, raw=d)


def find_truths(folder: Path) -> list[Truth]:
    return [load_truth(p) for p in sorted(Path(folder).glob("*.truth.json"))]
