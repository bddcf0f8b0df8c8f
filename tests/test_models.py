"""Lite, full and heavy pose models: scripts/fetch_models.py installs them idempotently and
refuses a tampered package; --model-quality picks them; the live fallback to lite switches
only when the model itself is too slow; complexity 0 and 2 run offline once installed."""

from __future__ import annotations

import argparse
import importlib.util
import io
import tarfile
from pathlib import Path

import numpy as np
import pytest

from conftest import ROOT, SAMPLES
from coach.commands.common import add_backend_args, backend_choice
from coach.io import pose_backend
from coach.io.adaptive_backend import WARMUP_FRAMES, WINDOW_FRAMES, AdaptiveBackend


def _fetch_models():
    spec = importlib.util.spec_from_file_location("fetch_models", ROOT / "scripts" / "fetch_models.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _tarball(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(f"package/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def test_fetch_installs_checked_models_and_then_downloads_nothing(tmp_path, monkeypatch) -> None:
    fm = _fetch_models()
    blobs = {"pose_landmark_lite.tflite": b"lite model", "pose_landmark_heavy.tflite": b"heavy model"}
    monkeypatch.setattr(fm, "MODELS", {n: fm.sha256(b) for n, b in blobs.items()})
    monkeypatch.setattr(fm, "model_dir", lambda: tmp_path)
    calls = []
    monkeypatch.setattr(fm, "package_bytes", lambda: calls.append(1) or _tarball(blobs))
    assert fm.missing(tmp_path) == sorted(blobs, key=list(fm.MODELS).index)
    assert fm.main() == 0
    assert {n: (tmp_path / n).read_bytes() for n in blobs} == blobs
    assert fm.main() == 0 and len(calls) == 1          # second run: nothing fetched
    (tmp_path / "pose_landmark_heavy.tflite").write_bytes(b"truncated")
    assert fm.missing(tmp_path) == ["pose_landmark_heavy.tflite"]
    assert fm.main() == 0 and len(calls) == 2
    assert (tmp_path / "pose_landmark_heavy.tflite").read_bytes() == b"heavy model"


def test_fetch_refuses_a_package_whose_model_differs(tmp_path, monkeypatch, capsys) -> None:
    fm = _fetch_models()
    monkeypatch.setattr(fm, "MODELS", {"pose_landmark_lite.tflite": fm.sha256(b"the real one")})
    monkeypatch.setattr(fm, "model_dir", lambda: tmp_path)
    monkeypatch.setattr(fm, "package_bytes", lambda: _tarball({"pose_landmark_lite.tflite": b"tampered"}))
    assert fm.main() == 1
    assert not (tmp_path / "pose_landmark_lite.tflite").exists()
    assert "full model still works" in capsys.readouterr().err


def test_fetch_refuses_a_tarball_with_the_wrong_sha256(tmp_path, monkeypatch) -> None:
    fm = _fetch_models()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))

    class Resp(io.BytesIO):
        def __enter__(self):
            return self

        def __exit__(self, *a):
            return False

    monkeypatch.setattr(fm.urllib.request, "urlopen", lambda url, timeout: Resp(b"not the package"))
    with pytest.raises(ValueError, match="expected"):
        fm.package_bytes()
    assert not fm.cache_path().exists()


def _args(argv: list[str], **kw) -> argparse.Namespace:
    p = argparse.ArgumentParser()
    p.add_argument("--x", default=None)
    add_backend_args(p, **kw)
    return p.parse_args(argv)


def test_model_quality_names_the_three_models(monkeypatch) -> None:
    monkeypatch.setattr("coach.commands.common.installed_models", lambda: ["lite", "full", "heavy"])
    assert backend_choice(_args(["--model-quality", "fast"])).complexity == 0
    assert backend_choice(_args(["--model-quality", "balanced"])).complexity == 1
    assert backend_choice(_args(["--model-quality", "best"])).complexity == 2
    assert backend_choice(_args(["--complexity", "2"])).complexity == 2
    assert backend_choice(_args([], quality="best")).complexity == 2
    with pytest.raises(SystemExit):
        _args(["--complexity", "0", "--model-quality", "best"])


def test_a_default_model_that_is_not_installed_falls_back_to_full(monkeypatch, capsys) -> None:
    monkeypatch.setattr("coach.commands.common.installed_models", lambda: ["full"])
    assert backend_choice(_args([], quality="best")).complexity == 1
    assert "heavy pose model is not installed" in capsys.readouterr().err
    assert backend_choice(_args(["--model-quality", "best"])).complexity == 2   # asked for: its own error later


def test_live_watches_the_default_model_and_switches_only_with_auto(monkeypatch) -> None:
    monkeypatch.setattr("coach.commands.common.installed_models", lambda: ["lite", "full", "heavy"])
    default = backend_choice(_args([], live=True))
    assert default.fallback_fps > 0 and not default.switch and default.complexity == 1
    auto = backend_choice(_args(["--model-quality", "auto"], live=True))
    assert auto.fallback_fps > 0 and auto.switch and auto.complexity == 1
    assert backend_choice(_args(["--model-quality", "balanced"], live=True)).fallback_fps == 0
    assert backend_choice(_args([])).fallback_fps == 0
    with pytest.raises(SystemExit):
        _args(["--model-quality", "auto"])                   # review: no auto


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class _Timed:
    """A backend whose detection takes `model_s` on the fake clock."""

    def __init__(self, clock: _Clock, complexity: int, model_s: float) -> None:
        self.clock, self.model_s, self.name, self.closed = clock, model_s, f"m{complexity}", False

    def detect(self, rgb, t):
        self.clock.now += self.model_s
        return np.zeros((33, 4))

    def close(self) -> None:
        self.closed = True


def _feed(model_s: float, frame_s: float, frames: int, switch: bool = True) -> AdaptiveBackend:
    """Frames arrive every `frame_s` (or as soon as the model is free when it is slower)."""
    clock = _Clock()
    made = []

    def make(c):
        made.append(_Timed(clock, c, model_s if c > 0 else model_s / 3))
        return made[-1]

    be = AdaptiveBackend(make, 1, 25.0, clock=clock, announce=False, switch=switch)
    for k in range(frames):
        start = clock.now
        be.detect(None, k * frame_s)
        clock.now = max(clock.now + 0.004, start + frame_s)      # the rest of the loop, then the next frame
    return be


def test_too_slow_a_model_switches_to_lite_once() -> None:
    be = _feed(model_s=0.045, frame_s=1 / 30, frames=WARMUP_FRAMES + WINDOW_FRAMES + 40)
    assert be.complexity == 0 and be.switched_at is not None
    assert be.name == "m1->m0"


def test_without_switch_a_too_slow_model_is_only_reported() -> None:
    be = _feed(model_s=0.045, frame_s=1 / 30, frames=WARMUP_FRAMES + WINDOW_FRAMES + 40, switch=False)
    assert be.complexity == 1 and be.switched_at is None and be.advised


def test_a_model_that_keeps_up_stays() -> None:
    be = _feed(model_s=0.020, frame_s=1 / 30, frames=WARMUP_FRAMES + WINDOW_FRAMES + 40)
    assert be.complexity == 1 and be.switched_at is None and not be.advised


def test_a_slow_camera_alone_does_not_switch() -> None:
    be = _feed(model_s=0.020, frame_s=1 / 15, frames=WARMUP_FRAMES + WINDOW_FRAMES + 40)
    assert be.complexity == 1


@pytest.mark.parametrize("complexity", [0, 2])
def test_lite_and_heavy_run_offline_once_installed(complexity: int) -> None:
    if not pose_backend.model_path(complexity).is_file():
        pytest.skip(f"{pose_backend.model_path(complexity).name} not installed: run scripts/setup")
    import cv2

    cap = cv2.VideoCapture(str(SAMPLES / "hip_flexor_both.mp4"))
    cap.set(cv2.CAP_PROP_POS_FRAMES, 100)
    ok, bgr = cap.read()
    cap.release()
    assert ok
    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    got = pose_backend.BackendChoice(complexity=complexity).create()
    full = pose_backend.BackendChoice(complexity=1).create()
    try:
        a, b = got.detect(rgb, 0.0), full.detect(rgb, 0.0)
        assert got.name.endswith(pose_backend.MODEL_NAMES[complexity])
    finally:
        got.close()
        full.close()
    assert a is not None and b is not None
    hips = [23, 24]                            # the two models agree where the body is
    assert np.nanmax(np.abs(a[hips, :2] - b[hips, :2])) < 40


def test_matplotlib_waits_until_something_plots() -> None:
    """A fresh process: creating a pose backend leaves matplotlib unloaded; plotting still works."""
    import subprocess
    import sys

    code = ("import sys\n"
            "from coach.io.pose_backend import BackendChoice\n"
            "BackendChoice().create().close()\n"
            "print(type(sys.modules['matplotlib']).__name__)\n"
            "from matplotlib.figure import Figure\n"
            "import matplotlib.pyplot as plt\n"
            "print(type(Figure()).__name__, callable(plt.figure), type(sys.modules['matplotlib']).__name__)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["_Deferred", "Figure", "True", "module"]
