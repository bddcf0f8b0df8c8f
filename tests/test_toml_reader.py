"""The one TOML reader: every error names the file, the line and the dotted key."""

import pytest

from coach.rules.toml_reader import SpecError, TomlReader, key_at, read_toml

TEXT = """\
title = "x"
[hold]
seconds = 30   # s
[measures.knee]
kind = "angle"
[[checks]]
id = "a"
min = 1
[[checks]]
id = "b"
min = 2
"""


@pytest.mark.parametrize("key, line", [("title", 1), ("hold", 2), ("hold.seconds", 3), ("hold.count", 2),
                                       ("measures.knee", 4), ("measures.knee.kind", 5),
                                       ("checks[1].min", 11), ("checks.a.min", 8), ("checks.b.id", 10)])
def test_a_dotted_key_is_found_on_its_own_line(key, line):
    assert TomlReader("p.toml", TEXT).line(key) == line


def test_typed_values_and_their_errors():
    r = TomlReader("p.toml", TEXT)
    assert r.typed("hold.seconds", 30, "float") == 30.0 and isinstance(r.typed("hold.seconds", 30, "float"), float)
    with pytest.raises(SpecError, match=r"^p.toml:3: key 'hold.seconds': must be a whole number, got 2.5$"):
        r.typed("hold.seconds", 2.5, "int")
    with pytest.raises(SpecError, match="finite"):
        r.typed("hold.seconds", float("inf"), "float")
    with pytest.raises(SpecError, match=r"p.toml:2: key 'hold.count': is required"):
        r.get({}, "count", "hold", int)


def test_a_syntax_error_names_its_line(tmp_path):
    p = tmp_path / "bad.toml"
    p.write_text('a = 1\nb = [1,\nc = 2\n')
    with pytest.raises(SpecError) as e:
        read_toml(p)
    assert e.value.line is not None and e.value.line >= 2 and "TOML syntax error" in str(e.value)
    assert key_at(TEXT, 3) == "hold.seconds" and key_at(TEXT, 4) == "measures.knee"
