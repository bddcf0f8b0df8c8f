"""The pure coaching core for one stretch: landmarks and seconds in, results and events out.

Engine.step(t, landmarks) smooths and gates the landmarks, checks the camera view, picks
the active side, evaluates the pose's measures and checks, runs the rep counter or hold
timer, and arbitrates one cue. No camera, window, clock or file in here.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

import numpy as np

from coach.core import cues as cue_prio
from coach.core import events as ev
from coach.core.checks import CheckStatus, FaultTracker, judge
from coach.core.cues import CueArbiter, CueSettings
from coach.core.events import Event
from coach.core.holds import HoldTimer
from coach.core.measures import evaluate, hidden_points, near_side, width_ratio
from coach.rules.pose_spec import PoseSpec
from coach.core.reps import RepCounter
from coach.core.smoothing import LandmarkSmoother, SmoothingSettings


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

    def __init__(self, spec: PoseSpec, smoothing: SmoothingSettings | None = None,
                 cue_settings: CueSettings | None = None) -> None:
        self.spec = spec
        sm = smoothing or SmoothingSettings(min_visibility=spec.min_visibility)
        self.smoother = LandmarkSmoother(sm)
        self.arbiter = CueArbiter(cue_settings or CueSettings())
        self.faults = FaultTracker(spec.fault_after_s, spec.fault_clear_s)
        self.hold = HoldTimer(spec.hold) if spec.hold else None
        self.reps = {s: RepCounter(spec.reps, side=s) for s in spec.sides} if spec.reps else {}
        self.view = _Debounced(True, spec.view.after_s)
        self._view_seen = False     # the first look at the person decides the view at once
        self._person = False
        self._person_seen_at = -1e9
        self.side = _SideTracker(spec.side.switch_after_s)
        self.baseline: dict[str, float] = {}
        self._baseline_samples: dict[str, list[float]] = {m: [] for m, x in spec.measures.items() if x.baseline}
        self._baseline_time = 0.0
        self._neutral_off = False   # the learnt neutral said the camera looks at an angle...
        self._neutral_wait = False  # ...and is learnt again only after the person sits up
        self._last_t: float | None = None
        self._was_passing: dict[str, bool | None] = {}
        self._set_complete = False
        self._set_up = False        # last frame: set up on the active side
        self.events: list[Event] = []

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
        for an absolute measure); None until the neutral is learnt."""
        if v is None or name not in self.baseline:
            return None
        d = v - self.baseline[name]
        return abs(d) if self.spec.measures[name].absolute else d

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

    def _view_ok(self, t: float, ratio: float | None) -> bool:
        v = self.spec.view
        if ratio is None:
            return self.view.value
        raw = not ((v.max_width_ratio is not None and ratio > v.max_width_ratio)
                   or (v.min_width_ratio is not None and ratio < v.min_width_ratio))
        if not self._view_seen:
            self._view_seen = True
            self.view.value = raw
        return self.view.step(t, raw)

    # ------------------------------------------------------------ main step
    def step(self, t: float, landmarks: np.ndarray | None) -> FrameResult:
        spec = self.spec
        dt = 0.0 if self._last_t is None else max(0.0, t - self._last_t)
        self._last_t = t if self._last_t is None else max(self._last_t, t)   # a clock going back never re-credits time
        lm = self.smoother.step(t, landmarks)
        out: list[Event] = []
        cands: list[tuple[int, str]] = []

        core_seen = bool(np.isfinite(lm[11:13, 0]).any() and np.isfinite(lm[23:25, 0]).any())
        was = self._person
        if core_seen:
            self._person_seen_at = t
        person = core_seen or (was and t - self._person_seen_at < self.PERSON_LOST_S)
        self._person = person
        if person and not was:
            out.append(Event(t, ev.PERSON_FOUND))
        elif was and not person:
            out.append(Event(t, ev.PERSON_LOST, "I can't see you: step back into the frame"))

        near, side = self._near_and_side(t, lm) if core_seen else ("left", self.side.side)
        ratio = width_ratio(lm) if core_seen else None
        prev_view = self.view.value
        view_ok = self._view_ok(t, ratio)
        if prev_view and not view_ok:
            out.append(Event(t, ev.VIEW_WARNING, spec.view.cue, side, {"width_ratio": ratio}))
        elif view_ok and not prev_view:
            out.append(Event(t, ev.VIEW_OK, "", side))

        # measures, relative to the person's own neutral where the pose says so
        raw: dict[str, float | None] = {}
        hidden: dict[str, list[str]] = {}
        for name, m in spec.measures.items():
            v = evaluate(m, lm, side, near, spec.min_visibility) if core_seen else None
            if v is None and core_seen:
                hidden[name] = hidden_points(m, lm, side, near, spec.min_visibility)
            raw[name] = v
        measures = dict(raw)
        for name in self._baseline_samples:
            measures[name] = self._from_neutral(name, raw[name])

        # checks
        statuses: dict[str, CheckStatus] = {}
        for c in spec.checks:
            passed, low = judge(c, measures[c.measure], self._was_passing.get(c.id))
            self._was_passing[c.id] = passed
            statuses[c.id] = CheckStatus(c.id, passed, measures[c.measure], low, tuple(hidden.get(c.measure, ())))
        setup_checks = [c for c in spec.checks if c.role == "setup"]
        set_up = person and all(statuses[c.id].passed for c in setup_checks)
        self._set_up = bool(set_up)

        # the person's neutral: gathered while set up and viewed correctly
        baseline_ready = len(self.baseline) == len(self._baseline_samples)
        self._neutral_wait = self._neutral_wait and bool(set_up)
        if not baseline_ready and set_up and view_ok and not self._neutral_wait:
            for name, samples in self._baseline_samples.items():
                if raw[name] is not None:
                    samples.append(raw[name])
            self._baseline_time += dt
            if self._baseline_time >= spec.baseline_s and all(self._baseline_samples.values()):
                base = {n: statistics.median(s) for n, s in self._baseline_samples.items()}
                off = {n: base[n] for n, lim in spec.view.neutral_max if abs(base[n]) > lim}
                if off:         # seen at an angle: say so; learn it again once they have sat up
                    for samples in self._baseline_samples.values():
                        samples.clear()
                    self._baseline_time = 0.0
                    if not self._neutral_off:
                        out.append(Event(t, ev.VIEW_WARNING, spec.view.neutral_cue, side, {"neutral": off}))
                    self._neutral_off = self._neutral_wait = True
                else:
                    if self._neutral_off:
                        out.append(Event(t, ev.VIEW_OK, "", side))
                    self._neutral_off = False
                    self.baseline = base
                    baseline_ready = True
                    out.append(Event(t, ev.BASELINE, "Got your neutral position", side, dict(self.baseline)))

        view_ok = view_ok and not self._neutral_off
        judging = set_up and view_ok and baseline_ready
        view_sure = view_ok and not self.view.pending   # no form cues while the view looks wrong
        failing: dict[str, tuple[str, float | None]] = {}
        in_position = judging
        for c in spec.checks:
            st = statuses[c.id]
            if c.role == "setup" or not c.required_for_hold:
                continue
            if st.passed is not True:
                in_position = False
            if judging and view_sure and st.passed is False and c.role == "form":
                failing[c.id] = (c.cue_low if st.low else c.cue_high, st.value)
        for name in spec.hold.extra_checks if spec.hold else ():
            if measures.get(name) is None:
                in_position = False
        out += self.faults.step(t, failing, side)

        # rep counter / hold timer
        phase = "—"
        if self.reps:
            counter = self.reps[side if side in self.reps else spec.sides[0]]
            value = measures[spec.reps.measure] if judging else None
            out += counter.step(t, value)
            phase = counter.phase
        if self.hold:
            out += self.hold.step(t, in_position, side, measures)
            phase = self.hold.state if not self.reps else phase

        # side switch prompt once a side's holds are done and another side is not
        if self.hold and any(e.kind == ev.HOLD_COMPLETE for e in out):
            if any(self.hold.completed(s) < self.hold.rule.count for s in spec.sides) and \
                    self.hold.completed(side) >= self.hold.rule.count:
                done = [e for e in out if e.kind == ev.HOLD_COMPLETE]
                out[out.index(done[0])] = Event(done[0].t, ev.HOLD_COMPLETE,
                                                f"{self.hold.rule.done_cue}. {self.hold.rule.switch_cue}",
                                                done[0].side, done[0].data)
        if not self._set_complete and self._is_set_complete():
            self._set_complete = True
            out.append(Event(t, ev.SET_COMPLETE, "Set complete. Well done", side))

        # cue candidates
        if person is False:
            cands.append((cue_prio.VIEW, "Step into the frame so I can see your whole body"))
        elif not view_ok:
            cands.append((cue_prio.VIEW, spec.view.neutral_cue if self._neutral_off else spec.view.cue))
        # a hidden joint is named only where it keeps a check that matters now from being
        # judged, or (once set up) the rep or baseline measure from being read
        hidden_now = [statuses[c.id].hidden for c in spec.checks
                      if (c.role == "setup" or set_up) and statuses[c.id].passed is None]
        if set_up:
            hidden_now += [hidden.get(n, []) for n in ([spec.reps.measure] if spec.reps else []) + list(self._baseline_samples)
                           if raw.get(n) is None]
        parts = next((p for p in hidden_now if p), None)
        if parts and not self._set_complete:      # once the set is done nothing needs that joint
            hint = spec.view.cue[:1].lower() + spec.view.cue[1:]
            cands.append((cue_prio.VIEW, f"{parts[0].replace('_', ' ')} hidden: {hint}"))
        if person and not set_up and not self._set_complete:   # after the set, no "get into position"
            bad = [c for c in setup_checks if statuses[c.id].passed is False]
            text = (bad[0].cue_low if statuses[bad[0].id].low else bad[0].cue_high) if bad else ""
            cands.append((cue_prio.SETUP, text or spec.setup_cue))
        elif set_up and view_ok and not baseline_ready:
            cands.append((cue_prio.SETUP, spec.baseline_cue))
        for cid in self.faults.open:
            cands.append((cue_prio.FORM, self.faults.open[cid].text))
        if judging and view_sure and not in_position and not self.faults.open:
            for c in spec.checks:
                st = statuses[c.id]
                if c.role == "target" and st.passed is False:
                    cands.append((cue_prio.PHASE, c.cue_low if st.low else c.cue_high))
        for e in out:
            if e.text and e.kind in (ev.HOLD_START, ev.HOLD_COMPLETE, ev.SET_COMPLETE, ev.REP_REJECTED, ev.BASELINE):
                cands.append((cue_prio.EVENT, e.text))
            elif e.text and e.kind == ev.PHASE:
                cands.append((cue_prio.PHASE, e.text))
        spoken = self.arbiter.step(t, cands)
        if spoken:
            out.append(Event(t, ev.CUE, spoken, side))
        self.events += out

        reps = sum(c.count for c in self.reps.values())
        return FrameResult(
            t=t, person=person, side=side, near=near, view_ok=view_ok, width_ratio=ratio,
            set_up=set_up, in_position=in_position, baseline_ready=baseline_ready,
            measures=measures, checks=statuses, phase=phase, reps=reps,
            rep_target=spec.reps.target if spec.reps else 0,
            hold_state=self.hold.state if self.hold else "—",
            hold_elapsed=self.hold.elapsed if self.hold else 0.0,
            hold_target=spec.hold.seconds if spec.hold else 0.0,
            holds_done={s: self.hold.completed(s) for s in spec.sides} if self.hold else {},
            cue=self.arbiter.current, spoken=spoken, events=out, landmarks=lm,
        )

    def _is_set_complete(self) -> bool:
        if self.hold and not all(self.hold.completed(s) >= self.hold.rule.count for s in self.spec.sides):
            return False
        if self.reps and sum(c.count for c in self.reps.values()) < self.spec.reps.target:
            return False
        return True

    def finish(self, t: float) -> list[Event]:
        """Close open holds and faults at the end of the session."""
        out = (self.hold.finish(t) if self.hold else []) + self.faults.finish(t)
        self.events += out
        return out
