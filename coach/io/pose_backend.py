"""Pose estimators behind one small interface: RGB image in, (33, 4) landmarks in pixels out.

Default: MediaPipe's legacy `solutions.pose` (mediapipe 0.10.21), whose full model
(complexity 1) ships inside the wheel and works offline. With `--model FILE.task`: the
Tasks API PoseLandmarker. Complexity 0 (lite) and 2 (heavy) are downloaded by MediaPipe at
first use, so they fail offline: we say so before MediaPipe fails obscurely.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from coach.core.landmarks import N_LANDMARKS
from coach.errors import UserError


# MediaPipe's C++ logging (glog/TFLite INFO and feedback-tensor warnings) is noise for users.
os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


class BackendError(UserError, RuntimeError):
    """The pose model cannot be loaded; the message says what to do."""


class PoseBackend(Protocol):
    name: str

    def detect(self, rgb: np.ndarray, t: float) -> np.ndarray | None:
        """Landmarks (33, 4) in pixels for the image at time t (s), or None: no person.
        A backend may also set `last_world`: that frame's (33, 3) world landmarks in metres."""

    def close(self) -> None: ...


def _world_array(landmarks) -> np.ndarray | None:
    """MediaPipe's world landmarks (metres, origin between the hips) as (33, 3), or None."""
    if landmarks is None:
        return None
    pts = getattr(landmarks, "landmark", landmarks)
    return np.array([(p.x, p.y, p.z) for p in pts], dtype=np.float64)


def _to_array(landmarks, width: int, height: int) -> np.ndarray:
    out = np.empty((N_LANDMARKS, 4), dtype=np.float64)
    for i, p in enumerate(landmarks):
        vis = getattr(p, "visibility", None)
        out[i] = (p.x * width, p.y * height, p.z * width, 1.0 if vis is None else vis)
    return out


_MODEL_FILES = {0: "pose_landmark_lite.tflite", 1: "pose_landmark_full.tflite", 2: "pose_landmark_heavy.tflite"}


def _mediapipe_dir() -> Path:
    try:
        import mediapipe
    except ImportError as e:  # pragma: no cover - install problem
        raise BackendError(f"mediapipe is not installed ({e}); run: pip install -e .") from None
    return Path(mediapipe.__file__).parent


class LegacyPoseBackend:
    """mediapipe.solutions.pose in video (tracking) mode."""

    def __init__(self, complexity: int = 1, min_detection_confidence: float = 0.5,
                 min_tracking_confidence: float = 0.5) -> None:
        if complexity not in _MODEL_FILES:
            raise BackendError(f"model complexity must be 0, 1 or 2, not {complexity}")
        model = _mediapipe_dir() / "modules" / "pose_landmark" / _MODEL_FILES[complexity]
        if not model.exists():
            raise BackendError(
                f"model complexity {complexity} needs {model.name}, which MediaPipe downloads on first "
                "use and which is not on this machine. Offline, use the bundled full model "
                "(--complexity 1, the default) or pass a downloaded --model pose_landmarker_*.task.")
        try:
            import mediapipe as mp

            mp_pose = mp.solutions.pose   # an attribute, not an importable module path
        except (ImportError, AttributeError) as e:
            raise BackendError(
                "this mediapipe has no legacy solutions.pose (versions >= 0.10.30 dropped it): "
                "install mediapipe==0.10.21 or pass --model pose_landmarker_full.task") from e
        self._pose = mp_pose.Pose(static_image_mode=False, model_complexity=complexity,
                                  smooth_landmarks=False, enable_segmentation=False,
                                  min_detection_confidence=min_detection_confidence,
                                  min_tracking_confidence=min_tracking_confidence)
        self.name = f"mediapipe-legacy-{model.stem}"

    def detect(self, rgb: np.ndarray, t: float) -> np.ndarray | None:
        res = self._pose.process(rgb)
        self.last_world = None
        if res.pose_landmarks is None:
            return None
        self.last_world = _world_array(res.pose_world_landmarks)
        h, w = rgb.shape[:2]
        return _to_array(res.pose_landmarks.landmark, w, h)

    def close(self) -> None:
        self._pose.close()


class TasksPoseBackend:
    """The Tasks API PoseLandmarker from a .task model file, in VIDEO running mode."""

    def __init__(self, model_path: str | Path) -> None:
        path = Path(model_path)
        if not path.is_file():
            raise BackendError(f"model file not found: {path} (download a pose_landmarker_*.task "
                               "from MediaPipe's model page)")
        try:
            from mediapipe.tasks.python import BaseOptions
            from mediapipe.tasks.python import vision
        except ImportError as e:  # pragma: no cover
            raise BackendError(f"this mediapipe has no Tasks API: {e}") from None
        opts = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(path)),
            running_mode=vision.RunningMode.VIDEO, num_poses=1)
        try:
            self._lm = vision.PoseLandmarker.create_from_options(opts)
        except Exception as e:  # noqa: BLE001 - MediaPipe raises bare RuntimeErrors
            raise BackendError(f"cannot load {path}: {e}") from None
        self._last_ms = -1
        self.name = f"mediapipe-tasks-{path.stem}"

    def detect(self, rgb: np.ndarray, t: float) -> np.ndarray | None:
        import mediapipe as mp

        ms = max(int(round(t * 1000)), self._last_ms + 1)  # timestamps must strictly increase
        self._last_ms = ms
        img = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))
        res = self._lm.detect_for_video(img, ms)
        self.last_world = None
        if not res.pose_landmarks:
            return None
        self.last_world = _world_array(res.pose_world_landmarks[0]) if res.pose_world_landmarks else None
        h, w = rgb.shape[:2]
        return _to_array(res.pose_landmarks[0], w, h)

    def close(self) -> None:
        self._lm.close()


@dataclass(frozen=True)
class BackendChoice:
    """What the user asked for on the command line."""

    model: str | None = None        # a .task file: Tasks API
    complexity: int = 1             # legacy model complexity

    def create(self) -> PoseBackend:
        if self.model:
            return TasksPoseBackend(self.model)
        return LegacyPoseBackend(self.complexity)
