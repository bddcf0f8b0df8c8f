"""Landmark traces: every frame's raw landmarks with timestamps, saved as compressed .npz
so analysis (review, replay, calibration) never needs to re-run pose detection."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from coach.core.landmarks import N_LANDMARKS
from coach.errors import UserError
from coach.io.atomic import atomic_path


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
    back: np.ndarray | None = None   # (N, 25, 2) back outline px per frame (NaN: none); poses that read the back

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
        self._back: dict[int, np.ndarray] = {}     # frame index -> outline, where there is one

    def add(self, t: float, lm: np.ndarray | None, world: np.ndarray | None = None,
            back: np.ndarray | None = None) -> None:
        """One frame; `world` (33, 3) metres where the backend gives world landmarks;
        `back` the back outline (coach/core/contour.py) where the pose reads it."""
        if back is not None and lm is not None:
            self._back[len(self._t)] = np.asarray(back, np.float32)
        self._t.append(float(t))
        self._lm.append(np.full((N_LANDMARKS, 4), np.nan, np.float32) if lm is None else lm.astype(np.float32))
        self._has_world |= world is not None
        self._world.append(np.full((N_LANDMARKS, 3), np.nan, np.float32) if world is None or lm is None
                           else world.astype(np.float32))

    def trace(self) -> Trace:
        lm = np.stack(self._lm) if self._lm else np.zeros((0, N_LANDMARKS, 4), np.float32)
        world = np.stack(self._world) if self._has_world else None
        back = None
        if self._back:
            k = next(iter(self._back.values())).shape[0]
            back = np.full((len(self._t), k, 2), np.nan, np.float32)
            for i, b in self._back.items():
                back[i] = b
        return Trace(np.asarray(self._t), lm, self.width, self.height, self.model, self.source,
                     world=world, back=back)


class TraceError(UserError, ValueError):
    """A file that is not a usable landmark trace; the message names it and says why."""


def save_trace(trace: Trace, path: Path) -> Path:
    """Write atomically (temp file, then rename) so a crash never leaves half a file."""
    path = Path(path)
    meta = {"width": trace.width, "height": trace.height, "model": trace.model,
            "source": trace.source, **trace.meta}
    extra = {} if trace.world is None else {"world": trace.world.astype(np.float32)}
    if trace.back is not None:
        extra["back"] = trace.back.astype(np.float32)
    with atomic_path(path) as tmp:
        np.savez_compressed(tmp, t=trace.t.astype(np.float64), lm=trace.lm.astype(np.float32),
                            meta=np.array(json.dumps(meta)), **extra)
    return path


def load_trace(path: Path) -> Trace:
    """Read and check a trace: (N, 33, 4) landmarks, N >= 1 finite times that never go
    back, a meta table with a positive width and height. TraceError otherwise."""
    path = Path(path)
    if not path.exists():
        raise TraceError(f"trace not found: {path}")
    try:
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(str(z["meta"]))
            t, lm = np.asarray(z["t"], dtype=np.float64), np.asarray(z["lm"], dtype=np.float64)
            world = z["world"].astype(np.float64) if "world" in z.files else None
            back = z["back"].astype(np.float64) if "back" in z.files else None   # older traces have none
    except Exception as e:  # noqa: BLE001 - any unreadable file gets one clear message
        raise TraceError(f"{path}: not a coach landmark trace ({' '.join(str(e).split())})") from None
    if lm.ndim != 3 or lm.shape[1:] != (N_LANDMARKS, 4) or t.ndim != 1 or len(t) != len(lm):
        raise TraceError(f"{path}: landmark array has shape {lm.shape}, expected (N, 33, 4) with N times")
    if len(t) == 0:
        raise TraceError(f"{path}: the trace has no frames")
    if not np.isfinite(t).all() or (np.diff(t) < 0).any() or t[0] < 0:
        raise TraceError(f"{path}: frame times are not finite, non-negative and in order")
    if np.isinf(lm).any():
        raise TraceError(f"{path}: landmarks hold infinite values")
    if not isinstance(meta, dict):
        raise TraceError(f"{path}: meta is not a table")
    if world is not None and world.shape != (len(t), N_LANDMARKS, 3):
        world = None                      # a malformed optional extra is ignored, not fatal
    if back is not None and (back.ndim != 3 or back.shape[0] != len(t) or back.shape[2] != 2):
        back = None
    try:
        width, height = int(meta.pop("width")), int(meta.pop("height"))
        model, source = meta.pop("model", ""), meta.pop("source", "")
    except (KeyError, TypeError, ValueError) as e:
        raise TraceError(f"{path}: meta lacks a usable width and height ({e})") from None
    if width <= 0 or height <= 0 or not isinstance(model, str) or not isinstance(source, str):
        raise TraceError(f"{path}: meta has a bad width, height, model or source")
    return Trace(t, lm, width, height, model, source, meta, world=world, back=back)
