"""The one TOML reader of coach: poses (poses/*.toml), patient profiles and the routine
plan all read through it, so every error names the file, the line and the dotted key
(`poses/cat_cow.toml:12: key 'reps.low_enter': must be a number, got 'ten'`).

`read_toml` parses a file (a syntax error names its line); `TomlReader` gives typed
access to its tables; `key_line`, `table_key_line`, `header_line` and `key_at` map
between dotted keys and lines.
"""

from __future__ import annotations

import math
import re
import tomllib
from pathlib import Path
from typing import Any

from coach.errors import UserError


class SpecError(UserError, ValueError):
    """A pose or profile file that cannot be used; the message says where and why."""

    def __init__(self, path: Path | str, key: str, problem: str, line: int | None = None) -> None:
        self.path, self.key, self.problem, self.line = str(path), key, problem, line
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: key '{key}': {problem}")


def read_toml(path: Path) -> tuple[dict[str, Any], str]:
    """Parse a TOML file; a syntax error becomes a SpecError with the parser's line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError(path, "-", "file not found") from None
    except (OSError, UnicodeDecodeError) as e:
        raise SpecError(path, "-", f"cannot read: {e}") from None
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"line (\d+)", str(e))
        raise SpecError(path, "-", f"TOML syntax error: {e}", int(m.group(1)) if m else None) from None


class TomlReader:
    """Typed access to the tables of one TOML file, with errors that name the file, the
    line and the dotted key (poses, profiles, the routine plan)."""

    def __init__(self, path: Path | str, text: str) -> None:
        self.path, self.text = path, text

    def line(self, full_key: str) -> int | None:
        """The line of a dotted key: a table's header, a key inside its own table, or
        (arrays of tables: `checks[i].key`, `checks.<id>.key`) inside that entry."""
        table, _, key = full_key.rpartition(".")
        return (header_line(self.text, full_key)
                or (table_key_line(self.text, table, key) if table else key_line(self.text, full_key)))

    def fail(self, key: str, problem: str) -> SpecError:
        return SpecError(self.path, key, problem, self.line(key))

    def get(self, table: dict, key: str, prefix: str, types: type | tuple, default: Any = ..., *,
            choices: tuple | None = None, lo: float | None = None, hi: float | None = None) -> Any:
        full = f"{prefix}.{key}" if prefix else key
        if key not in table:
            if default is ...:
                raise self.fail(full, "is required")
            return default
        v = table[key]
        if types is float and isinstance(v, int) and not isinstance(v, bool):
            v = float(v)
        if isinstance(v, bool) and types is not bool and bool not in (types if isinstance(types, tuple) else (types,)):
            raise self.fail(full, f"must be {type_names(types)}, not true/false")
        if not isinstance(v, types):
            raise self.fail(full, f"must be {type_names(types)}, got {v!r}")
        if choices is not None and v not in choices:
            raise self.fail(full, f"must be one of {', '.join(map(str, choices))}; got {v!r}")
        if lo is not None and v < lo:
            raise self.fail(full, f"must be at least {lo}; got {v}")
        if hi is not None and v > hi:
            raise self.fail(full, f"must be at most {hi}; got {v}")
        return v

    def unknown(self, table: dict, allowed: set[str], prefix: str) -> None:
        for k in table:
            if k not in allowed:
                full = f"{prefix}.{k}" if prefix else k
                raise self.fail(full, f"unknown key (allowed: {', '.join(sorted(allowed))})")

    def typed(self, full: str, v: Any, kind: str) -> Any:
        """A value checked as "bool", "str", "int" (whole) or "float" (finite; ints become floats)."""
        if kind == "bool":
            if not isinstance(v, bool):
                raise self.fail(full, f"must be true or false, got {v!r}")
            return v
        if kind == "str":
            if not isinstance(v, str):
                raise self.fail(full, f"must be text, got {v!r}")
            return v
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise self.fail(full, f"must be {'an integer' if kind == 'int' else 'a number'}, got {v!r}")
        if kind == "int":
            if isinstance(v, float):
                raise self.fail(full, f"must be a whole number, got {v!r}")
            return v
        if not math.isfinite(v):
            raise self.fail(full, f"must be a finite number, got {v!r}")
        return float(v)


def type_names(t: type | tuple) -> str:
    names = {float: "a number", int: "an integer", str: "text", bool: "true or false",
             list: "a list", dict: "a table"}
    ts = t if isinstance(t, tuple) else (t,)
    return " or ".join(names.get(x, x.__name__) for x in ts)


# ---------------------------------------------------------------- keys and lines


def key_line(text: str, dotted_key: str) -> int | None:
    """Best-effort line number of a dotted key (`a.b.c`) in TOML text, looked up only inside
    its own table: `checks.<id>.key` / `checks[i].key` in that [[checks]] entry. A key that
    is not in its table (missing) gives the table's header line."""
    parts = dotted_key.split(".")
    last = re.escape(parts[-1].split("[")[0])
    lines = text.splitlines()
    heads = [i for i, ln in enumerate(lines) if re.match(r"\s*\[", ln)]
    span: tuple[int, int] | None = None      # [header line, next header line)

    def block(i: int) -> tuple[int, int]:
        return i, next((h for h in heads if h > i), len(lines))

    if len(parts) == 1:
        span = (-1, heads[0] if heads else len(lines))
    else:
        m = re.fullmatch(r"(\w+)\[(\d+)\]", parts[0])
        name = m.group(1) if m else parts[0]
        arr = [i for i in heads if re.match(rf"\s*\[\[\s*{re.escape(name)}\s*\]\]", lines[i])]
        if arr and m and int(m.group(2)) < len(arr):
            span = block(arr[int(m.group(2))])
        elif arr and len(parts) > 2:
            for i in arr:
                a, b = block(i)
                if any(re.match(rf"\s*id\s*=\s*[\"']{re.escape(parts[1])}[\"']", ln) for ln in lines[a:b]):
                    span = (a, b)
                    break
        else:
            header = ".".join(parts[:-1])
            hit = [i for i in heads if lines[i].strip().strip("[]").strip() == header]
            if hit:
                span = block(hit[0])
    if span is None:
        return None
    for i in range(span[0] + 1, span[1]):
        if re.match(rf"\s*{last}\s*=", lines[i]):
            return i + 1
    header_like = [i for i in heads if re.match(rf"\s*\[+\s*{re.escape(dotted_key)}\s*\]+", lines[i])]
    if header_like:
        return header_like[0] + 1
    return span[0] + 1 if span[0] >= 0 else None


def table_key_line(text: str, table: str, key: str | None) -> int | None:
    """Line of `key` inside the TOML table `[table]` (or of the header itself), bounded by
    the next header so a key of a later table is never blamed; key_line as a fallback."""
    lines = text.splitlines()
    head = None
    for i, ln in enumerate(lines):
        s = ln.split("#", 1)[0].strip()
        if s.startswith("[") and s.strip("[] ") == table:
            head = i
            break
    if head is not None:
        if key is None:
            return head + 1
        for j in range(head + 1, len(lines)):
            s = lines[j].split("#", 1)[0].strip()
            if s.startswith("["):
                break
            if re.match(rf"{re.escape(key)}\s*=", s) or re.match(rf"\"{re.escape(key)}\"\s*=", s):
                return j + 1
        return head + 1
    return key_line(text, f"{table}.{key}" if key else table)


def header_line(text: str, table: str) -> int | None:
    """Line of the header `[table]` or of the first `[table.sub]` under it."""
    for i, ln in enumerate(text.splitlines()):
        s = ln.split("#", 1)[0].strip()
        if s.startswith("[") and (s.strip("[] ") == table or s.strip("[] ").startswith(table + ".")):
            return i + 1
    return None


def key_at(text: str, line: int) -> str:
    """The dotted key written on a line (for syntax errors): its table plus `key =`."""
    lines = text.splitlines()
    table = ""
    for ln in lines[:line - 1]:
        st = ln.split("#", 1)[0].strip()
        if st.startswith("["):
            table = st.strip("[] ")
    cur = lines[line - 1].split("#", 1)[0].strip() if line <= len(lines) else ""
    m = re.match(r"([A-Za-z0-9_.\"-]+)\s*=", cur)
    key = m.group(1).strip('"') if m else (cur.strip("[] ") if cur.startswith("[") else "")
    if cur.startswith("["):
        return key or "-"
    return ".".join(x for x in (table, key) if x) or "-"
