"""Rep counting: hysteresis, minimum phase and rep durations, either order, grace on
missing values, exact counts. Times step at 1/16 s so sums are exact in binary."""

import pytest

from coach.core import events as ev
from coach.rules.pose_spec import RepRule
from coach.core.reps import RepCounter

DT = 1.0 / 16.0
RULE = RepRule(measure="m", low_enter=-10.0, low_exit=-4.0, high_enter=10.0, high_exit=4.0,
               min_phase_s=0.3, min_rep_s=1.0, grace_s=1.5, target=10)


def run(segments, rule=RULE, t0=0.0, neutral=0.0):
    """segments: [(value or None, seconds)]; returns (counter, events). `neutral`: the
    person's learnt neutral (None: not learnt, the signal alone counts)."""
    c = RepCounter(rule)
    events = []
    t = t0
    for value, secs in segments:
        n = round(secs / DT)
        for _ in range(n):
            events += c.step(t, value, neutral)
            t += DT
    return c, events


def kinds(events, kind):
    return [e for e in events if e.kind == kind]


@pytest.mark.parametrize("n", [1, 3, 10])
def test_exact_count_for_n_cycles_low_first(n):
    c, events = run([(0.0, 1.0)] + [(-20.0, 1.0), (0.0, 0.5), (20.0, 1.0), (0.0, 0.5)] * n)
    assert c.count == n
    assert [e.data["count"] for e in kinds(events, ev.REP)] == list(range(1, n + 1))
    assert len(kinds(events, ev.PHASE)) == 2 * n
    assert not kinds(events, ev.REP_REJECTED)


@pytest.mark.parametrize("n", [1, 4])
def test_exact_count_high_first(n):
    c, _ = run([(0.0, 1.0)] + [(20.0, 1.0), (0.0, 0.5), (-20.0, 1.0), (0.0, 0.5)] * n)
    assert c.count == n


def test_rep_times_and_peaks():
    # low from 1.0 s (peak -25), high entered at 3.0 s (peak 22), confirmed 0.3 s later
    c, _ = run([(0.0, 1.0), (-20.0, 0.5), (-25.0, 0.5), (0.0, 1.0), (22.0, 1.0), (0.0, 1.0)])
    assert c.count == 1
    r = c.records[0]
    assert r.start == pytest.approx(1.0)
    assert r.end == 3.3125            # first frame (1/16 s steps) at least min_phase_s after 3.0
    assert r.low_peak == -25.0 and r.high_peak == 22.0


def test_half_cycle_is_not_a_rep():
    c, _ = run([(0.0, 1.0), (-20.0, 1.0), (0.0, 1.0), (-20.0, 1.0), (0.0, 1.0)])
    assert c.count == 0


def test_jitter_around_one_threshold_never_counts():
    seq = []
    for _ in range(80):                   # +-1 around low_enter, every frame
        seq += [(-11.0, DT), (-9.0, DT)]
    for _ in range(80):                   # and around high_enter
        seq += [(11.0, DT), (9.0, DT)]
    c, events = run([(0.0, 1.0)] + seq)
    assert c.count == 0
    assert not kinds(events, ev.PHASE)


def test_jitter_inside_the_exit_band_keeps_one_phase():
    # enter low, then bounce between -11 and -5 (never past low_exit -4), then high once
    seq = [(-20.0, 1.0)]
    for _ in range(20):
        seq += [(-11.0, 0.5), (-5.0, 0.5)]
    c, events = run([(0.0, 1.0)] + seq + [(20.0, 1.0), (0.0, 1.0)])
    assert c.count == 1
    assert [e.data["phase"] for e in kinds(events, ev.PHASE)] == ["low", "high"]


def test_oscillation_between_exit_thresholds_never_counts():
    seq = []
    for _ in range(30):
        seq += [(-9.0, 0.5), (9.0, 0.5)]
    c, _ = run([(0.0, 1.0)] + seq)
    assert c.count == 0


def test_phase_shorter_than_min_phase_is_ignored():
    short = 0.25                          # < min_phase_s 0.3
    c, events = run([(0.0, 1.0)] + [(-20.0, short), (0.0, 1.0), (20.0, short), (0.0, 1.0)] * 5)
    assert c.count == 0
    assert not kinds(events, ev.PHASE)


def test_phase_just_longer_than_min_phase_counts():
    c, _ = run([(0.0, 1.0)] + [(-20.0, 0.375), (0.0, 0.5), (20.0, 0.375), (0.0, 0.5)] * 3)
    assert c.count == 3


def test_too_fast_rep_is_rejected_then_slow_ones_count():
    fast = [(-20.0, 0.375), (20.0, 0.375)]          # full cycle well under min_rep_s 1.0
    c, events = run([(0.0, 1.0)] + fast + [(0.0, 1.0)] + fast + [(0.0, 1.0)])
    assert c.count == 0
    rej = kinds(events, ev.REP_REJECTED)
    assert len(rej) == 2
    assert all(e.data["duration_s"] < 1.0 for e in rej)
    assert rej[0].text == RULE.too_fast_cue
    # a rejected cycle never lends its phase to the next one
    c2, _ = run([(0.0, 1.0)] + fast + [(0.0, 1.0), (-20.0, 1.0), (0.0, 0.5), (20.0, 1.0)])
    assert c2.count == 1


def test_short_gap_within_grace_keeps_the_half_rep():
    c, _ = run([(0.0, 1.0), (-20.0, 1.0), (None, 1.0), (20.0, 1.0), (0.0, 1.0)])
    assert c.count == 1


def test_gap_longer_than_grace_drops_the_half_rep():
    c, _ = run([(0.0, 1.0), (-20.0, 1.0), (None, 2.0), (20.0, 1.0), (0.0, 1.0)])
    assert c.count == 0
    assert c.phase == "neutral"


def test_nan_counts_as_unseen():
    c, _ = run([(0.0, 1.0), (-20.0, 1.0), (float("nan"), 2.0), (20.0, 1.0), (0.0, 1.0)])
    assert c.count == 0


def test_counter_side_is_reported():
    c = RepCounter(RULE, side="left")
    out = []
    t = 0.0
    for v in [-20.0] * 16 + [20.0] * 16:
        out += c.step(t, v, 0.0)
        t += DT
    reps = kinds(out, ev.REP)
    assert len(reps) == 1 and reps[0].side == "left" and c.records[0].side == "left"


# ---- counting from the signal itself (no neutral learnt: moving from t=0, never still)

def ramp(a, b, secs):
    """A straight move from a to b over secs, one value per frame."""
    n = round(secs / DT)
    return [(a + (b - a) * (i + 1) / n, DT) for i in range(n)]


def test_cycles_from_t0_count_without_a_neutral():
    # starts in cow (+15) at t=0 and never holds still: cat, cow, cat, cow, cat = 2 cycles
    seq = []
    v = 15.0
    for target in (-30.0, 15.0, -30.0, 15.0, -30.0):
        seq += ramp(v, target, 1.0) + [(target, 0.5)]
        v = target
    c, events = run(seq, neutral=None)
    assert c.count == 2
    assert [e.data["phase"] for e in kinds(events, ev.PHASE)] == ["low", "high", "low", "high", "low"]


def test_cycles_count_around_any_offset_without_a_neutral():
    # the same movement 40 deg off zero (a neutral that was never learnt) counts the same
    seq = []
    for _ in range(3):
        seq += ramp(40.0, 5.0, 1.0) + [(5.0, 0.5)] + ramp(5.0, 40.0, 1.0) + [(40.0, 0.5)]
    c, _ = run([(40.0, 0.5)] + seq, neutral=None)
    assert c.count == 3


def test_a_small_swing_without_a_neutral_never_counts():
    # 20 deg back and forth is below the swing (1.5 x 20 = 30): a half movement, not a cycle
    seq = []
    for _ in range(5):
        seq += ramp(0.0, -20.0, 1.0) + ramp(-20.0, 0.0, 1.0)
    c, _ = run(seq, neutral=None)
    assert c.count == 0


def test_a_known_neutral_refines_small_but_clear_cycles():
    # +-12 around the neutral: too small a swing for the signal alone (24 < 30), counted
    # once the neutral says both phases were reached
    seq = [(0.0, 1.0)] + [(-12.0, 1.0), (0.0, 0.5), (12.0, 1.0), (0.0, 0.5)] * 2
    assert run(seq, neutral=None)[0].count == 0
    assert run(seq, neutral=0.0)[0].count == 2


def test_moving_from_a_neutral_start_at_t0_counts_the_first_cycle():
    # neutral at t=0 and straight into cat, cow, back: 3 cycles, the first one included
    seq = []
    for _ in range(3):
        seq += ramp(0.0, -20.0, 1.0) + ramp(-20.0, 20.0, 2.0) + ramp(20.0, 0.0, 1.0)
    c, _ = run(seq, neutral=None)
    assert c.count == 3
