"""The audio layer: tones per event, newest-wins speech worker, mute, and fallbacks that
log what would have played and never raise."""

from __future__ import annotations

import shutil
import threading
import wave
from pathlib import Path

import numpy as np
import pytest
import pygame

from coach.app import audio as au
from coach.core import events as ev
from coach.app.audio import Audio, make_tones
from coach.core.events import Event


class WavSpeech:
    """Writes a short real WAV; `gate` (if set) blocks synth until released."""

    gate: threading.Event | None = None
    started = threading.Event()

    def __init__(self) -> None:
        self.said: list[str] = []

    def synth(self, text: str, wav_path: Path) -> None:
        self.said.append(text)
        WavSpeech.started.set()
        if WavSpeech.gate is not None:
            WavSpeech.gate.wait(5.0)
        with wave.open(str(wav_path), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(22050)
            w.writeframes(np.zeros(220, np.int16).tobytes())


def statuses(audio: Audio, kind: str) -> list[tuple[str, str]]:
    return [(e.name if e.kind == "tone" else e.text, e.status) for e in audio.log if e.kind == kind]


def test_tones_are_distinct_short_and_in_range():
    tones = make_tones(22050)
    assert set(tones) >= {"rep", "hold_start", "hold_complete", "set_complete", "fault", "cue"}
    for name, w in tones.items():
        assert np.isfinite(w).all() and np.abs(w).max() <= 1.0 + 1e-9, name
        assert 0.05 < len(w) / 22050 < 1.5, name
    # the fault tone is low, the rep beep high: dominant frequency from the spectrum
    def peak(w):
        return np.argmax(np.abs(np.fft.rfft(w))) * 22050 / len(w)
    assert peak(tones["fault"]) < 300 < 1000 < peak(tones["rep"])
    assert len(tones["set_complete"]) > len(tones["hold_complete"]) > len(tones["rep"])


def test_events_map_to_tones_and_speech():
    with Audio(speech_factory=WavSpeech, say=lambda s: None) as a:
        assert a.mixer_ok
        a.handle([Event(1.0, ev.REP), Event(1.0, ev.HOLD_START, "Hold"), Event(1.0, ev.HOLD_COMPLETE),
                  Event(1.0, ev.SET_COMPLETE), Event(1.0, ev.FAULT_START, "Knee over ankle"),
                  Event(1.0, ev.PHASE, "not a tone"), Event(1.0, ev.CUE, "Knee over ankle")])
        assert a.wait_idle(5.0)
        assert statuses(a, "tone") == [("rep", au.PLAYED), ("hold_start", au.PLAYED), ("hold_complete", au.PLAYED),
                                       ("set_complete", au.PLAYED), ("fault", au.PLAYED)]
        assert statuses(a, "speech") == [("Knee over ankle", au.QUEUED), ("Knee over ankle", au.SPOKEN)]


def test_newest_cue_wins_and_say_never_blocks():
    WavSpeech.gate, WavSpeech.started = threading.Event(), threading.Event()
    try:
        with Audio(speech_factory=WavSpeech, say=lambda s: None) as a:
            a.say("first")
            assert WavSpeech.started.wait(5.0)         # the worker is inside synth("first"), blocked
            a.say("stale")                             # returns at once although the worker is busy
            a.say("newest")
            WavSpeech.gate.set()
            assert a.wait_idle(5.0)
            spoken = [t for t, s in statuses(a, "speech") if s == au.SPOKEN]
            dropped = [t for t, s in statuses(a, "speech") if s == au.DROPPED]
    finally:
        WavSpeech.gate = None
    assert spoken == ["first", "newest"] and dropped == ["stale"]


def test_mute_silences_tones_and_speech_and_unmute_restores():
    with Audio(speech_factory=WavSpeech, say=lambda s: None, muted=True) as a:
        a.handle([Event(0.0, ev.REP), Event(0.0, ev.CUE, "Hold")])
        assert a.toggle_mute() is False
        a.play("rep")
        a.wait_idle(5.0)
        assert statuses(a, "tone") == [("rep", au.MUTED), ("rep", au.PLAYED)]
        assert statuses(a, "speech") == [("Hold", au.MUTED)]


def test_tts_missing_falls_back_to_tones_and_says_why_once():
    printed: list[str] = []

    def no_tts():
        raise ImportError("No module named 'pyttsx3'")

    with Audio(speech_factory=no_tts, say=printed.append) as a:
        assert a.tts_ready.wait(5.0) and not a.tts_ok
        a.say("Straighten your back")
        a.say("Tuck your chin")
        assert statuses(a, "tone").count(("cue", au.PLAYED)) == 2
    assert len(printed) == 1 and "pyttsx3" in printed[0] and "tones" in printed[0]


def test_tts_error_on_one_cue_is_logged_and_the_next_is_spoken():
    class Flaky(WavSpeech):
        def synth(self, text, wav_path):
            if text == "bad":
                raise RuntimeError("synth failed")
            super().synth(text, wav_path)

    printed: list[str] = []
    with Audio(speech_factory=Flaky, say=printed.append) as a:
        a.say("bad")
        assert a.wait_idle(5.0)
        a.say("good")
        assert a.wait_idle(5.0)
        sp = statuses(a, "speech")
    assert ("bad", au.ERROR) in sp and ("good", au.SPOKEN) in sp
    assert ("cue", au.PLAYED) in statuses(a, "tone")
    assert len(printed) == 1 and "synth failed" in printed[0]


def test_without_a_mixer_everything_is_logged_not_played():
    printed: list[str] = []
    with Audio(mixer=False, speech_factory=WavSpeech, say=printed.append) as a:
        a.handle([Event(0.0, ev.REP), Event(0.0, ev.CUE, "Hold")])
        assert a.wait_idle(5.0)
        assert statuses(a, "tone") == [("rep", au.NO_MIXER)]
        assert ("Hold", au.NO_MIXER) in statuses(a, "speech")
    assert printed and "logging what would play" in printed[0]


def test_mixer_that_fails_to_open_falls_back_to_the_log(monkeypatch):
    pygame.mixer.quit()

    def broken(*a, **k):
        raise pygame.error("ALSA: Couldn't open audio device")

    monkeypatch.setattr(pygame.mixer, "init", broken)
    printed: list[str] = []
    with Audio(tts=False, say=printed.append) as a:
        assert not a.mixer_ok
        a.play("fault")
        assert statuses(a, "tone") == [("fault", au.NO_MIXER)]
    assert len(printed) == 1 and "ALSA" in printed[0]


def test_real_offline_tts_speaks_through_espeak_ng():
    """The real path: pyttsx3 + espeak-ng (system package `espeak-ng`) -> WAV -> mixer."""
    assert shutil.which("espeak-ng"), "install the system package espeak-ng (apt-get install espeak-ng)"
    printed: list[str] = []
    with Audio(say=printed.append) as a:
        assert a.tts_ready.wait(10.0)
        assert a.tts_ok, printed
        a.say("Keep your back flat")
        assert a.wait_idle(10.0), (a.log, printed)
        assert statuses(a, "speech")[-1] == ("Keep your back flat", au.SPOKEN), (a.log, printed)
    assert printed == []


def test_pyttsx3_speech_writes_a_real_wav(tmp_path):
    assert shutil.which("espeak-ng"), "install the system package espeak-ng (apt-get install espeak-ng)"
    out = tmp_path / "cue.wav"
    au.Pyttsx3Speech().synth("Hold", out)
    with wave.open(str(out)) as w:
        assert w.getnframes() / w.getframerate() > 0.2
        pcm = np.frombuffer(w.readframes(w.getnframes()), np.int16)
    assert np.abs(pcm).max() > 1000          # a voice, not silence


def test_problem_messages_name_the_fix():
    assert "espeak-ng" in au.tts_problem(OSError("libespeak-ng.so.1: cannot open shared object file"))
    assert "pip install" in au.tts_problem(ImportError("No module named 'pyttsx3'"))


GUIDE = ("Kneeling Hip Flexor Stretch. From kneeling, step one foot forward: front knee at about 90 degrees, "
         "over the ankle. Keep the torso upright and gently push the hips forward. Feel the stretch in the "
         "front of the back hip. Hold 30 seconds, then switch sides.")


def _wav_seconds_and_peak(path) -> tuple[float, int]:
    with wave.open(str(path)) as w:
        pcm = np.frombuffer(w.readframes(w.getnframes()), np.int16)
        return w.getnframes() / w.getframerate(), int(np.abs(pcm).max()) if len(pcm) else 0


@pytest.mark.skipif(not shutil.which("espeak-ng"), reason="the espeak-ng program is not installed")
def test_first_spoken_cue_produces_audio():
    """The first thing said (the set-up guide, long) used to be lost: pyttsx3 returned before
    its WAV existed. Now the very first cue is synthesised whole and played."""
    heard: list[tuple[str, float, int]] = []

    class Recording:
        def __init__(self):
            self.inner = au.default_speech()

        def synth(self, text, wav):
            self.inner.synth(text, wav)
            heard.append((text, *_wav_seconds_and_peak(wav)))

    printed: list[str] = []
    with Audio(speech_factory=Recording, say=printed.append) as a:
        a.say(GUIDE)
        assert a.wait_idle(30.0), (a.log, printed)
        speech = statuses(a, "speech")
    if not a.mixer_ok:
        pytest.skip(f"no sound device to play on: {printed}")
    assert speech == [(GUIDE, au.QUEUED), (GUIDE, au.SPOKEN)], (speech, printed)
    assert heard and heard[0][0] == GUIDE
    assert heard[0][1] > 8.0, heard        # some 50 words: well over 8 s of speech, not a stub
    assert heard[0][2] > 1000, heard       # a voice, not silence


@pytest.mark.skipif(not shutil.which("espeak-ng"), reason="the espeak-ng program is not installed")
@pytest.mark.parametrize("engine", ["EspeakNgSpeech", "Pyttsx3Speech"])
def test_the_first_long_wav_is_whole_when_synth_returns(tmp_path, engine):
    out = tmp_path / "first.wav"
    getattr(au, engine)().synth(GUIDE, out)          # the first call of a fresh engine
    seconds, peak = _wav_seconds_and_peak(out)
    assert seconds > 8.0 and peak > 1000
