"""The live loop: camera (or a video file at camera pace) -> pose -> Session -> overlay in
a pygame window, tones and speech, and a record that is never lost.

`LiveLoop` owns the edges of a live run: the frame feed (coach/io/feeds.py: the newest
frame only, so the loop never works on a stale image), the pose model, the window, audio,
keys, the panel and the Session sinks. Each stretch is one Session (coach/core/session.py).
`LiveLoop.coach(spec)` runs one stretch (`coach live`, `coach review --show`, `coach bench
speed`); the routine (coach/app/routine_live.py) runs several on the same parts.

Glass-to-feedback latency is measured per frame from Frame.captured_at to the flip of the
updated window. The trace and the JSON/CSV report are written in a `finally`: on normal
end, q/Esc, window close, Ctrl-C, a camera that stops, or an exception in the loop.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterable, Protocol

import cv2
import numpy as np

from coach.core import events as ev
from coach.core.engine import FrameResult
from coach.core.events import Event
from coach.app.overlay import draw_back_curve, draw_overlay, draw_skeleton
from coach.io.back_outline import choice_for, detected
from coach.io.pose_backend import BackendChoice, PoseBackend
from coach.rules.pose_spec import PoseSpec
from coach.core.record import StretchRecord, build_record, output_paths, write_csv, write_json
from coach.core.session import Session
from coach.io.outputs import prepare_out_dir
from coach.io.atomic import commit, temp_path
from coach.io.stream import StreamSink
from coach.io.trace import save_trace
from coach.io.feeds import END_OF_VIDEO, EveryFrameFeed, NewestFrameGrabber
from coach.io.video_source import Frame, VideoSource

log = logging.getLogger(__name__)

QUIT_BY_USER = "quit by user"
INTERRUPTED = "interrupted (Ctrl-C)"


# ------------------------------------------------------------------ protocols
class Panel(Protocol):
    """Drawn over the window (e.g. the tuning panel); see docs/architecture.md."""

    spec: PoseSpec

    def handle_key(self, key: int) -> bool: ...

    def draw(self, surface: Any, result: FrameResult) -> None: ...


class SessionSink(Protocol):
    """Records as the session goes (e.g. the history DB); see docs/architecture.md."""

    def on_start(self, spec: PoseSpec, source: str, profile: str) -> None: ...

    def on_events(self, spec: PoseSpec, events: list[Event]) -> None: ...

    def on_finish(self, record: StretchRecord) -> None: ...


# ------------------------------------------------------------------ results
@dataclass
class LiveStats:
    """How fast the loop kept up: latency in milliseconds, frame counts, frames per second."""

    frames: int            # analysed and shown
    captured: int          # delivered by the source
    dropped: int           # replaced by a newer frame before the loop took them
    skipped_paused: int    # delivered while paused
    mean_ms: float         # glass-to-feedback latency
    p95_ms: float
    max_ms: float
    fps: float             # analysed frames per second of wall time
    wall_s: float

    @classmethod
    def from_samples(cls, latencies_s: list[float], *, captured: int, dropped: int,
                     skipped_paused: int, wall_s: float) -> "LiveStats":
        ms = np.asarray(latencies_s, dtype=float) * 1000.0
        n = len(ms)
        return cls(frames=n, captured=captured, dropped=dropped, skipped_paused=skipped_paused,
                   mean_ms=float(ms.mean()) if n else 0.0,
                   p95_ms=float(np.percentile(ms, 95)) if n else 0.0,
                   max_ms=float(ms.max()) if n else 0.0,
                   fps=n / wall_s if wall_s > 0 else 0.0, wall_s=wall_s)

    def summary(self) -> str:
        return (f"{self.frames} frames in {self.wall_s:.1f} s ({self.fps:.1f} fps), latency mean "
                f"{self.mean_ms:.0f} ms, p95 {self.p95_ms:.0f} ms, dropped {self.dropped} of {self.captured}")


@dataclass
class LiveResult:
    record: StretchRecord | None     # None when no frame was analysed
    stats: LiveStats
    end_reason: str
    complete: bool                   # False after Ctrl-C, a camera failure or an error
    report_json: Path | None = None
    report_csv: Path | None = None
    trace: Path | None = None
    video: Path | None = None
    save_errors: list[str] = field(default_factory=list)   # outputs that could not be written

    # flat figures for `coach bench speed`
    @property
    def fps(self) -> float:
        return self.stats.fps

    @property
    def latency_ms(self) -> float:
        return self.stats.mean_ms

    @property
    def dropped(self) -> int:
        return self.stats.dropped


# ------------------------------------------------------------------ the loop
def _guarded(what: str, fn: Callable[..., Any], *args: Any) -> str | None:
    """Call an edge (sink, audio, panel, a file write); log its exception, never stop
    coaching. Returns what failed, or None."""
    try:
        fn(*args)
    except Exception as e:  # noqa: BLE001
        log.exception("%s failed; coaching goes on", what)
        return f"{what} failed: {e}"
    return None


SET_SUMMARY_S = 12.0     # the end-of-set screen, unless a key closes it first


def set_summary_view(session: Session, spec: PoseSpec, model: str, profile: str) -> Any:
    """The end-of-set screen from the Session so far (the set goes on being recorded)."""
    from coach.app.summary import close_hint, set_summary

    part = build_record(session.engine, source=session.source, duration_s=session.last_t, frames=session.frames,
                        frames_with_person=session.frames_with_person, model=model, profile=profile)
    return set_summary(part, spec, next_step="Next: rest, or press q to finish.", hint=close_hint(SET_SUMMARY_S))


def _end_screen(window: Any, record: StretchRecord | None, spec: PoseSpec, end_reason: str,
                complete: bool, timeout_s: float) -> None:
    """The end-of-session (or stopped) screen, up until a key or `timeout_s`."""
    from coach.app.summary import close_hint, session_summary

    stopped = "" if complete else f"The session stopped: {end_reason}."
    view = session_summary([(record, spec)] if record is not None else [], stopped=stopped,
                           hint=close_hint(timeout_s))
    window.hold_summary(view, timeout_s)


def guide_lines(spec: PoseSpec) -> list[str]:
    """The set-up guide shown at the start."""
    lines = [spec.title, "Set up:", *spec.setup_guide, "How to:", *spec.instructions,
             "Press any key to start (or wait a few seconds)."]
    return lines


@dataclass
class LiveConfig:
    """How a live run behaves (everything but its parts: source, model, audio, sinks, panel).

    max_seconds: end once the source's time reaches it. out_dir: where each set's trace and
    report go (None: write nothing); name: their file stem (default <pose>_<date-time>).
    speed: a video file is fed at `speed` x its frame rate through the same newest-frame
    grabber as a camera; `every_frame` reads every frame with no pacing instead.
    headless: no window and no sound (benchmarks), whatever show_window and audio say.
    stream: with out_dir, stream the trace and events to disk each second (coach/io/stream.py),
    so a killed process loses at most that; the next start recovers them.
    fullscreen: start the window fullscreen (`f` toggles). summary_s: at the end, keep a
    summary screen up until a key or this many seconds (0: close at once).
    """

    max_seconds: float | None = None
    show_window: bool = True
    out_dir: Path | None = None
    name: str | None = None
    mirror: bool = False
    speed: float | None = 1.0
    every_frame: bool = False
    write_video: bool = False
    guide_s: float = 8.0
    stall_s: float = 5.0
    profile: str = ""
    title: str = "coach live"
    headless: bool = False
    fullscreen: bool = False
    summary_s: float = 0.0
    stream: bool = True


class LiveLoop:
    """The edges of a live run around one Session per stretch.

    Parts: `open()` the source, model and window; `start_set(spec)` a Session (its sinks
    told on_start, a stream sink added with out_dir); `analyse(frame, t)` runs one frame
    through the model, the Session, the sinks and the audio; `end_set()` writes the set's
    trace and report and tells the sinks on_finish; `close()` releases everything.
    `coach(spec)` is one stretch with pause, guide, panel and keys on these parts."""

    def __init__(self, source: str | int | Path, *, backend: PoseBackend | None = None,
                 backend_choice: BackendChoice = BackendChoice(), audio: Any = None,
                 sinks: Iterable[SessionSink] = (), panel: Panel | None = None,
                 config: LiveConfig | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        cfg = config or LiveConfig()
        if cfg.headless:
            cfg, audio = replace(cfg, show_window=False), None
        self.cfg, self.source, self.clock = cfg, source, clock
        self.audio = audio or None                # `audio=False` means none
        self.sinks, self.panel = list(sinks), panel
        self.backend, self._own_backend, self._choice = backend, backend is None, backend_choice
        self.src: Any = None
        self.feed: Any = None
        self.window: Any = None
        self.session: Session | None = None
        self._set_sinks: list[Any] = []
        self._paths: dict[str, Path] = {}
        self._writer: Any = None                  # the annotated video (write_video)
        self.latencies: list[float] = []
        self.first_flip: float | None = None
        self.last_flip: float | None = None
        self.skipped = 0                          # frames delivered while paused
        self.t_start = clock()

    # ------------------------------------------------------------ parts
    def open(self) -> None:
        """Check the output folder, open the source and the pose model; make the feed."""
        if self.cfg.out_dir is not None:
            prepare_out_dir(Path(self.cfg.out_dir))
        self.src = VideoSource(self.source)
        try:
            self.backend = self.backend or self._choice.create()
        except BaseException:
            self.src.close()
            raise
        self.feed = (EveryFrameFeed(self.src, self.clock) if self.cfg.every_frame
                     else NewestFrameGrabber(self.src, self.cfg.speed, self.clock))

    def open_window(self, title: str) -> None:
        if self.cfg.show_window:
            from coach.app.window import LiveWindow

            self.window = LiveWindow(self.src.width, self.src.height, title, fullscreen=self.cfg.fullscreen)

    def start_set(self, spec: PoseSpec, stem: str | None = None) -> Session:
        """A new Session for `spec`; the sinks (and a stream sink, with out_dir) start it."""
        cfg, src = self.cfg, self.src
        stem = stem or cfg.name or f"{spec.name}_{time.strftime('%Y%m%d-%H%M%S')}"
        self._paths = output_paths(cfg.out_dir, stem) if cfg.out_dir is not None else {}
        self._set_sinks = list(self.sinks)
        if self._paths and cfg.stream:      # crash safety: the trace and events reach the disk each second
            self._set_sinks.append(StreamSink(cfg.out_dir, stem, width=src.width, height=src.height,
                                              model=self.backend.name,
                                              history=next((s for s in self.sinks if hasattr(s, "con")), None)))
        self.session = Session(spec, source=src.name, model=self.backend.name, profile=cfg.profile,
                               width=src.width, height=src.height, record_trace=bool(self._paths),
                               rejudge=False)   # live: the record is what the person was told
        for s in self._set_sinks:
            _guarded("sink on_start", s.on_start, spec, src.name, cfg.profile)
        return self.session

    def analyse(self, fr: Frame, t: float) -> tuple[FrameResult, np.ndarray]:
        """One frame at Session time `t`: pose model, Session, sinks, audio. Returns the
        result and the (mirrored) image it was read from."""
        session = self.session
        bgr = cv2.flip(fr.bgr, 1) if self.cfg.mirror else fr.bgr
        lm = self.backend.detect(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), t)
        for s in self._set_sinks:
            if hasattr(s, "on_trace"):
                _guarded("sink on_trace", s.on_trace, t, lm)
        det = detected(self.backend, lm)
        result = session.feed(t, lm, det.world, det.back() if session.spec.uses_contour else None)
        for s in self._set_sinks:
            if hasattr(s, "on_frame"):
                _guarded("sink on_frame", s.on_frame, result)
        if result.events:
            if self.audio is not None:
                _guarded("audio", self.audio.handle, result.events)
            for s in self._set_sinks:
                _guarded("sink on_events", s.on_events, session.spec, result.events)
        if self.cfg.write_video and self._paths:
            self._write_video(draw_overlay(bgr.copy(), session.spec, result))
        return result, bgr

    def _write_video(self, img: np.ndarray) -> None:
        if self._writer is None:
            self._writer = cv2.VideoWriter(str(temp_path(self._paths["annotated.mp4"])), cv2.VideoWriter_fourcc(*"mp4v"),
                                           self.src.fps, (img.shape[1], img.shape[0]))
        self._writer.write(img)

    def flipped(self, captured_at: float) -> None:
        """A frame's feedback is on the screen: its glass-to-feedback latency."""
        now = self.clock()
        self.latencies.append(now - captured_at)
        self.first_flip = self.first_flip if self.first_flip is not None else now
        self.last_flip = now

    def end_set(self, ending: dict[str, Any] | None = None,
                keep_empty: bool = False) -> tuple[StretchRecord | None, list[str]]:
        """Close the Session: the trace first (it needs nothing else), then the record (with
        `ending`, the event that says how the set ended) as JSON and CSV, then the sinks'
        on_finish. A set with no frame gives no record unless `keep_empty`. Returns the
        record and what could not be saved."""
        session, paths, sinks = self.session, self._paths, self._set_sinks
        self.session, self._set_sinks = None, []
        if session is None or not (session.frames or keep_empty):
            return None, []
        errors = []
        if session.frames and paths:
            errors.append(_guarded("saving trace", save_trace, session.trace(), paths["trace.npz"]))
        record = session.close()
        if ending is not None:
            record.events.append(ending)
        if session.frames and paths:
            errors.append(_guarded("saving JSON report", write_json, record, paths["report.json"]))
            errors.append(_guarded("saving CSV report", write_csv, record, paths["report.csv"]))
        for s in sinks:
            _guarded("sink on_finish", s.on_finish, record)
        return record, [e for e in errors if e]

    def close(self) -> None:
        """Release the feed, the source, the video, the model and the window (each guarded)."""
        if self.feed is not None:
            _guarded("stopping capture", self.feed.stop)
        if self.src is not None:
            _guarded("closing source", self.src.close)
        if self._writer is not None:
            _guarded("closing video", self._writer.release)
            _guarded("saving video", commit, temp_path(self._paths["annotated.mp4"]), self._paths["annotated.mp4"])
        if self._own_backend and self.backend is not None:
            _guarded("closing pose model", self.backend.close)
        if self.window is not None:
            _guarded("closing window", self.window.close)

    def stats(self, frames: int) -> LiveStats:
        wall = ((self.last_flip - self.first_flip) if (self.first_flip is not None and frames > 1)
                else (self.clock() - self.t_start))
        stats = LiveStats.from_samples(self.latencies, captured=self.feed.captured, dropped=self.feed.dropped,
                                       skipped_paused=self.skipped, wall_s=wall)
        if frames > 1:      # fps over the frames' own span: n frames -> n-1 intervals
            stats.fps = (frames - 1) / wall if wall > 0 else 0.0
        return stats

    def toggle_mute(self) -> None:
        if self.audio is not None:
            _guarded("mute", self.audio.toggle_mute)

    # ------------------------------------------------------------ one stretch
    def coach(self, spec: PoseSpec) -> LiveResult:
        """Coach one stretch until the source ends, the user quits, the time limit or Ctrl-C."""
        self.open()
        session = self.start_set(spec)
        end_reason, complete = "", False
        try:
            self.open_window(f"{self.cfg.title}: {spec.title}")
            end_reason = _OneStretch(self, spec).run()
            complete = True
        except KeyboardInterrupt:
            end_reason = INTERRUPTED
        except BaseException as e:
            end_reason = f"stopped by an error: {type(e).__name__}: {e}"
            raise
        finally:
            window, self.window = self.window, None      # kept open for the summary screen
            self.close()
            frames, last_t, video = session.frames, session.last_t, self._writer is not None
            paths = self._paths
            stats = self.stats(frames)
            # complete: ended as planned (end of the video, the user quit, the time limit)
            complete = complete and (end_reason in (END_OF_VIDEO, QUIT_BY_USER) or end_reason.startswith("time limit"))
            record, errors = self.end_set({
                "t": round(last_t, 2), "kind": "session_end", "text": end_reason, "side": "none",
                "data": {"complete": complete, "mean_latency_ms": round(stats.mean_ms, 1),
                         "p95_latency_ms": round(stats.p95_ms, 1), "fps": round(stats.fps, 1),
                         "dropped": stats.dropped}})
            result = LiveResult(
                record, stats, end_reason or "stopped", complete,
                report_json=paths.get("report.json") if frames else None,
                report_csv=paths.get("report.csv") if frames else None,
                trace=paths.get("trace.npz") if frames else None,
                video=paths.get("annotated.mp4") if video else None, save_errors=errors)
            if window is not None:
                if self.cfg.summary_s > 0 and end_reason != INTERRUPTED and not end_reason.startswith("stopped by an error"):
                    _guarded("summary screen", _end_screen, window, record, spec, end_reason, complete,
                             self.cfg.summary_s)
                _guarded("closing window", window.close)
        return result


class _OneStretch:
    """The single-stretch screen on a LiveLoop: set-up guide, pause (the Session's clock
    skips it), tuning panel, keys; returns why it ended."""

    def __init__(self, loop: LiveLoop, spec: PoseSpec) -> None:
        self.loop, self.spec = loop, spec
        cfg = loop.cfg
        self.guide = guide_lines(spec) if (loop.window and cfg.guide_s > 0) else None
        self.guide_until = loop.clock() + cfg.guide_s
        self.paused = self.show_panel = False
        self.pause_raw_t: float | None = None    # source time when paused: the Session skips the gap
        self.t_offset = 0.0
        self.last_raw_t: float | None = None
        self.last_img: np.ndarray | None = None
        self.result: FrameResult | None = None
        self.redraw = False
        self.set_view: Any = None               # the end-of-set screen, up until a key or SET_SUMMARY_S
        self.set_view_until = 0.0

    def run(self) -> str:
        loop, cfg = self.loop, self.loop.cfg
        if self.guide and loop.audio:    # the guide is also read out: the person may already be on the mat
            _guarded("audio", loop.audio.say, " ".join([self.spec.title + ".", *self.spec.instructions]))
        dt_frame = 1.0 / loop.src.fps
        loop.feed.start()
        while True:
            if self.keys():
                return QUIT_BY_USER
            if self.guide and loop.clock() >= self.guide_until:
                self.guide, self.redraw = None, True
            if self.paused and cfg.every_frame:
                fr = None                      # review: pausing must not skip frames
                time.sleep(0.02)
            else:
                fr = loop.feed.take(0.02 if loop.window is not None else 0.1)
            if fr is None:
                if loop.feed.ended:
                    return loop.feed.end_reason or END_OF_VIDEO
                if not self.paused and loop.clock() - loop.feed.last_frame_at > cfg.stall_s:
                    return f"camera stopped delivering frames (none for {cfg.stall_s:g} s)"
                self.show_if_needed()
                continue
            if cfg.max_seconds is not None and fr.t >= cfg.max_seconds:
                return f"time limit reached ({cfg.max_seconds:g} s)"
            if self.paused:
                loop.skipped += 1
                if self.pause_raw_t is None:
                    self.pause_raw_t = self.last_raw_t if self.last_raw_t is not None else fr.t
                self.show_if_needed()
                continue
            if self.pause_raw_t is not None:          # resumed: the Session's clock skips the pause
                self.t_offset += max(0.0, fr.t - self.pause_raw_t - dt_frame)
                self.pause_raw_t = None
            self.frame(fr)

    def frame(self, fr: Frame) -> None:
        """Analyse one frame and show it."""
        loop = self.loop
        self.result, bgr = loop.analyse(fr, fr.t - self.t_offset)
        self.last_raw_t = fr.t
        if loop.window is not None and any(e.kind == ev.SET_COMPLETE for e in self.result.events):
            self.set_view = set_summary_view(loop.session, self.spec, loop.backend.name, loop.cfg.profile)
            self.set_view_until = loop.clock() + SET_SUMMARY_S
        img = draw_skeleton(bgr if loop.cfg.mirror else bgr.copy(), self.result)
        draw_back_curve(img, loop.session.spec, self.result)
        if loop.window is not None:
            self.show(img)
            self.redraw = False
        loop.flipped(fr.captured_at)
        self.last_img = img

    def keys(self) -> bool:
        """Handle the keys pressed since the last turn; True: quit."""
        loop, panel = self.loop, self.loop.panel
        if loop.window is None:
            return False
        from coach.app.window import QUIT
        import pygame

        for k in loop.window.poll():
            self.redraw = True
            if k == QUIT or k.key in (pygame.K_q, pygame.K_ESCAPE):
                return True
            if self.set_view is not None:
                self.set_view = None       # any key closes the end-of-set screen
            elif self.guide:
                self.guide = None          # any key closes the guide
            elif k.key == pygame.K_t and panel is not None:
                self.show_panel = not self.show_panel
            elif self.show_panel and panel is not None and self.panel_key(k.key):
                pass
            elif k.key == pygame.K_SPACE:
                self.paused = not self.paused
            elif k.key == pygame.K_m:
                loop.toggle_mute()
        return False

    def panel_key(self, key: int) -> bool:
        """The panel's turn at a key; a consumed key may have changed the thresholds."""
        try:
            if self.loop.panel.handle_key(key):
                self.loop.session.update_spec(self.loop.panel.spec)
                return True
        except Exception:  # noqa: BLE001
            log.exception("tuning panel key failed; coaching goes on")
            return True
        return False

    def help_line(self) -> str:
        keys = "space pause   m sound   f full screen   " + ("t tuning   " if self.loop.panel is not None else "") + "q quit"
        return ("any key: start   " + keys) if self.guide else keys

    def status_line(self) -> str:
        audio = self.loop.audio
        return "Sound off" if audio is not None and getattr(audio, "muted", False) else ""

    def show_if_needed(self) -> None:
        if self.loop.window is not None and self.redraw:
            self.show(self.last_img)
            self.redraw = False

    def show(self, img: np.ndarray | None) -> None:
        from coach.app.hud import hud_view

        loop = self.loop
        if self.set_view is not None and loop.clock() < self.set_view_until:
            loop.window.show_summary(self.set_view)
            return
        self.set_view = None
        hud = hud_view(self.spec, self.result, image_size=(loop.src.width, loop.src.height), help=self.help_line(),
                       status=self.status_line(), paused=self.paused, guide=self.guide)
        loop.window.show(img, self.help_line(), self.status_line(), self.guide, self.paused,
                         loop.panel if self.show_panel else None, self.result, hud=hud)


def run_live(source: str | int | Path, spec: PoseSpec, *, backend: PoseBackend | None = None,
             backend_choice: BackendChoice = BackendChoice(), audio: Any = None,
             sinks: Iterable[SessionSink] = (), panel: Panel | None = None,
             clock: Callable[[], float] = time.monotonic, **options: Any) -> LiveResult:
    """Coach one stretch from a camera index or a video file: a LiveLoop with
    LiveConfig(**options) (max_seconds, out_dir, name, every_frame, headless, ...)."""
    choice = choice_for(backend_choice, spec)        # the mask only where the pose reads the back
    return LiveLoop(source, backend=backend, backend_choice=choice, audio=audio, sinks=sinks,
                    panel=panel, config=LiveConfig(**options), clock=clock).coach(spec)
