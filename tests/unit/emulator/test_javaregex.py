"""Java-style model patterns translated to Python ``re``."""

from __future__ import annotations

import re
import unicodedata

import botocore.session
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from specs.javaregex import JavaRegexError, anchored, compile_pattern, matcher, matches, to_python

SERVICES = ("iot", "iot-jobs-data", "amplifybackend", "importexport")


def _model_patterns() -> list[tuple[str, str, str]]:
    loader = botocore.session.get_session().get_component("data_loader")
    out = []
    for service in SERVICES:
        shapes = loader.load_service_model(service, "service-2")["shapes"]
        out += [(service, name, shape["pattern"]) for name, shape in shapes.items() if "pattern" in shape]
    return out


MODEL_PATTERNS = _model_patterns()


def test_the_models_have_patterns_to_translate() -> None:
    assert len({p for _, _, p in MODEL_PATTERNS}) > 30


@pytest.mark.parametrize("service,shape,pattern", MODEL_PATTERNS, ids=lambda v: str(v)[:40])
def test_every_model_pattern_compiles(service: str, shape: str, pattern: str) -> None:
    compiled = compile_pattern(pattern)
    assert compiled.pattern == to_python(pattern)


def test_compile_is_cached() -> None:
    assert compile_pattern("[^\\p{C}]+") is compile_pattern("[^\\p{C}]+")


@pytest.mark.parametrize(
    "value,ok",
    [
        ("plain text", True),
        ("héllo 世界", True),
        ("tab\tin", False),
        ("nul\x00", False),
        ("zero\u200bwidth", False),
        ("private\ue000", False),
        ("unassigned\u0378", False),
        ("", False),
    ],
)
def test_not_other_category_means_no_cc_cf_cs_co_cn(value: str, ok: bool) -> None:
    assert (compile_pattern("^[^\\p{C}]+$").search(value) is not None) is ok


@given(st.characters(codec=None))
@settings(max_examples=300)
def test_p_c_agrees_with_unicodedata(ch: str) -> None:
    is_other = unicodedata.category(ch).startswith("C")
    assert (compile_pattern("\\p{C}").fullmatch(ch) is not None) is is_other
    assert (compile_pattern("[^\\p{C}]").fullmatch(ch) is not None) is (not is_other)
    assert (compile_pattern("\\P{C}").fullmatch(ch) is not None) is (not is_other)


@pytest.mark.parametrize(
    "pattern,yes,no",
    [
        ("^\\p{Upper}+$", "ABC", "AbC"),
        ("^\\p{Lower}+$", "abc", "aBc"),
        ("^\\p{Alnum}+$", "a1B2", "a-1"),
        ("^\\p{Punct}+$", "!-_~", "a!"),
        ("^\\p{Digit}+$", "0123", "٣"),  # POSIX classes are ASCII-only in Java
        ("^[\\p{Graph}\\x20]*$", "a b~", "a\tb"),
        ("^[^\\p{Cntrl}]*$", "abc", "a\x7fb"),
        ("^\\p{L}+$", "héllo", "h3llo"),
        ("^\\p{N}+$", "12٣", "12a"),
        ("^\\p{Lu}+$", "ÀB", "Àb"),
        ("^\\pL+$", "abc", "a1"),
        ("^\\S{3}$", "abc", "a b"),
        ("^\\s$", " ", "\u00a0"),  # Java \s is ASCII-only
        ("^\\d+$", "42", "٤٢"),
        ("^\\w+$", "a_1", "é"),
        ("^.$", "a", "\r"),  # Java '.' stops at every line terminator
        ("^\\Qa.b*\\E$", "a.b*", "axb"),
        ("^[a-z&&[^e]]+$", "abc", "abe"),
        ("^[a-c[x-z]]+$", "axbz", "amz"),
        ("^a++b$", "aab", "ab b"),
        ("^\\x41\\u0042\\0103$", "ABC", "ABD"),
        ("^[\\x21-\\x7E]+$", "a~!", "a b"),
        ("^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$", "a b:1/=+-@", "a#b"),
    ],
)
def test_translation_is_faithful(pattern: str, yes: str, no: str) -> None:
    assert matches(pattern, yes), (pattern, yes, to_python(pattern))
    assert not matches(pattern, no), (pattern, no, to_python(pattern))


@pytest.mark.parametrize("value", ["bad key!", "e\u0301", "\u00e9", "thing!", "!thing", "a b"])
def test_a_pattern_matches_the_whole_value(value: str) -> None:
    # AWS checks a model pattern with Java's String.matches: a part that matches is not enough
    assert compile_pattern("[a-zA-Z0-9:_-]+").search(value) is not None or value == "\u00e9"
    assert not matches("[a-zA-Z0-9:_-]+", value)
    assert not matches("^[a-zA-Z0-9:_-]+$", value)
    assert not re.search(anchored("[a-zA-Z0-9:_-]+"), value)


def test_anchors_keep_their_meaning_and_a_final_newline_is_refused() -> None:
    assert matches("^[0-9]*$", "123") and matches("[0-9]*", "")
    assert not matches("^[0-9]*$", "12\n")  # Python's $ alone would accept it; String.matches does not
    assert not re.search(anchored("^[0-9]*$"), "12\n")
    assert matches("[a-zA-Z0-9_-]+|^\\$next", "$next") and not matches("[a-zA-Z0-9_-]+|^\\$next", "j1$next")
    assert matcher("[a-z]+") is matcher("[a-z]+")


def test_inline_flags_are_scoped() -> None:
    assert matches("^a(?i)b$", "aB")
    assert not matches("^a(?i)b$", "AB")


@pytest.mark.parametrize("pattern", ["\\p{NoSuchCategory}", "[abc", "a)", "\\G"])
def test_bad_patterns_raise(pattern: str) -> None:
    with pytest.raises(JavaRegexError):
        compile_pattern(pattern)


def test_the_category_table_is_this_pythons_unicode(tmp_path) -> None:
    from specs import javaregex

    table = javaregex.CATEGORY_TABLE
    if '"unidata_version":"' + unicodedata.unidata_version + '"' not in table.read_text(encoding="utf-8"):
        pytest.skip(f"{table.name} was made for another Unicode version than {unicodedata.unidata_version}")
    assert javaregex._categories() == javaregex.scan_categories()
    # written again, the table is the same file
    again = tmp_path / "table.json"
    javaregex.write_category_table(again)
    assert again.read_text(encoding="utf-8") == table.read_text(encoding="utf-8")


def test_a_table_of_another_unicode_version_is_not_read(tmp_path, monkeypatch) -> None:
    from specs import javaregex

    other = tmp_path / "table.json"
    other.write_text('{"unidata_version":"0.0.0","categories":{"Lu":[65,66]}}', encoding="utf-8")
    monkeypatch.setattr(javaregex, "CATEGORY_TABLE", other)
    assert javaregex._categories.__wrapped__()["Lu"] == javaregex.scan_categories()["Lu"]
