"""Load and validate the stretch rules in poses/*.toml into dataclasses.

Every error names the file, the line and the key, so a physio editing a threshold sees
exactly what to fix. The engine reads these specs and never names a stretch.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from coach.core.landmarks import SIDES, is_known
from coach.rules.model_calibration import model_kind, visibility_scales
from coach.rules.toml_reader import SpecError, TomlReader, read_toml

POSES_DIR = Path(__file__).resolve().parents[2] / "poses"

MEASURE_KINDS = {"angle": 3, "bend": 3, "incline": 2, "offset": 2, "spine_curve": 2, "lumbar_arch": 2}
#: Kinds read off the back's outline (coach/core/contour.py): their points are the hip and
#: the shoulder, and a pose that uses one makes the edge compute the segmentation mask.
CONTOUR_KINDS = ("spine_curve", "lumbar_arch")
SPINE_PARTS = ("whole", "upper", "lower")
#: Where a measure is read when the backend gives world landmarks (issue 12 item 6): "2d" the
#: image, "3d" MediaPipe's world landmarks, "fused" the two weighted by the view offset
#: (coach/core/view.py). Only angle and incline measures have a 3-D reading. Their default,
#: in a stretch judged off the side view (`[view] max_offset_deg`), is chosen from
#: `coach bench accuracy sample_videos/views` (README, "Oblique cameras"); a stretch judged
#: only side-on (width-ratio gate) reads the image, as its thresholds were set: there the
#: 3-D reading adds its own offset and nothing else (the forward bend's hinge moved a degree
#: across its 45 degree line).
SPACES = ("2d", "3d", "fused")
SPACE_KINDS = ("angle", "incline")
DEFAULT_SPACE = {"angle": "fused", "incline": "2d"}
CHECK_ROLES = ("setup", "form", "target")
VIEWS = ("side", "front")
SIDE_DETECT = ("smaller", "larger", "sign")
STRETCH_DIRECTIONS = ("", "lower", "higher")


@dataclass(frozen=True)
class Measure:
    """A number read off one frame's landmarks. `{side}`/`{other}` in point names resolve
    to the active side and the other side; `{near}` to the side nearer the camera."""

    name: str
    kind: str                      # angle | bend | incline | offset | spine_curve | lumbar_arch
    points: tuple[str, ...]
    reference: str = "vertical"    # incline: "vertical" | "horizontal"
    axis: str = "x"                # offset: "x" | "y" (y up)
    scale: tuple[str, str] = ("mid_shoulder", "mid_hip")  # offset: divide by this length
    absolute: bool = False         # take the magnitude (e.g. offsets that flip with facing)
    relative: bool = False         # baseline measures: the change read in % of the rest, not in `unit`
    rest_floor: float = 0.0        # ... where a rest smaller than this (in `unit`) counts as this
    baseline: bool = False         # relative to the person's own neutral
    facing: tuple[str, str] | None = None  # negate when this segment points image-left
    unit: str = "deg"
    help: str = ""
    part: str = "whole"            # spine_curve: whole | upper | lower back
    still_range: float | None = None  # baseline measures: the neutral is learnt only while the
                                      # measure moves less than this over baseline_s (default per unit: STILL_RANGE)
    stretch: str = ""              # baseline measures: "lower"/"higher" = the stretch moves the value that
                                   # way, so the rest is the least-stretched stillness seen; "" = either way
    space: str = "2d"              # angle/incline: "2d" | "3d" | "fused" (default: DEFAULT_SPACE off-view, else 2d)


@dataclass(frozen=True)
class Check:
    """One threshold on a measure. `setup`: the person is in the stretch's basic position
    (else nothing is judged or counted). `form`: a fault while set up. `target`: where the
    stretch should reach (no fault, a hint). Form and target checks define 'in position'."""

    id: str
    measure: str
    role: str = "form"
    min: float | None = None
    max: float | None = None
    hysteresis: float = 2.0        # a failing check must come this far back inside to pass
    cue_low: str = ""
    cue_high: str = ""
    label: str = ""
    required_for_hold: bool = True  # its failure pauses the hold clock (default: target checks yes,
                                    # form checks no: a form fault is recorded beside the hold)
    when: When | None = None        # judged only while another measure is in a band (else not judged)


@dataclass(frozen=True)
class When:
    """The phase of a stretch where a check means what it says, as a band on another
    measure, optionally held still: e.g. a flat-back check belongs to the held hinge, not
    to sitting up between folds nor to rolling down or up (which rounds the back by design)."""

    measure: str
    min: float | None = None
    max: float | None = None
    still_s: float | None = None    # ... and has held still (within its still_range) this long

    def holds(self, value: float | None) -> bool:
        """True while `value` (the measure as read) is seen and inside the band."""
        return value is not None and (self.min is None or value >= self.min) and (self.max is None or value <= self.max)


@dataclass(frozen=True)
class SideRule:
    mode: str = "none"             # "none" | "per_side"
    detect: str = "smaller"        # smaller | larger | sign
    measure: str = ""
    positive: str = "left"         # detect = "sign": the side a positive value means
    min_size: float = 0.0          # detect = "sign": a value nearer 0 names no side (e.g. arms ahead)
    switch_after_s: float = 1.0    # a new side must win this long before the coach follows
    labels: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RepRule:
    """Cycle counting with hysteresis on one measure: a rep is a visit to the low phase
    and the high phase (either order), each held at least `min_phase_s`."""

    measure: str
    low_enter: float
    low_exit: float
    high_enter: float
    high_exit: float
    min_phase_s: float = 0.3
    min_rep_s: float = 1.0         # faster cycles are not counted (and cued)
    grace_s: float = 1.5           # measure unseen this long drops a half-done rep
    target: int = 10
    low_cue: str = ""
    high_cue: str = ""
    too_fast_cue: str = "Slow down: move smoothly"
    swing: float | None = None     # entering a phase from the signal alone: this far past the last
                                   # opposite extreme (None: 1.5 x (high_enter - low_enter))


@dataclass(frozen=True)
class HoldRule:
    """A timed hold: in position (all required checks pass) for `seconds`, `count` times
    per side. Lapses shorter than `grace_s` pause the timer instead of ending the hold."""

    seconds: float
    count: int = 1
    min_enter_s: float = 1.0        # settling time before the hold clock runs
    grace_s: float = 2.0
    extra_checks: tuple[str, ...] = ()   # measures-as-conditions used only for the hold
    start_cue: str = "Good, hold it there"
    done_cue: str = "Done. Release gently"
    switch_cue: str = "Now switch sides"


@dataclass(frozen=True)
class ViewRule:
    kind: str = "side"
    # width ratio = mean(shoulder width, hip width) / torso length in the image:
    # about 0 in a true side view, about 1 facing the camera.
    max_width_ratio: float | None = None
    min_width_ratio: float | None = None
    after_s: float = 1.5
    cue: str = "Turn sideways to the camera"
    # with world landmarks: judge while the camera is at most this many degrees off the
    # side view (coach/core/view.py), warn beyond; the width ratio applies only without them
    max_offset_deg: float | None = None
    # a learnt neutral further from 0 than this (per baseline measure) means the camera
    # looks at an angle: the coach says `neutral_cue`, judges nothing, and learns the
    # neutral again once the person has left the set-up position (sat up to fix the camera)
    neutral_max: tuple[tuple[str, float], ...] = ()
    neutral_cue: str = "The camera sees you at an angle: sit up and turn it square to your side"


@dataclass(frozen=True)
class PoseSpec:
    name: str
    title: str
    summary: str
    view: ViewRule
    setup_guide: tuple[str, ...]
    instructions: tuple[str, ...]
    measures: dict[str, Measure]
    checks: tuple[Check, ...]
    side: SideRule
    reps: RepRule | None
    hold: HoldRule | None
    baseline_s: float = 2.0
    fault_after_s: float = 0.7
    fault_clear_s: float = 0.3
    min_visibility: float = 0.5
    setup_cue: str = "Get into the starting position"
    baseline_cue: str = "Hold still in the starting position"   # while the neutral is gathered
    source: str = ""
    visibility_scale: tuple[tuple[str, float], ...] = ()   # model -> factor on min_visibility (poses/models/)

    @property
    def sides(self) -> tuple[str, ...]:
        return SIDES if self.side.mode == "per_side" else ("none",)

    @property
    def uses_contour(self) -> bool:
        """True when a measure reads the back's outline: only then is the mask computed."""
        return any(m.kind in CONTOUR_KINDS for m in self.measures.values())

    @property
    def rest_has_direction(self) -> bool:
        """Every baseline measure says which way the stretch moves it (so the rest is the
        least-stretched stillness seen, and a review can judge its frames again with it)."""
        base = [m for m in self.measures.values() if m.baseline]
        return bool(base) and all(m.stretch for m in base)

    def for_model(self, model: str) -> "PoseSpec":
        """This spec for landmarks from `model` (a backend's or trace's model name): its
        visibility threshold on that model's scale (coach/rules/model_calibration.py)."""
        scale = dict(self.visibility_scale).get(model_kind(model), 1.0)
        return self if scale == 1.0 else replace(self, min_visibility=self.min_visibility * scale)

    def check(self, check_id: str) -> Check:
        for c in self.checks:
            if c.id == check_id:
                return c
        raise KeyError(check_id)


# ---------------------------------------------------------------- loading


_UNITS = {"deg": (-360.0, 360.0), "ratio": (-10.0, 10.0), "pct": (-100.0, 100.0)}
STILL_RANGE = {"deg": 4.0, "ratio": 0.05, "pct": 2.0}   # default still_range per unit (landmark noise on real video)


def _measure(r: TomlReader, name: str, t: dict) -> Measure:
    p = f"measures.{name}"
    r.unknown(t, {"kind", "points", "reference", "axis", "scale", "absolute", "relative", "rest_floor", "baseline", "facing", "unit", "help", "part",
                  "still_range", "stretch", "space"}, p)
    kind = r.get(t, "kind", p, str, choices=tuple(MEASURE_KINDS))
    if "part" in t and kind != "spine_curve":
        raise r.fail(f"{p}.part", f"only a 'spine_curve' measure takes a part, not a '{kind}' one")
    points = r.get(t, "points", p, list)
    if len(points) != MEASURE_KINDS[kind]:
        raise r.fail(f"{p}.points", f"a '{kind}' measure takes {MEASURE_KINDS[kind]} points, got {len(points)}")
    facing = r.get(t, "facing", p, list, None)
    if facing is not None and len(facing) != 2:
        raise r.fail(f"{p}.facing", "takes two landmark names (e.g. [\"mid_hip\", \"mid_shoulder\"])")
    for key, names in (("points", points + list(t.get("scale", []))), ("facing", facing or [])):
        for pt in names:
            if not isinstance(pt, str) or not is_known(pt.replace("{side}", "left").replace("{other}", "left").replace("{near}", "left")):
                raise r.fail(f"{p}.{key}", f"unknown landmark {pt!r} (MediaPipe names, mid_* or {{side}}_/{{other}}_/{{near}}_ prefixes)")
    scale = r.get(t, "scale", p, list, ["mid_shoulder", "mid_hip"])
    if len(scale) != 2:
        raise r.fail(f"{p}.scale", "takes two landmark names")
    if "stretch" in t and not t.get("baseline", False):
        raise r.fail(f"{p}.stretch", "only a measure with baseline = true has a stretch direction")
    if ("relative" in t or "rest_floor" in t) and not t.get("baseline", False):
        raise r.fail(f"{p}.relative", "only a measure with baseline = true is read relative to its rest")
    if "rest_floor" in t and not t.get("relative", False):
        raise r.fail(f"{p}.rest_floor", "rest_floor goes with relative = true")
    if t.get("relative", False) and not (isinstance(t.get("rest_floor"), (int, float)) and t["rest_floor"] > 0):
        raise r.fail(f"{p}.rest_floor", "a relative measure needs rest_floor > 0 (the smallest rest it divides by)")
    default_unit = {"offset": "ratio", "lumbar_arch": "pct"}.get(kind, "deg")
    unit = r.get(t, "unit", p, str, default_unit, choices=(default_unit,))
    return Measure(
        name=name, kind=kind, points=tuple(points),
        reference=r.get(t, "reference", p, str, "vertical", choices=("vertical", "horizontal")),
        axis=r.get(t, "axis", p, str, "x", choices=("x", "y")), scale=(scale[0], scale[1]),
        absolute=r.get(t, "absolute", p, bool, False), relative=r.get(t, "relative", p, bool, False),
        rest_floor=r.get(t, "rest_floor", p, float, 0.0, lo=0.0, hi=1e6), baseline=r.get(t, "baseline", p, bool, False),
        facing=(facing[0], facing[1]) if facing else None, unit=unit, help=r.get(t, "help", p, str, ""),
        part=r.get(t, "part", p, str, "whole", choices=SPINE_PARTS),
        still_range=r.get(t, "still_range", p, float, STILL_RANGE[unit], lo=0.0, hi=_UNITS[unit][1]),
        stretch=r.get(t, "stretch", p, str, "", choices=STRETCH_DIRECTIONS),
        space=_space(r, t, p, kind),
    )


def _space(r: TomlReader, t: dict, p: str, kind: str) -> str:
    """Where the measure is read with world landmarks, as written ("" = the default, set
    once the view rule is known); only angle and incline kinds have a 3-D reading."""
    if kind not in SPACE_KINDS:
        if t.get("space", "2d") != "2d":
            raise r.fail(f"{p}.space", f"only {' and '.join(SPACE_KINDS)} measures have a 3-D reading, not a '{kind}' one")
        return "2d"
    return r.get(t, "space", p, str, "", choices=SPACES)


def _default_spaces(measures: dict[str, Measure], view: ViewRule) -> dict[str, Measure]:
    """Measures with no `space` written get DEFAULT_SPACE in a stretch judged off the side
    view, else the image reading."""
    def space(m: Measure) -> str:
        return DEFAULT_SPACE[m.kind] if view.max_offset_deg is not None else "2d"

    return {n: m if m.space else replace(m, space=space(m)) for n, m in measures.items()}


def _bound(r: TomlReader, t: dict, key: str, p: str, unit: str) -> float | None:
    lo, hi = _UNITS[unit]
    return r.get(t, key, p, float, None, lo=lo, hi=hi)


def _check(r: TomlReader, i: int, t: dict, measures: dict[str, Measure]) -> Check:
    p = f"checks[{i}]" if "id" not in t else f"checks.{t['id']}"
    r.unknown(t, {"id", "measure", "role", "min", "max", "hysteresis", "cue_low", "cue_high",
                  "label", "required_for_hold", "unit", "when"}, p)
    cid = r.get(t, "id", p, str)
    m = r.get(t, "measure", p, str)
    if m not in measures:
        raise r.fail(f"{p}.measure", f"no measure named {m!r} (have: {', '.join(measures)})")
    unit = r.get(t, "unit", p, str, measures[m].unit)
    if unit != measures[m].unit:
        raise r.fail(f"{p}.unit", f"measure {m!r} is in {measures[m].unit!r}, not {unit!r}")
    lo, hi = _bound(r, t, "min", p, unit), _bound(r, t, "max", p, unit)
    if lo is None and hi is None:
        raise r.fail(f"{p}.min", "a check needs min, max or both")
    if lo is not None and hi is not None and lo >= hi:
        raise r.fail(f"{p}.max", f"max ({hi}) must be above min ({lo})")
    return Check(
        id=cid, measure=m, role=r.get(t, "role", p, str, "form", choices=CHECK_ROLES), min=lo, max=hi,
        hysteresis=r.get(t, "hysteresis", p, float, {"deg": 2.0, "pct": 0.3}.get(unit, 0.03), lo=0.0, hi=45.0),
        cue_low=r.get(t, "cue_low", p, str, ""), cue_high=r.get(t, "cue_high", p, str, ""),
        label=r.get(t, "label", p, str, cid.replace("_", " ")),
        required_for_hold=r.get(t, "required_for_hold", p, bool, t.get("role", "form") != "form"),
        when=_when(r, t, p, measures),
    )


def _when(r: TomlReader, t: dict, p: str, measures: dict[str, Measure]) -> When | None:
    """A check's `when = { measure = "...", min = ..., max = ..., still_s = ... }`: the band
    on another measure inside which the check is judged, and how long that measure must
    have held still (within the measure's `still_range`) first."""
    w = r.get(t, "when", p, dict, None)
    if w is None:
        return None
    q = f"{p}.when"
    if t.get("role", "form") == "setup":
        raise r.fail(q, "a set-up check is always judged: 'when' is for form and target checks")
    r.unknown(w, {"measure", "min", "max", "still_s"}, q)
    m = r.get(w, "measure", q, str)
    if m not in measures:
        raise r.fail(f"{q}.measure", f"no measure named {m!r} (have: {', '.join(measures)})")
    lo, hi = _bound(r, w, "min", q, measures[m].unit), _bound(r, w, "max", q, measures[m].unit)
    if lo is None and hi is None and "still_s" not in w:
        raise r.fail(f"{q}.min", "a 'when' needs min, max or still_s")
    if lo is not None and hi is not None and lo >= hi:
        raise r.fail(f"{q}.max", f"max ({hi}) must be above min ({lo})")
    return When(m, lo, hi, r.get(w, "still_s", q, float, None, lo=0.0, hi=30.0))


def _view(r: TomlReader, d: dict, measures: dict[str, Measure]) -> ViewRule:
    """[view]: the camera view the stretch is judged from."""
    vt = r.get(d, "view", "", dict)
    r.unknown(vt, {"kind", "max_width_ratio", "min_width_ratio", "after_s", "cue", "neutral_max", "neutral_cue",
                   "max_offset_deg"}, "view")
    neutral_t = r.get(vt, "neutral_max", "view", dict, {})
    for n in neutral_t:
        if n not in measures or not measures[n].baseline:
            raise r.fail("view.neutral_max", f"{n!r} is not a measure with baseline = true")
    return ViewRule(
        kind=r.get(vt, "kind", "view", str, choices=VIEWS),
        max_width_ratio=r.get(vt, "max_width_ratio", "view", float, None, lo=0.0, hi=5.0),
        min_width_ratio=r.get(vt, "min_width_ratio", "view", float, None, lo=0.0, hi=5.0),
        after_s=r.get(vt, "after_s", "view", float, 1.5, lo=0.0, hi=30.0),
        cue=r.get(vt, "cue", "view", str, "Turn sideways to the camera"),
        max_offset_deg=r.get(vt, "max_offset_deg", "view", float, None, lo=0.0, hi=90.0),
        neutral_max=tuple((n, r.get(neutral_t, n, "view.neutral_max", float, lo=0.0, hi=_UNITS[measures[n].unit][1]))
                          for n in neutral_t),
        neutral_cue=r.get(vt, "neutral_cue", "view", str, ViewRule.neutral_cue),
    )


def _side(r: TomlReader, d: dict, measures: dict[str, Measure]) -> SideRule:
    """[side]: how the active side is told apart (per-side stretches)."""
    st = r.get(d, "side", "", dict, {})
    r.unknown(st, {"mode", "detect", "measure", "positive", "min_size", "switch_after_s", "labels"}, "side")
    side = SideRule(
        mode=r.get(st, "mode", "side", str, "none", choices=("none", "per_side")),
        detect=r.get(st, "detect", "side", str, "smaller", choices=SIDE_DETECT),
        measure=r.get(st, "measure", "side", str, ""),
        positive=r.get(st, "positive", "side", str, "left", choices=SIDES),
        min_size=r.get(st, "min_size", "side", float, 0.0, lo=0.0, hi=360.0),
        switch_after_s=r.get(st, "switch_after_s", "side", float, 1.0, lo=0.0, hi=30.0),
        labels=r.get(st, "labels", "side", dict, {}),
    )
    if side.mode == "per_side" and side.measure not in measures:
        raise r.fail("side.measure", f"per-side stretches need a side measure; {side.measure!r} is not in measures")
    return side


def _reps(r: TomlReader, d: dict, measures: dict[str, Measure]) -> RepRule | None:
    """[reps]: rep counting with hysteresis, or None for a hold-only stretch."""
    if "reps" not in d:
        return None
    t = r.get(d, "reps", "", dict)
    p = "reps"
    r.unknown(t, {f.name for f in RepRule.__dataclass_fields__.values()}, p)
    m = r.get(t, "measure", p, str)
    if m not in measures:
        raise r.fail(f"{p}.measure", f"no measure named {m!r}")
    reps = RepRule(
        measure=m, low_enter=r.get(t, "low_enter", p, float), low_exit=r.get(t, "low_exit", p, float),
        high_enter=r.get(t, "high_enter", p, float), high_exit=r.get(t, "high_exit", p, float),
        min_phase_s=r.get(t, "min_phase_s", p, float, 0.3, lo=0.0, hi=30.0),
        min_rep_s=r.get(t, "min_rep_s", p, float, 1.0, lo=0.0, hi=120.0),
        grace_s=r.get(t, "grace_s", p, float, 1.5, lo=0.0, hi=30.0),
        target=r.get(t, "target", p, int, 10, lo=1, hi=1000),
        low_cue=r.get(t, "low_cue", p, str, ""), high_cue=r.get(t, "high_cue", p, str, ""),
        too_fast_cue=r.get(t, "too_fast_cue", p, str, RepRule.too_fast_cue),
        swing=r.get(t, "swing", p, float, None, lo=0.0, hi=360.0),
    )
    if not (reps.low_enter < reps.low_exit <= reps.high_exit < reps.high_enter):
        raise r.fail(f"{p}.low_exit", "thresholds must satisfy low_enter < low_exit <= high_exit < high_enter (hysteresis)")
    return reps


def _hold(r: TomlReader, d: dict) -> HoldRule | None:
    """[hold]: the timed hold, or None for a rep-only stretch."""
    if "hold" not in d:
        return None
    t = r.get(d, "hold", "", dict)
    p = "hold"
    r.unknown(t, {f.name for f in HoldRule.__dataclass_fields__.values()}, p)
    return HoldRule(
        seconds=r.get(t, "seconds", p, float, lo=0.5, hi=600.0),
        count=r.get(t, "count", p, int, 1, lo=1, hi=100),
        min_enter_s=r.get(t, "min_enter_s", p, float, 1.0, lo=0.0, hi=30.0),
        grace_s=r.get(t, "grace_s", p, float, 2.0, lo=0.0, hi=30.0),
        extra_checks=tuple(r.get(t, "extra_checks", p, list, [])),
        start_cue=r.get(t, "start_cue", p, str, HoldRule.start_cue),
        done_cue=r.get(t, "done_cue", p, str, HoldRule.done_cue),
        switch_cue=r.get(t, "switch_cue", p, str, HoldRule.switch_cue),
    )


def spec_from_dict(d: dict[str, Any], path: Path | str = "<pose>", text: str = "") -> PoseSpec:
    """Validate a parsed pose table (defaults plus any profile overrides) into a PoseSpec."""
    r = TomlReader(path, text)
    r.unknown(d, {"name", "title", "summary", "view", "setup_guide", "instructions", "measures",
                  "checks", "side", "reps", "hold", "baseline_s", "fault_after_s", "fault_clear_s",
                  "min_visibility", "setup_cue", "baseline_cue"}, "")
    measures_t = r.get(d, "measures", "", dict)
    measures = {n: _measure(r, n, t if isinstance(t, dict) else {}) for n, t in measures_t.items()}
    checks_l = r.get(d, "checks", "", list, [])
    checks = tuple(_check(r, i, t, measures) for i, t in enumerate(checks_l))
    ids = [c.id for c in checks]
    for c in ids:
        if ids.count(c) > 1:
            raise r.fail(f"checks.{c}", "check ids must be unique")
    view = _view(r, d, measures)
    measures = _default_spaces(measures, view)
    side = _side(r, d, measures)
    reps = _reps(r, d, measures)
    hold = _hold(r, d)
    if reps is None and hold is None:
        raise r.fail("hold", "a stretch needs a [reps] or a [hold] table")

    return PoseSpec(
        name=r.get(d, "name", "", str), title=r.get(d, "title", "", str),
        summary=r.get(d, "summary", "", str, ""), view=view,
        setup_guide=tuple(r.get(d, "setup_guide", "", list, [])),
        instructions=tuple(r.get(d, "instructions", "", list, [])),
        measures=measures, checks=checks, side=side, reps=reps, hold=hold,
        baseline_s=r.get(d, "baseline_s", "", float, 2.0, lo=0.0, hi=60.0),
        fault_after_s=r.get(d, "fault_after_s", "", float, 0.7, lo=0.0, hi=30.0),
        fault_clear_s=r.get(d, "fault_clear_s", "", float, 0.3, lo=0.0, hi=30.0),
        min_visibility=r.get(d, "min_visibility", "", float, 0.5, lo=0.0, hi=1.0),
        setup_cue=r.get(d, "setup_cue", "", str, "Get into the starting position"),
        baseline_cue=r.get(d, "baseline_cue", "", str, "Hold still in the starting position"),
        source=str(path),
        visibility_scale=visibility_scales(),
    )


def load_pose_file(path: Path | str) -> PoseSpec:
    d, text = read_toml(Path(path))
    return spec_from_dict(d, path, text)


def raw_pose(name: str, poses_dir: Path = POSES_DIR) -> tuple[dict[str, Any], str, Path]:
    """The parsed TOML table of a pose by name, its text and path (for overrides)."""
    path = poses_dir / f"{name}.toml"
    if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9_]{1,64}", name) or not path.exists():
        have = ", ".join(pose_names(poses_dir)) or "none"
        raise SpecError(path, "name", f"no stretch called {name!r} (have: {have})")
    d, text = read_toml(path)
    return copy.deepcopy(d), text, path


def load_pose(name: str, poses_dir: Path = POSES_DIR) -> PoseSpec:
    """The validated spec of a stretch by name (file stem in poses/)."""
    d, text, path = raw_pose(name, poses_dir)
    return spec_from_dict(d, path, text)


def pose_names(poses_dir: Path = POSES_DIR) -> list[str]:
    return sorted(p.stem for p in Path(poses_dir).glob("*.toml"))


def load_all(poses_dir: Path = POSES_DIR) -> list[PoseSpec]:
    return [load_pose(n, poses_dir) for n in pose_names(poses_dir)]
