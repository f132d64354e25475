"""``one_of`` groups and page tokens in the specs: overlay checks, the validator, lint, show and schema."""

from __future__ import annotations

import io
import textwrap

import jsonschema
import pytest

import specs.overlay
from specs.cli import main
from specs.lint import lint
from specs.loader import load_service, raw_service
from specs.overlay import OverlayError
from specs.schema import input_schema
from specs.validator import validate

CREATE = {"jobId": "j1", "targets": ["arn:aws:iot:us-east-1:123456789012:thing/t1"]}


@pytest.fixture
def overlay(tmp_path, monkeypatch):
    """Write a replacement iot overlay with these CreateJob rules; returns its path."""
    monkeypatch.setenv("JOBFUZZ_OVERLAY_PATH", str(tmp_path))
    specs.overlay._apply_cached.cache_clear()

    def write(rules: str, key: str = "rules", op: str = "CreateJob"):
        file = tmp_path / "iot.yaml"
        body = textwrap.indent(textwrap.dedent(rules).strip(), "    ")
        file.write_text(f"service: iot\n{key}:\n  {op}:\n{body}\n", encoding="utf-8")
        return file

    yield write
    specs.overlay._apply_cached.cache_clear()


def _error() -> OverlayError:
    with pytest.raises(OverlayError) as info:
        load_service("iot")
    err = info.value
    assert "\n" not in str(err) and str(err).startswith(f"{err.file}: {err.where}: ")
    return err


# -- overlay checks ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("rule", "where", "says"), [
    ('{path: "@", kind: one_of, value: [document], source: doc}', "rules/CreateJob/0/value", "too short"),
    ('{path: "@", kind: one_of, value: document, source: doc}', "rules/CreateJob/0/value", "got 'document' (a string)"),
    ('{path: "@", kind: one_of, value: [document, document], source: doc}', "rules/CreateJob/0/value",
     "non-unique"),
    ('{path: "@", kind: one_of, value: [document, documentz], source: doc}', "rules/CreateJob/0/value/1",
     "has no member 'documentz'"),
    ('{path: "@", kind: one_of, value: [document, jobId], source: doc}', "rules/CreateJob/0/value/1",
     "jobId is required by the model"),
    ('{path: document, kind: one_of, value: [a, b], source: doc}', "rules/CreateJob/0/path",
     "one_of needs a structure, not a string"),
    ('{path: "@", kind: max, value: 3, source: doc}', "rules/CreateJob/0/path",
     "the input itself is a place only for one_of"),
    ('{path: "", kind: max, value: 3, source: doc}', "rules/CreateJob/0/path", "should be non-empty"),
    ('{path: "@", kind: one_of, value: [document, documentSource], source: guess}', "rules/CreateJob/0/source",
     "'guess' is not one of"),
    ('{path: jobId, kind: page_token, value: "", source: inferred}', "rules/CreateJob/0/value", "should be non-empty"),
    ('{path: targets, kind: page_token, value: nextToken, source: inferred}', "rules/CreateJob/0/path",
     "a page token is a string, not a list"),
])
def test_a_malformed_rule_is_one_line_naming_file_and_place(overlay, rule, where, says):
    file = overlay(f"- {rule}")
    err = _error()
    assert (err.file, err.where) == (str(file), where)
    assert says in err.problem, err.problem


def test_a_member_in_two_groups(overlay):
    overlay("""
        - {path: "@", kind: one_of, value: [document, documentSource], source: doc}
        - {path: "@", kind: one_of, value: [documentSource, jobTemplateArn], source: doc}
    """)
    err = _error()
    assert err.where == "rules/CreateJob/1/value" and "documentSource is already in the one_of group" in err.problem


def test_a_group_member_cannot_be_required(overlay):
    overlay("""
        - {path: "@", kind: one_of, value: [document, documentSource], source: doc}
        - {path: document, kind: required, value: true, source: doc}
    """)
    err = _error()
    assert err.where == "rules/CreateJob/1" and "cannot be required" in err.problem


def test_one_of_is_an_input_rule(overlay):
    overlay('- {path: "@", kind: one_of, value: [jobArn, jobId], source: doc}', key="output_rules")
    err = _error()
    assert err.where == "output_rules/CreateJob/0/kind" and "rule of the input" in err.problem


def test_a_nested_group_and_an_overlay_page_token_load(overlay):
    overlay("""
        - {path: timeoutConfig.inProgressTimeoutInMinutes, kind: min, value: 1, source: doc}
        - {path: "@", kind: one_of, value: [document, documentSource], source: inferred}
        - {path: description, kind: page_token, value: elsewhere, source: inferred}
    """)
    op = load_service("iot").operation("CreateJob")
    assert [(r.path, r.kind, r.value) for r in op.rules if r.kind in ("one_of", "page_token")] == [
        ("", "one_of", ("document", "documentSource")), ("description", "page_token", "elsewhere")]


# -- the page tokens the loader finds -------------------------------------------------------------

def test_page_tokens_come_from_the_model_and_survive_the_overlay():
    raw = raw_service("iot").operation("ListJobExecutionsForThing")
    assert [(r.path, r.kind, r.source) for r in raw.rules] == [("nextToken", "page_token", "inferred")]
    op = load_service("iot").operation("ListJobExecutionsForThing")
    assert raw.rules[0] in op.rules
    ab = load_service("amplifybackend").operation("ListBackendJobs")
    assert [r.path for r in ab.rules if r.kind == "page_token"] == ["NextToken"]


def test_validator_reports_a_page_token_only_with_its_inferred_source():
    spec = load_service("amplifybackend")
    op = spec.operation("ListBackendJobs")
    params = {"AppId": "a", "BackendEnvironmentName": "e", "NextToken": "made-up"}
    [problem] = validate(op, spec, params)
    assert (problem.path, problem.rule, problem.source) == ("NextToken", "page_token", "inferred")
    assert "expected a token an earlier page gave (NextToken), got 'made-up'" in problem.message
    assert validate(op, spec, params, sources=("model", "doc")) == []


# -- the validator and the one_of group -------------------------------------------------------------

@pytest.mark.parametrize(("extra", "got"), [
    ({}, "neither"), ({"document": "{}", "documentSource": "https://s3.amazonaws.com/b/k"}, "both"),
])
def test_validator_wants_exactly_one_of_the_group(extra, got):
    spec = load_service("iot")
    op = spec.operation("CreateJob")
    problems = validate(op, spec, {**CREATE, **extra})
    assert [(p.path, p.rule, p.source) for p in problems] == [("", "one_of", "doc")]
    assert problems[0].message == f"CreateJob: expected exactly one of document, documentSource, got {got}"
    assert validate(op, spec, {**CREATE, **extra}, sources=("model",)) == []


def test_validator_takes_either_member():
    spec = load_service("iot")
    op = spec.operation("CreateJob")
    assert validate(op, spec, {**CREATE, "document": "{}"}) == []
    assert validate(op, spec, {**CREATE, "documentSource": "https://s3.amazonaws.com/b/k"}) == []


# -- lint, show, schema ---------------------------------------------------------------------------

def test_lint_lists_the_group_as_a_doc_rule_and_the_tokens_as_inferred():
    findings = lint(["iot", "importexport"])
    [group] = [f for f in findings if f.operation == "CreateJob" and f.service == "iot" and f.kind == "doc-rule"
               and f.where == "(input)"]
    assert "exactly one of document, documentSource" in group.message and group.source == "doc"
    tokens = {(f.service, f.operation, f.where) for f in findings if f.kind == "inferred-rule"
              and "earlier page" in f.message}
    assert {("iot", "ListJobExecutionsForThing", "nextToken"), ("iot", "ListJobExecutionsForJob", "nextToken"),
            ("importexport", "ListJobs", "Marker")} <= tokens


def test_show_lists_the_group_and_the_token():
    out = io.StringIO()
    assert main(["show", "iot.CreateJob"], out=out, err=io.StringIO()) == 0
    assert "(input): one_of document | documentSource (doc)" in out.getvalue()
    out = io.StringIO()
    assert main(["show", "importexport.ListJobs"], out=out, err=io.StringIO()) == 0
    assert "Marker: page_token from Jobs[-1].JobId (inferred)" in out.getvalue()


def test_input_schema_has_the_group_as_one_of():
    spec = load_service("iot")
    schema = input_schema(spec.operation("CreateJob"), spec)
    assert schema["oneOf"] == [{"required": ["document"]}, {"required": ["documentSource"]}]
    v = jsonschema.Draft202012Validator(schema)
    body = {"targets": CREATE["targets"]}
    assert v.is_valid({**body, "document": "{}"}) and v.is_valid({**body, "documentSource": "s3"})
    assert not v.is_valid(body) and not v.is_valid({**body, "document": "{}", "documentSource": "s3"})
