"""The architecture, checked on the source: one frame loop (only the Session drives an
Engine), no module reaching into another's private names, no function longer than about 80
lines (data tables aside). Each rule is a small AST check, shown to fail on a snippet that
breaks it."""

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


# ---------------------------------------------------------------- private names

def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def private_imports(source: str) -> list[str]:
    """Private names a module takes from another coach module: `from coach.x import _y`,
    `import coach.x._y`, or `x._y` on an imported coach module ('line: name')."""
    tree = ast.parse(source)
    found, modules = [], set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("coach"):
            found += [f"{node.lineno}: {a.name}" for a in node.names if _private(a.name)]
            modules |= {a.asname or a.name for a in node.names}
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("coach"):
                    found += [f"{node.lineno}: {a.name}" for part in a.name.split(".") if _private(part)]
                    modules.add(a.asname or a.name.split(".")[0])
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr) and ast.unparse(node.value).split(".")[0] in modules:
            found.append(f"{node.lineno}: {ast.unparse(node)}")
    return found


def test_the_private_name_check_finds_each_way_in():
    src = ("from coach.rules.pose_spec import _Reader, load_pose\nimport coach.io._raw\n"
           "from coach.app import review\nreview._save_all([])\nself._x = 1\nfrom coach import __version__\n")
    assert private_imports(src) == ["1: _Reader", "2: coach.io._raw", "4: review._save_all"]


def test_no_module_imports_a_private_name_from_another():
    bad = {str(p.relative_to(ROOT)): d for p in modules() if (d := private_imports(p.read_text()))}
    assert bad == {}, "make the name public where it lives, or move it to the module that needs it"


# ---------------------------------------------------------------- function length

MAX_LINES = 80


def _is_data_table(fn: ast.AST) -> bool:
    """A function that only returns a literal (a table of data), after its docstring."""
    body = [n for n in fn.body if not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))]
    return (len(body) == 1 and isinstance(body[0], ast.Return)
            and isinstance(body[0].value, (ast.Dict, ast.List, ast.Tuple, ast.Set)))


def long_functions(source: str, limit: int = MAX_LINES) -> list[str]:
    """Functions (and methods) longer than `limit` lines, data tables aside ('name: lines')."""
    return [f"{n.name}: {n.end_lineno - n.lineno + 1}" for n in ast.walk(ast.parse(source))
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
            and n.end_lineno - n.lineno + 1 > limit and not _is_data_table(n)]


def test_the_length_check_finds_a_long_function_but_not_a_table():
    long_fn = "def f():\n" + "    x = 1\n" * 80
    table = "def t():\n    return {\n" + "        'k': 1,\n" * 90 + "    }\n"
    assert long_functions(long_fn) == ["f: 81"] and long_functions(table) == []
    assert long_functions("class A:\n    def m(self):\n" + "        pass\n" * 81) == ["m: 82"]


def test_no_function_is_longer_than_about_80_lines():
    bad = {str(p.relative_to(ROOT)): d for p in modules() if (d := long_functions(p.read_text()))}
    assert bad == {}, "split it into stages that each do one job"


# ---------------------------------------------------------------- rooms

OUTER = ("coach.app", "coach.commands", "coach.physio", "coach.bench", "coach.cli")


def outer_imports(source: str) -> list[str]:
    """Imports of the outer rooms (app, commands, physio, bench, cli) ('line: module')."""
    found = []
    for node in ast.walk(ast.parse(source)):
        names = [node.module or ""] if isinstance(node, ast.ImportFrom) else (
            [a.name for a in node.names] if isinstance(node, ast.Import) else [])
        found += [f"{node.lineno}: {m}" for m in names if m.startswith(OUTER)]
    return found


def test_the_room_check_finds_an_outer_import():
    assert outer_imports("import numpy\nfrom coach.app.live import LiveLoop\nimport coach.bench.speed\n") == \
        ["2: coach.app.live", "3: coach.bench.speed"]


def test_core_and_rules_never_import_the_outer_rooms():
    inner = [p for room in ("core", "rules") for p in (COACH / room).rglob("*.py")]
    bad = {str(p.relative_to(ROOT)): d for p in inner if (d := outer_imports(p.read_text()))}
    assert inner and bad == {}
