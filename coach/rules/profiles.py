"""Per-patient threshold profiles: a small, versioned TOML file that overrides some
thresholds of some stretches and lists only what it changes.

    version = 1
    [kneeling_hip_flexor.checks.front_knee_angle]
    min = 65.0
    [kneeling_hip_flexor.hold]
    seconds = 20
    [cat_cow.reps]
    target = 6

The overrides are merged onto the pose's own table (poses/<name>.toml) and validated by
coach.rules.pose_spec.spec_from_dict, so a profile can never make a spec the defaults could not.
Every error names the PROFILE file, its line and the full key. `load_spec` is the one
entry point the commands use. Internally an override is a flat dotted key relative to
the stretch (`checks.front_knee_angle.min`, `hold.seconds`, `fault_after_s`).
"""

from __future__ import annotations

import copy
import datetime as _dt
import math
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from coach.io import atomic
from coach.io.atomic import private_dir
from coach.io.safe_text import flatten, toml_string
from coach.rules.pose_spec import PoseSpec, load_pose, pose_names, raw_pose, spec_from_dict
from coach.rules.toml_reader import SpecError, TomlReader, key_at, read_toml

PROFILE_VERSION = 1

#: What a profile may set. key -> "float" | "int" | "bool"; units come from `unit_of`.
TOP_KEYS = {"baseline_s": "float", "fault_after_s": "float", "fault_clear_s": "float",
            "min_visibility": "float"}
TABLE_KEYS: dict[str, dict[str, str]] = {
    "view": {"max_width_ratio": "float", "min_width_ratio": "float", "after_s": "float", "max_offset_deg": "float"},
    "side": {"switch_after_s": "float"},
    "reps": {"low_enter": "float", "low_exit": "float", "high_enter": "float", "high_exit": "float",
             "min_phase_s": "float", "min_rep_s": "float", "grace_s": "float", "target": "int"},
    "hold": {"seconds": "float", "count": "int", "min_enter_s": "float", "grace_s": "float"},
}
CHECK_KEYS = {"min": "float", "max": "float", "hysteresis": "float", "required_for_hold": "bool",
              "unit": "str"}   # `unit` only states the unit; it must match the measure's


@dataclass
class Profile:
    """A parsed, validated profile: flat overrides per stretch, plus where they came from."""

    path: Path
    text: str = ""
    overrides: dict[str, dict[str, Any]] = field(default_factory=dict)   # stretch -> {dotted: value}
    patient: str = ""
    history: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- units and ranges


def value_range(spec: PoseSpec, measure: str) -> tuple[float, float]:
    """Values a measure can take: a threshold outside can never be met (or never fail)."""
    m = spec.measures[measure]
    if m.kind == "offset":
        return (0.0 if m.absolute else -10.0), 10.0
    if m.baseline:                       # change from the person's neutral
        return (-90.0, 90.0) if m.kind == "incline" else (-180.0, 180.0)
    return {"angle": (0.0, 180.0), "incline": (0.0, 90.0)}.get(m.kind, (-180.0, 180.0))


def unit_of(spec: PoseSpec, key: str) -> str:
    """The unit of a dotted threshold key: 'deg', 'ratio', 's' or '' (a count or fraction)."""
    parts = key.split(".")
    if parts[0] == "checks":
        return "" if parts[-1] == "required_for_hold" else spec.measures[spec.check(parts[1]).measure].unit
    if parts[0] == "reps" and parts[-1] in ("low_enter", "low_exit", "high_enter", "high_exit"):
        return spec.measures[spec.reps.measure].unit if spec.reps else ""
    if parts[-1].endswith("_s") or parts[-1] == "seconds":
        return "s"
    if parts[-1].endswith("width_ratio"):
        return "ratio"
    if parts[-1].endswith("_deg"):
        return "deg"
    return ""


def thresholds(spec: PoseSpec) -> dict[str, Any]:
    """Every threshold a profile may override, with the spec's current value (None = unset)."""
    out: dict[str, Any] = {k: getattr(spec, k) for k in TOP_KEYS}
    for k in TABLE_KEYS["view"]:
        out[f"view.{k}"] = getattr(spec.view, k)
    if spec.side.mode == "per_side":
        out["side.switch_after_s"] = spec.side.switch_after_s
    for tname, rule in (("reps", spec.reps), ("hold", spec.hold)):
        if rule is not None:
            for k in TABLE_KEYS[tname]:
                out[f"{tname}.{k}"] = getattr(rule, k)
    for c in spec.checks:
        for k in ("min", "max", "hysteresis"):
            out[f"checks.{c.id}.{k}"] = getattr(c, k)
    return out


def step_of(spec: PoseSpec, key: str) -> float:
    """A sensible nudge for a threshold in its unit (the tuning panel's left/right)."""
    unit = unit_of(spec, key)
    if key.endswith((".count", ".target")):
        return 1
    return {"deg": 1.0, "ratio": 0.01, "pct": 0.2, "s": 0.5}.get(unit, 0.05)


# ---------------------------------------------------------------- reading


def _flatten(r: TomlReader, name: str, table: Any, spec: PoseSpec) -> dict[str, Any]:
    """One stretch's nested profile table -> flat {dotted key: value}, each key checked."""
    if not isinstance(table, dict):
        raise r.fail(name, "must be a table of overrides, e.g. [cat_cow.reps]")
    flat: dict[str, Any] = {}
    sections = set(TABLE_KEYS) | {"checks"}
    for k, v in table.items():
        full = f"{name}.{k}"
        if k in TOP_KEYS:
            flat[k] = r.typed(full, v, TOP_KEYS[k])
        elif k in TABLE_KEYS:
            if not isinstance(v, dict):
                raise r.fail(full, f"must be a table: [{full}]")
            if k == "reps" and spec.reps is None or k == "hold" and spec.hold is None:
                raise r.fail(full, f"{spec.name} has no [{k}] (it is a "
                            f"{'hold' if spec.hold else 'rep'} stretch)")
            if k == "side" and spec.side.mode != "per_side":
                raise r.fail(full, f"{spec.name} is not done per side")
            for kk, vv in v.items():
                if kk not in TABLE_KEYS[k]:
                    raise r.fail(f"{full}.{kk}",
                                f"unknown key (a profile may set: {', '.join(TABLE_KEYS[k])})")
                flat[f"{k}.{kk}"] = r.typed(f"{full}.{kk}", vv, TABLE_KEYS[k][kk])
        elif k == "checks":
            if not isinstance(v, dict):
                raise r.fail(full, f"write one table per check: [{name}.checks.<id>]")
            ids = [c.id for c in spec.checks]
            for cid, ct in v.items():
                cfull = f"{full}.{cid}"
                if cid not in ids:
                    raise r.fail(cfull, f"{name} has no check {cid!r} (have: {', '.join(ids)})")
                if not isinstance(ct, dict):
                    raise r.fail(cfull, f"must be a table: [{cfull}]")
                measure = spec.check(cid).measure
                for kk, vv in ct.items():
                    if kk not in CHECK_KEYS:
                        raise r.fail(f"{cfull}.{kk}",
                                    f"unknown key (a profile may set: {', '.join(CHECK_KEYS)})")
                    val = r.typed(f"{cfull}.{kk}", vv, CHECK_KEYS[kk])
                    if kk == "unit":
                        if val != spec.measures[measure].unit:
                            raise r.fail(f"{cfull}.{kk}",
                                        f"check {cid!r} measures {measure!r} in "
                                        f"{spec.measures[measure].unit!r}, not {val!r}")
                        continue
                    flat[f"checks.{cid}.{kk}"] = val
        else:
            raise r.fail(full, f"unknown key (a profile may set: "
                        f"{', '.join(sorted(set(TOP_KEYS) | sections))})")
    _check_ranges(r, name, flat, spec)
    return flat


def _check_ranges(r: TomlReader, name: str, flat: dict[str, Any], spec: PoseSpec) -> None:
    """Thresholds outside what their measure can read: a typo, or the wrong unit."""
    for k, v in flat.items():
        parts = k.split(".")
        measure = None
        if parts[0] == "checks" and parts[-1] in ("min", "max"):
            measure = spec.check(parts[1]).measure
        elif parts[0] == "reps" and parts[-1] in ("low_enter", "low_exit", "high_enter", "high_exit"):
            measure = spec.reps.measure
        if measure is None:
            continue
        lo, hi = value_range(spec, measure)
        unit = spec.measures[measure].unit
        m = spec.measures[measure]
        if m.kind == "angle" and not m.baseline and 0 < abs(v) < 2 * math.pi:
            raise r.fail(f"{name}.{k}", f"{v:g} deg is not a joint angle a person makes: "
                        "thresholds are in degrees, not radians")
        if not lo <= v <= hi:
            hint = " (is this in degrees?)" if unit == "ratio" else \
                " (is this in radians?)" if unit == "deg" and abs(v) < 7 else ""
            raise r.fail(f"{name}.{k}",
                        f"{v:g} is outside what '{measure}' can read: {lo:g} to {hi:g} {unit}{hint}")
        if parts[0] == "checks" and parts[-1] == "hysteresis" and v < 0:
            raise r.fail(f"{name}.{k}", "must be at least 0")


def merge(raw: dict[str, Any], flat: dict[str, Any]) -> dict[str, Any]:
    """A copy of a pose's raw table with the flat overrides applied (checks by id)."""
    d = copy.deepcopy(raw)
    for k, v in flat.items():
        parts = k.split(".")
        if parts[0] == "checks":
            for c in d.get("checks", []):
                if c.get("id") == parts[1]:
                    c[parts[2]] = v
                    break
            else:
                raise KeyError(k)
        elif len(parts) == 2:
            d.setdefault(parts[0], {})[parts[1]] = v
        else:
            d[k] = v
    return d


def _validate_merged(path: Path, text: str, name: str, flat: dict[str, Any]) -> PoseSpec:
    """Build the spec from defaults + overrides; an error is rewritten onto the profile."""
    raw, _, pose_path = raw_pose(name)
    try:
        spec = spec_from_dict(merge(raw, flat), path, "")
    except SpecError as e:
        key = e.key
        m = re.match(r"checks\[(\d+)\]\.(.*)", key)
        if m:
            key = f"checks.{raw['checks'][int(m.group(1))]['id']}.{m.group(2)}"
        if key not in flat:
            # the profile set a neighbour of the key blamed (min when max is named): blame it
            near = [k for k in flat if k.rpartition(".")[0] == key.rpartition(".")[0]]
            key = near[0] if near else key
        raise TomlReader(path, text).fail(f"{name}.{key}", e.problem + " (with this profile's overrides)") from None
    return replace(spec, source=f"{pose_path} + {path}")


def load_profile(path: Path | str) -> Profile:
    """Read and validate a whole profile (every stretch in it), or raise SpecError."""
    path = Path(path)
    try:
        data, text = read_toml(path)
    except SpecError as e:
        if e.key != "-" or not e.line:
            raise
        lines, line = path.read_text(encoding="utf-8").splitlines(), e.line
        if ("Invalid value" in e.problem or "Unclosed" in e.problem) and "=" not in (lines[line - 1] if line <= len(lines) else ""):
            # an unclosed value ([ or ") is reported where parsing gave up: blame its key
            while line > 1 and "=" not in lines[line - 1]:
                line -= 1
        raise SpecError(path, key_at("\n".join(lines), line), e.problem, line) from None
    r = TomlReader(path, text)
    prof = Profile(path, text, patient="", history=_history(text))
    if "version" not in data:
        raise SpecError(path, "version", f"is required: put `version = {PROFILE_VERSION}` at the top", 1)
    if data["version"] != PROFILE_VERSION or isinstance(data["version"], bool):
        raise r.fail("version", f"this coach reads profile version {PROFILE_VERSION}, not {data['version']!r}")
    names = pose_names()
    for k, v in data.items():
        if k == "version":
            continue
        if k == "patient":
            prof.patient = r.typed(k, v, "str")
            continue
        if k not in names:
            raise r.fail(k, f"no stretch called {k!r} (have: {', '.join(names)}; top-level keys: version, patient)")
        flat = _flatten(r, k, v, load_pose(k))
        _validate_merged(path, text, k, flat)
        prof.overrides[k] = flat
    return prof


def load_spec(name: str, profile_path: Path | str | None = None) -> PoseSpec:
    """The spec of a stretch by name with a patient's profile applied: the one entry point
    every command uses (live, review, replay, calibrate)."""
    if profile_path is None:
        return load_pose(name)
    prof = load_profile(profile_path)
    if not prof.overrides.get(name):
        return replace(load_pose(name), source=f"{raw_pose(name)[2]} + {prof.path}")
    return _validate_merged(prof.path, prof.text, name, prof.overrides[name])


def spec_with(name: str, flat: dict[str, Any]) -> PoseSpec:
    """The default spec with flat overrides applied (the tuning panel and calibration);
    raises SpecError naming the key when the values do not make a valid stretch."""
    return _validate_merged(Path("<overrides>"), "", name, flat)


def diff(a: PoseSpec, b: PoseSpec) -> dict[str, tuple[Any, Any]]:
    """Thresholds that differ between two specs of the same stretch: key -> (a, b)."""
    ta, tb = thresholds(a), thresholds(b)
    return {k: (ta.get(k), tb.get(k)) for k in tb if ta.get(k) != tb.get(k)}


# ---------------------------------------------------------------- writing


def _history(text: str) -> list[str]:
    return [ln[4:].rstrip() for ln in text.splitlines() if ln.startswith("#   ")]


def _fmt(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(round(v, 4))
    return toml_string(str(v))


def render(prof: Profile) -> str:
    """Profile text: a comment header (patient, history), then one small table per change,
    each value with its unit and the default it replaces."""
    head = ["# coach threshold profile: this patient's changes to the default stretch rules",
            "# (poses/*.toml). Only what differs is listed; delete a line to go back to the default.",
            f"# patient: {flatten(prof.patient) or '-'}",
            "# history (newest last):"]
    head += [f"#   {flatten(h)}" for h in prof.history] or ["#   -"]
    out = head + ["", f"version = {PROFILE_VERSION}"]
    if prof.patient:
        out.append(f"patient = {_fmt(prof.patient)}")
    for name in sorted(prof.overrides):
        flat = prof.overrides[name]
        if not flat:
            continue
        base = load_pose(name)
        cur = thresholds(base)
        groups: dict[str, list[str]] = {}
        order = list(cur) + [k for k in flat if k not in cur]
        for k in order:
            if k not in flat:
                continue
            table, _, key = k.rpartition(".")
            unit = unit_of(base, k)
            note = f"# {unit + ', ' if unit else ''}default {_fmt(cur.get(k)) if cur.get(k) is not None else 'unset'}"
            groups.setdefault(table, []).append(f"{key} = {_fmt(flat[k])}".ljust(28) + note)
        out += ["", f"# ---- {base.title}"]
        for table, lines in groups.items():
            out.append(f"\n[{name}{'.' + table if table else ''}]")
            out += lines
    return "\n".join(out) + "\n"


def save_overrides(path: Path | str, name: str, changes: dict[str, Any], *, who: str = "",
                   note: str = "", patient: str | None = None, today: _dt.date | None = None) -> Profile:
    """Set `changes` (flat keys) for one stretch in the profile at `path` (created if new),
    keep every other override, drop those equal to the default, validate, write atomically,
    and add one history line: date, who, what changed."""
    path = Path(path)
    prof = load_profile(path) if path.exists() else Profile(path)
    if patient is not None:
        prof.patient = patient
    base = thresholds(load_pose(name))
    before = dict(prof.overrides.get(name, {}))
    flat = {**before, **changes}
    flat = {k: v for k, v in flat.items() if base.get(k, object()) != v}
    spec_with(name, flat)                         # raises on an invalid combination
    prof.overrides[name] = flat
    changed = [f"{name}.{k} {_fmt(before.get(k, base.get(k)))} -> {_fmt(v)}"
               for k, v in sorted(changes.items()) if before.get(k, base.get(k)) != v]
    if changed:
        when = (today or _dt.date.today()).isoformat()
        prof.history.append(f"{when}{' by ' + who if who else ''}{' (' + note + ')' if note else ''}: "
                            + "; ".join(changed))
    text = render(prof)
    tomllib.loads(text)                           # never write what we cannot read back
    if not path.parent.is_dir():
        private_dir(path.parent, own=False)
    atomic.write_text(path, text, mode=atomic.PRIVATE_FILE)     # a patient's name: owner only
    return load_profile(path)
