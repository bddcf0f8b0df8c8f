"""Desk reminders: duration parsing, notification fallbacks, the loop, and --once from the CLI."""

from __future__ import annotations

import io
import subprocess

import pytest

from coach.cli import main
from coach.app.remind import MESSAGE, Notifier, parse_duration, remind_loop


@pytest.mark.parametrize("text,seconds", [("45m", 2700), ("1h", 3600), ("90s", 90), ("1h30m", 5400),
                                          ("10", 600), ("1.5h", 5400), ("2 min", 120), ("30sec", 30)])
def test_parse_duration(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "abc", "5x", "0m", "1h30", "-5m"])
def test_parse_duration_rejects(text):
    with pytest.raises(ValueError):
        parse_duration(text)


def test_notify_send_used_when_present():
    calls = []

    def fake_run(cmd, **kw):
        calls.append(cmd)
        return subprocess.CompletedProcess(cmd, 0)
    out = io.StringIO()
    assert Notifier("/usr/bin/notify-send", out, fake_run)() == "desktop"
    assert calls[0][0] == "/usr/bin/notify-send" and "Cat-Cow" in calls[0][-1]
    assert "\a" not in out.getvalue()


def test_bell_and_message_without_notify_send_or_when_it_fails():
    out = io.StringIO()
    assert Notifier(None, out)() == "terminal"
    assert out.getvalue().startswith("\a") and MESSAGE in out.getvalue()
    out = io.StringIO()
    failing = lambda cmd, **kw: subprocess.CompletedProcess(cmd, 1)  # noqa: E731  (no notification daemon)
    assert Notifier("/usr/bin/notify-send", out, failing)() == "terminal" and "\a" in out.getvalue()


def test_loop_waits_then_reminds_each_interval():
    log = []
    n = remind_loop(2700, lambda: log.append("remind") or "terminal", lambda s: log.append(("sleep", s)), count=2)
    assert n == 2 and log == [("sleep", 2700), "remind", ("sleep", 2700), "remind"]
    log.clear()
    assert remind_loop(2700, lambda: log.append("remind"), lambda s: log.append("sleep"), once=True) == 1
    assert log == ["remind"]


def test_cli_once(capsys, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")           # no notify-send: terminal fallback
    assert main(["remind", "--every", "45m", "--once"]) == 0
    assert "Cat-Cow" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["remind", "--every", "soon", "--once"])
