"""`coach review DIR --jobs N`: every video reviewed in its own process, a bad file reported
without stopping the others, a summary table, non-zero exit when any failed."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

import coach.app.batch
from coach.app.batch import BatchItem, longest_first, pipelined_jobs, plan, run_batch, summary_table
from coach.bench.speed import write_test_clip
from coach.cli import main
from coach.io.pose_backend import BackendChoice, BackendError


@dataclass(frozen=True)
class FakeChoice:
    """Stands in for BackendChoice in the worker processes (pickled by reference to this module)."""

    def create(self):
        from test_pipeline import FakeBackend

        return FakeBackend()


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("videos")
    write_test_clip(d / "a.mp4", n_frames=12)
    write_test_clip(d / "b.mp4", n_frames=15)
    (d / "broken.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42 this is not really a video" * 20)
    (d / "notes.txt").write_text("not a video, ignored")
    (d / "a.truth.json").write_text(json.dumps({"pose": "kneeling_hip_flexor"}))
    (d / "b.truth.json").write_text(json.dumps({"pose": "cat_cow"}))
    return d


def test_plan_takes_each_clips_pose_from_its_truth_file(folder):
    items = {i.video.name: i for i in plan(folder, None)}
    assert sorted(items) == ["a.mp4", "b.mp4", "broken.mp4"]
    assert items["a.mp4"].pose == "kneeling_hip_flexor"
    assert items["b.mp4"].pose == "cat_cow"
    assert items["broken.mp4"].pose is None and "broken.truth.json" in items["broken.mp4"].why_no_pose
    assert {i.pose for i in plan(folder, "pelvic_tilt")} == {"pelvic_tilt"}


def test_batch_survives_a_corrupt_file(folder, tmp_path):
    items = plan(folder, "kneeling_hip_flexor")
    summary = run_batch(items, tmp_path, jobs=2, choice=FakeChoice(), write_video=False, progress=False)
    by_name = {r.video.name: r for r in summary.results}
    assert by_name["a.mp4"].ok and by_name["a.mp4"].frames == 12
    assert by_name["b.mp4"].ok and by_name["b.mp4"].frames == 15
    assert not by_name["broken.mp4"].ok and "broken.mp4" in by_name["broken.mp4"].error
    assert json.loads((tmp_path / "a" / "a.report.json").read_text())["frames"] == 12
    assert json.loads((tmp_path / "b" / "b.report.json").read_text())["frames"] == 15
    table = summary_table(summary)
    assert "ERROR" in table and "2 of 3 videos reviewed, 27 frames" in table


def test_batch_reports_a_clip_without_a_pose(folder, tmp_path):
    summary = run_batch([BatchItem(folder / "broken.mp4", None, "no pose for it")], tmp_path, jobs=1,
                        choice=FakeChoice(), progress=False)
    assert summary.results[0].error == "no pose for it"


def test_cli_review_folder_jobs_2(folder, tmp_path, capsys):
    try:
        BackendChoice().create().close()
    except BackendError as e:
        pytest.skip(f"no MediaPipe model here: {e}")
    rc = main(["review", str(folder), "--pose", "kneeling_hip_flexor", "--jobs", "2", "--quiet",
               "--out", str(tmp_path)])
    out = capsys.readouterr()
    assert rc != 0
    assert (tmp_path / "a" / "a.report.json").exists() and (tmp_path / "b" / "b.report.json").exists()
    assert (tmp_path / "a" / "a.annotated.mp4").exists()
    assert "broken.mp4" in out.out and "ERROR" in out.out
    assert "coach: error: broken.mp4: cannot open" in out.err      # said when it happened, and why
    assert "2 of 3 videos reviewed" in out.out


def test_batch_judges_each_video_with_the_profile(folder, tmp_path):
    profile = tmp_path / "jane.toml"
    profile.write_text("version = 1\n\n[cat_cow.reps]\ntarget = 4\n")
    items = [i for i in plan(folder, None, str(profile)) if i.pose == "cat_cow"]
    assert [i.profile for i in items] == [str(profile)]
    summary = run_batch(items, tmp_path / "out", jobs=1, choice=FakeChoice(), write_video=False, progress=False)
    assert summary.results[0].ok, summary.results[0].error
    assert json.loads((tmp_path / "out" / "b" / "b.report.json").read_text())["profile"] == str(profile)


def test_cli_review_folder_refuses_a_bad_profile_before_starting(folder, tmp_path, capsys):
    profile = tmp_path / "bad.toml"
    profile.write_text("version = 1\n\n[cat_cow.reps]\ntarget = -3\n")
    rc = main(["review", str(folder), "--profile", str(profile), "--quiet", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert rc == 2 and "bad.toml:4" in err and "target" in err
    assert not (tmp_path / "out").exists()


def test_longest_video_is_handed_out_first_ties_in_order():
    assert longest_first({0: 12, 1: 15, 3: 0, 4: 15}) == [1, 4, 0, 3]


def test_jobs_that_take_every_core_run_their_stages_in_one_thread(monkeypatch):
    monkeypatch.setattr(coach.app.batch.os, "cpu_count", lambda: 2)
    assert pipelined_jobs(1) and not pipelined_jobs(2) and not pipelined_jobs(3)
    monkeypatch.setattr(coach.app.batch.os, "cpu_count", lambda: None)
    assert not pipelined_jobs(1)


def test_batch_outputs_equal_a_single_review_whether_its_jobs_overlap_stages_or_not(folder, tmp_path, monkeypatch):
    """Workers with OpenCV single-threaded and, when the jobs take every core, one thread per
    job write what `coach review VIDEO` writes; results come back in the order given."""
    from test_pipeline import FakeBackend

    from coach.rules.pose_spec import load_pose
    from coach.app.review import review_video

    items = [BatchItem(folder / "a.mp4", "kneeling_hip_flexor"), BatchItem(folder / "b.mp4", "cat_cow")]
    for cores in (1, 4):                 # 2 jobs on 1 core: one thread each; on 4 cores: pipelined
        monkeypatch.setattr(coach.app.batch.os, "cpu_count", lambda: cores)
        summary = run_batch(items, tmp_path / f"batch{cores}", jobs=2, choice=FakeChoice(), progress=False)
        assert [r.video.name for r in summary.results] == ["a.mp4", "b.mp4"]
        assert all(r.ok for r in summary.results), [r.error for r in summary.results]
        for it in items:
            single = review_video(it.video, load_pose(it.pose), tmp_path / f"single{cores}" / it.video.stem,
                                  backend=FakeBackend(), progress=False)
            stem = it.video.stem
            batch_dir = tmp_path / f"batch{cores}" / stem
            assert (json.loads((batch_dir / f"{stem}.report.json").read_text())
                    == json.loads(single.report_json.read_text()))
            assert (batch_dir / f"{stem}.report.csv").read_text() == single.report_csv.read_text()
            assert (batch_dir / f"{stem}.annotated.mp4").read_bytes() == single.video.read_bytes()


def test_a_worker_reuses_its_graph_and_gets_a_fresh_graphs_landmarks(tmp_path: Path) -> None:
    """review_one(reuse=True) keeps the graph for the next video, reset: the second video's
    trace equals the one a new graph gives (and the graph object is the same one)."""
    import numpy as np

    from conftest import SAMPLES
    from coach.app import batch
    from coach.io.trace import load_trace

    try:
        BackendChoice().create().close()
    except BackendError as e:
        pytest.skip(f"no MediaPipe model here: {e}")
    a = BatchItem(SAMPLES / "knee_to_chest_fault_not_pulled.mp4", "supine_knee_to_chest")
    b = BatchItem(SAMPLES / "childs_pose_fault_hips_lifted.mp4", "childs_pose_side_reach")
    choice = BackendChoice()
    batch._KEPT.clear()
    try:
        assert batch.review_one(a, tmp_path / "reused", choice, False, reuse=True).ok
        kept = batch._KEPT[choice]
        assert batch.review_one(b, tmp_path / "reused", choice, False, reuse=True).ok
        assert batch._KEPT[choice] is kept
    finally:
        for be in batch._KEPT.values():
            be.close()
        batch._KEPT.clear()
    assert batch.review_one(b, tmp_path / "fresh", choice, False).ok
    assert not batch._KEPT
    stem = b.video.stem
    reused = load_trace(tmp_path / "reused" / stem / f"{stem}.trace.npz")
    fresh = load_trace(tmp_path / "fresh" / stem / f"{stem}.trace.npz")
    assert np.array_equal(reused.lm, fresh.lm, equal_nan=True)
    assert (tmp_path / "reused" / stem / f"{stem}.report.json").read_text() == \
           (tmp_path / "fresh" / stem / f"{stem}.report.json").read_text()
