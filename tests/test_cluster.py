"""`coach review DIR --cluster`: a local Ray cluster (a head and one worker node) reviews two
bundled clips and writes exactly what a local `coach review DIR` writes: the same reports,
traces and summary. Skips only where Ray is not installed (scripts/setup --test installs it)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from conftest import SAMPLES
from coach.app.batch import plan, run_batch, summary_table
from coach.io.trace import load_trace

CLIPS = ("knee_to_chest_fault_not_pulled", "childs_pose_fault_hips_lifted")   # the two shortest


@pytest.fixture(scope="module")
def ray_cluster():
    ray = pytest.importorskip("ray", reason="Ray is not installed: pip install -e '.[test]' (or '.[cluster]')")
    from ray.cluster_utils import Cluster

    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 0})   # the head runs no task
    cluster.add_node(num_cpus=1)                                              # one worker node
    try:
        yield cluster
    finally:
        ray.shutdown()
        cluster.shutdown()


def _folder(tmp: Path) -> Path:
    d = tmp / "in"
    d.mkdir()
    for c in CLIPS:
        shutil.copyfile(SAMPLES / f"{c}.mp4", d / f"{c}.mp4")
        shutil.copyfile(SAMPLES / f"{c}.truth.json", d / f"{c}.truth.json")
    return d


def test_ray_review_writes_what_a_local_review_writes(ray_cluster, tmp_path: Path) -> None:
    from coach.app.cluster import run_on_ray

    items = plan(_folder(tmp_path), None)
    local = run_batch(items, tmp_path / "local", jobs=1, write_video=False, progress=False)
    remote = run_on_ray(items, tmp_path / "ray", ray_cluster.address, write_video=False, progress=False)
    assert not local.failed and not remote.failed, [r.error for r in local.failed + remote.failed]
    strip = lambda s: [line.split("  ")[:-1] for line in s.splitlines()[2:-1]]   # noqa: E731 - rows, no fps
    for a, b in zip(local.results, remote.results):
        assert (a.video, a.pose, a.frames, a.reps, a.holds, a.faults, a.complete) == \
               (b.video, b.pose, b.frames, b.reps, b.holds, b.faults, b.complete)
    assert len(strip(summary_table(local))) == len(strip(summary_table(remote))) == len(CLIPS)
    for c in CLIPS:
        files_l = sorted(p.name for p in (tmp_path / "local" / c).iterdir())
        files_r = sorted(p.name for p in (tmp_path / "ray" / c).iterdir())
        assert files_l == files_r and f"{c}.report.json" in files_r
        assert (tmp_path / "local" / c / f"{c}.report.json").read_bytes() == \
               (tmp_path / "ray" / c / f"{c}.report.json").read_bytes()
        assert (tmp_path / "local" / c / f"{c}.report.csv").read_bytes() == \
               (tmp_path / "ray" / c / f"{c}.report.csv").read_bytes()
        tl, tr = load_trace(tmp_path / "local" / c / f"{c}.trace.npz"), load_trace(tmp_path / "ray" / c / f"{c}.trace.npz")
        assert tl.source == tr.source and np.array_equal(tl.lm, tr.lm, equal_nan=True)
        assert json.loads((tmp_path / "ray" / c / f"{c}.report.json").read_text())["frames"] > 0


def test_cluster_without_ray_says_how_to_install_it(monkeypatch) -> None:
    import builtins

    from coach.app import cluster
    from coach.errors import UserError

    real_import = builtins.__import__

    def no_ray(name, *a, **kw):
        if name == "ray":
            raise ImportError("No module named 'ray'")
        return real_import(name, *a, **kw)

    monkeypatch.setattr(builtins, "__import__", no_ray)
    with pytest.raises(UserError, match=r"coach\[cluster\]"):
        cluster.connect("auto")


def test_a_long_video_goes_as_segments_and_is_scored_once(ray_cluster, tmp_path: Path) -> None:
    """With segments of 5 s, a 12 s clip is traced by 3 tasks and assembled by a fourth: the
    same frames, holds and faults as the local review, landmarks within noise."""
    from coach.app.cluster import run_on_ray

    items = plan(_folder(tmp_path), None)[:1]
    c = items[0].video.stem
    local = run_batch(items, tmp_path / "local", jobs=1, write_video=False, progress=False)
    remote = run_on_ray(items, tmp_path / "ray", ray_cluster.address, write_video=False, progress=False,
                        segment_s=5.0)
    assert not local.failed and not remote.failed, [r.error for r in local.failed + remote.failed]
    a = json.loads((tmp_path / "local" / c / f"{c}.report.json").read_text())
    b = json.loads((tmp_path / "ray" / c / f"{c}.report.json").read_text())
    assert (a["frames"], a["rep_count"], a["source"], a["model"]) == (b["frames"], b["rep_count"], b["source"], b["model"])
    assert [f["id"] for f in a["faults"]] == [f["id"] for f in b["faults"]]
    assert len(a["holds"]) == len(b["holds"])
    for x, y in zip(a["holds"], b["holds"]):
        assert abs(x["in_tolerance_s"] - y["in_tolerance_s"]) <= 0.5
    tl, tr = load_trace(tmp_path / "local" / c / f"{c}.trace.npz"), load_trace(tmp_path / "ray" / c / f"{c}.trace.npz")
    seen = np.isfinite(tl.lm[:, :, 0]) & np.isfinite(tr.lm[:, :, 0])
    assert seen.mean() > 0.9
    assert np.median(np.abs(tl.lm[:, :, :2] - tr.lm[:, :, :2]).max(axis=2)[seen]) < 2.0
    assert not np.array_equal(tl.lm, tr.lm, equal_nan=True)      # it really went as segments
