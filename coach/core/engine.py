"""The pure coaching core for one stretch: landmarks and seconds in, results and events out.

Engine.step(t, landmarks) smooths and gates the landmarks, checks the camera view, picks
the active side, evaluates the pose's measures and checks, runs the rep counter or hold
timer, and arbitrates one cue. No camera, window, clock or file in here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from coach.core import cues as cue_prio
from coach.core import events as ev
from coach.core.checks import CheckStatus, FaultRecord, FaultTracker, Steadiness, judge
from coach.core.contour import ContourSmoother
from coach.core.cues import CueArbiter, CueSettings
from coach.core.events import Event
from coach.core.holds import HoldRecord, HoldTimer
from coach.core.measures import evaluate, hidden_points, near_side, width_ratio
from coach.rules.pose_spec import Check, PoseSpec
from coach.core.neutral import RestLog, RestSpan, StillnessNeutral, further_in
from coach.core.plausibility import PersonGate, PlausibilitySettings
from coach.core.reps import RepCounter, RepRecord
from coach.core.smoothing import LandmarkSmoother, SmoothingSettings
from coach.core.view import ViewOffsetTracker


@dataclass
class FrameResult:
    """What the edges draw and say for one frame."""

    t: float
    person: bool
    side: str
    near: str
    view_ok: bool
    width_ratio: float | None
    set_up: bool
    in_position: bool
    baseline_ready: bool
    measures: dict[str, float | None]
    checks: dict[str, CheckStatus]
    phase: str
    reps: int
    rep_target: int
    hold_state: str
    hold_elapsed: float
    hold_target: float
    holds_done: dict[str, int]
    cue: str | None                 # the cue on screen now
    spoken: str | None              # a cue to say now (new this frame)
    events: list[Event]
    landmarks: np.ndarray           # smoothed, gated
    back: np.ndarray | None = None  # smoothed back outline (25, 2) px, for poses that read it
    cue_wanted: bool = True         # False: the cue's cause has gone, it stays only to be read
    world: np.ndarray | None = None # world landmarks (33, 3) m, where the backend gives them
    view_offset_deg: float | None = None  # camera's angle off the side view, from `world`


@dataclass
class _Frame:
    """One frame's working values, handed from stage to stage inside Engine.step."""

    t: float
    dt: float                       # seconds since the last frame (0 if the clock went back)
    lm: np.ndarray                  # smoothed, gated
    back: np.ndarray | None = None  # smoothed back outline, where the pose reads it
    world: np.ndarray | None = None # world landmarks (33, 3) m, where the backend gives them
    out: list[Event] = field(default_factory=list)
    core_seen: bool = False         # shoulders and hips seen in this frame
    person: bool = False
    near: str = "left"
    side: str = "none"
    ratio: float | None = None
    view_deg: float | None = None   # the camera's angle off the side view (world landmarks)
    view_ok: bool = True
    raw: dict[str, float | None] = field(default_factory=dict)        # measures as read
    hidden: dict[str, list[str]] = field(default_factory=dict)        # measure -> unseen points
    measures: dict[str, float | None] = field(default_factory=dict)   # relative to the neutral
    checks: dict[str, CheckStatus] = field(default_factory=dict)
    set_up: bool = False
    baseline_ready: bool = False
    judging: bool = False           # set up, viewed correctly, neutral learnt
    view_sure: bool = False         # the view is not being waited out
    in_position: bool = False
    good_form: bool = True          # no form check failing, no form fault open
    phase: str = "—"
    spoken: str | None = None


@dataclass
class _Debounced:
    """A boolean that changes only after the new value held `after_s` seconds."""

    value: bool
    after_s: float
    _since: float | None = None

    def step(self, t: float, raw: bool) -> bool:
        if raw == self.value:
            self._since = None
        elif self._since is None:
            self._since = t
        if self._since is not None and t - self._since >= self.after_s:
            self.value, self._since = raw, None
        return self.value

    @property
    def pending(self) -> bool:
        """The raw value disagrees and is being waited out."""
        return self._since is not None


@dataclass
class _SideTracker:
    """The active side; follows a new winner only after it led for `after_s`."""

    after_s: float
    side: str = "none"
    _cand: str | None = None
    _since: float = 0.0

    def step(self, t: float, raw: str | None, immediate: bool = False) -> str:
        if raw is None or raw == self.side:
            self._cand = None
            return self.side
        if self.side == "none" or immediate:
            self.side, self._cand = raw, None
            return raw
        if self._cand != raw:
            self._cand, self._since = raw, t
        if t - self._since >= self.after_s:
            self.side, self._cand = raw, None
        return self.side


class Engine:
    """Coaching state for one stretch, one set."""

    PERSON_LOST_S = 1.0
    VIEW_BAND = 0.15            # view hysteresis: a fraction of the width-ratio limit
    VIEW_BAND_DEG = 5.0         # ... and in degrees, for the view offset limit

    def __init__(self, spec: PoseSpec, smoothing: SmoothingSettings | None = None,
                 cue_settings: CueSettings | None = None, rests: list[RestSpan] | None = None) -> None:
        """`rests`: the person's rest per span of time, known from a first pass over the
        same frames (offline review); within a span it is the neutral from its first frame."""
        self.spec = spec
        sm = smoothing or SmoothingSettings(min_visibility=spec.min_visibility)
        self.smoother = LandmarkSmoother(sm)
        self.back_smoother = ContourSmoother()
        self.arbiter = CueArbiter(cue_settings or CueSettings())
        self.faults = FaultTracker(spec.fault_after_s, spec.fault_clear_s)
        self.hold = HoldTimer(spec.hold) if spec.hold else None
        self.reps = {s: RepCounter(spec.reps, side=s) for s in spec.sides} if spec.reps else {}
        self.view = _Debounced(True, spec.view.after_s)
        self._view_offset = ViewOffsetTracker()
        self._view_seen = False     # the first look at the person decides the view at once
        self._person = False
        self._person_seen_at = -1e9
        self.side = _SideTracker(spec.side.switch_after_s)
        self._neutral: dict[str, float] = {}     # baseline measure -> the person's neutral
        self._baseline_names = [m for m, x in spec.measures.items() if x.baseline]
        self._still = StillnessNeutral(spec.baseline_s, {n: spec.measures[n].still_range for n in self._baseline_names})
        self._stretch = {n: spec.measures[n].stretch for n in self._baseline_names}
        self.rest_log = RestLog(self._stretch, gap_s=self.PERSON_LOST_S)
        self._rests = list(rests or [])
        self._rest_now: RestSpan | None = None  # the planned span in force
        self._in_position = False   # last frame: in the stretch position
        self._steady: dict[str, Steadiness] = {}   # check id -> its `when` measure held still
        self._person_gate = PersonGate(PlausibilitySettings(min_mean_visibility=spec.min_visibility))
        self._neutral_stale = False # left the set-up position since the neutral was learnt
        self._neutral_off = False   # the learnt neutral said the camera looks at an angle...
        self._neutral_wait = False  # ...and is learnt again only after the person sits up
        self._last_t: float | None = None
        self._was_passing: dict[str, bool | None] = {}
        self._set_complete = False
        self._set_up = False        # last frame: set up on the active side
        self._events: list[Event] = []

    # ------------------------------------------------------------ what it has seen so far
    @property
    def events(self) -> tuple[Event, ...]:
        """Every event so far, in order (finish() adds the closing ones)."""
        return tuple(self._events)

    @property
    def baseline(self) -> dict[str, float]:
        """The person's neutral per baseline measure; empty until learnt."""
        return dict(self._neutral)

    @property
    def rep_count(self) -> int:
        return sum(c.count for c in self.reps.values())

    @property
    def rep_records(self) -> list[RepRecord]:
        """Completed reps of every side, in order of start."""
        return sorted((r for c in self.reps.values() for r in c.records), key=lambda r: r.start)

    @property
    def hold_records(self) -> list[HoldRecord]:
        """Holds so far (the open one only once finish() closed it), in order."""
        return list(self.hold.records) if self.hold else []

    @property
    def fault_records(self) -> list[FaultRecord]:
        """Form faults so far (the open ones only once finish() closed them), in order of start."""
        return sorted(self.faults.records, key=lambda f: f.start)

    def update_spec(self, spec: PoseSpec) -> None:
        """Swap in edited thresholds mid-session (live tuning) without losing counts:
        same measures and checks, new numbers."""
        if set(spec.measures) != set(self.spec.measures) or [c.id for c in spec.checks] != [c.id for c in self.spec.checks]:
            raise ValueError("update_spec changes thresholds only; measures and checks must stay the same")
        self.spec = spec
        for c in self.reps.values():
            c.rule = spec.reps
        if self.hold:
            self.hold.rule = spec.hold
        self.faults.after_s, self.faults.clear_s = spec.fault_after_s, spec.fault_clear_s

    # ------------------------------------------------------------ helpers
    def _from_neutral(self, name: str, v: float | None) -> float | None:
        """A baseline measure's raw value as a change from the person's neutral (its size
        for an absolute measure; in % of the neutral, never less than its `rest_floor`, for a
        relative one); None until the neutral is learnt."""
        if v is None or name not in self._neutral:
            return None
        m = self.spec.measures[name]
        d = v - self._neutral[name]
        if m.relative:
            d = 100.0 * d / max(self._neutral[name], m.rest_floor)
        return abs(d) if m.absolute else d

    def _near_and_side(self, t: float, lm: np.ndarray) -> tuple[str, str]:
        near = near_side(lm)
        rule = self.spec.side
        if rule.mode == "none":
            return near, "none"
        m = self.spec.measures[rule.measure]
        if rule.detect == "sign":
            v = evaluate(m, lm, near, near, self.spec.min_visibility)
            if m.baseline:        # the sign of the change from the person's neutral
                v = self._from_neutral(rule.measure, v)
            raw = None if v is None or abs(v) <= max(rule.min_size, 1e-9) else (
                rule.positive if v > 0 else ("right" if rule.positive == "left" else "left"))
        else:
            vl = evaluate(m, lm, "left", near, self.spec.min_visibility)
            vr = evaluate(m, lm, "right", near, self.spec.min_visibility)
            if vl is None or vr is None:
                raw = None
            else:
                pick_left = vl < vr if rule.detect == "smaller" else vl > vr
                raw = "left" if pick_left else "right"
        # the switch delay guards a stretch in progress; out of set-up, follow at once
        return near, self.side.step(t, raw, immediate=not self._set_up)

    def _view_ok(self, t: float, ratio: float | None, offset_deg: float | None = None) -> bool:
        """The view verdict, debounced by `after_s`. With world landmarks and a
        `max_offset_deg`, the camera's measured angle off the side view decides (the pose's
        measures are view-robust up to there); else the image width ratio."""
        v = self.spec.view
        # a band around each limit: once judged wrong, the view must come VIEW_BAND inside
        # the limit to be judged right again, so a value hovering on the limit never flickers
        wrong = not self.view.value and self._view_seen
        if v.max_offset_deg is not None and offset_deg is not None:
            raw = offset_deg <= v.max_offset_deg - (self.VIEW_BAND_DEG if wrong else 0.0)
            first_look_done = self._view_offset.settled
        elif ratio is None:
            return self.view.value
        else:
            band = self.VIEW_BAND if wrong else 0.0
            raw = not ((v.max_width_ratio is not None and ratio > v.max_width_ratio * (1 - band))
                       or (v.min_width_ratio is not None and ratio < v.min_width_ratio * (1 + band)))
            first_look_done = True
        if not self._view_seen:
            # the first look decides at once, frame by frame until the offset has settled:
            # two half-detected frames must not lock a verdict that the band then keeps
            self._view_seen = first_look_done
            self.view.value = raw
        return self.view.step(t, raw)

    # ------------------------------------------------------------ main step
    def step(self, t: float, landmarks: np.ndarray | None, back: np.ndarray | None = None,
             world: np.ndarray | None = None) -> FrameResult:
        """One frame through the stages, in order; each stage reads what the earlier ones
        put on the frame `f` and adds its own part (events go to `f.out`). `back`: the
        outline of the back the edge found in the person mask (coach/core/contour.py), for
        poses with a contour measure. `world`: MediaPipe's world landmarks (33, 3) in
        metres, for the view offset and the measures read in 3-D (coach/core/view.py)."""
        dt = 0.0 if self._last_t is None else max(0.0, t - self._last_t)
        self._last_t = t if self._last_t is None else max(self._last_t, t)   # a clock going back never re-credits time
        # a detection that is not a plausible body (a title card, a logo) is no person
        plausible = self._person_gate.step(t, landmarks)
        landmarks = landmarks if plausible else None
        f = _Frame(t, dt, self.smoother.step(t, landmarks),
                   self.back_smoother.step(t, back if landmarks is not None else None))
        if landmarks is not None and world is not None and np.isfinite(world).any():
            f.world = np.asarray(world, float)
        self._presence(f)
        self._side_and_view(f)
        self._measure(f)
        self._setup(f)
        self._baseline(f)
        self._judge(f)
        self._count(f)
        self._progress(f)
        self._cues(f)
        self._events += f.out
        return self._result(f)

    # ------------------------------------------------------------ stages
    def _presence(self, f: _Frame) -> None:
        """Is a person there? Shoulders and hips seen now, or lost for under PERSON_LOST_S."""
        f.core_seen = bool(np.isfinite(f.lm[11:13, 0]).any() and np.isfinite(f.lm[23:25, 0]).any())
        was = self._person
        if f.core_seen:
            self._person_seen_at = f.t
        f.person = f.core_seen or (was and f.t - self._person_seen_at < self.PERSON_LOST_S)
        self._person = f.person
        if f.person and not was:
            f.out.append(Event(f.t, ev.PERSON_FOUND))
        elif was and not f.person:
            f.out.append(Event(f.t, ev.PERSON_LOST, "I can't see you: step back into the frame"))

    def _side_and_view(self, f: _Frame) -> None:
        """The active side, and whether the camera sees the person from the pose's view."""
        f.near, f.side = self._near_and_side(f.t, f.lm) if f.core_seen else ("left", self.side.side)
        f.ratio = width_ratio(f.lm) if f.core_seen else None
        f.view_deg = self._view_offset.step(f.t, f.world if f.core_seen else None)
        prev_view = self.view.value
        f.view_ok = self._view_ok(f.t, f.ratio, f.view_deg)
        if prev_view and not f.view_ok:
            by_offset = self.spec.view.max_offset_deg is not None and f.view_deg is not None
            f.out.append(Event(f.t, ev.VIEW_WARNING, self.spec.view.cue, f.side,
                               {"view_offset_deg": round(f.view_deg, 1)} if by_offset else {"width_ratio": f.ratio}))
        elif f.view_ok and not prev_view:
            f.out.append(Event(f.t, ev.VIEW_OK, "", f.side))

    def _measure(self, f: _Frame) -> None:
        """The pose's measures, relative to the person's own neutral where the pose says so;
        the hidden points of each measure that could not be read."""
        spec = self.spec
        for name, m in spec.measures.items():
            v = evaluate(m, f.lm, f.side, f.near, spec.min_visibility, f.back, f.world, f.view_deg) if f.core_seen else None
            if v is None and f.core_seen:
                f.hidden[name] = hidden_points(m, f.lm, f.side, f.near, spec.min_visibility)
            f.raw[name] = v
        f.measures = dict(f.raw)
        for name in self._baseline_names:
            f.measures[name] = self._from_neutral(name, f.raw[name])

    def _setup(self, f: _Frame) -> None:
        """Every check's status; set up = a person is there and every set-up check passes."""
        for c in self.spec.checks:
            self._check(c, f)
        f.set_up = f.person and all(f.checks[c.id].passed for c in self.spec.checks if c.role == "setup")
        self._set_up = bool(f.set_up)

    def _baseline(self, f: _Frame) -> None:
        """The person's neutral: learnt only while set up, viewed correctly and still (a
        rolling window, coach/core/neutral.py); refreshed when they settle again out of the
        stretch. A neutral far from level means the camera looks at an angle: say so and
        learn it again later."""
        spec = self.spec
        self.rest_log.step(f.t, bool(f.set_up))
        if self._planned(f):
            return
        f.baseline_ready = len(self._neutral) == len(self._baseline_names)
        self._neutral_wait = self._neutral_wait and bool(f.set_up)
        if f.baseline_ready and not f.set_up:
            self._neutral_stale = True
        allowed = bool(f.set_up) and f.view_ok and not self._neutral_wait and (
            not f.baseline_ready or self._may_refresh(f.raw))
        base = self._still.step(f.t, f.raw, allowed) if self._baseline_names else None
        off = {n: base[n] for n, lim in spec.view.neutral_max if abs(base[n]) > lim} if base is not None else {}
        if base is not None and not off:
            self.rest_log.add(f.t, base)
        if base is not None and f.baseline_ready and not self._accept_refresh(base):
            base = None
        if base is not None:
            if off:         # seen at an angle: say so; learn it again once they have sat up
                if not self._neutral_off:
                    f.out.append(Event(f.t, ev.VIEW_WARNING, spec.view.neutral_cue, f.side, {"neutral": off}))
                self._neutral_off = self._neutral_wait = True
            else:
                if self._neutral_off:
                    f.out.append(Event(f.t, ev.VIEW_OK, "", f.side))
                self._neutral_off = self._neutral_stale = False
                text = "" if f.baseline_ready else "Got your neutral position"
                self._neutral = base
                f.baseline_ready = True
                f.out.append(Event(f.t, ev.BASELINE, text, f.side, dict(self._neutral)))
                self._measure_from_neutral(f)
        f.view_ok = f.view_ok and not self._neutral_off

    def _planned(self, f: _Frame) -> bool:
        """Inside a span of `rests` the neutral is that span's rest from its first frame on
        (announced once); nothing is learnt there. False outside every span."""
        span = next((r for r in self._rests if r.start <= f.t <= r.end), None)
        if span is None:
            return False
        if span is not self._rest_now:
            self._rest_now, self._neutral = span, dict(span.values)
            self._neutral_stale = self._neutral_off = self._neutral_wait = False
            f.out.append(Event(f.t, ev.BASELINE, "Got your neutral position", f.side, dict(self._neutral)))
            self._measure_from_neutral(f)
        f.baseline_ready = True
        return True

    def _measure_from_neutral(self, f: _Frame) -> None:
        """A new neutral: the baseline measures and their checks read again against it."""
        for name in self._baseline_names:
            f.measures[name] = self._from_neutral(name, f.raw[name])
        for c in self.spec.checks:
            if c.measure in self._baseline_names or (c.when and c.when.measure in self._baseline_names):
                self._check(c, f)

    def _applies(self, c: Check, f: _Frame) -> bool:
        """The check's `when`: its measure inside the band and, if asked, held still."""
        w = c.when
        v = f.measures[w.measure]
        steady = True
        if w.still_s is not None:
            steady = self._steady.setdefault(c.id, Steadiness()).step(
                f.t, v, w.still_s, self.spec.measures[w.measure].still_range)
        return w.holds(v) and steady

    def _check(self, c: Check, f: _Frame) -> None:
        """One check's status on this frame. Outside its `when` band it is not judged
        (passed None, nothing hidden) and its hysteresis starts afresh. When the `when`
        measure cannot be read for a hidden joint, whether the check applies is unknown:
        it is not judged either, but counts as hidden (naming the joint) like its own measure."""
        if c.when is not None and not self._applies(c, f):
            self._was_passing[c.id] = None
            hidden = f.hidden.get(c.when.measure, []) if f.measures[c.when.measure] is None else []
            hidden = tuple(dict.fromkeys(list(f.hidden.get(c.measure, ())) + list(hidden)))
            f.checks[c.id] = CheckStatus(c.id, None, f.measures[c.measure], hidden=hidden, applies=bool(hidden))
            return
        passed, low = judge(c, f.measures[c.measure], self._was_passing.get(c.id))
        self._was_passing[c.id] = passed
        f.checks[c.id] = CheckStatus(c.id, passed, f.measures[c.measure], low, tuple(f.hidden.get(c.measure, ())))

    def _may_refresh(self, raw: dict[str, float | None]) -> bool:
        """A learnt neutral may be refreshed now: out of the stretch (no hold running, not
        in position) and, for a rep measure, back inside the exit band of the old neutral."""
        if self.hold and (self._in_position or self.hold.state != "idle"):
            return False
        r = self.spec.reps
        if r and r.measure in self._neutral:
            v = raw.get(r.measure)
            if v is None or not (r.low_exit < v - self._neutral[r.measure] < r.high_exit):
                return False
        return True

    def _accept_refresh(self, base: dict[str, float]) -> bool:
        """A still window seen after the first neutral replaces it when the person has left
        the set-up position since (re-settled), or else when it only drifted (within twice
        each measure's still range) and, for a measure with a stretch direction, is no
        further into the stretch: the rest is the least-stretched stillness seen, so a still
        pose part-way into the stretch never becomes the neutral, and a person who started
        part-way in gets their real rest once they reach it."""
        if self._neutral_stale:
            return True
        for n, v in base.items():
            old, way = self._neutral[n], self._stretch[n]
            if further_in(v, old, way) if way else abs(v - old) > 2 * self.spec.measures[n].still_range:
                return False
        return True

    def rest_plan(self) -> list[RestSpan]:
        """The rest of each set-up run seen so far, for judging the same frames again
        (coach/core/neutral.py RestLog.plan); empty where no measure has a stretch direction."""
        return self.rest_log.plan()

    def _judge(self, f: _Frame) -> None:
        """In position (every form and target check passes) and the form faults, which are
        judged only while set up, viewed correctly and with the neutral learnt."""
        spec = self.spec
        f.judging = f.set_up and f.view_ok and f.baseline_ready
        f.view_sure = f.view_ok and not self.view.pending   # no form cues while the view looks wrong
        failing: dict[str, tuple[str, float | None]] = {}
        f.in_position = f.judging
        for c in spec.checks:
            st = f.checks[c.id]
            if c.role == "setup" or not st.applies:
                continue
            if c.required_for_hold and st.passed is not True:     # else a fault timed beside the hold
                f.in_position = False
            if f.judging and f.view_sure and st.passed is False and c.role == "form":
                failing[c.id] = (c.cue_low if st.low else c.cue_high, st.value)
        for name in spec.hold.extra_checks if spec.hold else ():
            if f.measures.get(name) is None:
                f.in_position = False
        f.out += self.faults.step(f.t, failing, f.side)
        f.good_form = not failing and not self.faults.open
        self._in_position = bool(f.in_position)

    def _count(self, f: _Frame) -> None:
        """The rep counter of the active side and the hold timer."""
        spec = self.spec
        if self.reps:       # counted from the signal; a learnt neutral only refines it
            counter = self.reps[f.side if f.side in self.reps else spec.sides[0]]
            name = spec.reps.measure
            value = f.raw[name] if f.set_up and f.view_ok else None
            neutral = self._neutral.get(name) if name in self._baseline_names else (0.0 if value is not None else None)
            f.out += counter.step(f.t, value, neutral)
            f.phase = counter.phase
        if self.hold:
            f.out += self.hold.step(f.t, f.in_position, f.side, f.measures, good_form=f.good_form)
            f.phase = self.hold.state if not self.reps else f.phase

    def _progress(self, f: _Frame) -> None:
        """The side-switch prompt once a side's holds are done and another side's are not;
        the set-complete event once."""
        hold = self.hold
        if hold and any(e.kind == ev.HOLD_COMPLETE for e in f.out):
            if any(hold.completed(s) < hold.rule.count for s in self.spec.sides) and \
                    hold.completed(f.side) >= hold.rule.count:
                done = [e for e in f.out if e.kind == ev.HOLD_COMPLETE]
                f.out[f.out.index(done[0])] = Event(done[0].t, ev.HOLD_COMPLETE,
                                                    f"{hold.rule.done_cue}. {hold.rule.switch_cue}",
                                                    done[0].side, done[0].data)
        if not self._set_complete and self._is_set_complete():
            self._set_complete = True
            f.out.append(Event(f.t, ev.SET_COMPLETE, "Set complete. Well done", f.side))

    def _cues(self, f: _Frame) -> None:
        """Arbitrate one cue among this frame's candidates; a new one is also an event."""
        f.spoken = self.arbiter.step(f.t, self._cue_candidates(f))
        if f.spoken:
            f.out.append(Event(f.t, ev.CUE, f.spoken, f.side))

    def _cue_candidates(self, f: _Frame) -> list[tuple[int, str]]:
        """(priority, text) of every cue that applies now: view, hidden joint, set-up,
        open faults, target hints, and the texts of this frame's events."""
        spec, st = self.spec, f.checks
        cands: list[tuple[int, str]] = []
        if f.person is False:
            cands.append((cue_prio.VIEW, "Step into the frame so I can see your whole body"))
        elif not f.view_ok:
            cands.append((cue_prio.VIEW, spec.view.neutral_cue if self._neutral_off else spec.view.cue))
        # a hidden joint is named only where it keeps a check that matters now from being
        # judged, or (once set up) the rep or baseline measure from being read
        hidden_now = [st[c.id].hidden for c in spec.checks if (c.role == "setup" or f.set_up) and st[c.id].passed is None
                      and st[c.id].applies]
        if f.set_up:
            hidden_now += [f.hidden.get(n, []) for n in ([spec.reps.measure] if spec.reps else []) + self._baseline_names
                           if f.raw.get(n) is None]
        parts = next((p for p in hidden_now if p), None)
        if parts and not self._set_complete:      # once the set is done nothing needs that joint
            # never "turn sideways" while the view check passes: then the joint is out of
            # the frame or covered, not turned away
            hint = (spec.view.cue[:1].lower() + spec.view.cue[1:]) if not f.view_ok else "keep it in view of the camera"
            cands.append((cue_prio.VIEW, f"{parts[0].replace('_', ' ')} hidden: {hint}"))
        if f.person and not f.set_up and not self._set_complete:   # after the set, no "get into position"
            bad = [c for c in spec.checks if c.role == "setup" and st[c.id].passed is False]
            text = (bad[0].cue_low if st[bad[0].id].low else bad[0].cue_high) if bad else ""
            cands.append((cue_prio.SETUP, text or spec.setup_cue))
        elif f.set_up and f.view_ok and not f.baseline_ready and all(c.phase == "neutral" for c in self.reps.values()):
            cands.append((cue_prio.SETUP, spec.baseline_cue))     # not once they are already moving
        for cid in self.faults.open:
            cands.append((cue_prio.FORM, self.faults.open[cid].text))
        if f.judging and f.view_sure and not f.in_position and not self.faults.open:
            cands += [(cue_prio.PHASE, c.cue_low if st[c.id].low else c.cue_high)
                      for c in spec.checks if c.role == "target" and st[c.id].passed is False]
        for e in f.out:
            if e.text and e.kind in (ev.HOLD_START, ev.HOLD_COMPLETE, ev.SET_COMPLETE, ev.REP_REJECTED, ev.BASELINE):
                cands.append((cue_prio.EVENT, e.text))
            elif e.text and e.kind == ev.PHASE:
                cands.append((cue_prio.PHASE, e.text))
        return cands

    def _result(self, f: _Frame) -> FrameResult:
        spec = self.spec
        return FrameResult(
            t=f.t, person=f.person, side=f.side, near=f.near, view_ok=f.view_ok, width_ratio=f.ratio,
            set_up=f.set_up, in_position=f.in_position, baseline_ready=f.baseline_ready,
            measures=f.measures, checks=f.checks, phase=f.phase, reps=self.rep_count,
            rep_target=spec.reps.target if spec.reps else 0,
            hold_state=self.hold.state if self.hold else "—",
            hold_elapsed=self.hold.elapsed if self.hold else 0.0,
            hold_target=spec.hold.seconds if spec.hold else 0.0,
            holds_done={s: self.hold.completed(s) for s in spec.sides} if self.hold else {},
            cue=self.arbiter.current, spoken=f.spoken, events=f.out, landmarks=f.lm, back=f.back,
            cue_wanted=self.arbiter.current_wanted,
            world=f.world, view_offset_deg=f.view_deg,
        )

    def _is_set_complete(self) -> bool:
        if self.hold and not all(self.hold.completed(s) >= self.hold.rule.count for s in self.spec.sides):
            return False
        if self.reps and self.rep_count < self.spec.reps.target:
            return False
        return True

    def finish(self, t: float) -> list[Event]:
        """Close open holds and faults at the end of the session."""
        out = (self.hold.finish(t) if self.hold else []) + self.faults.finish(t)
        self._events += out
        return out
