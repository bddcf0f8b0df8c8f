"""The back's outline at the edge: the pose backend's segmentation mask, turned into the
small per-frame polyline the pure core reads (coach/core/contour.py) and the trace keeps.

The mask costs inference time, so a backend computes it only for stretches that read the
back (`PoseSpec.uses_contour`); every other stretch pays nothing."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from coach.core.contour import contour_from_mask
from coach.io.pose_backend import BackendChoice, PoseBackend
from coach.rules.pose_spec import PoseSpec


def choice_for(choice: BackendChoice, specs: PoseSpec | list[PoseSpec]) -> BackendChoice:
    """`choice` with the mask switched on exactly when one of `specs` reads the back."""
    specs = specs if isinstance(specs, list) else [specs]
    if not any(s.uses_contour for s in specs) or getattr(choice, "segmentation", True):
        return choice                      # nothing to switch on (or no such option): as it is
    return replace(choice, segmentation=True)


@dataclass(frozen=True)
class Detected:
    """One frame's detection as the backend left it: the landmarks (pixels), the world
    landmarks (metres) and what the back outline is traced from. Taken right after `detect`,
    so the tracing (and the judging) can run in another thread while the backend detects the
    next frame."""

    lm: np.ndarray | None
    world: np.ndarray | None = None
    mask: np.ndarray | None = None
    traced: np.ndarray | None = None       # an outline traced elsewhere (a split review's tail)

    def back(self) -> np.ndarray | None:
        """The back outline, or None (no mask, no person)."""
        if self.lm is None:
            return None
        if self.traced is not None:
            return self.traced
        return None if self.mask is None else contour_from_mask(self.mask, self.lm)


def detected(backend: PoseBackend, lm: np.ndarray | None) -> Detected:
    """What `backend` just detected (`lm` is what its `detect` returned)."""
    holder = backend if hasattr(backend, "mask") else getattr(backend, "inner", None)   # or a wrapper's model
    mask = getattr(holder, "mask", None)
    return Detected(lm, getattr(backend, "last_world", None), mask, getattr(backend, "last_back", None))

