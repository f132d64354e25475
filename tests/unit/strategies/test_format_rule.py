"""The ``format: json`` rule (IoT CreateJob's ``document``): validated, valid values are JSON
documents, boundary values are JSON documents at the length limits, and each invalid call (the
empty string, text that is not JSON, a document one character too long) breaks that one rule."""

from __future__ import annotations

import dataclasses
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from specs.loader import load_service
from specs.validator import validate
from strategies import valid_calls
from strategies.operations import boundary_calls, invalid_calls

IOT = load_service("iot")
CREATE = IOT.operation("CreateJob")
BASE = {"jobId": "j1", "targets": ["arn:aws:iot:us-east-1:123456789012:thing/t1"]}


def test_the_validator_reports_each_break_of_the_format():
    assert validate(CREATE, IOT, {**BASE, "document": '{"operation": "install"}'}) == []
    for text, says in (("", "got an empty string"), (" ", "got only white space"),
                       ("install", "got text that is not JSON")):
        [p] = validate(CREATE, IOT, {**BASE, "document": text})
        assert (p.path, p.rule, p.source) == ("document", "format", "doc")
        assert p.message.startswith("CreateJob.document: expected a JSON document, ") and says in p.message


def test_an_inferred_format_is_reported_only_when_asked_for():
    rules = tuple(dataclasses.replace(r, source="inferred") if r.kind == "format" else r for r in CREATE.rules)
    op = dataclasses.replace(CREATE, rules=rules)
    assert validate(op, IOT, {**BASE, "document": ""}, sources=("model", "doc")) == []
    assert [p.rule for p in validate(op, IOT, {**BASE, "document": ""})] == ["format"]
    assert not [c for c in invalid_calls(op, service=IOT) if c.violation and c.violation.rule == "format"]


@settings(max_examples=60, suppress_health_check=list(HealthCheck), deadline=None)
@given(st.data())
def test_valid_calls_carry_json_documents(data):
    call = data.draw(valid_calls(CREATE, service=IOT))
    if "document" in call.params:
        assert isinstance(json.loads(call.params["document"]), dict)
        assert len(call.params["document"]) <= 32768


def test_boundary_documents_are_json_at_the_length_limits():
    docs = {c.params["document"] for c in boundary_calls(CREATE, service=IOT) if "document" in c.params}
    assert {len(d) for d in docs} >= {2, 32768}
    for d in docs:
        json.loads(d)


def test_each_invalid_document_breaks_one_labelled_rule():
    calls = [c for c in invalid_calls(CREATE, service=IOT) if c.violation and c.violation.path == "document"]
    formats = {c.params["document"]: c.violation for c in calls if c.violation.rule == "format"}
    assert set(formats) == {"", "not a JSON document"}
    assert "got an empty string" in formats[""].detail
    assert "got text that is not JSON" in formats["not a JSON document"].detail
    assert all(v.source == "doc" for v in formats.values())
    [too_long] = [c.params["document"] for c in calls if c.violation.rule == "max_length"]
    assert len(too_long) == 32769 and isinstance(json.loads(too_long), dict)  # only the length is wrong
