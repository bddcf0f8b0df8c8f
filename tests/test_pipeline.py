"""The threaded review pipeline gives exactly the sequential results, and its helpers keep
order, pass errors on and stop cleanly."""

from __future__ import annotations

import _thread
import json
import threading
import time

import numpy as np
import pytest

from conftest import read_frames
from coach.bench.speed import write_test_clip
from coach.io.pipeline import Prefetch, Sink
from coach.io.pose_backend import BackendError
from coach.rules.pose_spec import load_pose
from coach.app.review import review_video
from stick import Stick


class FakeBackend:
    """Deterministic landmarks from the image content and time, with a little jitter in
    how long it takes, so a pipeline that mixed up frames or order would show it."""

    name = "fake"

    def __init__(self) -> None:
        self.calls: list[float] = []
        self.rng = np.random.default_rng(1)

    def detect(self, rgb: np.ndarray, t: float) -> np.ndarray | None:
        self.calls.append(t)
        time.sleep(float(self.rng.uniform(0, 0.004)))
        if int(round(t * 10)) % 7 == 3:
            return None
        brightness = float(rgb[::8, ::8].mean())
        thigh = -90.0 + 60.0 * np.sin(t) + (brightness - 190.0)
        lm = Stick(thigh={"left": thigh, "right": -90.0}).frame()
        lm[:, 0] += brightness / 10.0
        return lm

    def close(self) -> None:
        pass


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return write_test_clip(tmp_path_factory.mktemp("clip") / "bend.mp4", n_frames=40)


def _review(clip, out, pipelined, backend=None):
    spec = load_pose("kneeling_hip_flexor")
    return review_video(clip, spec, out, backend=backend or FakeBackend(), progress=False, pipelined=pipelined)


def test_pipelined_review_equals_sequential(clip, tmp_path):
    seq_backend, pipe_backend = FakeBackend(), FakeBackend()
    seq = _review(clip, tmp_path / "seq", False, seq_backend)
    pipe = _review(clip, tmp_path / "pipe", True, pipe_backend)
    assert seq.complete and pipe.complete
    assert pipe_backend.calls == seq_backend.calls == sorted(seq_backend.calls)
    assert len(seq_backend.calls) == 40
    assert json.loads(pipe.report_json.read_text()) == json.loads(seq.report_json.read_text())
    assert pipe.report_csv.read_text() == seq.report_csv.read_text()
    a, b = np.load(seq.trace), np.load(pipe.trace)
    np.testing.assert_array_equal(a["t"], b["t"])
    np.testing.assert_array_equal(a["lm"], b["lm"])
    fa, fb = read_frames(seq.video), read_frames(pipe.video)
    assert len(fa) == len(fb) == 40
    assert all(np.array_equal(x, y) for x, y in zip(fa, fb))


def test_pipelined_review_equals_sequential_with_mediapipe(clip, tmp_path):
    from coach.io.pose_backend import BackendChoice

    try:
        BackendChoice().create().close()
    except BackendError as e:
        pytest.skip(f"no MediaPipe model here: {e}")
    spec = load_pose("kneeling_hip_flexor")
    seq = review_video(clip, spec, tmp_path / "seq", progress=False, pipelined=False, write_video=False)
    pipe = review_video(clip, spec, tmp_path / "pipe", progress=False, pipelined=True, write_video=False)
    assert json.loads(pipe.report_json.read_text()) == json.loads(seq.report_json.read_text())
    np.testing.assert_array_equal(np.load(seq.trace)["lm"], np.load(pipe.trace)["lm"])


def test_prefetch_keeps_order_and_reraises():
    def source():
        yield from range(50)
        raise ValueError("disk gone")

    got = []
    with pytest.raises(ValueError, match="disk gone"):
        with Prefetch(source(), maxsize=3) as it:
            for x in it:
                got.append(x)
    assert got == list(range(50))


def test_prefetch_stops_its_thread_when_left_early():
    produced = []

    def source():
        for i in range(10_000):
            produced.append(i)
            yield i

    with Prefetch(source(), maxsize=2) as it:
        for x in it:
            if x == 5:
                break
    assert len(produced) < 20          # bounded: the producer did not run ahead
    assert not it._thread.is_alive()


def test_sink_handles_every_item_in_order_and_reraises():
    seen = []
    with Sink(seen.append, maxsize=2) as s:
        for i in range(100):
            s.put(i)
    assert seen == list(range(100))

    def boom(x):
        if x == 3:
            raise OSError("encoder failed")

    with pytest.raises(OSError, match="encoder failed"):
        with Sink(boom, maxsize=2) as s:
            for i in range(1000):
                s.put(i)
                time.sleep(0.001)


def test_ctrl_c_while_a_sink_drains_ends_its_worker_before_close_returns():
    """A Ctrl-C while the sink drains stops it after the item in hand, and `close` raises only
    once the worker has ended: the caller's clean-up (releasing the video writer) never runs
    while the worker still writes."""
    seen = []

    def slow(x):
        time.sleep(0.05)
        seen.append(x)

    s = Sink(slow, maxsize=16)
    with s:
        for i in range(16):
            s.put(i)
        threading.Timer(0.12, _thread.interrupt_main).start()
        with pytest.raises(KeyboardInterrupt):
            s.close()
        assert s._ended.is_set()
        done = list(seen)
    assert 0 < len(done) < 16 and done == list(range(len(done)))
    time.sleep(0.1)
    assert seen == done                   # nothing handled after close raised


def test_ctrl_c_while_a_prefetch_stops_ends_its_producer_first():
    started = threading.Event()

    def source():
        for i in range(1000):
            started.set()
            time.sleep(0.05)
            yield i

    p = Prefetch(source(), maxsize=1)
    with pytest.raises(KeyboardInterrupt):
        with p:
            started.wait(2)
            threading.Timer(0.02, _thread.interrupt_main).start()
            time.sleep(0.5)
    assert p._ended.is_set()


def test_review_error_mid_way_keeps_the_partial_report(clip, tmp_path):
    class Dies(FakeBackend):
        def detect(self, rgb, t):
            if len(self.calls) == 12:
                raise RuntimeError("model crashed")
            return super().detect(rgb, t)

    with pytest.raises(RuntimeError, match="model crashed"):
        _review(clip, tmp_path, True, Dies())
    report = json.loads((tmp_path / "bend.report.json").read_text())
    assert report["frames"] == 12
    assert len(read_frames(tmp_path / "bend.annotated.mp4")) == 12
