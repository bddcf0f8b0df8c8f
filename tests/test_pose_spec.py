"""Every poses/*.toml loads; validation errors name the file, the line and the key."""

from pathlib import Path

import pytest

from coach.rules.pose_spec import POSES_DIR, SpecError, load_pose_file, pose_names

EXPECTED = {"cat_cow", "kneeling_hip_flexor", "childs_pose_side_reach", "seated_forward_bend",
            "supine_knee_to_chest", "pelvic_tilt"}


def test_all_six_poses_present():
    assert set(pose_names()) == EXPECTED


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_pose_loads(name):
    spec = load_pose_file(POSES_DIR / f"{name}.toml")
    assert spec.name == name
    assert spec.reps is not None or spec.hold is not None
    for c in spec.checks:
        assert c.measure in spec.measures
        if c.min is not None and c.max is not None:
            assert c.min < c.max


def test_pose_kinds_match_the_routine():
    reps = {n for n in EXPECTED if load_pose_file(POSES_DIR / f"{n}.toml").reps}
    assert reps == {"cat_cow"}
    per_side = {n for n in EXPECTED if load_pose_file(POSES_DIR / f"{n}.toml").side.mode == "per_side"}
    assert per_side == {"kneeling_hip_flexor", "childs_pose_side_reach", "supine_knee_to_chest"}
    secs = {n: load_pose_file(POSES_DIR / f"{n}.toml").hold.seconds for n in EXPECTED - {"cat_cow"}}
    assert secs == {"kneeling_hip_flexor": 30.0, "childs_pose_side_reach": 20.0, "seated_forward_bend": 30.0,
                    "supine_knee_to_chest": 20.0, "pelvic_tilt": 5.0}
    assert load_pose_file(POSES_DIR / "cat_cow.toml").reps.target == 10
    assert load_pose_file(POSES_DIR / "pelvic_tilt.toml").hold.count == 10


def _edited(tmp_path: Path, pose: str, old: str, new: str, nth: int = 1) -> tuple[Path, str]:
    """Copy a pose file with the `nth` occurrence of `old` replaced by `new`."""
    text = (POSES_DIR / f"{pose}.toml").read_text(encoding="utf-8")
    idx = -1
    for _ in range(nth):
        idx = text.index(old, idx + 1)
    text = text[:idx] + new + text[idx + len(old):]
    path = tmp_path / f"{pose}.toml"
    path.write_text(text, encoding="utf-8")
    return path, text


def _line_of(text: str, needle: str) -> int:
    hits = [i + 1 for i, ln in enumerate(text.splitlines()) if needle in ln]
    assert len(hits) == 1, (needle, hits)
    return hits[0]


def _error(path: Path) -> SpecError:
    with pytest.raises(SpecError) as ei:
        load_pose_file(path)
    return ei.value


def _assert_names(err: SpecError, path: Path, key: str, line: int) -> None:
    assert err.path == str(path)
    assert err.key == key
    assert err.line == line
    msg = str(err)
    assert f"{path}:{line}" in msg and f"'{key}'" in msg


def test_bad_measure_kind(tmp_path):
    path, text = _edited(tmp_path, "cat_cow", 'kind = "bend"', 'kind = "curve"')
    err = _error(path)
    _assert_names(err, path, "measures.head.kind", _line_of(text, 'kind = "curve"'))
    assert "angle" in err.problem and "curve" in err.problem


def test_unknown_landmark(tmp_path):
    path, text = _edited(tmp_path, "cat_cow", '"{near}_ear"]', '"{near}_eer"]')
    err = _error(path)
    _assert_names(err, path, "measures.head.points", _line_of(text, "_eer"))
    assert "{near}_eer" in err.problem


def test_facing_takes_two_known_landmarks(tmp_path):
    old = 'facing = ["mid_hip", "mid_shoulder"]'
    path, text = _edited(tmp_path, "childs_pose_side_reach", old, 'facing = ["mid_hip", "mid_shoulderr"]')
    err = _error(path)
    _assert_names(err, path, "measures.reach.facing", _line_of(text, "mid_shoulderr"))
    assert "mid_shoulderr" in err.problem
    path, text = _edited(tmp_path, "childs_pose_side_reach", old, 'facing = ["mid_hip"]')
    err = _error(path)
    _assert_names(err, path, "measures.reach.facing", _line_of(text, 'facing = ["mid_hip"]'))
    assert "two landmark names" in err.problem


def test_view_neutral_max_names_a_baseline_measure(tmp_path):
    path, text = _edited(tmp_path, "childs_pose_side_reach", "neutral_max = { reach = 0.16 }",
                         "neutral_max = { knee_fold = 30.0 }")
    err = _error(path)
    _assert_names(err, path, "view.neutral_max", _line_of(text, "neutral_max ="))
    assert "'knee_fold'" in err.problem and "baseline" in err.problem


def test_min_not_below_max_first_check(tmp_path):
    path, text = _edited(tmp_path, "kneeling_hip_flexor", "min = 50.0", "min = 160.0")
    err = _error(path)
    _assert_names(err, path, "checks.lunge_position.max", _line_of(text, "max = 150.0"))


def test_min_not_below_max_later_check_points_at_its_own_line(tmp_path):
    # front_knee_angle is the third [[checks]] table: the line must be its own `max`, not
    # the first `max =` in the file
    path, text = _edited(tmp_path, "kneeling_hip_flexor", "min = 70.0", "min = 115.0")
    err = _error(path)
    _assert_names(err, path, "checks.front_knee_angle.max", _line_of(text, "max = 110.0                # deg"))


def test_missing_required_key_points_at_its_table(tmp_path):
    path, text = _edited(tmp_path, "cat_cow", 'measure = "spine"          # the back, not the head: nodding alone counts nothing\n', "")
    err = _error(path)
    assert "required" in err.problem
    _assert_names(err, path, "reps.measure", _line_of(text, "[reps]"))


def test_missing_required_measure_key_points_at_its_table(tmp_path):
    path, text = _edited(tmp_path, "pelvic_tilt", 'kind = "angle"\npoints = ["{near}_hip"', 'points = ["{near}_hip"')
    err = _error(path)
    assert "required" in err.problem
    _assert_names(err, path, "measures.knee.kind", _line_of(text, "[measures.knee]"))


def test_unknown_key_in_table(tmp_path):
    path, text = _edited(tmp_path, "seated_forward_bend", 'kind = "side"', 'kind = "side"\ncolour = "red"')
    err = _error(path)
    _assert_names(err, path, "view.colour", _line_of(text, "colour ="))
    assert "unknown key" in err.problem


def test_unknown_key_in_a_check(tmp_path):
    path, text = _edited(tmp_path, "supine_knee_to_chest", "min = 145.0", "min = 145.0\nmaxx = 170.0")
    err = _error(path)
    _assert_names(err, path, "checks.other_leg_long.maxx", _line_of(text, "maxx ="))


def test_unknown_top_level_key(tmp_path):
    path, text = _edited(tmp_path, "pelvic_tilt", "baseline_s = 2.0", "baseline_s = 2.0\nbaseline_secs = 3.0")
    err = _error(path)
    _assert_names(err, path, "baseline_secs", _line_of(text, "baseline_secs"))


def test_toml_syntax_error(tmp_path):
    path, text = _edited(tmp_path, "childs_pose_side_reach", "min = 0.15 ", "min = = 0.15 ")
    err = _error(path)
    assert "TOML syntax error" in err.problem
    assert err.path == str(path)
    assert err.line == _line_of(text, "min = = 0.15")
    assert f"{path}:{err.line}" in str(err)


def test_wrong_type(tmp_path):
    path, text = _edited(tmp_path, "kneeling_hip_flexor", "seconds = 30.0", 'seconds = "thirty"')
    err = _error(path)
    _assert_names(err, path, "hold.seconds", _line_of(text, 'seconds = "thirty"'))


def test_rep_thresholds_out_of_order(tmp_path):
    path, text = _edited(tmp_path, "cat_cow", "low_exit = -1.5", "low_exit = -12.0")
    err = _error(path)
    _assert_names(err, path, "reps.low_exit", _line_of(text, "low_exit = -12.0"))


def test_a_part_only_on_a_spine_curve(tmp_path):
    path, text = _edited(tmp_path, "cat_cow", 'kind = "bend"', 'kind = "bend"\npart = "upper"')
    err = _error(path)
    _assert_names(err, path, "measures.head.part", _line_of(text, 'part = "upper"'))
    assert "spine_curve" in err.problem


def test_spine_curve_part_is_checked(tmp_path):
    path, text = _edited(tmp_path, "cat_cow", 'part = "whole"', 'part = "middle"')
    err = _error(path)
    _assert_names(err, path, "measures.spine.part", _line_of(text, 'part = "middle"'))
    assert "whole" in err.problem and "middle" in err.problem


def test_contour_measure_takes_the_hip_and_the_shoulder(tmp_path):
    path, text = _edited(tmp_path, "pelvic_tilt", 'points = ["mid_hip", "mid_shoulder"]\nbaseline',
                         'points = ["mid_hip"]\nbaseline')
    err = _error(path)
    _assert_names(err, path, "measures.arch.points", _line_of(text, 'points = ["mid_hip"]'))


def test_only_poses_that_read_the_back_ask_for_the_mask():
    uses = {n for n in EXPECTED if load_pose_file(POSES_DIR / f"{n}.toml").uses_contour}
    assert uses == {"cat_cow", "seated_forward_bend", "pelvic_tilt"}
    assert load_pose_file(POSES_DIR / "pelvic_tilt.toml").measures["arch"].unit == "pct"


_WHEN = 'when = { measure = "hip_hinge", max = 60.0, still_s = 0.5 }   # the held hinge only, as rounded_back'


def test_when_names_a_band_of_another_measure():
    w = load_pose_file(POSES_DIR / "seated_forward_bend.toml").check("rounded_upper_back").when
    assert (w.measure, w.min, w.max, w.still_s) == ("hip_hinge", None, 60.0, 0.5)
    assert w.holds(59.0) and not w.holds(61.0) and not w.holds(None)


@pytest.mark.parametrize("new, key, words", [
    ('when = { measure = "hip_hing", max = 60.0 }', "checks.rounded_upper_back.when.measure", "'hip_hing'"),
    ('when = { measure = "hip_hinge", min = 70.0, max = 60.0 }', "checks.rounded_upper_back.when.max", "above min"),
    ('when = { measure = "hip_hinge" }', "checks.rounded_upper_back.when.min", "min, max or still_s"),
    ('when = { measure = "hip_hinge", max = 60.0, still = 1.0 }', "checks.rounded_upper_back.when.still", "unknown key"),
    ('when = { measure = "hip_hinge", max = 600.0 }', "checks.rounded_upper_back.when.max", "600"),
])
def test_when_mistakes_name_their_key(tmp_path, new, key, words):
    path, text = _edited(tmp_path, "seated_forward_bend", _WHEN, new)
    err = _error(path)
    assert err.key == key and words in str(err)


def test_a_setup_check_takes_no_when(tmp_path):
    path, text = _edited(tmp_path, "seated_forward_bend", 'max = 30.0                 # deg: thighs',
                         'when = { measure = "knee", min = 100.0 }\nmax = 30.0                 # deg: thighs')
    err = _error(path)
    assert err.key == "checks.seated_legs_long.when" and "set-up" in err.problem


def test_a_stretch_direction_needs_a_baseline_measure_and_a_known_way(tmp_path):
    path, text = _edited(tmp_path, "pelvic_tilt", 'reference = "horizontal"', 'reference = "horizontal"\nstretch = "higher"')
    err = _error(path)
    _assert_names(err, path, "measures.torso_level.stretch", _line_of(text, 'stretch = "higher"'))
    path, text = _edited(tmp_path, "pelvic_tilt", 'stretch = "lower"', 'stretch = "down"')
    err = _error(path)
    _assert_names(err, path, "measures.arch.stretch", _line_of(text, 'stretch = "down"'))
    assert load_pose_file(POSES_DIR / "pelvic_tilt.toml").rest_has_direction
    assert not load_pose_file(POSES_DIR / "cat_cow.toml").rest_has_direction     # either way: no direction


def test_a_relative_measure_needs_a_baseline_and_a_rest_floor(tmp_path):
    path, text = _edited(tmp_path, "pelvic_tilt", 'reference = "horizontal"', 'reference = "horizontal"\nrelative = true')
    err = _error(path)
    assert err.key == "measures.torso_level.relative" and "baseline" in err.problem
    path, text = _edited(tmp_path, "pelvic_tilt", "rest_floor = 7.0", "rest_floor = 0.0")
    err = _error(path)
    assert err.key == "measures.arch.rest_floor" and "rest_floor > 0" in err.problem
    path, text = _edited(tmp_path, "pelvic_tilt", "relative = true", "relative = false")
    err = _error(path)
    _assert_names(err, path, "measures.arch.rest_floor", _line_of(text, "rest_floor = 7.0"))
    arch = load_pose_file(POSES_DIR / "pelvic_tilt.toml").measures["arch"]
    assert arch.relative and arch.rest_floor == 7.0
