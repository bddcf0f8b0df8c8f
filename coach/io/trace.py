"""Landmark traces: every frame's raw landmarks with timestamps, saved as compressed .npz
so analysis (review, replay, calibration) never needs to re-run pose detection."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from coach.core.landmarks import N_LANDMARKS


@dataclass
class Trace:
    t: np.ndarray                  # (N,) seconds
    lm: np.ndarray                 # (N, 33, 4): x, y px, z, visibility; NaN = no person
    width: int
    height: int
    model: str = ""
    source: str = ""
    meta: dict = field(default_factory=dict)
    world: np.ndarray | None = None  # (N, 33, 3) MediaPipe world landmarks, metres, hip-centred; NaN = none

    def __len__(self) -> int:
        return len(self.t)

    @property
    def duration(self) -> float:
        return float(self.t[-1] - self.t[0]) if len(self.t) > 1 else 0.0


class TraceRecorder:
    """Grows a trace frame by frame; can be saved at any moment (a crash keeps it)."""

    def __init__(self, width: int, height: int, model: str = "", source: str = "") -> None:
        self.width, self.height, self.model, self.source = width, height, model, source
        self._t: list[float] = []
        self._lm: list[np.ndarray] = []
        self._world: list[np.ndarray] = []
        self._has_world = False

    def add(self, t: float, lm: np.ndarray | None, world: np.ndarray | None = None) -> None:
        """One frame; `world` (33, 3) metres where the backend gives world landmarks."""
        self._t.append(float(t))
        self._lm.append(np.full((N_LANDMARKS, 4), np.nan, np.float32) if lm is None else lm.astype(np.float32))
        self._has_world |= world is not None
        self._world.append(np.full((N_LANDMARKS, 3), np.nan, np.float32) if world is None or lm is None
                           else world.astype(np.float32))

    def trace(self) -> Trace:
        lm = np.stack(self._lm) if self._lm else np.zeros((0, N_LANDMARKS, 4), np.float32)
        world = np.stack(self._world) if self._has_world else None
        return Trace(np.asarray(self._t), lm, self.width, self.height, self.model, self.source, world=world)


def save_trace(trace: Trace, path: Path) -> Path:
    """Write atomically (temp file, then rename) so a crash never leaves half a file."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp.npz")
    meta = {"width": trace.width, "height": trace.height, "model": trace.model,
            "source": trace.source, **trace.meta}
    extra = {} if trace.world is None else {"world": trace.world.astype(np.float32)}
    np.savez_compressed(tmp, t=trace.t.astype(np.float64), lm=trace.lm.astype(np.float32),
                        meta=np.array(json.dumps(meta)), **extra)
    tmp.replace(path)
    return path


def load_trace(path: Path) -> Trace:
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"trace not found: {path}")
    try:
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(str(z["meta"]))
            t, lm = z["t"], z["lm"]
            world = z["world"].astype(np.float64) if "world" in z.files else None
    except Exception as e:  # noqa: BLE001 - any unreadable file gets one clear message
        raise ValueError(f"{path}: not a coach landmark trace ({e})") from None
    if lm.ndim != 3 or lm.shape[1:] != (N_LANDMARKS, 4) or len(t) != len(lm):
        raise ValueError(f"{path}: landmark array has shape {lm.shape}, expected (N, 33, 4)")
    if world is not None and world.shape != (len(t), N_LANDMARKS, 3):
        world = None                      # a malformed optional extra is ignored, not fatal
    return Trace(t, lm.astype(np.float64), int(meta.pop("width")), int(meta.pop("height")),
                 meta.pop("model", ""), meta.pop("source", ""), meta, world=world)
