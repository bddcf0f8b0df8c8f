"""The back's outline at the edge: the pose backend's segmentation mask, turned into the
small per-frame polyline the pure core reads (coach/core/contour.py) and the trace keeps.

The mask costs inference time, so a backend computes it only for stretches that read the
back (`PoseSpec.uses_contour`); every other stretch pays nothing."""

from __future__ import annotations

from dataclasses import replace

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


def back_of(backend: PoseBackend, lm: np.ndarray | None) -> np.ndarray | None:
    """The back outline of the frame `backend` just detected, or None (no mask, no person)."""
    if lm is not None and getattr(backend, "last_back", None) is not None:
        return backend.last_back          # traced elsewhere (a split review's tail segment)
    mask = getattr(backend, "mask", None)
    if mask is None:                       # a wrapper (progress counting, model fallback)
        mask = getattr(getattr(backend, "inner", None), "mask", None)
    if lm is None or mask is None:
        return None
    return contour_from_mask(mask, lm)
