"""``{name}`` templates: one module finds and fills them for recipes, checks, the guard and repro."""

from __future__ import annotations

from specs.templates import fill, names, whole


def test_a_whole_template_keeps_the_type_and_a_part_is_text():
    values = {"n": 3, "id": "jf00001"}
    assert fill({"a": "{n}", "b": ["x-{id}", "{n}/{id}"], "c": 7}, values) == {"a": 3, "b": ["x-jf00001", "3/jf00001"],
                                                                                "c": 7}


def test_a_name_without_a_value_is_left():
    assert fill("{missing}-{id}", {"id": "x"}) == "{missing}-x"
    assert fill('{"json": 1}', {}) == '{"json": 1}'  # braces that are not a template


def test_names_and_whole():
    assert names({"a": ["{x}", {"b": "p{y}q"}], "c": 1, "d": '{"k": 1}'}) == {"x", "y"}
    assert whole("{x}") == "x" and whole("a{x}") is None and whole(3) is None
