"""coach bench accuracy on synthetic clips: how holds are paired with the truth, and the
spine clips' hold table (issue 13's pelvic tilt target)."""

from __future__ import annotations

from coach.bench.accuracy import ClipResult, _match_holds, _pair_holds, spine_hold_rows


def _h(start, end, held, side="none"):
    return {"start": start, "end": end, "in_tolerance_s": held, "in_position_s": held, "side": side}


def test_one_long_hold_over_two_tilts_finds_only_one():
    truth = [_h(3, 9, 6.0), _h(12, 18, 6.0)]
    merged = [_h(2.6, 18.5, 15.0)]
    assert _pair_holds(truth, merged) == [0, None]
    assert _match_holds(truth, merged) == [9.0, 6.0]
    assert _pair_holds(truth, [_h(3.2, 9, 5.5), _h(12.1, 18, 5.9)]) == [0, 1]
    assert _pair_holds([_h(3, 9, 6.0, "left")], [_h(3, 9, 6.0, "right")]) == [None]


def test_spine_hold_rows_share_found_and_time_held_lying_still():
    def clip(name, holds_true, found, held_s, dur=10.0):
        return ClipResult(name, "pelvic_tilt", 0.0, True, 100, 100, holds_true=holds_true, holds_found=found,
                          held_s=held_s, duration_s=dur, spine_errors={"arch": [0.1]})

    rows = spine_hold_rows([clip("a", 2, 2, 11.0), clip("b", 2, 1, 6.0), clip("still", 0, 0, 1.0, dur=20.0)])
    row = next(r for r in rows if r.startswith("pelvic_tilt"))
    assert "3/4" in row and "75%" in row and "5.0% of 20.0 s" in row
    assert spine_hold_rows([clip("still", 0, 0, 0.0)]) == []          # nothing to find: no table
