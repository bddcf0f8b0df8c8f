"""The live coaching loop: camera (or a video file at camera pace) -> pose -> engine ->
overlay in a pygame window, tones and speech, and a record that is never lost.

A capture thread keeps only the newest frame, so the loop never works on a stale image;
frames replaced before the loop took them are counted as dropped. Glass-to-feedback
latency is measured per frame from Frame.captured_at to the flip of the updated window.
The trace and the JSON/CSV report are written in a `finally`: on normal end, q/Esc,
window close, Ctrl-C, a camera that stops, or an exception in the loop.

`run_live` is also the engine of `coach bench speed` (no window, a video file) and of
`coach review --show` (every frame, no pacing).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterable, Protocol

import cv2
import numpy as np

from coach.core.engine import FrameResult
from coach.core.events import Event
from coach.app.overlay import draw_overlay, draw_skeleton
from coach.io.pose_backend import BackendChoice, PoseBackend
from coach.rules.pose_spec import PoseSpec
from coach.core.record import StretchRecord, output_paths, write_csv, write_json
from coach.core.session import Session
from coach.app.review import prepare_out_dir
from coach.io.atomic import commit, temp_path
from coach.io.stream import StreamSink
from coach.io.trace import save_trace
from coach.io.video_source import Frame, VideoSource

log = logging.getLogger(__name__)

END_OF_VIDEO = "end of video"
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


# ------------------------------------------------------------------ frame feeds
class NewestFrameGrabber:
    """Reads the source in a thread and keeps only the newest frame.

    A video file is paced to its frame rate (times `speed`) so it behaves like a camera;
    its frames are stamped `captured_at` when due, as a camera's would be.
    """

    def __init__(self, src: VideoSource, speed: float | None = 1.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.src, self.speed, self.clock = src, speed, clock
        self._cv = threading.Condition()
        self._slot: Frame | None = None
        self._stop = False
        self.ended = False
        self.end_reason = ""
        self.captured = 0
        self.dropped = 0
        self.last_frame_at = clock()
        self._thread = threading.Thread(target=self._run, name="coach-capture", daemon=True)

    def start(self) -> None:
        self.last_frame_at = self.clock()
        self._thread.start()

    def _run(self) -> None:
        t0: float | None = None
        try:
            while not self._stop:
                fr = self.src.read()
                if fr is None:
                    self.end_reason = ("camera stopped delivering frames" if self.src.is_camera
                                       else END_OF_VIDEO)
                    return
                if not self.src.is_camera and self.speed:
                    if t0 is None:
                        t0 = self.clock() - fr.t / self.speed
                    while not self._stop and (wait := t0 + fr.t / self.speed - self.clock()) > 0:
                        time.sleep(min(wait, 0.05))
                    fr = replace(fr, captured_at=self.clock())
                with self._cv:
                    if self._slot is not None:
                        self.dropped += 1
                    self._slot = fr
                    self.captured += 1
                    self.last_frame_at = self.clock()
                    self._cv.notify_all()
        except Exception as e:  # noqa: BLE001 - a failing camera ends the session, cleanly
            log.exception("capture failed")
            self.end_reason = f"camera stopped delivering frames ({type(e).__name__}: {e})"
        finally:
            with self._cv:
                self.ended = True
                self._cv.notify_all()

    def take(self, timeout_s: float) -> Frame | None:
        """The newest frame not taken yet, waiting up to `timeout_s`; None if none came."""
        with self._cv:
            if self._slot is None and not self.ended:
                self._cv.wait(timeout_s)
            fr, self._slot = self._slot, None
            return fr

    def stop(self) -> None:
        with self._cv:
            self._stop = True
            self._cv.notify_all()
        if self._thread.is_alive():
            self._thread.join(timeout=2.0)   # a hung camera read must not hang the exit


class EveryFrameFeed:
    """Every frame in order, read in the loop's thread as fast as it goes (review --show)."""

    def __init__(self, src: VideoSource, clock: Callable[[], float] = time.monotonic) -> None:
        self.src, self.clock = src, clock
        self.ended = False
        self.end_reason = ""
        self.captured = 0
        self.dropped = 0
        self.last_frame_at = clock()

    def start(self) -> None:
        self.last_frame_at = self.clock()

    def take(self, timeout_s: float) -> Frame | None:
        if self.ended:
            return None
        fr = self.src.read()
        if fr is None:
            self.ended = True
            self.end_reason = "camera stopped delivering frames" if self.src.is_camera else END_OF_VIDEO
            return None
        self.captured += 1
        self.last_frame_at = self.clock()
        return replace(fr, captured_at=self.clock())

    def stop(self) -> None:
        pass


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


def guide_lines(spec: PoseSpec) -> list[str]:
    """The set-up guide shown at the start."""
    lines = [spec.title, "Set up:", *spec.setup_guide, "How to:", *spec.instructions,
             "Press any key to start (or wait a few seconds)."]
    return lines


def run_live(source: str | int | Path, spec: PoseSpec, *, backend: PoseBackend | None = None,
             backend_choice: BackendChoice = BackendChoice(), audio: Any = None,
             sinks: Iterable[SessionSink] = (), panel: Panel | None = None,
             max_seconds: float | None = None, show_window: bool = True, out_dir: Path | None = None,
             name: str | None = None, mirror: bool = False, speed: float | None = 1.0,
             every_frame: bool = False, write_video: bool = False, guide_s: float = 8.0,
             stall_s: float = 5.0, profile: str = "", title: str = "coach live",
             headless: bool = False, fullscreen: bool = False, summary_s: float = 0.0,
             stream: bool = True, clock: Callable[[], float] = time.monotonic) -> LiveResult:
    """Coach one stretch from a camera index or a video file until it ends or the user quits.

    source: camera index or video file (a file is fed at `speed` x its frame rate through
    the same newest-frame grabber as a camera; `every_frame=True` reads every frame with no
    pacing instead). audio: a coach.app.audio.Audio or None. out_dir: where the trace and report
    go (None: write nothing). name: output file stem (default <pose>_<date-time>).
    headless: no window and no sound (benchmarks), whatever show_window and audio say.
    stream: with out_dir, stream the trace and events to disk each second (coach/io/stream.py),
    so a killed process loses at most that; the next start recovers them.
    fullscreen: start the window fullscreen (`f` toggles). summary_s: at the end, keep a
    summary screen up until a key or this many seconds (0: close at once).
    """
    if headless:
        show_window, audio = False, None
    audio = audio or None           # `audio=False` means none
    if out_dir is not None:
        prepare_out_dir(Path(out_dir))
    src = VideoSource(source)
    own_backend = backend is None
    try:
        backend = backend or backend_choice.create()
    except BaseException:
        src.close()
        raise
    stem = name or f"{spec.name}_{time.strftime('%Y%m%d-%H%M%S')}"
    paths = output_paths(out_dir, stem) if out_dir is not None else {}
    sinks = list(sinks)
    if paths and stream:      # crash safety: the trace and events reach the disk each second
        sinks.append(StreamSink(out_dir, stem, width=src.width, height=src.height, model=backend.name,
                                history=next((s for s in sinks if hasattr(s, "con")), None)))
    session = Session(spec, source=src.name, model=backend.name, profile=profile, width=src.width, height=src.height)
    feed = EveryFrameFeed(src, clock) if every_frame else NewestFrameGrabber(src, speed, clock)
    window = None
    writer = None
    latencies: list[float] = []
    skipped = 0
    end_reason = ""
    complete = False
    t_start = clock()
    first_flip = last_flip = None
    for s in sinks:
        _guarded("sink on_start", s.on_start, spec, src.name, profile)
    try:
        if show_window:
            from coach.app.window import QUIT, LiveWindow
            import pygame

            window = LiveWindow(src.width, src.height, f"{title}: {spec.title}", fullscreen=fullscreen)
        guide = guide_lines(spec) if (window and guide_s > 0) else None
        guide_until = clock() + guide_s
        if guide and audio:    # the guide is also read out: the person may already be on the mat
            _guarded("audio", audio.say, " ".join([spec.title + ".", *spec.instructions]))
        paused = show_panel = quit_now = False
        pause_raw_t: float | None = None    # source time when paused: the engine skips the gap
        t_offset = 0.0
        last_raw_t: float | None = None
        last_img: np.ndarray | None = None
        result: FrameResult | None = None
        redraw = False
        dt_frame = 1.0 / src.fps
        feed.start()

        def help_line() -> str:
            keys = "space pause   m sound   f full screen   " + ("t tuning   " if panel is not None else "") + "q quit"
            return ("any key: start   " + keys) if guide else keys

        def status_line() -> str:
            return "Sound off" if audio is not None and getattr(audio, "muted", False) else ""

        def show(img: np.ndarray | None) -> None:
            from coach.app.hud import hud_view

            hud = hud_view(spec, result, image_size=(src.width, src.height), help=help_line(),
                           status=status_line(), paused=paused, guide=guide)
            window.show(img, help_line(), status_line(), guide, paused,
                        panel if show_panel else None, result, hud=hud)

        while True:
            # ---- input
            if window is not None:
                for k in window.poll():
                    redraw = True
                    if k == QUIT:
                        quit_now = True
                        break
                    if guide and k.key not in (pygame.K_q, pygame.K_ESCAPE):
                        guide = None          # any key closes the guide
                        continue
                    if k.key in (pygame.K_q, pygame.K_ESCAPE):
                        quit_now = True
                        break
                    if k.key == pygame.K_t and panel is not None:
                        show_panel = not show_panel
                        continue
                    if show_panel and panel is not None:
                        try:
                            if panel.handle_key(k.key):
                                session.update_spec(panel.spec)
                                continue
                        except Exception:  # noqa: BLE001
                            log.exception("tuning panel key failed; coaching goes on")
                            continue
                    if k.key == pygame.K_SPACE:
                        paused = not paused
                    elif k.key == pygame.K_m and audio is not None:
                        _guarded("mute", audio.toggle_mute)
            if quit_now:
                end_reason = QUIT_BY_USER
                break
            if guide and clock() >= guide_until:
                guide, redraw = None, True

            # ---- the newest frame
            if paused and every_frame:
                fr = None                      # review: pausing must not skip frames
                time.sleep(0.02)
            else:
                fr = feed.take(0.02 if window is not None else 0.1)
            if fr is None:
                if feed.ended:
                    end_reason = feed.end_reason or END_OF_VIDEO
                    break
                if not paused and clock() - feed.last_frame_at > stall_s:
                    end_reason = f"camera stopped delivering frames (none for {stall_s:g} s)"
                    break
                if window is not None and redraw:
                    show(last_img)
                    redraw = False
                continue
            if max_seconds is not None and fr.t >= max_seconds:
                end_reason = f"time limit reached ({max_seconds:g} s)"
                break
            if paused:
                skipped += 1
                if pause_raw_t is None:
                    pause_raw_t = last_raw_t if last_raw_t is not None else fr.t
                if window is not None and redraw:
                    show(last_img)
                    redraw = False
                continue
            if pause_raw_t is not None:          # resumed: the engine's clock skips the pause
                t_offset += max(0.0, fr.t - pause_raw_t - dt_frame)
                pause_raw_t = None

            # ---- analyse
            t = fr.t - t_offset
            bgr = cv2.flip(fr.bgr, 1) if mirror else fr.bgr
            lm = backend.detect(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), t)
            for s in sinks:
                if hasattr(s, "on_trace"):
                    _guarded("sink on_trace", s.on_trace, t, lm)
            result = session.feed(t, lm)
            last_raw_t = fr.t
            for s in sinks:
                if hasattr(s, "on_frame"):
                    _guarded("sink on_frame", s.on_frame, result)
            if result.events:
                if audio is not None:
                    _guarded("audio", audio.handle, result.events)
                for s in sinks:
                    _guarded("sink on_events", s.on_events, spec, result.events)

            # ---- feedback
            if write_video and paths:
                vid = draw_overlay(bgr.copy(), spec, result)
                if writer is None:
                    writer = cv2.VideoWriter(str(temp_path(paths["annotated.mp4"])), cv2.VideoWriter_fourcc(*"mp4v"),
                                             src.fps, (vid.shape[1], vid.shape[0]))
                writer.write(vid)
            img = draw_skeleton(bgr if mirror else bgr.copy(), result)
            if window is not None:
                show(img)
                redraw = False
            now = clock()
            latencies.append(now - fr.captured_at)
            first_flip = first_flip if first_flip is not None else now
            last_flip = now
            last_img = img
        complete = True
    except KeyboardInterrupt:
        end_reason = INTERRUPTED
    except BaseException as e:
        end_reason = f"stopped by an error: {type(e).__name__}: {e}"
        raise
    finally:
        _guarded("stopping capture", feed.stop)
        _guarded("closing source", src.close)
        if writer is not None:
            _guarded("closing video", writer.release)
            _guarded("saving video", commit, temp_path(paths["annotated.mp4"]), paths["annotated.mp4"])
        if own_backend:
            _guarded("closing pose model", backend.close)
        if window is not None:
            _guarded("closing window", window.close)
        frames, last_t = session.frames, session.last_t
        wall = (last_flip - first_flip) if (first_flip is not None and frames > 1) else (clock() - t_start)
        # fps over the frames' own span: n frames -> n-1 intervals
        stats = LiveStats.from_samples(latencies, captured=feed.captured, dropped=feed.dropped,
                                       skipped_paused=skipped, wall_s=wall)
        if frames > 1:
            stats.fps = (frames - 1) / wall if wall > 0 else 0.0
        # complete: ended as planned (end of the video, the user quit, the time limit)
        complete = complete and (end_reason in (END_OF_VIDEO, QUIT_BY_USER) or end_reason.startswith("time limit"))
        record = None
        save_errors: list[str | None] = []
        if frames and paths:      # the trace first: it needs nothing else to work
            save_errors.append(_guarded("saving trace", save_trace, session.trace(), paths["trace.npz"]))
        if frames:
            record = session.close()
            record.events.append({"t": round(last_t, 2), "kind": "session_end", "text": end_reason,
                                  "side": "none", "data": {"complete": complete, "mean_latency_ms": round(stats.mean_ms, 1),
                                                           "p95_latency_ms": round(stats.p95_ms, 1),
                                                           "fps": round(stats.fps, 1), "dropped": stats.dropped}})
            if paths:
                save_errors.append(_guarded("saving JSON report", write_json, record, paths["report.json"]))
                save_errors.append(_guarded("saving CSV report", write_csv, record, paths["report.csv"]))
            for s in sinks:
                _guarded("sink on_finish", s.on_finish, record)
        result_out = LiveResult(
            record, stats, end_reason or "stopped", complete,
            report_json=paths.get("report.json") if frames else None,
            report_csv=paths.get("report.csv") if frames else None,
            trace=paths.get("trace.npz") if frames else None,
            video=paths.get("annotated.mp4") if (writer is not None) else None,
            save_errors=[e for e in save_errors if e])
    return result_out
