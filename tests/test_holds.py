"""Hold timer: start after min_enter_s, pause/resume within grace_s, end after a longer
lapse, completion at the target, side switch, finish(). 1/16 s steps (exact in binary)."""


import pytest

from coach.core import events as ev
from coach.core.holds import HoldTimer
from coach.rules.pose_spec import HoldRule

DT = 1.0 / 16.0
RULE = HoldRule(seconds=10.0, count=1, min_enter_s=0.5, grace_s=2.0)


def run(segments, rule=RULE, timer=None, t0=0.0):
    """segments: [(in_position, side, seconds)] -> (timer, events, t_after)."""
    h = timer or HoldTimer(rule)
    events = []
    t = t0
    for inpos, side, secs in segments:
        for _ in range(round(secs / DT)):
            events += h.step(t, inpos, side)
            t += DT
    return h, events, t


def kinds(events, kind):
    return [e for e in events if e.kind == kind]


def test_starts_only_after_min_enter():
    h, events, _ = run([(False, "none", 1.0), (True, "none", 0.4375)])
    assert h.state == "entering" and h.current is None and not events
    h, events, _ = run([(False, "none", 1.0), (True, "none", 0.5625)])   # frames 1.0 .. 1.5
    starts = kinds(events, ev.HOLD_START)
    assert len(starts) == 1
    assert starts[0].t == 1.0                 # the hold is dated from entering
    assert h.state == "holding"
    assert h.current.start == 1.0
    assert h.elapsed == 0.0                   # the settling time is not held time


def test_brief_entries_never_start_a_hold():
    h, events, _ = run([(True, "none", 0.375), (False, "none", 0.25)] * 10)
    assert not events and h.current is None and h.records == []


def test_short_lapse_pauses_and_resumes_excluding_the_lapse():
    # in position 1..5 s, out 5..6 s (< grace 2 s), in again 6..9 s
    h, events, t = run([(False, "none", 1.0), (True, "none", 4.0), (False, "none", 1.0), (True, "none", 3.0)])
    assert [e.kind for e in events] == [ev.HOLD_START, ev.HOLD_PAUSE, ev.HOLD_RESUME]
    assert kinds(events, ev.HOLD_PAUSE)[0].t == 5.0
    assert kinds(events, ev.HOLD_RESUME)[0].t == 6.0
    assert h.state == "holding" and h.current.pauses == 1
    # time in position excluding the lapse: from the hold start (1.0 + min_enter_s) to the
    # last in-position frame before the lapse, plus resume (6.0) to the last frame (9.0-DT)
    assert h.elapsed == (5.0 - DT - 1.5) + (9.0 - DT - 6.0)


def test_long_lapse_ends_the_hold():
    h, events, _ = run([(True, "none", 4.0), (False, "none", 3.0)])
    ends = kinds(events, ev.HOLD_END)
    assert len(ends) == 1
    assert ends[0].t == 4.0                    # ended when the lapse began
    assert ends[0].data["completed"] is False
    assert h.current is None and h.state == "idle"
    rec = h.records[0]
    assert rec.start == 0.0 and rec.end == 4.0 and not rec.completed
    assert rec.in_tolerance_s == 4.0 - DT - RULE.min_enter_s


def test_lapse_exactly_within_grace_then_back_does_not_end():
    h, events, _ = run([(True, "none", 4.0), (False, "none", 1.9375), (True, "none", 1.0)])
    assert not kinds(events, ev.HOLD_END)
    assert h.state == "holding"


def test_completion_when_time_in_tolerance_reaches_target():
    h, events, _ = run([(False, "none", 1.0), (True, "none", 12.0)])
    done = kinds(events, ev.HOLD_COMPLETE)
    assert len(done) == 1
    assert done[0].t == 11.5                   # 10 s held after settling (1.0 + min_enter_s)
    assert done[0].text == RULE.done_cue
    assert h.completed("none") == 1
    # the hold goes on until released
    assert h.state == "holding" and h.current is not None


def test_completion_excludes_a_paused_lapse():
    h, events, _ = run([(True, "none", 6.0), (False, "none", 1.5), (True, "none", 6.0)])
    done = kinds(events, ev.HOLD_COMPLETE)
    assert len(done) == 1
    # held 0.5 .. 6-DT before the lapse (5.5-DT s), the other 4.5+DT s after resuming at 7.5
    assert done[0].t == 7.5 + 4.5 + DT


def test_side_switch_ends_the_hold_and_starts_the_other_side():
    h, events, _ = run([(True, "left", 5.0), (True, "right", 3.0)])
    ends = kinds(events, ev.HOLD_END)
    assert len(ends) == 1 and ends[0].side == "left" and ends[0].t == 5.0
    starts = kinds(events, ev.HOLD_START)
    assert [(e.side, e.t) for e in starts] == [("left", 0.0), ("right", 5.0)]
    assert h.records[0].side == "left" and h.records[0].end == 5.0
    assert h.current.side == "right"


def test_completed_per_side():
    h, _, _ = run([(True, "left", 11.0), (False, "left", 3.0), (True, "right", 11.0)])
    assert h.completed("left") == 1 and h.completed("right") == 1
    assert [r.side for r in h.records] == ["left"]


def test_finish_closes_an_open_hold():
    h, _, t = run([(True, "left", 4.0)])
    out = h.finish(t)
    assert [e.kind for e in out] == [ev.HOLD_END]
    assert h.current is None and len(h.records) == 1
    assert h.records[0].end == t and h.records[0].completed is False
    assert h.finish(t + 1.0) == []


def test_finish_during_a_pause_ends_at_the_lapse():
    h, _, t = run([(True, "none", 4.0), (False, "none", 1.0)])
    assert h.state == "paused"
    h.finish(t)
    assert h.records[0].end == 4.0


def test_measure_peaks_recorded_during_hold():
    h = HoldTimer(RULE)
    t = 0.0
    for v in [95.0, 90.0, 88.0, 92.0] * 8:
        h.step(t, True, "none", {"knee": v, "hidden": None})
        t += DT
    assert h.current.peaks["knee"] == (88.0, 95.0)
    assert "hidden" not in h.current.peaks


def test_form_faults_are_timed_beside_the_clock():
    # 6.5 s in position: 2.5 s in good form, 3 s with a form fault open, 1 s good again
    h = HoldTimer(RULE)
    t = 0.0
    for good, secs in [(True, 2.5), (False, 3.0), (True, 1.0)]:
        for _ in range(round(secs / DT)):
            h.step(t, True, "none", good_form=good)
            t += DT
    cur = h.current
    assert cur.in_tolerance_s == pytest.approx(6.5 - RULE.min_enter_s - DT)   # the clock never paused
    assert cur.good_form_s == pytest.approx(cur.in_tolerance_s - 3.0)
    assert cur.pauses == 0
