"""Person plausibility (coach/core/plausibility.py): title cards, logos and text never make
a person, a cue or a count; a real body is accepted after it persists."""

from __future__ import annotations

import numpy as np

from coach.core.engine import Engine
from coach.core.plausibility import PersonGate, PlausibilitySettings, plausible_frame
from coach.rules.pose_spec import load_pose
from stick import Stick

S = PlausibilitySettings()
BODY = Stick(torso=0.0, head=0.0, thigh={"left": -90.0, "right": -90.0}, shin={"left": 180.0, "right": 180.0},
             upper={"left": -90.0, "right": -90.0}, fore={"left": -90.0, "right": -90.0}).frame()


def title_card(rng: np.random.Generator) -> np.ndarray:
    """What MediaPipe returned on a real clip's logo end card: a squashed skeleton over the
    text, shoulders 'seen', hips and legs at 0.0-0.1."""
    lm = np.zeros((33, 4))
    lm[:, 0] = 600 + rng.normal(0, 120, 33)
    lm[:, 1] = 300 + rng.normal(0, 15, 33)
    lm[:, 3] = rng.uniform(0.0, 0.6, 33)
    lm[[11, 12], :2] = (500, 300), (505, 302)
    lm[[23, 24], :2] = (660, 305), (662, 306)
    lm[[11, 12], 3] = 0.95
    lm[[23, 24], 3] = rng.uniform(0.0, 0.1, 2)
    return lm


def test_a_body_is_plausible_a_title_card_is_not():
    rng = np.random.default_rng(0)
    assert plausible_frame(BODY, S)
    assert not any(plausible_frame(title_card(rng), S) for _ in range(50))
    assert not plausible_frame(None, S)


def test_after_a_person_is_lost_a_new_one_must_persist():
    g = PersonGate(S)
    assert g.step(0.0, BODY)                              # the session's first person: at once
    [g.step(i / 10, BODY) for i in range(1, 10)]
    assert g.step(1.0, None) is False and g.confirmed     # a dropped frame: the person is kept...
    assert g.step(1.1, BODY)                              # ...and back at once
    got = [g.step(3.0 + i / 10, BODY) for i in range(8)]  # after a long gap: confirmed again
    assert got[:5] == [False] * 5 and all(got[5:])        # only after 0.5 s


def test_flickering_single_frame_detections_never_come_back_as_a_person():
    g = PersonGate(S)
    [g.step(i / 10, BODY) for i in range(10)]             # a person, who then leaves
    assert not any(g.step(5.0 + i / 10, BODY if i % 12 == 0 else None) for i in range(100))


def test_title_cards_give_no_person_no_cue_no_count():
    rng = np.random.default_rng(1)
    e = Engine(load_pose("cat_cow"))
    results = [e.step(i / 10, title_card(rng)) for i in range(100)]
    assert not any(r.person for r in results)
    assert results[-1].reps == 0
    # nothing but the no-person prompt: no person found, no form, view or set-up cue
    assert {x.kind for x in e.events} <= {"cue"}
    assert all("Step into the frame" in x.text for x in e.events)
