"""Free text (a patient's name, who calibrated, a file's name, a title from an imported
report) on its way into TOML, CSV, HTML, plots or file names: refused when it cannot be
made safe, escaped when it can. HTML escaping is html.escape at each use."""

from __future__ import annotations

import json
import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_FORMULA = ("=", "+", "-", "@", "\t", "\r")
MAX_LEN = 200


def one_line(text: str, what: str = "text") -> str:
    """The text itself if it is one printable line of at most MAX_LEN characters; else
    ValueError saying what is wrong (the CLI turns it into one line, exit 2)."""
    if _CONTROL.search(text):
        raise ValueError(f"{what} must be one line of plain text (no newlines or control characters)")
    if len(text) > MAX_LEN:
        raise ValueError(f"{what} is longer than {MAX_LEN} characters")
    return text


def flatten(text: str) -> str:
    """Control characters (newlines included) become spaces: for comments and labels."""
    return _CONTROL.sub(" ", str(text))


def toml_string(text: str) -> str:
    """A TOML basic string for any text (JSON's escapes are valid TOML escapes)."""
    return json.dumps(str(text), ensure_ascii=False)


def csv_cell(value: object) -> object:
    """A CSV cell a spreadsheet will not run as a formula (=, +, -, @ lead to a quote)."""
    if isinstance(value, str) and value.startswith(_FORMULA):
        return "'" + value
    return value


def plot_text(text: str) -> str:
    """Text for a matplotlib label: no mathtext ($) and no control characters."""
    return flatten(text).replace("$", r"\$")


def file_stem(text: str, fallback: str = "session") -> str:
    """A file-name stem from free text: letters, digits, space, dot, dash and underscore kept,
    anything else (slashes, control characters) becomes '_'; no leading dot or dash."""
    stem = re.sub(r"[^\w .-]", "_", str(text), flags=re.UNICODE).strip(" ").lstrip(".-")[:120]
    return stem or fallback
