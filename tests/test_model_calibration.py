"""Per pose-model calibration: the visibility scale a backend's model puts a pose's
threshold on (poses/models/calibration.toml), and the bench's per-model offsets."""

from pathlib import Path

import pytest

from coach.bench import accuracy
from coach.core import events as ev
from coach.core.session import Session
from coach.rules.model_calibration import model_kind, visibility_scales
from coach.rules.pose_spec import load_pose
from coach.rules.toml_reader import SpecError
from stick import Stick, steps

HEAVY = "mediapipe-legacy-pose_landmark_heavy"


@pytest.mark.parametrize("name, kind", [(HEAVY, "heavy"), ("mediapipe-legacy-pose_landmark_lite", "lite"),
                                        ("pose_landmarker_heavy.task", "heavy"),
                                        ("mediapipe-legacy-pose_landmark_full", "full"), ("", "full")])
def test_model_kind_reads_the_model_name(name, kind):
    assert model_kind(name) == kind


def test_heavy_threshold_is_scaled_and_full_is_not():
    spec = load_pose("kneeling_hip_flexor")
    scales = dict(visibility_scales())
    assert scales["full"] == 1.0 and 0.0 < scales["heavy"] < 0.2
    assert spec.for_model(HEAVY).min_visibility == pytest.approx(spec.min_visibility * scales["heavy"])
    assert spec.for_model("mediapipe-legacy-pose_landmark_full") is spec


def _lunge_knee_120(knee_vis):
    """Kneeling, then a lunge with the front knee at 120 deg (a fault) whose near knee
    the model reports at visibility `knee_vis`."""
    kneel = Stick(width=0, thigh={"left": -90.0, "right": -90.0}, shin={"left": 180.0, "right": 180.0})
    lunge = Stick(width=0, thigh={"left": 0.0, "right": -105.0}, shin={"left": -60.0, "right": 180.0},
                  vis={"left_knee": knee_vis})
    return steps([(kneel, 1.0), (lunge, 4.0)], 15.0)


@pytest.mark.parametrize("model, judged", [("mediapipe-legacy-pose_landmark_full", False), (HEAVY, True)])
def test_a_low_visibility_knee_is_judged_on_heavys_scale_only(model, judged):
    # heavy reports a seen, folded knee at 0.02-0.3: on its scale 0.05 is seen, on full's hidden
    s = Session(load_pose("kneeling_hip_flexor"), model=model, record_trace=False)
    t, f = _lunge_knee_120(0.05)
    res = [s.feed(float(x), fr) for x, fr in zip(t, f)]
    s.close()
    faults = [e.data["id"] for e in s.engine.events if e.kind == ev.FAULT_START]
    assert (faults == ["front_knee_angle"]) is judged
    # on full's scale the 120 deg knee is never read (its leg is even taken for the back one)
    assert (res[-1].checks["front_knee_angle"].value == pytest.approx(120.0, abs=0.5)) is judged


def test_a_live_threshold_update_keeps_the_models_scale():
    s = Session(load_pose("kneeling_hip_flexor"), model=HEAVY, record_trace=False)
    s.update_spec(load_pose("kneeling_hip_flexor"))
    assert s.spec.min_visibility < load_pose("kneeling_hip_flexor").min_visibility


def test_a_bad_scale_is_refused(tmp_path):
    p = tmp_path / "calibration.toml"
    p.write_text("[visibility_scale]\nheavy = 0.0\n")
    with pytest.raises(SpecError, match="visibility_scale.heavy"):
        visibility_scales(p)
    p.write_text("[visibility_scale]\nhuge = 0.5\n")
    with pytest.raises(SpecError, match="unknown model"):
        visibility_scales(p)


# ------------------------------------------------------------------ the bench's per-model offsets

def test_each_model_gets_its_own_offsets_or_falls_back_to_full(tmp_path):
    (tmp_path / "calibration.toml").write_text(
        "[offsets]\ncat_cow = { torso_level = 2.9 }\n[model_offsets.heavy]\ncat_cow = { torso_level = 2.0 }\n")
    off = accuracy.load_offsets(tmp_path)
    assert off["heavy"]["cat_cow"]["torso_level"] == 2.0
    assert off["full"]["cat_cow"]["torso_level"] == 2.9 and off["lite"]["cat_cow"]["torso_level"] == 2.9
    (tmp_path / "calibration.toml").write_text("[model_offsets.huge]\ncat_cow = { torso_level = 2.0 }\n")
    with pytest.raises(SystemExit, match="huge"):
        accuracy.load_offsets(tmp_path)


def test_the_bundled_calibration_has_a_table_per_model():
    off = accuracy.load_offsets(Path(__file__).resolve().parents[1] / "sample_videos")
    assert off["heavy"] != off["full"] and off["lite"] != off["full"]
    assert set(off["heavy"]) == set(off["lite"]) <= set(off["full"])


def _result(model, errors, vis=()):
    r = accuracy.ClipResult("c", "cat_cow", 0.0, True, 10, 10, model=model)
    r.angle_errors = {"torso_level": list(errors)}
    r.near_visibility = list(vis)
    return r


def test_the_model_line_says_whether_heavy_beats_full_by_the_target():
    line = accuracy.model_line([_result("full", [2.0, -3.0]), _result("heavy", [1.0, -1.0])], ["full", "heavy"])
    assert "full 2.50" in line and "heavy 1.00" in line and "1.50 deg better" in line and "met" in line
    line = accuracy.model_line([_result("full", [1.0]), _result("heavy", [0.8])], ["full", "heavy"])
    assert "0.20 deg better" in line and "not met" in line


def test_visibility_scale_is_the_ratio_of_the_low_percentiles(capsys):
    rs = [_result("full", [0.0], [0.8] * 100), _result("heavy", [0.0], [0.04] * 100)]
    accuracy.print_visibility_scales(rs, ["full", "heavy"])
    out = capsys.readouterr().out
    assert "full = 1.00" in out and "heavy = 0.05" in out


def test_a_mid_point_does_not_jump_when_a_faint_far_side_crosses_the_threshold():
    # heavy reads the far knee at 0.00-0.05: with a threshold in that range it flickers in
    # and out; each side weighs as well as it is seen, so the mid-knee barely moves
    import numpy as np
    from coach.core.landmarks import INDEX, point

    lm = np.zeros((33, 4))
    lm[INDEX["left_knee"]] = (100.0, 100.0, 0.0, 0.25)
    lm[INDEX["right_knee"]] = (140.0, 100.0, 0.0, 0.004)
    below = point(lm, "mid_knee", 0.005)
    lm[INDEX["right_knee"], 3] = 0.006
    above = point(lm, "mid_knee", 0.005)
    assert below[0] == 100.0 and abs(above[0] - below[0]) < 1.0
    lm[INDEX["right_knee"], 3] = 0.25                       # both seen alike: the plain middle
    assert point(lm, "mid_knee", 0.005)[0] == pytest.approx(120.0)
    assert point(lm, "left_knee", 0.005)[0] == 100.0        # a real landmark is not weighed


def test_the_bench_reads_angles_on_the_models_visibility_scale(tmp_path):
    """The bench's angle error covers the frames the coach judges: with the front knee seen
    faintly (0.05), heavy's back hip is read in the lunge too, full's only while kneeling
    (the bench once used full's threshold for every model: heavy's error then covered only
    its clearly seen frames, its worst)."""
    import numpy as np

    from coach.bench.truth import Truth
    from coach.io.trace import Trace, save_trace

    t, frames = _lunge_knee_120(0.05)
    lm = np.stack(frames)
    truth_lm = lm.copy()
    truth_lm[:, :, 3] = 1.0
    truth = Truth(tmp_path / "c.truth.json", "kneeling_hip_flexor", tmp_path / "c.mp4", 15.0, len(t), 0.0,
                  True, 0, [], [], truth_lm)
    read = {}
    for model in ("mediapipe-legacy-pose_landmark_full", HEAVY):
        trace = save_trace(Trace(np.asarray(t, float), lm, 640, 480, model=model), tmp_path / f"{model}.trace.npz")
        errors = accuracy.evaluate_clip(truth, trace, {}).angle_errors
        read[model] = len(errors["back_hip"])
        assert len(errors["front_knee"]) == len(t) and np.median(np.abs(errors["front_knee"])) < 1.0
    assert read[HEAVY] == len(t)                          # kneeling and lunging
    assert read["mediapipe-legacy-pose_landmark_full"] == 15          # the kneeling second only (15 fps)
