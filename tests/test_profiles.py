"""Threshold profiles: merge only what is named, and every bad profile gives one clear
error naming the profile file, the line and the key."""

from __future__ import annotations

import pytest

from coach import cli
from coach.rules.pose_spec import SpecError, load_pose
from coach.rules.profiles import diff, load_profile, load_spec, save_overrides, thresholds

GOOD = """\
version = 1
patient = "Jane"

[kneeling_hip_flexor]
fault_after_s = 1.0

[kneeling_hip_flexor.checks.front_knee_angle]
min = 65.0
unit = "deg"

[kneeling_hip_flexor.hold]
seconds = 20

[cat_cow.reps]
target = 6
"""


def write(tmp_path, text: str, name: str = "jane.toml"):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_no_profile_is_the_pose_file():
    assert load_spec("cat_cow") == load_pose("cat_cow")


def test_merge_changes_only_the_named_thresholds(tmp_path):
    p = write(tmp_path, GOOD)
    hf = load_spec("kneeling_hip_flexor", p)
    assert diff(load_pose("kneeling_hip_flexor"), hf) == {
        "fault_after_s": (0.7, 1.0),
        "checks.front_knee_angle.min": (70.0, 65.0),
        "hold.seconds": (30.0, 20.0),
    }
    assert hf.check("front_knee_angle").max == 110.0            # the other bound is kept
    assert hf.check("front_knee_angle").cue_low == load_pose("kneeling_hip_flexor").check("front_knee_angle").cue_low
    assert diff(load_pose("cat_cow"), load_spec("cat_cow", p)) == {"reps.target": (10, 6)}
    # a stretch the profile does not name is the default
    assert thresholds(load_spec("pelvic_tilt", p)) == thresholds(load_pose("pelvic_tilt"))


def test_dotted_keys_inside_a_stretch_table_work_too(tmp_path):
    p = write(tmp_path, 'version = 1\n[cat_cow]\nreps.low_enter = -8.0\nchecks.tabletop.max = 40\n')
    s = load_spec("cat_cow", p)
    assert s.reps.low_enter == -8.0 and s.check("tabletop").max == 40.0


@pytest.mark.parametrize("old, new, line, key, says", [
    ("min = 65.0", "mni = 65.0", 8, "kneeling_hip_flexor.checks.front_knee_angle.mni", "unknown key"),
    ('unit = "deg"', 'unit = "rad"', 9, "kneeling_hip_flexor.checks.front_knee_angle.unit", "not 'rad'"),
    ("min = 65.0", "min = 1.13", 8, "kneeling_hip_flexor.checks.front_knee_angle.min", "radians"),
    ("min = 65.0", "min = 200.0", 8, "kneeling_hip_flexor.checks.front_knee_angle.min", "0 to 180 deg"),
    ("min = 65.0", "min = 115.0", 8, "kneeling_hip_flexor.checks.front_knee_angle.min", "must be above min"),
    ("[kneeling_hip_flexor.checks.front_knee_angle]", "[kneeling_hip_flexor.checks.front_knee]", 7,
     "kneeling_hip_flexor.checks.front_knee", "no check 'front_knee'"),
    ("[cat_cow.reps]", "[catcow.reps]", 14, "catcow", "no stretch called 'catcow'"),
    ("target = 6", 'target = "six"', 15, "cat_cow.reps.target", "must be an integer"),
    ("target = 6", "target = 0", 15, "cat_cow.reps.target", "at least 1"),
    ("seconds = 20", "seconds = [20", 12, "kneeling_hip_flexor.hold.seconds", "TOML syntax error"),
    ("fault_after_s = 1.0", "fault_after_s = 1.0 s", 5, "kneeling_hip_flexor.fault_after_s", "TOML syntax error"),
    ("[cat_cow.reps]", "[cat_cow.hold]", 14, "cat_cow.hold", "no [hold]"),
    ("version = 1", "version = 2", 1, "version", "version 1"),
    ("version = 1", "", 1, "version", "is required"),
])
def test_bad_profile_names_file_line_and_key(tmp_path, old, new, line, key, says):
    assert old in GOOD
    p = write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(SpecError) as e:
        load_spec("kneeling_hip_flexor", p)
    msg = str(e.value)
    assert msg.startswith(f"{p}:{line}: key '{key}':"), msg
    assert says in msg
    assert e.value.line == line and e.value.path == str(p)


def test_ratio_threshold_given_in_degrees_is_refused(tmp_path):
    p = write(tmp_path, "version = 1\n[cat_cow.checks.wrists_under_shoulders]\nmax = 35.0\n")
    with pytest.raises(SpecError, match=r":3: key 'cat_cow.checks.wrists_under_shoulders.max'.*degrees"):
        load_profile(p)


def test_missing_profile_file_is_a_clear_error(tmp_path):
    with pytest.raises(SpecError, match="file not found"):
        load_spec("cat_cow", tmp_path / "nope.toml")


def test_save_writes_a_readable_header_and_only_the_changes(tmp_path):
    import datetime
    p = tmp_path / "jane.toml"
    save_overrides(p, "kneeling_hip_flexor", {"checks.front_knee_angle.min": 65.0, "hold.seconds": 30.0},
                   who="A. Physio", note="first visit", patient="Jane Doe", today=datetime.date(2025, 3, 1))
    save_overrides(p, "cat_cow", {"reps.target": 6}, who="B. Physio", today=datetime.date(2025, 3, 8))
    text = p.read_text()
    assert text.splitlines()[0].startswith("# coach threshold profile")
    assert "# patient: Jane Doe" in text
    assert "#   2025-03-01 by A. Physio (first visit): kneeling_hip_flexor.checks.front_knee_angle.min 70.0 -> 65.0" in text
    assert "#   2025-03-08 by B. Physio: cat_cow.reps.target 10 -> 6" in text
    assert "seconds" not in text                     # equal to the default: not listed
    assert "min = 65.0" in text and "# deg, default 70.0" in text
    assert load_spec("cat_cow", p).reps.target == 6
    assert load_spec("kneeling_hip_flexor", p).check("front_knee_angle").min == 65.0
    # back to the default: the line goes away
    save_overrides(p, "kneeling_hip_flexor", {"checks.front_knee_angle.min": 70.0})
    assert "kneeling_hip_flexor" not in p.read_text().split("version = 1")[1]


def test_save_refuses_an_invalid_combination_and_leaves_the_file(tmp_path):
    p = tmp_path / "p.toml"
    save_overrides(p, "cat_cow", {"reps.target": 6})
    before = p.read_text()
    with pytest.raises(SpecError, match="hysteresis"):
        save_overrides(p, "cat_cow", {"reps.low_enter": -1.0})      # above low_exit (-1.5): out of order
    assert p.read_text() == before


def test_review_takes_a_profile_and_reports_its_errors(tmp_path, capsys):
    p = write(tmp_path, GOOD.replace("min = 65.0", "min = 200.0"))
    rc = cli.main(["review", str(tmp_path / "missing.mp4"), "--pose", "kneeling_hip_flexor", "--profile", str(p),
                   "--no-video", "--quiet"])
    err = capsys.readouterr().err
    assert rc == 2
    assert f"{p}:8: key 'kneeling_hip_flexor.checks.front_knee_angle.min'" in err
