"""Sound for the live coach: short tones for events and spoken cues through offline TTS.

Tones are generated with numpy and played through pygame.mixer. Spoken cues go through
the espeak-ng program (system package `espeak-ng`; pyttsx3's driver where only the library
is there), synthesised to a WAV in a
background worker and played through the same mixer, so speech never blocks the video
loop and mute silences both. Only the newest waiting cue is spoken: a stale correction is
worse than none. If the mixer, pyttsx3 or espeak-ng is missing or fails, the layer says
once why and falls back (tones instead of speech; a silent log without a mixer). Nothing
in here ever raises into the caller.

Every tone and cue is written to an in-memory log (`Audio.log`) so tests and benchmarks
can see what was played or said, with or without a sound card.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Protocol

import numpy as np

from coach.core import events as ev
from coach.core.events import Event

log = logging.getLogger(__name__)
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

SAMPLE_RATE = 22050

#: Event kind -> tone name.
EVENT_TONES = {
    ev.REP: "rep",
    ev.HOLD_START: "hold_start",
    ev.HOLD_COMPLETE: "hold_complete",
    ev.SET_COMPLETE: "set_complete",
    ev.FAULT_START: "fault",
}

# Statuses in the log.
PLAYED = "played"          # sent to the mixer
SPOKEN = "spoken"          # speech synthesised and sent to the mixer
QUEUED = "queued"          # cue handed to the speech worker
DROPPED = "dropped"        # a newer cue replaced this one before it was spoken
MUTED = "muted"            # not played: muted
NO_MIXER = "no_mixer"      # no sound device: logged only (what would have played)
ERROR = "error"            # playing or speaking failed (logged, coaching goes on)


@dataclass(frozen=True)
class AudioEvent:
    """One line of the audio log."""

    t: float       # monotonic clock, seconds
    kind: str      # "tone" or "speech"
    name: str      # tone name ("rep", ...); "speech" for spoken cues
    text: str      # the spoken text ("" for tones)
    status: str    # PLAYED, SPOKEN, QUEUED, DROPPED, MUTED, NO_MIXER, ERROR


# ------------------------------------------------------------------ tones
def _note(freq: float, seconds: float, rate: int) -> np.ndarray:
    n = max(1, int(seconds * rate))
    t = np.arange(n) / rate
    wave = np.sin(2 * np.pi * freq * t)
    ramp = max(1, min(n // 2, int(0.008 * rate)))   # 8 ms fade in/out: no clicks
    env = np.ones(n)
    env[:ramp] = np.linspace(0.0, 1.0, ramp)
    env[-ramp:] = np.linspace(1.0, 0.0, ramp)
    return wave * env


def _chord(freqs: Iterable[float], seconds: float, rate: int) -> np.ndarray:
    notes = [_note(f, seconds, rate) for f in freqs]
    out = np.sum(notes, axis=0) / len(notes)
    return out * np.exp(-np.arange(len(out)) / rate / (seconds * 0.6))   # gentle decay


def _seq(*parts: np.ndarray, gap_s: float = 0.03, rate: int = SAMPLE_RATE) -> np.ndarray:
    gap = np.zeros(int(gap_s * rate))
    out: list[np.ndarray] = []
    for p in parts:
        out += [p, gap]
    return np.concatenate(out[:-1])


def make_tones(rate: int = SAMPLE_RATE) -> dict[str, np.ndarray]:
    """Mono float waveforms in [-1, 1], one per tone name."""
    return {
        "rep": _note(1320.0, 0.09, rate),                                    # short high beep
        "hold_start": _seq(_note(660.0, 0.1, rate), _note(880.0, 0.12, rate), rate=rate),  # rising pair
        "hold_complete": _chord((523.3, 659.3, 784.0), 0.5, rate),            # C major
        "set_complete": _seq(_chord((523.3, 659.3, 784.0), 0.35, rate),
                             _chord((523.3, 659.3, 784.0, 1046.5), 0.8, rate), rate=rate),
        "fault": _note(220.0, 0.25, rate),                                   # low tone
        "cue": _note(990.0, 0.06, rate),                                     # speech stand-in
    }


# ------------------------------------------------------------------ speech
class SpeechEngine(Protocol):
    """Text to a WAV file; created and used only in the speech worker thread."""

    def synth(self, text: str, wav_path: Path) -> None: ...


class EspeakNgSpeech:
    """The espeak-ng program writes the WAV (`espeak-ng -w`): it has finished writing when
    the process ends, so the first cue is as whole as the others. (pyttsx3's espeak driver
    returned from its first save before the WAV existed, so the first cue, the spoken
    set-up guide, was always lost, and it cut the last piece off every cue.)"""

    def __init__(self, rate_wpm: int = 165, exe: str | None = None) -> None:
        self.exe = exe or shutil.which("espeak-ng")
        if not self.exe:
            raise FileNotFoundError("espeak-ng is not on the PATH")
        self.rate = rate_wpm

    def synth(self, text: str, wav_path: Path) -> None:
        import subprocess

        r = subprocess.run([self.exe, "-s", str(self.rate), "-w", str(wav_path), "--", text],
                           capture_output=True, text=True, timeout=30)
        if r.returncode != 0 or not wav_path.exists() or wav_path.stat().st_size <= 44:
            raise RuntimeError(f"espeak-ng produced no audio ({r.stderr.strip() or f'exit {r.returncode}'})")


class Pyttsx3Speech:
    """pyttsx3 with the espeak-ng driver, rendered to a WAV file (played by our mixer, so
    mute works and no `aplay` is needed). Used where the espeak-ng program is missing but
    its library is there; waits for the WAV, which the driver may write after it returned."""

    def __init__(self, rate_wpm: int = 165) -> None:
        import pyttsx3
        import pyttsx3.drivers.espeak as drv

        drv.print = lambda *a, **k: None   # the driver prints "Audio saved to ..." per cue
        self._engine = pyttsx3.init("espeak")
        self._engine.setProperty("rate", rate_wpm)

    def synth(self, text: str, wav_path: Path) -> None:
        self._engine.save_to_file(text, str(wav_path))
        self._engine.runAndWait()
        if not wait_for_wav(wav_path, 2.0 + 0.3 * len(text.split())):
            raise RuntimeError("espeak-ng produced no audio")


def wait_for_wav(path: Path, timeout_s: float) -> bool:
    """Wait until `path` is a whole WAV file with sound in it; False on timeout. The driver
    can write the header before the samples, so frames alone do not mean the speech is there."""
    import wave

    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        try:
            with wave.open(str(path), "rb") as w:
                data = w.readframes(w.getnframes())
            if data and np.frombuffer(data[: len(data) // 2 * 2], np.int16).any():
                return True
        except (OSError, EOFError, wave.Error):
            pass
        time.sleep(0.02)
    return False


def default_speech() -> SpeechEngine:
    """The espeak-ng program where it is installed, else pyttsx3's espeak-ng driver."""
    return EspeakNgSpeech() if shutil.which("espeak-ng") else Pyttsx3Speech()


def tts_problem(exc: BaseException) -> str:
    """Why speech is off, in words a user can act on."""
    msg = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, ImportError):
        return f"spoken cues off: pyttsx3 is not installed ({msg}); run: pip install -e ."
    if "espeak" in str(exc).lower() or isinstance(exc, OSError):
        return (f"spoken cues off: the espeak-ng speech engine was not found ({msg}); "
                "install the system package espeak-ng (e.g. sudo apt-get install espeak-ng)")
    return f"spoken cues off: the speech engine failed ({msg})"


# ------------------------------------------------------------------ the audio layer
class Audio:
    """Tones and spoken cues for the live loop; mutable; never raises into the caller.

    `speech_factory` builds the TTS engine inside the worker thread (default: pyttsx3 +
    espeak-ng); `mixer=False` skips the sound device entirely (logging only).
    """

    def __init__(self, *, tts: bool = True, muted: bool = False, mixer: bool = True,
                 speech_factory: Callable[[], SpeechEngine] | None = None, volume: float = 0.5,
                 clock: Callable[[], float] = time.monotonic, say: Callable[[str], None] = print) -> None:
        self.clock = clock
        self._say_out = say
        self._muted = muted
        self._volume = volume
        self._lock = threading.Lock()
        self._log: list[AudioEvent] = []
        self._notices: set[str] = set()
        self._sounds: dict[str, object] = {}
        self._voice = None
        self.mixer_ok = self._init_mixer() if mixer else False
        if not mixer:
            self._notice("sound off: no mixer requested; logging what would play")
        # speech worker
        self.tts_wanted = tts
        self.tts_ok = False
        self.tts_ready = threading.Event()     # set once the worker knows if TTS works
        self._pending: str | None = None
        self._cv = threading.Condition()
        self._stop = False
        self._tmp = Path(tempfile.mkdtemp(prefix="coach_tts_"))
        self._worker: threading.Thread | None = None
        if tts:
            self._worker = threading.Thread(target=self._speech_loop, name="coach-tts", daemon=True,
                                            args=(speech_factory or default_speech,))
            self._worker.start()
        else:
            self.tts_ready.set()

    # ---------------------------------------------------------------- helpers
    def _notice(self, msg: str) -> None:
        """Say a problem once on stdout (the user must know why it is quiet)."""
        if msg not in self._notices:
            self._notices.add(msg)
            try:
                self._say_out(f"coach: {msg}")
            except Exception:  # noqa: BLE001
                log.exception("cannot print audio notice")

    def _record(self, kind: str, name: str, text: str, status: str) -> None:
        with self._lock:
            self._log.append(AudioEvent(self.clock(), kind, name, text, status))

    def _init_mixer(self) -> bool:
        try:
            import pygame

            if not pygame.mixer.get_init():
                pygame.mixer.pre_init(SAMPLE_RATE, -16, 1, 512)
                pygame.mixer.init()
            rate, _fmt, channels = pygame.mixer.get_init()
            pygame.mixer.set_num_channels(max(8, pygame.mixer.get_num_channels()))
            pygame.mixer.set_reserved(1)
            self._voice = pygame.mixer.Channel(0)
            for name, wave in make_tones(rate).items():
                pcm = (np.clip(wave, -1, 1) * 32767 * self._volume).astype(np.int16)
                if channels > 1:
                    pcm = np.repeat(pcm[:, None], channels, axis=1)
                self._sounds[name] = pygame.sndarray.make_sound(np.ascontiguousarray(pcm))
            return True
        except Exception as e:  # noqa: BLE001 - no sound card, no driver, odd format
            log.info("mixer init failed: %s", e)
            self._notice(f"sound off: cannot open the sound device ({e}); logging what would play")
            return False

    # ---------------------------------------------------------------- public API
    @property
    def log(self) -> list[AudioEvent]:
        """A copy of what was played, spoken, queued, dropped or muted so far."""
        with self._lock:
            return list(self._log)

    @property
    def muted(self) -> bool:
        return self._muted

    def set_muted(self, muted: bool) -> None:
        self._muted = muted
        if muted:
            with self._cv:
                self._pending = None
            if self.mixer_ok:
                try:
                    import pygame

                    pygame.mixer.stop()
                except Exception:  # noqa: BLE001
                    log.exception("cannot stop the mixer")

    def toggle_mute(self) -> bool:
        self.set_muted(not self._muted)
        return self._muted

    def play(self, name: str) -> None:
        """Play a tone by name (see make_tones)."""
        try:
            if self._muted:
                self._record("tone", name, "", MUTED)
            elif not self.mixer_ok:
                self._record("tone", name, "", NO_MIXER)
            else:
                self._sounds[name].play()
                self._record("tone", name, "", PLAYED)
        except Exception:  # noqa: BLE001
            log.exception("tone %s failed", name)
            self._record("tone", name, "", ERROR)

    def say(self, text: str) -> None:
        """Queue a spoken cue; a newer cue replaces one not yet spoken. Never blocks."""
        try:
            if not text:
                return
            if self._muted:
                self._record("speech", "speech", text, MUTED)
                return
            if not (self.tts_wanted and (self.tts_ok or not self.tts_ready.is_set())):
                self.play("cue")       # no speech: a soft tone marks the new cue on screen
                return
            with self._cv:
                old, self._pending = self._pending, text
                self._cv.notify()
            if old is not None:
                self._record("speech", "speech", old, DROPPED)
            self._record("speech", "speech", text, QUEUED)
        except Exception:  # noqa: BLE001
            log.exception("queueing cue failed")

    def handle(self, events: Iterable[Event]) -> None:
        """Tones for rep/hold/fault events and speech for cue events."""
        for e in events:
            try:
                if e.kind in EVENT_TONES:
                    self.play(EVENT_TONES[e.kind])
                elif e.kind == ev.CUE and e.text:
                    self.say(e.text)
            except Exception:  # noqa: BLE001
                log.exception("audio for event %s failed", e.kind)

    def wait_idle(self, timeout_s: float = 5.0) -> bool:
        """Wait until no cue is waiting to be spoken (for tests and clean shutdown)."""
        end = time.monotonic() + timeout_s
        self.tts_ready.wait(timeout_s)
        while time.monotonic() < end:
            with self._cv:
                if self._pending is None and not self._busy:
                    return True
            time.sleep(0.01)
        return False

    def close(self) -> None:
        with self._cv:
            self._stop = True
            self._pending = None
            self._cv.notify()
        if self._worker is not None:
            self._worker.join(timeout=2.0)
        shutil.rmtree(self._tmp, ignore_errors=True)

    def __enter__(self) -> "Audio":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ---------------------------------------------------------------- speech worker
    _busy = False

    def _speech_loop(self, factory: Callable[[], SpeechEngine]) -> None:
        try:
            engine = factory()
            self.tts_ok = True
        except BaseException as e:  # noqa: BLE001 - ImportError, OSError from ctypes, RuntimeError
            log.info("TTS init failed", exc_info=True)
            self._notice(tts_problem(e) + "; using tones instead")
            self.tts_ready.set()
            with self._cv:    # cues queued before we knew: mark them and play the tone
                text, self._pending = self._pending, None
            if text:
                self._record("speech", "speech", text, ERROR)
                self.play("cue")
            return
        self.tts_ready.set()
        wav = self._tmp / "cue.wav"
        while True:
            with self._cv:
                while self._pending is None and not self._stop:
                    self._cv.wait()
                if self._stop:
                    return
                text, self._pending = self._pending, None
                self._busy = True
            try:
                self._speak(engine, text, wav)
            except Exception as e:  # noqa: BLE001 - the TTS engine failing must never stop coaching
                log.info("speaking %r failed", text, exc_info=True)
                self._notice(f"a spoken cue failed ({type(e).__name__}: {e}); tones stand in for it")
                self._record("speech", "speech", text, ERROR)
                self.play("cue")
            finally:
                with self._cv:
                    self._busy = False

    def _speak(self, engine: SpeechEngine, text: str, wav: Path) -> None:
        if self._muted:
            self._record("speech", "speech", text, MUTED)
            return
        if not self.mixer_ok:
            self._record("speech", "speech", text, NO_MIXER)
            return
        import pygame

        wav.unlink(missing_ok=True)
        engine.synth(text, wav)
        sound = pygame.mixer.Sound(str(wav))
        if self._muted:
            self._record("speech", "speech", text, MUTED)
            return
        self._voice.play(sound)
        self._record("speech", "speech", text, SPOKEN)
        # let it finish before the next cue; newer cues replace the waiting one meanwhile
        end = time.monotonic() + sound.get_length() + 0.3
        while self._voice.get_busy() and time.monotonic() < end and not self._stop and not self._muted:
            time.sleep(0.02)
