"""Robustness (issue 7), bad input: every case ends with exit status 2 and one line
`coach: error: ...` on stderr, never a traceback; results recorded so far are kept."""

from __future__ import annotations

import errno
import json
import os
import struct
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from conftest import ROOT, FakeCamera, RobustFakeBackend, robust_write_clip
from coach import cli
from coach.io import pose_backend
from coach.io.video_source import VideoError, VideoSource

COACH = ROOT / ".venv" / "bin" / "coach"


def frames(n: int, w: int = 64, h: int = 48) -> list[np.ndarray]:
    return [np.random.default_rng(i).integers(0, 255, (h, w, 3), dtype=np.uint8) for i in range(n)]


@pytest.fixture
def fake_backend(monkeypatch):
    """No MediaPipe: the CLI gets a backend that sees nobody, and records image sizes."""
    fb = RobustFakeBackend()
    monkeypatch.setattr(pose_backend.BackendChoice, "create", lambda self: fb)
    return fb


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    rc = cli.main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def assert_user_error(rc: int, err: str, *needles: str) -> str:
    assert rc == 2, err
    assert "Traceback" not in err
    lines = [ln for ln in err.splitlines() if ln.startswith("coach:")]
    assert len(lines) == 1 and lines[0].startswith("coach: error: "), err
    for n in needles:
        assert n.lower() in lines[0].lower(), lines[0]
    return lines[0]


def review(capsys, video: Path, out: Path, pose: str = "cat_cow", *extra: str):
    return run_cli(capsys, "review", str(video), "--pose", pose, "--out", str(out), "--quiet", *extra)


# ---------------------------------------------------------------- broken video files


@pytest.fixture
def avi(tmp_path) -> Path:
    return robust_write_clip(tmp_path / "clip.avi", frames(20), fps=10.0, fourcc="MJPG")


@pytest.fixture
def mp4(tmp_path) -> Path:
    return robust_write_clip(tmp_path / "clip.mp4", frames(20), fps=10.0, fourcc="mp4v")


def test_missing_video(tmp_path, capsys, fake_backend):
    rc, _, err = review(capsys, tmp_path / "nope.mp4", tmp_path / "out")
    assert_user_error(rc, err, "not found", "nope.mp4")


def test_folder_instead_of_video(tmp_path, capsys, fake_backend):
    with pytest.raises(VideoError, match="folder"):
        VideoSource(tmp_path)
    rc, _, err = review(capsys, tmp_path, tmp_path / "out")   # a folder of videos: none here
    assert_user_error(rc, err, str(tmp_path))


def test_empty_video(tmp_path, capsys, fake_backend):
    p = tmp_path / "empty.mp4"
    p.write_bytes(b"")
    rc, _, err = review(capsys, p, tmp_path / "out")
    assert_user_error(rc, err, "empty", "empty.mp4")


@pytest.mark.parametrize("content", [b"hello, not a video\n", bytes(range(256)) * 40])
def test_corrupt_video(tmp_path, capsys, fake_backend, content):
    p = tmp_path / "junk.mp4"
    p.write_bytes(content)
    rc, _, err = review(capsys, p, tmp_path / "out")
    assert_user_error(rc, err, "junk.mp4", "corrupt")


def test_truncated_mp4_without_index(tmp_path, capsys, fake_backend, mp4):
    """mp4v writes its index (moov) last: half a file cannot be opened at all."""
    data = mp4.read_bytes()
    p = tmp_path / "half.mp4"
    p.write_bytes(data[: len(data) // 2])
    rc, _, err = review(capsys, p, tmp_path / "out")
    assert_user_error(rc, err, "half.mp4")


def test_truncated_avi_keeps_the_frames_that_decode(tmp_path, capsys, fake_backend, avi):
    """Half an AVI decodes partly: the decodable frames are reviewed and reported."""
    data = avi.read_bytes()
    p = tmp_path / "half.avi"
    p.write_bytes(data[: len(data) // 2])
    rc, out, err = review(capsys, p, tmp_path / "out", "cat_cow", "--no-video")
    assert rc == 0, err
    assert "Traceback" not in err
    rep = json.loads((tmp_path / "out" / "half.report.json").read_text())
    assert 0 < rep["frames"] < 20
    assert (tmp_path / "out" / "half.trace.npz").exists()


def test_unsupported_codec(tmp_path, capsys, fake_backend, avi):
    p = tmp_path / "odd_codec.avi"
    p.write_bytes(avi.read_bytes().replace(b"MJPG", b"ZZZZ"))   # a fourcc no decoder knows
    rc, _, err = review(capsys, p, tmp_path / "out")
    assert_user_error(rc, err, "odd_codec.avi", "codec")


def test_zero_length_video(tmp_path, capsys, fake_backend):
    """A container with no frames in it (a recording stopped at once)."""
    p = tmp_path / "zero.avi"
    vw = cv2.VideoWriter(str(p), cv2.VideoWriter_fourcc(*"MJPG"), 10.0, (64, 48))
    vw.release()
    assert p.exists() and p.stat().st_size > 0
    rc, _, err = review(capsys, p, tmp_path / "out")
    assert_user_error(rc, err, "zero.avi")
    assert not (tmp_path / "out" / "zero.report.json").exists()


def test_huge_resolution_is_scaled_down(tmp_path, capsys, fake_backend):
    p = robust_write_clip(tmp_path / "big.mp4", [np.zeros((3000, 4000, 3), np.uint8)] * 3, fps=10.0)
    with VideoSource(p) as src:
        assert (src.width, src.height) == (1280, 960)
        shapes = [f.bgr.shape for f in src]
    assert shapes == [(960, 1280, 3)] * 3
    rc, out, err = review(capsys, p, tmp_path / "out", "cat_cow", "--no-video")
    assert rc == 0, err
    assert fake_backend.shapes == [(960, 1280, 3)] * 3
    rep = json.loads((tmp_path / "out" / "big.report.json").read_text())
    assert rep["frames"] == 3 and rep["frames_with_person"] == 0
    assert "no person was detected" in out


@pytest.mark.parametrize("fps", [7.5, 120.0])
def test_odd_frame_rates_time_frames_by_their_rate(tmp_path, fps):
    p = robust_write_clip(tmp_path / "clip.mp4", frames(6), fps=fps)
    with VideoSource(p) as src:
        assert src.fps == pytest.approx(fps)
        ts = [f.t for f in src]
    assert ts == pytest.approx([i / fps for i in range(6)])


def test_file_claiming_zero_fps(tmp_path, avi):
    """An AVI header with rate 0 and 0 us per frame still gives increasing timestamps."""
    d = bytearray(avi.read_bytes())
    strh = d.find(b"strh") + 8
    struct.pack_into("<I", d, strh + 24, 0)          # dwRate = 0
    struct.pack_into("<I", d, d.find(b"avih") + 8, 0)  # dwMicroSecPerFrame = 0
    p = tmp_path / "fps0.avi"
    p.write_bytes(bytes(d))
    with VideoSource(p) as src:
        assert np.isfinite(src.fps) and src.fps > 0
        ts = [f.t for f in src]
    assert len(ts) == 20 and np.all(np.diff(ts) > 0)


class _CapWith:
    """Wraps a real capture, overriding what it reports for some properties."""

    def __init__(self, real, props):
        self.real, self.props = real, props

    def get(self, prop):
        return self.props.get(prop, self.real.get(prop))

    def __getattr__(self, name):
        return getattr(self.real, name)


@pytest.mark.parametrize("claimed", [0.0, float("nan"), float("inf"), -25.0, 1e9])
def test_capture_reporting_nonsense_fps(tmp_path, monkeypatch, claimed, mp4):
    real = cv2.VideoCapture
    monkeypatch.setattr("coach.io.video_source.cv2.VideoCapture",
                        lambda *a: _CapWith(real(*a), {cv2.CAP_PROP_FPS: claimed}))
    with VideoSource(mp4) as src:
        assert np.isfinite(src.fps) and src.fps > 0
        ts = [f.t for f in src]
    assert len(ts) == 20 and np.all(np.isfinite(ts)) and np.all(np.diff(ts) > 0)


def test_unreadable_video_file(tmp_path, capsys, fake_backend, monkeypatch, mp4):
    """A file the OS refuses to read (permissions do not stop root, so fake it)."""
    real = cv2.VideoCapture

    def refuse(*a):
        cap = real()   # never opened
        return cap

    monkeypatch.setattr("coach.io.video_source.cv2.VideoCapture", refuse)
    rc, _, err = review(capsys, mp4, tmp_path / "out")
    assert_user_error(rc, err, "clip.mp4")


# ---------------------------------------------------------------- cameras


def test_camera_index_that_does_not_exist():
    with pytest.raises(VideoError, match="camera 7"):
        VideoSource(7)
    with pytest.raises(VideoError, match="camera 7"):
        VideoSource("7")


def test_camera_that_will_not_open(monkeypatch):
    monkeypatch.setattr("coach.io.video_source.cv2.VideoCapture", lambda *a: FakeCamera(0, opened=False))
    with pytest.raises(VideoError, match="not found or busy"):
        VideoSource(0)


def test_camera_unplugged_mid_session_ends_the_stream(monkeypatch):
    cam = FakeCamera(5)
    monkeypatch.setattr("coach.io.video_source.cv2.VideoCapture", lambda *a: cam)
    clock = iter(np.arange(0.0, 100.0, 0.1))
    src = VideoSource(0, clock=lambda: float(next(clock)))
    got = list(src)
    assert [f.index for f in got] == [0, 1, 2, 3, 4]
    assert np.all(np.diff([f.t for f in got]) > 0)
    assert src.read() is None        # and stays ended, no exception
    src.close()


def test_live_camera_7_via_cli(capsys):
    """`coach live --camera 7`: one clear line, exit 2."""
    assert "coach.commands.live" in cli.COMMANDS
    rc, _, err = run_cli(capsys, "live", "--pose", "cat_cow", "--camera", "7")
    assert_user_error(rc, err, "camera 7")


# ---------------------------------------------------------------- output folder


def test_output_folder_under_a_file(tmp_path, capsys, fake_backend, mp4):
    """Root ignores chmod, so a folder that cannot exist: a path below a plain file."""
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    rc, _, err = review(capsys, mp4, blocker / "child")
    assert_user_error(rc, err, "cannot write", "child")
    assert fake_backend.calls == 0   # refused before any work


def test_output_folder_is_a_file(tmp_path, capsys, fake_backend, mp4):
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    rc, _, err = review(capsys, mp4, blocker)
    assert_user_error(rc, err, "a_file")
    assert blocker.read_text() == "x"


def test_output_folder_in_proc_is_refused(tmp_path, capsys, fake_backend, mp4):
    rc, _, err = review(capsys, mp4, Path("/proc/coach_out_test"))
    assert_user_error(rc, err, "/proc/coach_out_test")


def _enospc(*a, **k):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_full_disk_before_starting(tmp_path, capsys, fake_backend, monkeypatch, mp4):
    monkeypatch.setattr(Path, "write_bytes", _enospc)
    rc, _, err = review(capsys, mp4, tmp_path / "out")
    assert_user_error(rc, err, "disk is full")


def test_disk_fills_while_saving_the_trace(tmp_path, capsys, fake_backend, monkeypatch, mp4):
    """The trace cannot be written: a clear error, and the reports are still written."""
    monkeypatch.setattr("coach.io.trace.np.savez_compressed", _enospc)
    rc, _, err = review(capsys, mp4, tmp_path / "out", "cat_cow", "--no-video")
    assert_user_error(rc, err, "disk is full")
    rep = json.loads((tmp_path / "out" / "clip.report.json").read_text())
    assert rep["frames"] == 20


def test_disk_fills_while_saving_the_report(tmp_path, capsys, fake_backend, monkeypatch, mp4):
    """The JSON report cannot be written: a clear error, and the trace is kept."""
    monkeypatch.setattr("coach.core.record.atomic.write_text", _enospc)
    rc, _, err = review(capsys, mp4, tmp_path / "out", "cat_cow", "--no-video")
    assert_user_error(rc, err, "disk is full")
    assert (tmp_path / "out" / "clip.trace.npz").exists()
    assert (tmp_path / "out" / "clip.report.csv").exists()
    assert not (tmp_path / "out" / "clip.report.json").exists()
    assert not [p for p in (tmp_path / "out").iterdir() if ".tmp" in p.name]


# ---------------------------------------------------------------- pose and profile files

GOOD = (ROOT / "poses" / "cat_cow.toml").read_text()


def _bad_pose(tmp_path: Path, text: str) -> Path:
    d = tmp_path / "poses"
    d.mkdir(exist_ok=True)
    p = d / "cat_cow.toml"
    p.write_text(text)
    return d


BAD_POSES = {
    # name: (edit of the good file, words the message must contain, line of the problem)
    "syntax": (lambda s: s.replace('name = "cat_cow"', 'name = = "cat_cow"', 1), ["syntax"], 'name = = "cat_cow"'),
    "wrong_type": (lambda s: s.replace("target = 10 ", 'target = "ten" '), ["reps.target", "integer"], "target ="),
    "unknown_key": (lambda s: s.replace("min_phase_s = 0.3", "min_phase_s = 0.3\nmin_phaze_s = 0.3"),
                    ["reps.min_phaze_s", "unknown key"], "min_phaze_s ="),
    "bad_threshold_order": (lambda s: s.replace("low_exit = -1.5", "low_exit = -40.0"),
                            ["reps.low_exit"], "low_exit ="),
    "unknown_landmark": (lambda s: s.replace('"{near}_wrist"', '"{near}_wirst"'),
                         ["measures.wrist_offset.points", "wirst"], None),
}


@pytest.mark.parametrize("case", sorted(BAD_POSES))
def test_malformed_pose_file_names_file_line_and_key(tmp_path, capsys, fake_backend, monkeypatch, mp4, case):
    edit, words, line_of = BAD_POSES[case]
    text = edit(GOOD)
    assert text != GOOD
    poses = _bad_pose(tmp_path, text)
    from coach.rules import pose_spec

    for f in (pose_spec.raw_pose, pose_spec.load_pose, pose_spec.pose_names):
        monkeypatch.setattr(f, "__defaults__", (poses,))   # read poses/ from tmp_path
    rc, _, err = review(capsys, mp4, tmp_path / "out")
    msg = assert_user_error(rc, err, str(poses / "cat_cow.toml"), *words)
    if line_of is not None:
        want = next(i for i, ln in enumerate(text.splitlines(), 1) if line_of in ln)
        assert f"cat_cow.toml:{want}:" in msg
    else:
        assert ".toml:" in msg and msg.split(".toml:")[1].split(":")[0].isdigit()


PROFILE_GOOD = "version = 1\n[cat_cow.reps]\ntarget = 6\n"
BAD_PROFILES = {
    # name: (profile text, words the message must contain, text of the offending line)
    "syntax": ("version = 1\n[cat_cow.reps]\ntarget = = 6\n", ["syntax"], "target = = 6"),
    "wrong_type": ("version = 1\n[cat_cow.reps]\ntarget = \"six\"\n", ["target"], "target = \"six\""),
    "unknown_key": ("version = 1\n[cat_cow.reps]\ntarget = 6\ntargte = 6\n", ["targte"], "targte = 6"),
    "unknown_stretch": ("version = 1\n[cat_cowz.reps]\ntarget = 6\n", ["cat_cowz"], "[cat_cowz.reps]"),
    "impossible": ("version = 1\n[cat_cow.reps]\nlow_exit = -40.0\n", ["low_exit"], "low_exit = -40.0"),
}


def test_good_profile_is_accepted(tmp_path, capsys, fake_backend, mp4):
    prof = tmp_path / "pat.toml"
    prof.write_text(PROFILE_GOOD)
    rc, _, err = review(capsys, mp4, tmp_path / "out", "cat_cow", "--no-video", "--profile", str(prof))
    assert rc == 0, err


@pytest.mark.parametrize("case", sorted(BAD_PROFILES))
def test_malformed_profile_names_file_line_and_key(tmp_path, capsys, fake_backend, mp4, case):
    text, words, line_text = BAD_PROFILES[case]
    prof = tmp_path / "pat.toml"
    prof.write_text(text)
    rc, _, err = review(capsys, mp4, tmp_path / "out", "cat_cow", "--no-video", "--profile", str(prof))
    want = next(i for i, ln in enumerate(text.splitlines(), 1) if ln == line_text)
    assert_user_error(rc, err, f"{prof}:{want}:", *words)
    assert fake_backend.calls == 0


def test_missing_profile(tmp_path, capsys, fake_backend, mp4):
    rc, _, err = review(capsys, mp4, tmp_path / "out", "cat_cow", "--profile", str(tmp_path / "nope.toml"))
    assert_user_error(rc, err, "nope.toml")


# ---------------------------------------------------------------- the real command


@pytest.mark.parametrize("args", [
    ["review", "{tmp}/missing.mp4", "--pose", "cat_cow"],
    ["review", "{tmp}/empty.mp4", "--pose", "cat_cow"],
    ["review", "{tmp}/empty.mp4", "--pose", "no_such_stretch"],
    ["review", "{tmp}/junk.mp4", "--pose", "cat_cow", "--out", "{tmp}/file/child"],
])
def test_installed_command_prints_one_line_no_traceback(tmp_path, args):
    (tmp_path / "empty.mp4").write_bytes(b"")
    (tmp_path / "junk.mp4").write_bytes(b"junk")
    (tmp_path / "file").write_text("x")
    argv = [a.replace("{tmp}", str(tmp_path)) for a in args]
    exe = [str(COACH)] if COACH.exists() else [sys.executable, "-m", "coach"]
    p = subprocess.run(exe + argv, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert p.returncode == 2, p.stderr
    assert "Traceback" not in p.stderr
    coach_lines = [ln for ln in p.stderr.splitlines() if ln.startswith("coach:")]
    assert len(coach_lines) == 1 and coach_lines[0].startswith("coach: error: "), p.stderr
