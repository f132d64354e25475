"""Calls under the rule kinds ``absent``, ``exclusive`` and ``required_when`` (a test overlay of iot
CreateJob): valid and boundary calls keep every rule; each rule has one invalid call, labelled with
it, that breaks it and nothing else, and its richer variants break it the same way."""

from __future__ import annotations

import textwrap

import pytest
from hypothesis import HealthCheck, given, settings

import specs.overlay
from specs.loader import load_service
from specs.validator import validate
from strategies import boundary_calls, invalid_calls, valid_calls
from strategies.operations import _plan
from strategies.values import Rand

PAGE = "https://docs.aws.amazon.com/iot/latest/apireference/API_CreateJob.html"
OVERLAY = f"""\
service: iot
rules:
  CreateJob:
    - {{path: "@", kind: one_of, value: [document, documentSource], source: doc, doc: "{PAGE}"}}
    - {{path: documentParameters, kind: absent, value: true, source: doc, doc: "{PAGE}"}}
    - {{path: "@", kind: exclusive, value: [description, jobTemplateArn], source: doc, doc: "{PAGE}"}}
    - {{path: timeoutConfig, kind: required_when, value: {{member: targetSelection, in: [CONTINUOUS]}},
       source: doc, doc: "{PAGE}"}}
    - {{path: abortConfig, kind: required_when, value: {{member: namespaceId}}, source: doc, doc: "{PAGE}"}}
    - {{path: presignedUrlConfig, kind: absent, value: true, source: inferred}}
"""
KINDS = ("absent", "exclusive", "required_when")
SETTINGS = settings(max_examples=200, deadline=None, database=None, suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def spec(tmp_path_factory):
    folder = tmp_path_factory.mktemp("overlays")
    (folder / "iot.yaml").write_text(textwrap.dedent(OVERLAY), encoding="utf-8")
    mp = pytest.MonkeyPatch()
    mp.setenv("JOBFUZZ_OVERLAY_PATH", str(folder))
    specs.overlay._apply_cached.cache_clear()
    yield load_service("iot")
    mp.undo()
    specs.overlay._apply_cached.cache_clear()


def test_valid_calls_keep_every_rule_and_reach_each_condition(spec):
    op = spec.operation("CreateJob")
    seen = {"forced": 0, "exclusive_one": 0}

    @SETTINGS
    @given(valid_calls(op, service=spec))
    def check(call):
        assert validate(op, spec, call.params) == [], call.params
        assert "documentParameters" not in call.params and "presignedUrlConfig" not in call.params
        if call.params.get("targetSelection") == "CONTINUOUS":
            seen["forced"] += 1
        if ("description" in call.params) != ("jobTemplateArn" in call.params):
            seen["exclusive_one"] += 1

    check()
    assert seen["forced"] > 0 and seen["exclusive_one"] > 0, seen


def test_boundary_calls_keep_every_rule(spec):
    op = spec.operation("CreateJob")
    calls = boundary_calls(op, service=spec)
    assert len(calls) > 20
    for call in calls:
        assert validate(op, spec, call.params) == [], call.params


def test_each_kind_has_a_labelled_invalid_call_that_breaks_only_it(spec):
    op = spec.operation("CreateJob")
    calls = {(c.violation.rule, c.violation.path): c for c in invalid_calls(op, service=spec)
             if c.violation.rule in KINDS}
    assert set(calls) == {("absent", "documentParameters"), ("exclusive", ""), ("required_when", "timeoutConfig"),
                          ("required_when", "abortConfig")}
    assert "documentParameters" in calls["absent", "documentParameters"].params
    assert {"description", "jobTemplateArn"} <= set(calls["exclusive", ""].params)
    when = calls["required_when", "timeoutConfig"].params
    assert when.get("targetSelection") == "CONTINUOUS" and "timeoutConfig" not in when
    when = calls["required_when", "abortConfig"].params
    assert "namespaceId" in when and "abortConfig" not in when
    for (rule, _), call in calls.items():
        [problem] = validate(op, spec, call.params)
        assert (problem.rule, problem.source, call.violation.source) == (rule, "doc", "doc")
        assert call.violation.path == problem.path
    # an inferred absent rule keeps valid calls out of the member, but is never broken on purpose
    assert not any(c.violation.path == "presignedUrlConfig" and c.violation.rule == "absent"
                   for c in invalid_calls(op, service=spec))


def test_richer_invalid_calls_break_the_same_rule(spec):
    """The same break made in richer valid calls (what the invalid strategy's variants do)."""
    op = spec.operation("CreateJob")
    invalid_calls(op, service=spec)
    plan = _plan(op, spec)
    remakes = {v: f for v, f in plan.remakes.items() if v.rule in KINDS}
    assert {v.rule for v in remakes} == set(KINDS)
    for violation, remake in remakes.items():
        kept = 0
        for seed in range(40):
            params = remake(plan.program(Rand(seed, 3)))
            problems = validate(op, spec, params) if params is not None else []
            if [(p.rule, p.path) for p in problems] == [(violation.rule, violation.path)]:
                kept += 1
        assert kept > 20, (violation, kept)
