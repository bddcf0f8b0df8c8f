"""The architecture, checked on the source: one frame loop (only the Session drives an
Engine). Each rule is a small AST check, shown to fail on a snippet that breaks it."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COACH = ROOT / "coach"
SESSION = COACH / "core" / "session.py"
ENGINE = COACH / "core" / "engine.py"


def modules() -> list[Path]:
    return sorted(COACH.rglob("*.py"))


def engine_drivers(source: str) -> list[str]:
    """Places that build an Engine or step/finish one ('line: code')."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        builds = (isinstance(f, ast.Name) and f.id == "Engine") or (isinstance(f, ast.Attribute) and f.attr == "Engine")
        drives = isinstance(f, ast.Attribute) and f.attr in ("step", "finish") and "engine" in ast.unparse(f.value).lower()
        if builds or drives:
            found.append(f"{node.lineno}: {ast.unparse(node)}")
    return sorted(found, key=lambda x: int(x.split(":")[0]))


def test_the_engine_check_finds_a_second_frame_loop():
    loop = "eng = Engine(spec)\nfor t, lm in frames:\n    r = self.engine.step(t, lm)\nengine.finish(t)\n"
    assert [x.split(":")[0] for x in engine_drivers(loop)] == ["1", "3", "4"]
    assert engine_drivers("r = session.feed(t, lm)\ncounter.step(t, v)\n") == []


def test_only_the_session_drives_an_engine():
    bad = {str(p.relative_to(ROOT)): d for p in modules() if p not in (SESSION, ENGINE)
           if (d := engine_drivers(p.read_text()))}
    assert bad == {}, "feed frames through coach.core.session.Session instead"
    assert engine_drivers(SESSION.read_text())      # the check does see the Session's own loop
