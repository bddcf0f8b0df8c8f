"""The live loop on a video file with dummy SDL drivers: a record, trace and report are
written however the session ends; tones and spoken cues are played; keys work; a failing
sink, TTS engine or camera never loses the session."""

from __future__ import annotations

import json
import wave
from pathlib import Path

import numpy as np
import pygame
import pytest

from conftest import robust_cat_cow_trace, robust_write_clip
from coach.app import audio as au
from coach.app.audio import Audio
from coach.app.live import END_OF_VIDEO, INTERRUPTED, QUIT_BY_USER, run_live
from coach.rules.pose_spec import load_pose
from coach.io.trace import load_trace
from coach.io.video_source import Frame

FPS = 15.0
SPEED = 4.0          # the clip plays at 4x camera pace: same code path, shorter test


class _Frames(np.ndarray):
    """Landmark frames that carry their back outlines (`.back`, the person mask's outline)."""


@pytest.fixture(scope="module")
def cat_cow():
    times, frames, backs = robust_cat_cow_trace(cycles=3, fps=FPS, with_back=True)      # 3 reps, ~17 s
    frames = np.asarray(frames).view(_Frames)
    frames.back = backs
    return times, frames


@pytest.fixture(scope="module")
def clip(tmp_path_factory, cat_cow):
    """A plain video as long as the stick trace: the backend below supplies the pose."""
    times, _ = cat_cow
    imgs = []
    for i in range(len(times)):
        img = np.full((120, 160, 3), 60, np.uint8)
        img[:, :80] = 0                    # left half black, right half grey (mirror test)
        img[0, 0] = i % 256
        imgs.append(img)
    return robust_write_clip(tmp_path_factory.mktemp("clip") / "catcow.mp4", imgs, fps=FPS)


class TimedBackend:
    """Returns the stick figure for the frame's time; `at` = {t: action} run once each when
    the loop first analyses a frame at or after t (post a pygame event, raise ...)."""

    name = "timed-stick"

    def __init__(self, frames: np.ndarray, at: dict[float, object] | None = None) -> None:
        self.frames = frames
        self.at = dict(at or {})
        self.seen_t: list[float] = []
        self.fired: dict[float, float] = {}     # action time -> frame time it fired on
        self.first_pixels: list[int] = []
        self.closed = False

    def detect(self, rgb, t):
        self.seen_t.append(t)
        self.first_pixels.append(int(rgb[60, 5, 0]))
        for when in sorted(self.at):
            if t >= when:
                action = self.at.pop(when)
                self.fired[when] = t
                if isinstance(action, BaseException):
                    raise action
                action()
        i = min(int(round(t * FPS)), len(self.frames) - 1)
        backs = getattr(self.frames, "back", None)
        self.last_back = None if backs is None else backs[i].copy()     # what the mask's outline would give
        return np.asarray(self.frames[i]).copy()

    def close(self) -> None:
        self.closed = True


def post_key(key: int):
    return lambda: pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key, mod=0, unicode="", scancode=0))


def post_quit():
    return lambda: pygame.event.post(pygame.event.Event(pygame.QUIT))


class WavSpeech:
    """A stand-in TTS engine: writes a short real WAV so the mixer path runs."""

    def __init__(self) -> None:
        self.said: list[str] = []

    def synth(self, text: str, wav_path: Path) -> None:
        self.said.append(text)
        with wave.open(str(wav_path), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(22050)
            w.writeframes((np.sin(np.arange(1100) * 0.2) * 3000).astype(np.int16).tobytes())


def make_audio(**kw) -> Audio:
    kw.setdefault("speech_factory", WavSpeech)
    return Audio(say=lambda s: None, **kw)


def run(clip, frames, tmp_path, at=None, **kw):
    backend = TimedBackend(frames, at)
    kw.setdefault("speed", SPEED)
    kw.setdefault("guide_s", 0.0)
    res = run_live(clip, load_pose("cat_cow"), backend=backend, out_dir=tmp_path, name="s", **kw)
    return res, backend


def saved(res, tmp_path):
    """The report and trace on disk agree with the returned record."""
    assert res.report_json == tmp_path / "s.report.json" and res.report_json.exists()
    assert res.report_csv.exists() and res.trace.exists()
    report = json.loads(res.report_json.read_text())
    trace = load_trace(res.trace)
    assert report["frames"] == res.record.frames == len(trace) > 0
    return report, trace


def test_live_loop_on_video_counts_reps_saves_and_plays(clip, cat_cow, tmp_path):
    times, frames = cat_cow
    audio = make_audio()
    try:
        res, backend = run(clip, frames, tmp_path, audio=audio)
        audio.wait_idle(5.0)
        log = audio.log
    finally:
        audio.close()
    assert res.end_reason == END_OF_VIDEO and res.complete
    assert res.record.rep_count == 3
    report, _ = saved(res, tmp_path)
    assert report["rep_count"] == 3
    assert report["events"][-1]["kind"] == "session_end"
    assert backend.closed is False                      # the caller's backend: the caller closes it
    # every analysed frame is counted exactly once: analysed + dropped = captured
    st = res.stats
    assert st.frames + st.dropped == st.captured == len(times)
    assert st.frames == res.record.frames and 0 < st.mean_ms <= st.max_ms and st.fps > 0
    # a rep tone per rep, and the spoken cues went to the speech worker
    assert [e.status for e in log if e.name == "rep"] == [au.PLAYED] * 3
    cues = [e["text"] for e in report["events"] if e["kind"] == "cue"]
    queued = [e.text for e in log if e.kind == "speech" and e.status == au.QUEUED]
    assert cues and queued == cues
    assert any(e.status == au.SPOKEN for e in log)


def test_quit_event_ends_session_and_saves(clip, cat_cow, tmp_path):
    _, frames = cat_cow
    res, backend = run(clip, frames, tmp_path, at={1.0: post_quit()})
    assert res.end_reason == QUIT_BY_USER and res.complete
    assert max(backend.seen_t) < 3.0                       # stopped early, not at the end
    report, trace = saved(res, tmp_path)
    assert trace.t[-1] == pytest.approx(max(backend.seen_t))


def test_escape_and_q_quit(clip, cat_cow, tmp_path):
    _, frames = cat_cow
    for key in (pygame.K_ESCAPE, pygame.K_q):
        res, _ = run(clip, frames, tmp_path, at={0.5: post_key(key)})
        assert res.end_reason == QUIT_BY_USER
        saved(res, tmp_path)


def test_mute_and_pause_keys(clip, cat_cow, tmp_path):
    _, frames = cat_cow
    audio = make_audio()
    try:
        res, backend = run(clip, frames, tmp_path, audio=audio, max_seconds=4.0,
                           at={0.5: post_key(pygame.K_m), 1.0: post_key(pygame.K_SPACE)})
        assert audio.muted
    finally:
        audio.close()
    # paused at t = 1.0 s: nothing after it was analysed, the frames kept coming until the limit
    assert max(backend.seen_t) == backend.fired[1.0]
    assert res.stats.skipped_paused > 10
    assert res.end_reason.startswith("time limit")
    saved(res, tmp_path)


def test_pause_then_resume_keeps_engine_clock_continuous(clip, cat_cow, tmp_path):
    _, frames = cat_cow
    # space twice in one poll: pause and resume; analysis goes on with increasing times
    res, backend = run(clip, frames, tmp_path, max_seconds=3.0,
                       at={1.0: lambda: (post_key(pygame.K_SPACE)(), post_key(pygame.K_SPACE)())})
    assert res.end_reason.startswith("time limit")
    assert max(backend.seen_t) > 2.0                       # resumed and went on
    assert np.all(np.diff(backend.seen_t) > 0)


def test_any_key_closes_the_guide_first(clip, cat_cow, tmp_path):
    _, frames = cat_cow
    # with the guide on screen the first space only closes it; the second pauses
    res, backend = run(clip, frames, tmp_path, guide_s=30.0, max_seconds=3.0,
                       at={0.5: post_key(pygame.K_SPACE), 1.0: post_key(pygame.K_SPACE)})
    assert max(backend.seen_t) == backend.fired[1.0]
    assert res.stats.skipped_paused > 0


def test_ctrl_c_returns_and_saves(clip, cat_cow, tmp_path):
    _, frames = cat_cow
    res, _ = run(clip, frames, tmp_path, at={1.0: KeyboardInterrupt()})
    assert res.end_reason == INTERRUPTED and not res.complete
    report, _ = saved(res, tmp_path)
    assert report["events"][-1]["text"] == INTERRUPTED


def test_exception_in_loop_propagates_after_saving(clip, cat_cow, tmp_path):
    _, frames = cat_cow
    with pytest.raises(RuntimeError, match="model crashed"):
        run(clip, frames, tmp_path, at={1.0: RuntimeError("model crashed")})
    report = json.loads((tmp_path / "s.report.json").read_text())
    assert report["frames"] == len(load_trace(tmp_path / "s.trace.npz")) > 0
    assert "model crashed" in report["events"][-1]["text"]
    assert report["events"][-1]["data"]["complete"] is False


class BrokenSpeech:
    def synth(self, text, wav_path):
        raise RuntimeError("espeak exploded")


def test_tts_exception_does_not_stop_the_loop(clip, cat_cow, tmp_path):
    times, frames = cat_cow
    printed: list[str] = []
    audio = Audio(speech_factory=BrokenSpeech, say=printed.append)
    try:
        # every frame analysed: a busy machine must not drop the short cat/cow phases
        res, _ = run(clip, frames, tmp_path, audio=audio, every_frame=True)
        audio.wait_idle(5.0)
        log = audio.log
    finally:
        audio.close()
    assert res.end_reason == END_OF_VIDEO and res.record.rep_count == 3
    assert res.stats.captured == len(times)
    errors = [e for e in log if e.kind == "speech" and e.status == au.ERROR]
    assert errors and any(e.name == "cue" and e.status == au.PLAYED for e in log)
    assert len([p for p in printed if "espeak exploded" in p]) == 1      # said once, not per cue


class BadSink:
    def __init__(self) -> None:
        self.started = self.finished = None
        self.calls = 0

    def on_start(self, spec, source, profile):
        self.started = (spec.name, source)

    def on_events(self, spec, events):
        self.calls += 1
        raise ValueError("database locked")

    def on_finish(self, record):
        self.finished = record


def test_sink_exception_is_logged_and_coaching_goes_on(clip, cat_cow, tmp_path):
    _, frames = cat_cow
    sink = BadSink()
    res, _ = run(clip, frames, tmp_path, sinks=[sink])
    assert res.end_reason == END_OF_VIDEO and res.record.rep_count == 3
    assert sink.started == ("cat_cow", str(clip)) and sink.calls > 3
    assert sink.finished is res.record


def test_mirror_flips_frames_before_analysis(clip, cat_cow, tmp_path):
    _, frames = cat_cow
    _, plain = run(clip, frames, tmp_path, max_seconds=0.5, show_window=False)
    _, mirrored = run(clip, frames, tmp_path, max_seconds=0.5, show_window=False, mirror=True)
    assert max(plain.first_pixels) < 10                    # left edge: black
    assert min(mirrored.first_pixels) > 40                 # flipped: the grey right half


def test_live_reads_the_world_landmarks_as_review_does(clip, cat_cow, tmp_path):
    """The live loop hands the session the backend's world landmarks too: the view offset and
    the measures read in 3-D work live as in a review, and the saved trace keeps them."""
    _, frames = cat_cow
    world = np.zeros((33, 3))
    world[11:13, 2] = (-0.2, 0.2)                  # shoulders (and hips) along the line of sight: side-on
    world[23:25, 2] = (-0.1, 0.1)

    class WorldBackend(TimedBackend):
        def detect(self, rgb, t):
            lm = super().detect(rgb, t)
            self.last_world = world.copy()
            return lm

    backend = WorldBackend(frames)
    res = run_live(clip, load_pose("cat_cow"), backend=backend, out_dir=tmp_path, name="s", speed=SPEED,
                   guide_s=0.0, max_seconds=1.0, show_window=False)
    _, trace = saved(res, tmp_path)
    assert trace.world is not None and np.allclose(trace.world[-1], world)


class FakeVideoSource:
    """A camera that delivers `n` frames, then fails (or hangs) like an unplugged webcam."""

    def __init__(self, spec, n: int = 20, hang: bool = False) -> None:
        self.spec, self.n, self.hang = spec, n, hang
        self.is_camera, self.fps, self.width, self.height, self.name = True, 30.0, 160, 120, "camera 0"
        self.i = 0
        self.released = False

    def read(self):
        import time

        if self.i >= self.n:
            if self.hang:
                time.sleep(3.0)          # a stuck driver: the loop must not wait for it
            return None
        self.i += 1
        time.sleep(1 / self.fps)
        return Frame(self.i - 1, (self.i - 1) / self.fps, np.zeros((120, 160, 3), np.uint8), time.monotonic())

    def close(self) -> None:
        self.released = True


@pytest.mark.parametrize("hang", [False, True])
def test_camera_that_stops_ends_cleanly_and_saves(monkeypatch, cat_cow, tmp_path, hang):
    import coach.app.live as live

    _, frames = cat_cow
    made: list[FakeVideoSource] = []
    monkeypatch.setattr(live, "VideoSource", lambda spec: made.append(FakeVideoSource(spec, hang=hang)) or made[-1])
    res = run_live(0, load_pose("cat_cow"), backend=TimedBackend(frames), out_dir=tmp_path, name="s",
                   guide_s=0.0, stall_s=0.5)
    assert res.end_reason.startswith("camera stopped delivering frames")
    assert not res.complete and made[0].released
    report, _ = saved(res, tmp_path)
    assert report["events"][-1]["text"].startswith("camera stopped")
    assert report["events"][-1]["data"]["complete"] is False


class CountingPanel:
    def __init__(self, spec) -> None:
        self.spec = spec
        self.keys: list[int] = []
        self.draws = 0

    def handle_key(self, key: int) -> bool:
        self.keys.append(key)
        return key == pygame.K_UP

    def draw(self, surface, result) -> None:
        self.draws += 1


def test_panel_toggles_with_t_and_gets_keys_first(clip, cat_cow, tmp_path):
    _, frames = cat_cow
    panel = CountingPanel(load_pose("cat_cow"))
    res, backend = run(clip, frames, tmp_path, panel=panel, max_seconds=2.0,
                       at={0.3: post_key(pygame.K_UP), 0.6: post_key(pygame.K_t), 0.9: post_key(pygame.K_UP),
                           1.2: post_key(pygame.K_SPACE)})
    assert panel.keys == [pygame.K_UP, pygame.K_SPACE]        # hidden panel: no keys; then UP, SPACE
    assert panel.draws > 0
    assert max(backend.seen_t) == backend.fired[1.2]          # SPACE not consumed: it paused


# ---------------------------------------------------------------- the commands, real MediaPipe
SAMPLE = Path(__file__).resolve().parent.parent / "sample_videos" / "hip_flexor_both.mp4"


def test_cli_live_on_sample_clip_with_real_pose_model(tmp_path, capsys):
    from coach.cli import main

    rc = main(["live", "--pose", "kneeling_hip_flexor", "--camera", str(SAMPLE), "--max-seconds", "2",
               "--no-tts", "--no-guide", "--summary-s", "0", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert "session ended: time limit reached (2 s)" in out and "latency mean" in out
    [report] = tmp_path.glob("kneeling_hip_flexor_*.report.json")
    rec = json.loads(report.read_text())
    assert rec["frames_with_person"] > 0 and rec["model"].startswith("mediapipe")
    assert len(load_trace(report.with_name(report.name.replace("report.json", "trace.npz")))) == rec["frames"]


def test_cli_review_show_analyses_every_frame_in_the_window(tmp_path, capsys):
    import cv2

    from coach.cli import main

    cap = cv2.VideoCapture(str(SAMPLE))
    imgs = [cap.read()[1] for _ in range(12)]
    cap.release()
    clip = robust_write_clip(tmp_path / "short.mp4", imgs, fps=10.0)
    rc = main(["review", str(clip), "--pose", "kneeling_hip_flexor", "--show", "--out", str(tmp_path / "out")])
    out = capsys.readouterr().out
    assert rc == 0, out
    rec = json.loads((tmp_path / "out" / "short.report.json").read_text())
    assert rec["frames"] == 12                                   # no pacing, no drops
    vid = cv2.VideoCapture(str(tmp_path / "out" / "short.annotated.mp4"))
    assert int(vid.get(cv2.CAP_PROP_FRAME_COUNT)) == 12
    vid.release()


def test_cli_review_show_offers_the_tuning_panel_for_the_profile(tmp_path, monkeypatch):
    import coach.app.live
    from coach.cli import main
    from coach.physio.tuning_panel import TuningPanel

    seen = {}

    def fake_run_live(video, spec, **kw):
        seen.update(kw)
        raise KeyboardInterrupt    # stop here: only the wiring is under test

    monkeypatch.setattr(coach.app.live, "run_live", fake_run_live)
    profile = tmp_path / "jane.toml"
    profile.write_text("version = 1\n")
    assert main(["review", str(SAMPLE), "--pose", "kneeling_hip_flexor", "--show", "--profile", str(profile),
                 "--out", str(tmp_path / "out")]) == 130
    assert isinstance(seen["panel"], TuningPanel) and seen["panel"].profile_path == profile


def test_the_set_up_guide_is_also_spoken(clip, cat_cow, tmp_path):
    _, frames = cat_cow
    audio = make_audio()
    try:
        run(clip, frames, tmp_path, audio=audio, guide_s=30.0, max_seconds=1.0)
        log = audio.log
    finally:
        audio.close()
    spec = load_pose("cat_cow")
    first = next(e for e in log if e.kind == "speech")
    assert first.text.startswith(spec.title) and spec.instructions[0] in first.text


def test_live_ends_on_a_summary_screen_that_waits_and_shows_the_set_summary(clip, cat_cow, tmp_path, monkeypatch):
    """With a 3-rep target the clip's 3 reps complete the set: the end-of-set screen comes up
    during the run; at the end the session's summary is held (until a key or summary_s)
    before the window closes."""
    from dataclasses import replace

    from coach.app.window import LiveWindow

    times, frames = cat_cow
    held, shown = [], []
    monkeypatch.setattr(LiveWindow, "hold_summary", lambda self, view, timeout_s: held.append((view, timeout_s)))
    real_show_summary = LiveWindow.show_summary
    monkeypatch.setattr(LiveWindow, "show_summary", lambda self, view: (shown.append(view), real_show_summary(self, view)))
    spec = load_pose("cat_cow")
    spec = replace(spec, reps=replace(spec.reps, target=3))
    # every frame in order (the review --show path): no frame dropped on a busy machine
    res = run_live(clip, spec, backend=TimedBackend(frames), out_dir=tmp_path, name="s", every_frame=True,
                   guide_s=0.0, summary_s=20.0)
    assert res.record.rep_count == 3
    [(view, timeout)] = held
    assert timeout == 20.0 and view.title == "Session complete"
    assert any(line.strip() == "Reps: 3 of 3" for line in view.lines), view.lines
    assert shown and shown[0].title == "Set complete: Cat-Cow Pose"
