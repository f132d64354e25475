"""The rule kinds ``absent``, ``exclusive``, ``required_when`` and ``relax``, and a paginator's fixed
``params``: the overlay's one-line errors, the input validator, the output schema, lint and show."""

from __future__ import annotations

import textwrap

import jsonschema
import pytest

import specs.overlay
from specs.lint import lint
from specs.loader import load_service
from specs.overlay import OVERLAY_DIR
from specs.schema import output_schema
from specs.show import show_operation
from specs.types import RULE_KINDS
from specs.validator import validate

CREATE = {"jobId": "j1", "targets": ["arn:aws:iot:us-east-1:123456789012:thing/t1"], "document": "{}"}
PAGE = "https://docs.aws.amazon.com/iot/latest/apireference/API_CreateJob.html"
RULES = f"""
- {{path: documentParameters, kind: absent, value: true, source: doc, doc: "{PAGE}"}}
- {{path: "@", kind: exclusive, value: [description, jobTemplateArn], source: doc, doc: "{PAGE}"}}
- {{path: timeoutConfig, kind: required_when, value: {{member: targetSelection, in: [CONTINUOUS]}}, source: doc,
   doc: "{PAGE}"}}
- {{path: abortConfig, kind: required_when, value: {{member: namespaceId}}, source: doc, doc: "{PAGE}"}}
"""


@pytest.fixture
def iot(overlay, fresh_overlays):
    """A replacement iot overlay: ``rules`` under ``key``/``op``, and any ``extra`` top-level text."""

    def write(rules: str = "", key: str = "rules", op: str = "CreateJob", extra: str = ""):
        body = textwrap.indent(textwrap.dedent(rules).strip(), "    ")
        specs.overlay._apply_cached.cache_clear()
        return overlay("iot", "service: iot\n" + (f"{key}:\n  {op}:\n{body}\n" if rules.strip() else "")
                       + textwrap.dedent(extra))

    return write


def test_the_kinds_are_known():
    assert {"absent", "exclusive", "required_when", "relax"} <= set(RULE_KINDS)


@pytest.mark.parametrize(("rule", "where", "says"), [
    ("{path: documentParameters, kind: absent, value: false, source: doc}", "rules/CreateJob/0/value",
     "absent: expected true"),
    ("{path: jobId, kind: absent, value: true, source: doc}", "rules/CreateJob/0/path",
     "required by the model, so it cannot be absent"),
    ('{path: "targets[*]", kind: absent, value: true, source: doc}', "rules/CreateJob/0/path", "names no member"),
    ('{path: "@", kind: exclusive, value: [description], source: doc}', "rules/CreateJob/0/value", "too short"),
    ('{path: "@", kind: exclusive, value: [description, descriptionz], source: doc}', "rules/CreateJob/0/value/1",
     "has no member 'descriptionz'"),
    ('{path: "@", kind: exclusive, value: [description, jobId], source: doc}', "rules/CreateJob/0/value/1",
     "at most one is present"),
    ("{path: description, kind: exclusive, value: [a, b], source: doc}", "rules/CreateJob/0/path",
     "exclusive needs a structure, not a string"),
    ("{path: timeoutConfig, kind: required_when, value: {in: [CONTINUOUS]}, source: doc}",
     "rules/CreateJob/0/value", "required_when: expected a mapping {member: SIBLING"),
    ("{path: timeoutConfig, kind: required_when, value: {member: targetSelectionz}, source: doc}",
     "rules/CreateJob/0/value/member", "has no other member 'targetSelectionz'"),
    ("{path: timeoutConfig, kind: required_when, value: {member: targetSelection, in: [FOREVER]}, source: doc}",
     "rules/CreateJob/0/value/in/0", "'FOREVER' is not a value of targetSelection"),
    ("{path: timeoutConfig, kind: required_when, value: {member: targetSelection, of: [X]}, source: doc}",
     "rules/CreateJob/0/value", "Additional properties"),
    ("{path: description, kind: relax, value: [required], source: doc}", "rules/CreateJob/0/kind",
     "relax is a rule of the output"),
])
def test_a_malformed_rule_is_one_line_naming_file_and_place(iot, overlay_error, rule, where, says):
    file = iot(f"- {rule}")
    err = overlay_error("iot")
    assert (err.file, err.where) == (str(file), where)
    assert says in err.problem, err.problem


@pytest.mark.parametrize(("rule", "where", "says"), [
    ("{path: job.jobArn, kind: relax, value: [pattern], source: doc}", "output_rules/DescribeJob/0/value/0",
     "the model puts no pattern constraint here (it has: none)"),
    ("{path: job.jobId, kind: relax, value: [shape], source: doc}", "output_rules/DescribeJob/0/value/0",
     "is not one of"),
    ("{path: job, kind: absent, value: true, source: doc}", "output_rules/DescribeJob/0/kind",
     "absent is a rule of the input"),
])
def test_output_rule_errors(iot, overlay_error, rule, where, says):
    iot(f"- {rule}", key="output_rules", op="DescribeJob")
    err = overlay_error("iot")
    assert err.where == where and says in err.problem, err.problem


def test_the_validator_reports_each_kind_at_its_place(iot):
    iot(RULES)
    spec = load_service("iot")
    op = spec.operation("CreateJob")
    assert validate(op, spec, CREATE) == []
    assert validate(op, spec, {**CREATE, "targetSelection": "SNAPSHOT"}) == []
    broken = {
        "absent": {**CREATE, "documentParameters": {"k": "v"}},
        "exclusive": {**CREATE, "description": "d", "jobTemplateArn": "arn:aws:iot:::jobtemplate/t"},
        "required_when": {**CREATE, "targetSelection": "CONTINUOUS"},
    }
    for rule, params in broken.items():
        [problem] = validate(op, spec, params)
        assert (problem.rule, problem.source) == (rule, "doc"), problem
    [problem] = validate(op, spec, broken["required_when"])
    assert problem.path == "timeoutConfig"
    assert problem.message == "CreateJob.timeoutConfig: missing: required when targetSelection is 'CONTINUOUS'"
    [problem] = validate(op, spec, {**CREATE, "namespaceId": "ns"})
    assert problem.message == "CreateJob.abortConfig: missing: required when namespaceId is set"
    assert validate(op, spec, broken["absent"], sources=("model",)) == []  # an overlay rule, not the model's


def test_relax_lifts_the_named_constraint_from_the_output_schema(iot):
    iot("""
        - {path: job.jobId, kind: relax, value: [pattern, min_length], source: doc,
           doc: "https://docs.aws.amazon.com/iot/latest/apireference/API_DescribeJob.html"}
    """, key="output_rules", op="DescribeJob")
    spec = load_service("iot")
    schema = output_schema(spec.operation("DescribeJob"), spec)
    job_id = schema["properties"]["job"]["properties"]["jobId"]
    assert "pattern" not in job_id and "minLength" not in job_id and job_id["maxLength"] == 64
    jsonschema.validate({"job": {"jobId": "not a pattern!"}}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"job": {"jobId": "x" * 65}}, schema)  # what it does not name still holds


def test_relax_of_a_required_output_member(tmp_path, monkeypatch):
    """Batch's JobDetail requires ``startedAt`` in the model, and the API reference says it is absent
    until the job starts: a relax lifts ``required`` there, in the list of DescribeJobs' answer."""
    job = {"jobName": "j", "jobId": "1", "jobQueue": "q", "status": "SUBMITTED", "jobDefinition": "d"}
    schema = output_schema(load_service("batch").operation("DescribeJobs"), load_service("batch"))
    jsonschema.validate({"jobs": [job]}, schema)  # the shipped overlay relaxes it
    with pytest.raises(jsonschema.ValidationError, match="jobId"):  # the other required members still are
        jsonschema.validate({"jobs": [{k: v for k, v in job.items() if k != "jobId"}]}, schema)
    monkeypatch.setenv("JOBFUZZ_OVERLAY_PATH", str(tmp_path))
    (tmp_path / "batch.yaml").write_text("service: batch\n", encoding="utf-8")  # an overlay without it
    specs.overlay._apply_cached.cache_clear()
    try:
        spec = load_service("batch")
        with pytest.raises(jsonschema.ValidationError, match="startedAt"):
            jsonschema.validate({"jobs": [job]}, output_schema(spec.operation("DescribeJobs"), spec))
    finally:
        specs.overlay._apply_cached.cache_clear()


SHIPPED_LIST = "ListJobs: {resource: job, id: jobId, binding: jobId}"


def _with_list_params(overlay, params: str):
    """The shipped iot overlay with ``params`` on its ListJobs pagination entry."""
    text = (OVERLAY_DIR / "iot.yaml").read_text(encoding="utf-8")
    assert SHIPPED_LIST in text
    specs.overlay._apply_cached.cache_clear()
    return overlay("iot", text.replace(SHIPPED_LIST, SHIPPED_LIST[:-1] + f", params: {params}}}"))


def test_pagination_params(overlay, fresh_overlays):
    _with_list_params(overlay, "{status: IN_PROGRESS}")
    assert load_service("iot").operation("ListJobs").list_params == (("status", "IN_PROGRESS"),)


@pytest.mark.parametrize(("params", "where", "says"), [
    ("{statuz: IN_PROGRESS}", "pagination/ListJobs/params/statuz", "has no member 'statuz'"),
    ("{status: RUNNING}", "pagination/ListJobs/params/status", "expected one of"),
])
def test_bad_pagination_params(overlay, fresh_overlays, overlay_error, params, where, says):
    _with_list_params(overlay, params)
    err = overlay_error("iot")
    assert err.where == where and says in err.problem, err.problem


def test_lint_and_show_word_the_kinds(iot):
    iot(RULES)
    text = show_operation(load_service("iot"), "CreateJob")
    assert "documentParameters: absent True (doc)" in text
    assert "(input): exclusive description | jobTemplateArn (doc)" in text
    assert "timeoutConfig: required_when targetSelection is 'CONTINUOUS' (doc)" in text
    messages = [f.message for f in lint(["iot"]) if f.operation == "CreateJob"]
    assert any("at most one of description, jobTemplateArn" in m for m in messages), messages
    assert any("required when namespaceId is set" in m for m in messages), messages
