"""The routine state machine, driven by synthetic events, keys and times (no window)."""

from __future__ import annotations

from pathlib import Path

import pytest

from coach.core import events as ev
from coach.app import routine as rt
from coach.core.events import Event
from coach.rules.pose_spec import SpecError, pose_names
from coach.app.routine import Routine, RoutinePlan, load_plan

PLAN = RoutinePlan(stretches=("cat_cow", "kneeling_hip_flexor"), warmup_s=60, preview_s=10, rest_s=15,
                   round_rest_s=40, switch_prompt_s=5, max_stretch_s=200)


def kinds(r: Routine) -> list[tuple[str, int, str | None]]:
    return [(s.kind, s.round, s.pose) for s in r.steps]


def test_plan_file_matches_the_routine_text():
    plan = load_plan(poses=pose_names())
    assert plan.stretches == ("cat_cow", "kneeling_hip_flexor", "childs_pose_side_reach",
                              "seated_forward_bend", "supine_knee_to_chest", "pelvic_tilt")
    assert plan.sessions_per_week == 3 and plan.allowed_rounds == (2, 3)
    flags = " ".join(plan.red_flags)
    for word in ("numbness", "tingling", "bladder", "two weeks", "radiating", "weakness"):
        assert word in flags
    from coach.rules.pose_spec import load_pose
    for pose, rom in plan.rom.items():                 # each ROM measure exists in its stretch
        assert rom["measure"] in load_pose(pose).measures, pose
    assert set(plan.rom) == set(plan.stretches)


def test_plan_errors_name_the_key(tmp_path):
    p = tmp_path / "r.toml"
    p.write_text('stretches = ["cat_cow", "no_such"]\n')
    with pytest.raises(SpecError, match="stretches.*no_such"):
        load_plan(p, poses=pose_names())
    p.write_text('stretches = ["cat_cow"]\nrounds = 5\n')
    with pytest.raises(SpecError, match="rounds"):
        load_plan(p)


def test_sequence_of_steps_for_two_rounds():
    r = Routine(PLAN, rounds=2)
    assert kinds(r) == [
        ("safety", 0, None), ("warmup", 0, None),
        ("preview", 1, "cat_cow"), ("stretch", 1, "cat_cow"), ("rest", 1, "kneeling_hip_flexor"),
        ("preview", 1, "kneeling_hip_flexor"), ("stretch", 1, "kneeling_hip_flexor"), ("rest", 2, "cat_cow"),
        ("preview", 2, "cat_cow"), ("stretch", 2, "cat_cow"), ("rest", 2, "kneeling_hip_flexor"),
        ("preview", 2, "kneeling_hip_flexor"), ("stretch", 2, "kneeling_hip_flexor"), ("done", 0, None)]
    assert [s.seconds for s in r.steps if s.kind == "rest"] == [15, 40, 15]
    assert len([s for s in Routine(PLAN, rounds=3).steps if s.kind == "stretch"]) == 6
    with pytest.raises(ValueError):
        Routine(PLAN, rounds=4)


def test_safety_needs_the_accept_key_and_is_skipped_once_accepted():
    r = Routine(PLAN)
    r.start(0.0)
    assert r.step.kind == rt.SAFETY
    assert r.tick(1000.0) == [] and r.step.kind == rt.SAFETY      # time never passes the screen
    assert r.key(1000.0, rt.KEY_NEXT) == [] and r.step.kind == rt.SAFETY
    [n] = r.key(1001.0, rt.KEY_ACCEPT)
    assert n.step.kind == rt.WARMUP and n.prev.kind == rt.SAFETY and r.safety_accepted
    r2 = Routine(PLAN, safety_accepted=True)
    r2.start(0.0)
    assert r2.step.kind == rt.WARMUP and rt.SAFETY not in [s.kind for s in r2.steps]


def test_timed_steps_count_down_and_advance():
    r = Routine(PLAN, safety_accepted=True)
    r.start(0.0)
    assert r.remaining(20.0) == 40.0
    assert r.tick(59.9) == [] and r.step.kind == rt.WARMUP
    [n] = r.tick(60.0)
    assert n.step.kind == rt.PREVIEW and n.step.pose == "cat_cow"
    assert r.remaining(65.0) == pytest.approx(5.0)
    r.tick(70.0)
    assert r.step.kind == rt.STRETCH and r.started_at == 70.0
    # a clock jump passes the whole stretch: timeout notice, then rest (exact boundaries)
    out = r.tick(70.0 + 200 + 15 + 1)
    assert [n.kind for n in out] == ["timeout", "step", "step"]
    assert r.step.kind == rt.PREVIEW and r.step.pose == "kneeling_hip_flexor" and r.started_at == 285.0


def test_set_complete_moves_to_rest_and_the_next_stretch():
    r = Routine(PLAN, safety_accepted=True)
    r.start(0.0)
    r.key(1.0, rt.KEY_NEXT)            # skip warm-up
    r.key(2.0, rt.KEY_NEXT)            # start now
    assert r.step.kind == rt.STRETCH
    assert r.on_events(5.0, [Event(5.0, ev.REP, "1")]) == [] and r.step.kind == rt.STRETCH
    [n] = r.on_events(30.0, [Event(30.0, ev.REP, "10"), Event(30.0, ev.SET_COMPLETE, "Set complete")])
    assert n.prev.kind == rt.STRETCH and n.step.kind == rt.REST and n.step.pose == "kneeling_hip_flexor"
    assert n.text == "Rest. Next: Kneeling hip flexor"
    assert r.on_events(31.0, [Event(31.0, ev.SET_COMPLETE)]) == []       # not in a stretch: ignored
    r.tick(45.0)
    assert r.step.kind == rt.PREVIEW


def test_switch_sides_prompt_for_per_side_holds():
    r = Routine(PLAN, safety_accepted=True, per_side={"kneeling_hip_flexor": True},
                titles={"kneeling_hip_flexor": "Kneeling Hip Flexor Stretch"})
    r.start(0.0)
    while r.step.pose != "kneeling_hip_flexor" or r.step.kind != rt.STRETCH:
        r.key(0.0, rt.KEY_NEXT)
    [n] = r.on_events(40.0, [Event(40.0, ev.HOLD_COMPLETE, "Done", "left", {"done_on_side": 1, "of": 1})])
    assert n.kind == "switch" and "right" in n.text
    assert r.banner(44.9) == n.text and r.banner(45.0) is None
    # the second side completing does not prompt again; the set complete moves on
    out = r.on_events(90.0, [Event(90.0, ev.HOLD_COMPLETE, "Done", "right", {"done_on_side": 1, "of": 1}),
                             Event(90.0, ev.SET_COMPLETE)])
    assert [n.kind for n in out] == ["step"] and r.step.kind == rt.REST


def test_no_switch_prompt_for_stretches_without_sides():
    r = Routine(PLAN, safety_accepted=True)
    r.start(0.0)
    r.key(0.0, rt.KEY_NEXT)
    r.key(0.0, rt.KEY_NEXT)
    assert r.on_events(5.0, [Event(5.0, ev.HOLD_COMPLETE, "", "none", {"done_on_side": 1, "of": 1})]) == []


def test_pain_key_stops_at_once_from_any_step():
    for presses in range(0, 5):
        r = Routine(PLAN, safety_accepted=True)
        r.start(0.0)
        for _ in range(presses):
            r.key(1.0, rt.KEY_NEXT)
        before = r.step
        [n] = r.key(2.0, rt.KEY_PAIN)
        assert r.step.kind == rt.STOPPED and r.finished and n.prev == before
        assert "saved" in n.text
        assert r.tick(1e6) == [] and r.key(3.0, rt.KEY_NEXT) == [] and r.step.kind == rt.STOPPED


def test_whole_routine_runs_to_done_on_events_and_time():
    r = Routine(PLAN, rounds=3, safety_accepted=True)
    r.start(0.0)
    t, stretches = 0.0, 0
    while not r.finished:
        t += 1.0
        if r.step.kind == rt.STRETCH and t - r.started_at >= 20:
            stretches += 1
            r.on_events(t, [Event(t, ev.SET_COMPLETE)])
        r.tick(t)
        assert t < 10_000
    assert r.step.kind == rt.DONE and stretches == 6


# ---------------------------------------------------------------- the window part, headless

class StickBackend:
    """A pose model stand-in: the same stick figure every frame (measures exist, no detection)."""

    name = "stick"

    def __init__(self) -> None:
        from stick import Stick
        self.lm = Stick().frame()

    def detect(self, rgb, t):
        return self.lm.copy()

    def close(self) -> None:
        pass


def test_routine_window_safety_then_pain_stop_saves_everything(tmp_path, monkeypatch):
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    monkeypatch.setenv("SDL_AUDIODRIVER", "dummy")
    import pygame

    from coach.app.routine_live import SAFETY_KEY, run_routine
    from coach.app.history_db import connect, get_meta, load_set_rows, session_summaries
    from coach.rules.pose_spec import load_pose

    video = Path(__file__).resolve().parent.parent / "sample_videos" / "hip_flexor_both.mp4"
    assert video.exists()
    plan = RoutinePlan(stretches=("kneeling_hip_flexor", "pelvic_tilt"), rounds=2, allowed_rounds=(2,),
                       warmup_s=0.2, preview_s=0.2, rest_s=0.2, max_stretch_s=600, red_flags=("numbness",))
    specs = {n: load_pose(n) for n in plan.stretches}
    seen: list[str] = []

    def on_loop(r: Routine, frames: int) -> None:
        if not seen or seen[-1] != r.step.kind:
            seen.append(r.step.kind)
        key = None
        if r.step.kind == rt.SAFETY:
            key = pygame.K_RETURN
        elif r.step.kind == rt.STRETCH and frames >= 5:
            key = pygame.K_p
        if key is not None:
            pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key, mod=0, unicode="", scancode=0))

    held: list = []
    from coach.app.window import LiveWindow
    monkeypatch.setattr(LiveWindow, "hold_summary", lambda self, view, timeout_s: held.append((view, timeout_s)))
    db = tmp_path / "h.sqlite"
    ended, sid = run_routine(str(video), plan, specs, db=db, backend=StickBackend(), on_loop=on_loop,
                             summary_s=30.0)
    assert ended == "stopped" and seen == ["safety", "warmup", "preview", "stretch"]
    # the stopped screen stays (until a key or 30 s) instead of the window vanishing
    [(view, timeout)] = held
    assert timeout == 30.0 and view.title == "Stopped" and "Everything so far is saved." in view.lines
    assert any("Kneeling Hip Flexor Stretch" in line for line in view.lines)
    con = connect(db)
    assert get_meta(con, SAFETY_KEY) is not None            # remembered: no screen next time
    [s] = session_summaries(con)
    assert (s.id, s.kind, s.status, s.stretches) == (sid, "routine", "stopped", ["Kneeling Hip Flexor Stretch"])
    [row] = load_set_rows(con, sid)
    assert row["duration_s"] is not None and row["series"] and row["round"] == 1
    assert Routine(plan, safety_accepted=get_meta(con, SAFETY_KEY) is not None).steps[0].kind == rt.WARMUP


def test_routine_writes_each_stretch_trace_and_report_and_leaves_no_stream(tmp_path, monkeypatch):
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    monkeypatch.setenv("SDL_AUDIODRIVER", "dummy")
    import json

    import pygame

    from coach.app.routine_live import run_routine
    from coach.io.trace import load_trace
    from coach.rules.pose_spec import load_pose

    video = Path(__file__).resolve().parent.parent / "sample_videos" / "hip_flexor_both.mp4"
    plan = RoutinePlan(stretches=("kneeling_hip_flexor", "pelvic_tilt"), rounds=2, allowed_rounds=(2,),
                       warmup_s=0.1, preview_s=0.1, rest_s=0.1, max_stretch_s=600, red_flags=("numbness",))
    specs = {n: load_pose(n) for n in plan.stretches}

    def on_loop(r: Routine, frames: int) -> None:
        key = pygame.K_RETURN if r.step.kind == rt.SAFETY else (
            pygame.K_p if r.step.kind == rt.STRETCH and frames >= 8 else None)
        if key is not None:
            pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key, mod=0, unicode="", scancode=0))

    out = tmp_path / "out"
    ended, _ = run_routine(str(video), plan, specs, db=tmp_path / "h.sqlite", backend=StickBackend(),
                           on_loop=on_loop, out_dir=out)
    [report] = out.glob("kneeling_hip_flexor_r1_*.report.json")
    rec = json.loads(report.read_text())
    assert ended == "stopped" and rec["pose"] == "kneeling_hip_flexor" and rec["frames"] >= 8
    assert len(load_trace(report.with_name(report.name.replace("report.json", "trace.npz")))) == rec["frames"]
    assert report.with_name(report.name.replace("json", "csv")).exists() and not list(out.glob("*.stream"))
