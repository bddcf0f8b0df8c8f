"""Pose estimators behind one small interface: RGB image in, (33, 4) landmarks in pixels out.

Default: MediaPipe's legacy `solutions.pose` (mediapipe 0.10.21), whose full model
(complexity 1) ships inside the wheel and works offline. With `--model FILE.task`: the
Tasks API PoseLandmarker. Complexity 0 (lite) and 2 (heavy) are not in the wheel:
scripts/setup installs them from the npm package (scripts/fetch_models.py). Where they are
missing we say so before MediaPipe tries to download them and fails obscurely offline.
"""

from __future__ import annotations

import atexit
import os
import re
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from coach.core.landmarks import N_LANDMARKS
from coach.io.lazy_modules import defer_matplotlib
from coach.errors import UserError
from coach.rules.model_calibration import MODEL_KINDS


# MediaPipe's C++ logging (glog/TFLite INFO and feedback-tensor warnings) is noise for users.
os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


_NOISE = re.compile(rb"^(INFO: Created TensorFlow Lite|WARNING: All log messages before absl::InitializeLog"
                    rb"|[IW]\d{4} \d\d:\d\d:\d\d[.\d]* +\d+ [\w.]+:\d+\])")
_filter_on = False


def filter_native_stderr() -> None:
    """Drop MediaPipe's C++ chatter (TFLite INFO, absl I/W lines) from the process's stderr,
    passing everything else through. The C++ side writes straight to file descriptor 2
    from its own threads, whatever GLOG_minloglevel says, into the progress bar; so fd 2
    becomes a pipe that a thread filters line by line. Idempotent; at exit the pipe is
    drained and fd 2 restored, so no message is lost."""
    global _filter_on
    if _filter_on:
        return
    try:
        sys.stderr.flush()
        saved = os.dup(2)
        r, w = os.pipe()
        os.dup2(w, 2)
        os.close(w)
    except (OSError, ValueError):        # no real stderr: nothing to filter
        return
    _filter_on = True

    def pump() -> None:
        with os.fdopen(r, "rb", buffering=0) as src:
            buf = b""
            while chunk := src.read(4096):
                buf += chunk
                parts = re.split(rb"([\r\n])", buf)       # text, separator, text, ..., rest
                buf = parts.pop()
                out = b"".join(parts[i] + parts[i + 1] for i in range(0, len(parts), 2)
                               if not _NOISE.match(parts[i]))
                if buf and buf[:1] not in (b"I", b"W"):  # a progress bar's text: show it now
                    out, buf = out + buf, b""
                if out:
                    os.write(saved, out)
            if buf and not _NOISE.match(buf):
                os.write(saved, buf)

    t = threading.Thread(target=pump, name="coach-stderr-filter", daemon=True)
    t.start()

    def restore() -> None:
        try:
            sys.stderr.flush()
            os.dup2(saved, 2)            # closes the pipe's last writer: the pump drains and ends
            t.join(timeout=2.0)
        except (OSError, ValueError):
            pass

    atexit.register(restore)


class BackendError(UserError, RuntimeError):
    """The pose model cannot be loaded; the message says what to do."""


class PoseBackend(Protocol):
    name: str
    mask: np.ndarray | None         # person segmentation (H, W) in [0, 1] of the last detect, when asked for

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
#: legacy model complexity -> short name (the index is the complexity); one list with the calibration's
MODEL_NAMES = MODEL_KINDS
#: `--model-quality` -> legacy model complexity (auto, live only: full, switching to lite when too slow)
QUALITY = {"fast": 0, "balanced": 1, "best": 2, "auto": 1}


def model_path(complexity: int) -> Path:
    """Where mediapipe's legacy solution loads the model of `complexity` from (found without
    importing mediapipe: scripts/fetch_models.py installs lite and heavy there)."""
    import importlib.util

    spec = importlib.util.find_spec("mediapipe")
    if spec is None or not spec.submodule_search_locations:
        raise BackendError("mediapipe is not installed; run: scripts/setup")
    root = Path(list(spec.submodule_search_locations)[0])
    return root / "modules" / "pose_landmark" / _MODEL_FILES[complexity]


def installed_models() -> list[str]:
    """Names of the legacy models present on this machine, lite to heavy."""
    return [MODEL_NAMES[c] for c in _MODEL_FILES if model_path(c).is_file()]


class LegacyPoseBackend:
    """mediapipe.solutions.pose in video (tracking) mode."""

    def __init__(self, complexity: int = 1, min_detection_confidence: float = 0.5,
                 min_tracking_confidence: float = 0.5, segmentation: bool = False) -> None:
        if complexity not in _MODEL_FILES:
            raise BackendError(f"model complexity must be 0, 1 or 2, not {complexity}")
        model = model_path(complexity)
        if not model.exists():
            raise BackendError(
                f"model complexity {complexity} needs {model.name}, which is not on this machine: "
                "run scripts/setup (it installs the lite and heavy models from the npm package "
                "@mediapipe/pose), or use the bundled full model (--complexity 1).")
        defer_matplotlib()                # MediaPipe imports it; coach's pose path never uses it
        try:
            import mediapipe as mp

            mp_pose = mp.solutions.pose   # an attribute, not an importable module path
        except (ImportError, AttributeError) as e:
            raise BackendError(
                "this mediapipe has no legacy solutions.pose (versions >= 0.10.30 dropped it): "
                "install mediapipe==0.10.21 or pass --model pose_landmarker_full.task") from e
        self._pose = mp_pose.Pose(static_image_mode=False, model_complexity=complexity,
                                  smooth_landmarks=False, enable_segmentation=segmentation,
                                  # MediaPipe's own mask smoothing feeds the last mask back and, on the
                                  # rig's forward bend, threw the knee off; the core smooths the outline
                                  smooth_segmentation=False,
                                  min_detection_confidence=min_detection_confidence,
                                  min_tracking_confidence=min_tracking_confidence)
        self.name = f"mediapipe-legacy-{model.stem}"
        self.mask: np.ndarray | None = None

    def detect(self, rgb: np.ndarray, t: float) -> np.ndarray | None:
        res = self._pose.process(rgb)
        self.last_world = None
        self.mask = getattr(res, "segmentation_mask", None)
        if res.pose_landmarks is None:
            return None
        self.last_world = _world_array(res.pose_world_landmarks)
        h, w = rgb.shape[:2]
        return _to_array(res.pose_landmarks.landmark, w, h)

    def reset(self) -> None:
        """Forget the tracking state, as a new graph would (the same landmarks as a fresh
        backend, measured equal), without paying for a new one: a batch worker's next video."""
        self._pose.reset()

    def close(self) -> None:
        self._pose.close()


class TasksPoseBackend:
    """The Tasks API PoseLandmarker from a .task model file, in VIDEO running mode."""

    def __init__(self, model_path: str | Path, segmentation: bool = False) -> None:
        path = Path(model_path)
        if not path.is_file():
            raise BackendError(f"model file not found: {path} (download a pose_landmarker_*.task "
                               "from MediaPipe's model page)")
        defer_matplotlib()
        try:
            from mediapipe.tasks.python import BaseOptions
            from mediapipe.tasks.python import vision
        except ImportError as e:  # pragma: no cover
            raise BackendError(f"this mediapipe has no Tasks API: {e}") from None
        opts = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(path)),
            running_mode=vision.RunningMode.VIDEO, num_poses=1, output_segmentation_masks=segmentation)
        try:
            self._lm = vision.PoseLandmarker.create_from_options(opts)
        except Exception as e:  # noqa: BLE001 - MediaPipe raises bare RuntimeErrors
            raise BackendError(f"cannot load {path}: {e}") from None
        self._last_ms = -1
        self.name = f"mediapipe-tasks-{path.stem}"
        self.mask: np.ndarray | None = None

    def detect(self, rgb: np.ndarray, t: float) -> np.ndarray | None:
        import mediapipe as mp

        ms = max(int(round(t * 1000)), self._last_ms + 1)  # timestamps must strictly increase
        self._last_ms = ms
        img = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))
        res = self._lm.detect_for_video(img, ms)
        self.last_world = None
        masks = getattr(res, "segmentation_masks", None)
        self.mask = np.squeeze(masks[0].numpy_view()) if masks else None
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
    fallback_fps: float = 0.0       # > 0: watch whether the model keeps this rate (live)
    switch: bool = False            # ... and when it cannot, switch to lite (else only say so)
    segmentation: bool = False      # also the person mask (stretches that read the back's outline)

    def create(self) -> PoseBackend:
        if os.environ.get(TEST_TRACE_ENV):
            return TraceReplayBackend(os.environ[TEST_TRACE_ENV])
        filter_native_stderr()
        if self.model:
            return TasksPoseBackend(self.model, segmentation=self.segmentation)
        if self.fallback_fps > 0 and self.complexity > 0:
            from coach.io.adaptive_backend import AdaptiveBackend

            return AdaptiveBackend(lambda c: LegacyPoseBackend(c, segmentation=self.segmentation),
                                   self.complexity, self.fallback_fps,
                                   switch=self.switch)
        return LegacyPoseBackend(self.complexity, segmentation=self.segmentation)


#: Tests only: a saved trace stands in for the pose model (the rest of the command is real),
#: so process-kill tests run in a fraction of a second; reports name it as their model.
TEST_TRACE_ENV = "COACH_TEST_TRACE_BACKEND"


class TraceReplayBackend:
    """Gives a saved trace's landmarks frame by frame (the last one again past its end)."""

    def __init__(self, path: str | Path) -> None:
        from coach.io.trace import load_trace

        tr = load_trace(Path(path))
        self._lm, self._back = tr.lm, tr.back
        self.name = f"trace-replay:{Path(path).name}"
        self.last_world = None
        self.last_back: np.ndarray | None = None     # the trace's back outline (coach/io/back_outline.py)
        self._i = 0

    def detect(self, rgb: np.ndarray, t: float) -> np.ndarray | None:
        i = min(self._i, len(self._lm) - 1)
        lm = self._lm[i]
        back = None if self._back is None else self._back[i]
        self.last_back = back.copy() if back is not None and np.isfinite(back).any() else None
        self._i += 1
        return None if not np.isfinite(lm[:, 0]).any() else lm.copy()

    def close(self) -> None:
        pass
