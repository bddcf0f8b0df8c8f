"""Per pose-model calibration: what each MediaPipe model (lite, full, heavy) reports, put
on the scale the poses' thresholds were set on (the full model's), as data in
poses/models/calibration.toml.

Today that is the landmark visibility: the heavy model reports the near-side knees and
ankles of a folded body at 0.02-0.3 where full reports 0.8-1.0, with their positions as
close to the truth, so one visibility threshold for every model hid heavy's folded knees.
A pose's `min_visibility` is multiplied by its model's `visibility_scale`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from coach.rules.toml_reader import SpecError, read_toml

CALIBRATION_FILE = Path(__file__).resolve().parents[2] / "poses" / "models" / "calibration.toml"
#: the pose models by legacy complexity (the index is the complexity: 0 lite, 1 full, 2 heavy)
MODEL_KINDS = ("lite", "full", "heavy")


def model_kind(model: str) -> str:
    """The short name (lite, full, heavy) in a backend's or trace's model name; full when
    the name says neither lite nor heavy (the default model, a test or unknown backend)."""
    name = (model or "").lower()
    return "heavy" if "heavy" in name else "lite" if "lite" in name else "full"


@lru_cache(maxsize=4)
def visibility_scales(path: Path = CALIBRATION_FILE) -> tuple[tuple[str, float], ...]:
    """(model, scale) for each model in the file; a model missing there scales by 1."""
    if not path.exists():
        return ()
    d, _ = read_toml(path)
    table = d.get("visibility_scale", {})
    if not isinstance(table, dict):
        raise SpecError(path, "visibility_scale", "must be a table of model = scale")
    out = []
    for model, scale in table.items():
        if model not in MODEL_KINDS:
            raise SpecError(path, f"visibility_scale.{model}", f"unknown model (have: {', '.join(MODEL_KINDS)})")
        if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not 0.0 < scale <= 1.0:
            raise SpecError(path, f"visibility_scale.{model}", f"must be a number in (0, 1], got {scale!r}")
        out.append((model, float(scale)))
    return tuple(out)
