"""The live screen's layout at the three window sizes people use (640x480, 1280x720,
1920x1080): every text box inside the window, none overlapping another, the main count or
hold time at least 12 % of the window height and cues at least 5 %. Pure data: no display."""

from __future__ import annotations

import itertools

import pytest

from coach.app.layout import (CUE_MIN, MAIN_MIN, AngleLabel, HudView, Rect, SummaryView, hud_layout,
                              pygame_measure, summary_layout)

SIZES = [(640, 480), (1280, 720), (1920, 1080)]
LONG_CUE = "Front knee too open: bring the foot back under the knee, and keep the torso upright as you sink"


def _angles_on_one_joint() -> tuple[AngleLabel, ...]:
    # two hips on (nearly) the same pixel: the old overlay drew "9166" here
    return (AngleLabel("Front hip", 91, "°", (330.0, 250.0), "pass"),
            AngleLabel("Back hip", 166, "°", (332.0, 251.0), "fail"),
            AngleLabel("Front knee", 90, "°", (250.0, 255.0), "pass"),
            AngleLabel("Torso lean", 12, "°", (335.0, 180.0), "neutral"))


def views() -> dict[str, HudView]:
    base = dict(title="Kneeling Hip Flexor Stretch", image_size=(640, 480),
                help="space pause   m sound   f full screen   t tuning   q quit", status="Sound off")
    return {
        "hold": HudView(**base, main="15", caption="of 30 s", ring_frac=0.5, state="Holding: good",
                        state_tone="pass", side="LEFT leg forward", done=("Left: 0 of 1 done", "Right: 0 of 1 done"),
                        cue="Lift your chest: keep the torso upright", cue_tone="fail", angles=_angles_on_one_joint()),
        "reps": HudView(**{**base, "title": "Cat-Cow"}, main="10/10", caption="reps", ring_frac=1.0,
                        state="Moving well", cue=LONG_CUE, angles=_angles_on_one_joint()),
        "paused": HudView(**base, main="15", caption="of 30 s", ring_frac=0.5, side="RIGHT leg forward",
                          paused=True, cue="Lift your chest"),
        "guide": HudView(**base, guide=("Kneeling Hip Flexor Stretch", "Set up:", "Camera to your side at hip "
                                        "height, 2.5-3 m away, whole body in frame.", "How to:",
                                        "From kneeling, step one foot forward: front knee at about 90 degrees.",
                                        "Press any key to start (or wait a few seconds).")),
    }


def _check_boxes(layout, W: int, H: int) -> None:
    window = Rect(0, 0, W, H)
    for b in layout.boxes:
        assert b.rect.inside(window), f"{b.role} {b.text!r} {b.rect} leaves the {W}x{H} window"
        assert b.rect.w > 0 and b.rect.h > 0
    for a, b in itertools.combinations(layout.boxes, 2):
        assert not a.rect.overlaps(b.rect), f"{a.role} {a.text!r} {a.rect} overlaps {b.role} {b.text!r} {b.rect}"


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("kind", ["hold", "reps", "paused", "guide"])
def test_live_screen_boxes_inside_and_apart(size, kind):
    W, H = size
    layout = hud_layout(size, views()[kind])
    _check_boxes(layout, W, H)
    if kind != "guide":
        assert layout.image is not None and layout.image.inside(Rect(0, 0, W, H))
        assert abs(layout.image.w / layout.image.h - 640 / 480) < 0.02        # letterboxed, not stretched
        for b in layout.boxes:
            if b.role != "angle":
                assert not b.rect.overlaps(layout.image) or b.role.startswith("paused"), b


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("kind", ["hold", "reps"])
def test_main_count_and_cue_are_big_enough(size, kind):
    W, H = size
    layout = hud_layout(size, views()[kind])
    main = layout.box("main")
    assert main is not None and main.rect.h >= MAIN_MIN * H, main
    cues = [b for b in layout.boxes if b.role == "cue"]
    assert cues, "the cue is not on the screen"
    assert all(b.rect.h >= CUE_MIN * H for b in cues), cues
    # the whole cue is shown, word for word (nothing clipped at the edge)
    assert " ".join(b.text for b in cues) == views()[kind].cue
    assert layout.ring is not None and layout.ring.r * 2 >= main.rect.h
    assert not layout.dropped_labels


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_angle_labels_name_the_measure_with_a_unit_and_never_overlap(size):
    layout = hud_layout(size, views()["hold"])
    labels = [b for b in layout.boxes if b.role == "angle"]
    assert sorted(b.text for b in labels) == ["Back hip 166°", "Front hip 91°", "Front knee 90°", "Torso lean 12°"]
    assert {b.icon for b in labels} == {"pass", "fail", "neutral"}       # a shape, not colour alone
    for b in labels:
        assert b.rect.inside(layout.image)


def test_side_indicator_reads_big():
    W, H = 1280, 720
    layout = hud_layout((W, H), views()["hold"])
    side = layout.box("side")
    assert side is not None and side.text == "LEFT" and side.rect.h >= 0.06 * H
    assert layout.box("side_sub").text == "leg forward"


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_summary_screen_fits(size):
    W, H = size
    view = SummaryView("Set complete", ("Left leg forward: 1 hold, 30 s in good form of 30 s",
                                        "Right leg forward: 1 hold, 27 s in good form of 30 s",
                                        "To work on: keep the torso upright (twice, 6 s in all)"),
                       next="Next: Child's Pose with Side Reach", hint="Press any key to close (closes by itself in 20 s)")
    layout = summary_layout(size, view)
    _check_boxes(layout, W, H)
    body = [b for b in layout.boxes if b.role in ("summary", "summary_next")]
    assert " ".join(b.text for b in body).count("Right leg forward") == 1
    assert layout.box("summary_next") is not None and layout.box("hint") is not None
    assert layout.box("summary_title").rect.h >= 0.06 * H


def test_the_measure_is_real_text_metrics():
    # the layout tests above are only worth something if the metrics are the drawn font's
    w1, h1 = pygame_measure("Lift your chest", 40)
    w2, h2 = pygame_measure("Lift your chest", 80)
    assert w2 > 1.8 * w1 and h2 > 1.8 * h1
