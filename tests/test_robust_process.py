"""Robustness (issue 7), the process: Ctrl-C or a crash mid-review keeps the trace and a
report marked incomplete; the CLI exits 130 with a message and no traceback."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import FakeCamera, RobustFakeBackend, robust_cat_cow_trace, robust_write_clip
from coach import cli
from coach.io import pose_backend
from coach.rules.pose_spec import load_pose
from coach.app.review import review_video
from coach.io.trace import load_trace

N_FRAMES = 30
STOP_AT = 12


@pytest.fixture
def clip(tmp_path):
    frames = [np.full((48, 64, 3), 10 * i % 255, np.uint8) for i in range(N_FRAMES)]
    return robust_write_clip(tmp_path / "clip.avi", frames, fps=15.0, fourcc="MJPG")


@pytest.fixture
def landmarks():
    return list(robust_cat_cow_trace(3)[1][:N_FRAMES])


def _check_saved(out, n: int, landmarks):
    rep = json.loads((out / "clip.report.json").read_text())
    assert rep["frames"] == n
    assert any(e["kind"] == "incomplete" for e in rep["events"])
    tr = load_trace(out / "clip.trace.npz")
    assert len(tr) == n
    np.testing.assert_allclose(tr.lm, np.stack(landmarks[:n]).astype(np.float32), rtol=1e-6)
    assert (out / "clip.report.csv").exists()
    assert not list(out.glob("*.tmp*"))


@pytest.mark.parametrize("pipelined", [False, True])
def test_ctrl_c_mid_review_keeps_trace_and_incomplete_report(tmp_path, clip, landmarks, pipelined):
    be = RobustFakeBackend(landmarks, raise_at=(STOP_AT, KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        review_video(clip, load_pose("cat_cow"), tmp_path / "out", backend=be, progress=False,
                     pipelined=pipelined)
    _check_saved(tmp_path / "out", STOP_AT, landmarks)


def test_crash_mid_review_keeps_trace_and_incomplete_report(tmp_path, clip, landmarks):
    be = RobustFakeBackend(landmarks, raise_at=(STOP_AT, RuntimeError("model blew up")))
    with pytest.raises(RuntimeError, match="model blew up"):
        review_video(clip, load_pose("cat_cow"), tmp_path / "out", backend=be, progress=False)
    _check_saved(tmp_path / "out", STOP_AT, landmarks)


def test_ctrl_c_on_the_first_frame_leaves_no_half_files(tmp_path, clip, landmarks):
    be = RobustFakeBackend(landmarks, raise_at=(0, KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        review_video(clip, load_pose("cat_cow"), tmp_path / "out", backend=be, progress=False)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) in ([], ["clip.annotated.mp4"])


def test_cli_ctrl_c_exits_130_with_a_message(tmp_path, clip, landmarks, monkeypatch, capsys):
    be = RobustFakeBackend(landmarks, raise_at=(STOP_AT, KeyboardInterrupt()))
    monkeypatch.setattr(pose_backend.BackendChoice, "create", lambda self: be)
    rc = cli.main(["review", str(clip), "--pose", "cat_cow", "--out", str(tmp_path / "out"), "--quiet"])
    _, err = capsys.readouterr()
    assert rc == 130
    assert "Traceback" not in err
    assert "stopped" in err and "saved" in err
    _check_saved(tmp_path / "out", STOP_AT, landmarks)
    assert be.closed


def test_complete_review_is_not_marked_incomplete(tmp_path, clip, landmarks):
    """The control: the same clip without the interruption."""
    be = RobustFakeBackend(landmarks)
    res = review_video(clip, load_pose("cat_cow"), tmp_path / "out", backend=be, progress=False)
    assert res.complete
    rep = json.loads(res.report_json.read_text())
    assert rep["frames"] == N_FRAMES and not any(e["kind"] == "incomplete" for e in rep["events"])


# ---------------------------------------------------------------- the live loop


class RaisingAudio:
    """An audio edge whose every call fails (a broken sound card or TTS engine)."""

    muted = False

    def __init__(self) -> None:
        self.calls = 0

    def handle(self, events):
        self.calls += 1
        raise RuntimeError("TTS engine exploded")

    def say(self, text):
        raise RuntimeError("TTS engine exploded")

    def play(self, name):
        raise OSError("no sound card")

    def toggle_mute(self):
        raise RuntimeError("mixer gone")

    def close(self):
        raise RuntimeError("mixer gone")


def test_raising_audio_never_stops_the_live_loop(tmp_path, clip, landmarks):
    from coach.app.live import END_OF_VIDEO, run_live

    audio = RaisingAudio()
    res = run_live(clip, load_pose("cat_cow"), backend=RobustFakeBackend(landmarks), audio=audio,
                   show_window=False, every_frame=True, out_dir=tmp_path / "out", name="clip")
    assert audio.calls > 0                       # events reached the audio, and it raised
    assert res.end_reason == END_OF_VIDEO and res.complete
    assert res.record is not None and res.record.frames == N_FRAMES
    assert json.loads((tmp_path / "out" / "clip.report.json").read_text())["frames"] == N_FRAMES


def test_ctrl_c_in_the_live_loop_keeps_the_trace(tmp_path, clip, landmarks):
    from coach.app.live import INTERRUPTED, run_live

    be = RobustFakeBackend(landmarks, raise_at=(STOP_AT, KeyboardInterrupt()))
    res = run_live(clip, load_pose("cat_cow"), backend=be, show_window=False, every_frame=True,
                   out_dir=tmp_path / "out", name="clip")
    assert res.end_reason == INTERRUPTED and not res.complete
    assert len(load_trace(tmp_path / "out" / "clip.trace.npz")) == STOP_AT
    assert json.loads((tmp_path / "out" / "clip.report.json").read_text())["frames"] == STOP_AT


def test_camera_unplugged_mid_live_session_ends_and_keeps_the_record(tmp_path, landmarks, monkeypatch):
    from coach.app.live import run_live

    monkeypatch.setattr("coach.io.video_source.cv2.VideoCapture", lambda *a: FakeCamera(8))
    res = run_live(0, load_pose("cat_cow"), backend=RobustFakeBackend(landmarks), show_window=False,
                   out_dir=tmp_path / "out", name="cam", stall_s=1.0, speed=None)
    assert not res.complete
    assert "camera" in res.end_reason
    assert res.record is not None and 1 <= res.record.frames <= 8
    assert (tmp_path / "out" / "cam.trace.npz").exists() and (tmp_path / "out" / "cam.report.json").exists()


def test_disk_full_while_saving_a_live_session_is_reported_and_keeps_the_trace(tmp_path, clip, landmarks, monkeypatch):
    import errno

    from coach.app.live import run_live

    def full(*_a, **_k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("coach.app.live.write_json", full)
    res = run_live(clip, load_pose("cat_cow"), backend=RobustFakeBackend(landmarks), show_window=False,
                   every_frame=True, out_dir=tmp_path / "out", name="clip")
    assert res.save_errors == ["saving JSON report failed: [Errno 28] No space left on device"]
    assert len(load_trace(tmp_path / "out" / "clip.trace.npz")) == N_FRAMES
    assert (tmp_path / "out" / "clip.report.csv").exists()
