"""Cue arbitration: one cue at a time, most important first, a minimum gap between cues
and a repeat window per cue."""

from coach.core.cues import EVENT, FORM, PHASE, PRAISE, SAFETY, SETUP, VIEW, CueArbiter, CueSettings

S = CueSettings(min_gap_s=2.5, repeat_s=8.0, show_s=3.0)


def test_priority_constants_order():
    assert SAFETY < VIEW < SETUP < FORM < EVENT < PHASE < PRAISE


def test_one_cue_at_a_time_highest_priority_first():
    a = CueArbiter(S)
    said = a.step(0.0, [(FORM, "Lift your chest"), (VIEW, "Turn sideways"), (PHASE, "Inhale")])
    assert said == "Turn sideways"
    assert a.current == "Turn sideways"
    # the others wait: nothing else in the same instant
    assert a.step(0.0, [(FORM, "Lift your chest"), (PHASE, "Inhale")]) is None


def test_empty_texts_are_ignored():
    a = CueArbiter(S)
    assert a.step(0.0, [(SAFETY, ""), (FORM, "Straighten your knees")]) == "Straighten your knees"
    assert a.step(10.0, []) is None


def test_min_gap_between_cues():
    a = CueArbiter(S)
    assert a.step(0.0, [(FORM, "a")]) == "a"
    assert a.step(1.0, [(FORM, "b")]) is None
    assert a.step(2.4, [(FORM, "b")]) is None
    assert a.step(2.5, [(FORM, "b")]) == "b"


def test_higher_priority_may_interrupt_after_one_second():
    a = CueArbiter(S)
    assert a.step(0.0, [(PHASE, "Inhale")]) == "Inhale"
    assert a.step(0.5, [(EVENT, "Good, hold it")]) is None
    assert a.step(1.0, [(EVENT, "Good, hold it")]) == "Good, hold it"
    # equal or lower priority waits the full gap
    assert a.step(2.5, [(EVENT, "Ten")]) is None
    assert a.step(3.5, [(EVENT, "Ten")]) == "Ten"


def test_same_cue_repeats_only_after_repeat_window():
    a = CueArbiter(S)
    assert a.step(0.0, [(FORM, "Lift your chest")]) == "Lift your chest"
    for t in (3.0, 5.0, 7.9):
        assert a.step(t, [(FORM, "Lift your chest")]) is None
    assert a.step(8.0, [(FORM, "Lift your chest")]) == "Lift your chest"


def test_blocked_cue_lets_the_next_one_through():
    a = CueArbiter(S)
    assert a.step(0.0, [(FORM, "Lift your chest")]) == "Lift your chest"
    assert a.step(3.0, [(FORM, "Lift your chest"), (PHASE, "Breathe out")]) == "Breathe out"


def test_current_cue_clears_after_show_time():
    a = CueArbiter(S)
    a.step(0.0, [(FORM, "a")])
    a.step(2.9, [])
    assert a.current == "a"
    a.step(3.1, [])
    assert a.current is None


def test_a_repeated_fault_over_a_minute_is_said_every_repeat_window():
    a = CueArbiter(S)
    said = [t / 10 for t in range(0, 600) if a.step(t / 10, [(FORM, "Lift your chest")])]
    assert said == [0.0, 8.0, 16.0, 24.0, 32.0, 40.0, 48.0, 56.0]
