"""End to end on the bundled clips: real MediaPipe, the review pipeline, and the reports
checked against each clip's truth file (reps exact, holds within 1 s, faults found;
off-view clips judged where the stretch reads view-robust angles up to its offset limit,
warned about instead of judged elsewhere)."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import pytest

from coach.rules.pose_spec import load_pose

from conftest import SAMPLES
from coach.app.batch import BatchItem, run_batch
from coach.cli import main
from coach.bench.truth import Truth, find_truths

TRUTHS = find_truths(SAMPLES)
HOLD_TOLERANCE_S = 1.0


def test_every_stretch_has_a_bundled_clip() -> None:
    poses = {t.pose for t in TRUTHS}
    expected = {p.stem for p in (SAMPLES.parent / "poses").glob("*.toml")}
    assert poses == expected


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict[str, dict]:
    """Review every clip once (two processes), keyed by clip name."""
    out = tmp_path_factory.mktemp("e2e")
    summary = run_batch([BatchItem(t.video, t.pose) for t in TRUTHS], out, jobs=2,
                        write_video=False, progress=False)
    assert not summary.failed, [r.error for r in summary.failed]
    return {t.video.stem: json.loads((out / t.video.stem / f"{t.video.stem}.report.json").read_text())
            for t in TRUTHS}


def _ids(truths: list[Truth]) -> list[str]:
    return [t.video.stem for t in truths]


IDEAL = [t for t in TRUTHS if t.ideal_view]


def _judged_off_view(t: Truth) -> bool:
    """The stretch judges this far off the side view (world landmarks, `max_offset_deg`)."""
    limit = load_pose(t.pose).view.max_offset_deg
    return limit is not None and abs(t.view_offset_deg) <= limit - 5.0


OFF30 = [t for t in TRUTHS if abs(t.view_offset_deg) >= 30 and not _judged_off_view(t)]
OFF_JUDGED = [t for t in TRUTHS if not t.ideal_view and _judged_off_view(t)]


@pytest.mark.parametrize("truth", IDEAL, ids=_ids(IDEAL))
def test_reps_and_holds_match_truth(truth: Truth, reports: dict[str, dict]) -> None:
    rep = reports[truth.video.stem]
    assert rep["frames_with_person"] >= 0.9 * rep["frames"]
    assert rep["rep_count"] == truth.reps
    # the rig labels no hold in a clip with a deliberate fault; the coach times the stretch
    # beside the fault, so there it must hold none of it in good form
    got = [h for h in rep["holds"] if h["in_tolerance_s"] >= 1.0 and (truth.clean or h["good_form_s"] >= 1.0)]
    assert len(got) == len(truth.holds), (got, truth.holds)
    for want, h in zip(sorted(truth.holds, key=lambda h: h["start"]), sorted(got, key=lambda h: h["start"])):
        if want.get("side", "none") != "none":
            assert h["side"] == want["side"]
        assert abs(h["in_tolerance_s"] - want["in_position_s"]) <= HOLD_TOLERANCE_S, (h, want)


@pytest.mark.parametrize("truth", [t for t in IDEAL if t.faults], ids=_ids([t for t in IDEAL if t.faults]))
def test_deliberate_faults_are_found(truth: Truth, reports: dict[str, dict]) -> None:
    rep = reports[truth.video.stem]
    for want in truth.faults:
        assert any(f["id"] == want["id"] and f["end"] >= want["start"] and f["start"] <= want["end"]
                   for f in rep["faults"]), (want, rep["faults"])
        check = load_pose(truth.pose).check(want["id"])
        for h in rep["holds"]:
            if min(h["end"], want["end"]) - max(h["start"], want["start"]) >= 1.0:
                # a fault that stops the stretch pauses the clock; any other is timed beside
                # the hold, whose seconds in good form then fall short of its time in position
                assert not (check.required_for_hold and h["completed"]), h
                assert h["good_form_s"] <= h["in_tolerance_s"] - 1.0, h


@pytest.mark.parametrize("truth", [t for t in IDEAL if t.clean], ids=_ids([t for t in IDEAL if t.clean]))
def test_clean_clips_raise_few_faults(truth: Truth, reports: dict[str, dict]) -> None:
    rep = reports[truth.video.stem]
    fault_s = sum(f["duration_s"] for f in rep["faults"])
    assert fault_s <= 0.05 * rep["duration_s"], rep["faults"]


@pytest.mark.parametrize("truth", OFF30, ids=_ids(OFF30))
def test_30_degrees_off_warns_about_the_view_instead_of_judging(truth: Truth, reports: dict[str, dict]) -> None:
    rep = reports[truth.video.stem]
    kinds = [e["kind"] for e in rep["events"]]
    assert "view_warning" in kinds or any(
        e["kind"] == "cue" and "camera" in e["text"].lower() for e in rep["events"])
    assert rep["rep_count"] == 0 and not rep["holds"] and not rep["faults"]


@pytest.mark.parametrize("truth", OFF_JUDGED, ids=_ids(OFF_JUDGED))
def test_off_view_clips_are_judged_where_the_stretch_reads_view_robust_angles(truth: Truth, reports: dict[str, dict]) -> None:
    rep = reports[truth.video.stem]
    assert not any(e["kind"] == "view_warning" for e in rep["events"])
    assert rep["rep_count"] == truth.reps
    got = [h for h in rep["holds"] if h["in_tolerance_s"] >= 1.0]
    assert len(got) == len(truth.holds), (got, truth.holds)
    for want, h in zip(sorted(truth.holds, key=lambda h: h["start"]), sorted(got, key=lambda h: h["start"])):
        if want.get("side", "none") != "none":
            assert h["side"] == want["side"]
        assert abs(h["in_tolerance_s"] - want["in_position_s"]) <= HOLD_TOLERANCE_S, (h, want)


def test_review_cli_writes_annotated_video_and_reports(tmp_path: Path) -> None:
    truth = min(TRUTHS, key=lambda t: t.n_frames)
    assert main(["review", str(truth.video), "--pose", truth.pose, "--out", str(tmp_path), "--quiet"]) == 0
    stem = truth.video.stem
    cap = cv2.VideoCapture(str(tmp_path / f"{stem}.annotated.mp4"))
    frames = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
    cap.release()
    assert frames == truth.n_frames
    rows = (tmp_path / f"{stem}.report.csv").read_text().splitlines()
    assert rows[0].startswith("kind,index,side,start_s")
    assert json.loads((tmp_path / f"{stem}.report.json").read_text())["pose"] == truth.pose
