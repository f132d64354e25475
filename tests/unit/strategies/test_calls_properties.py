"""Valid, boundary and invalid calls of the in-scope operations of the four job services.

- every valid and boundary call passes botocore's ParamValidator and our validator with all sources;
- every invalid call breaks exactly the rule it is labelled with (our validator with the model and
  doc sources reports one problem, at that path, for that rule), and botocore can serialise it.
"""

from __future__ import annotations

import pytest
from botocore.validate import ParamValidator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from specs.loader import load_service
from specs.validator import validate
from strategies import boundary_calls, from_operation, invalid_calls, valid_calls
from strategies.calls import RAW_KINDS
from strategies.wire import operation_model, serialise

SERVICES = ("iot-jobs-data", "iot", "amplifybackend", "importexport")
CORE = (("amplifybackend", "UpdateBackendJob"), ("amplifybackend", "GetBackendJob"),
        ("importexport", "UpdateJob"), ("iot-jobs-data", "UpdateJobExecution"))
IN_SCOPE = [(s, op.name) for s in SERVICES for op in load_service(s).in_scope()]
STRUCTURAL = (*RAW_KINDS, "example")  # wire-level breaks and documented invalid examples


def _op(service: str, name: str):
    spec = load_service(service)
    return spec, spec.operation(name)


def _botocore_errors(service: str, name: str, params: dict) -> str:
    model = operation_model(service, name)
    report = ParamValidator().validate(params, model.input_shape) if model.input_shape is not None else None
    return report.generate_report() if report is not None and report.has_errors() else ""


def _assert_valid(service, op, call) -> None:
    assert call.violation is None and call.raw is None
    assert _botocore_errors(op.service, op.name, call.params) == "", call.params
    assert validate(op, service, call.params) == [], call.params
    assert serialise(op, call.params) is not None, call.params


@pytest.mark.parametrize(("service", "name"), CORE)
@settings(max_examples=150, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_core_valid_calls(service, name, data):
    spec, op = _op(service, name)
    call = data.draw(from_operation(op, service=spec))
    assert (call.service, call.operation, call.mode) == (service, name, "valid")
    _assert_valid(spec, op, call)


@pytest.mark.parametrize(("service", "name"), IN_SCOPE)
@settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_in_scope_valid_calls(service, name, data):
    spec, op = _op(service, name)
    _assert_valid(spec, op, data.draw(valid_calls(op, service=spec)))


@pytest.mark.parametrize(("service", "name"), IN_SCOPE)
def test_boundary_calls_are_valid(service, name):
    spec, op = _op(service, name)
    calls = boundary_calls(op, service=spec)
    assert calls, "at least the smallest valid call"
    for call in calls:
        assert call.mode == "boundary"
        _assert_valid(spec, op, call)


@pytest.mark.parametrize(("service", "name"), IN_SCOPE)
def test_invalid_calls_break_exactly_their_rule(service, name):
    spec, op = _op(service, name)
    for call in invalid_calls(op, service=spec):
        v = call.violation
        assert call.mode == "invalid" and v is not None
        # only a wire-level break may be one no documentation settles: sent, never asserted
        assert v.source in ("model", "doc") or (call.raw is not None and v.rule == call.raw.kind)
        if v.rule in STRUCTURAL:
            continue
        problems = validate(op, spec, call.params, sources=("model", "doc"))
        assert [(p.path, p.rule, p.source) for p in problems] == [(v.path, v.rule, v.source)], call.params
        assert serialise(op, call.params) is not None


@pytest.mark.parametrize(("service", "name"), IN_SCOPE)
@settings(max_examples=20, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_drawn_invalid_calls_break_exactly_their_rule(service, name, data):
    spec, op = _op(service, name)
    if not invalid_calls(op, service=spec):
        return
    call = data.draw(from_operation(op, service=spec, mode="invalid"))
    v = call.violation
    assert v is not None
    if v.rule not in STRUCTURAL:
        problems = validate(op, spec, call.params, sources=("model", "doc"))
        assert [(p.path, p.rule) for p in problems] == [(v.path, v.rule)], call.params


def test_update_job_execution_breaks():
    spec, op = _op("iot-jobs-data", "UpdateJobExecution")
    found = {(c.violation.path, c.violation.rule, c.violation.source) for c in invalid_calls(op, service=spec)}
    assert {
        ("statusDetails{}", "max_length", "doc"), ("stepTimeoutInMinutes", "min", "doc"),
        ("stepTimeoutInMinutes", "max", "doc"), ("status", "allowed", "doc"), ("status", "enum", "model"),
        ("status", "required", "model"), ("thingName", "pattern", "model"), ("jobId", "max_length", "model"),
        ("stepTimeoutInMinutes", "type", "model"), ("", "malformed_body", "model"), ("", "content_type", "inferred"),
    } <= found
    # the inferred limit of 10 status details is never broken on purpose
    assert not any(p == "statusDetails" and r == "max_length" for p, r, _ in found)
    # a number for a URI label or a map key would travel as valid text: not offered
    assert ("thingName", "type", "model") not in found
    assert ("statusDetails{key}", "type", "model") not in found


def test_update_job_execution_boundaries():
    spec, op = _op("iot-jobs-data", "UpdateJobExecution")
    calls = boundary_calls(op, service=spec)
    timeouts = {c.params.get("stepTimeoutInMinutes") for c in calls}
    assert {1, 10080, -1} <= timeouts and 0 not in timeouts
    assert any(len(v) == 1024 for c in calls for v in c.params.get("statusDetails", {}).values())
    assert any(len(c.params.get("statusDetails", {})) == 10 for c in calls)  # up to, never past, the inferred 10
    assert {2**63 - 1, -(2**63)} <= {c.params.get("expectedVersion") for c in calls}
    assert any("\U0001F600" in v for c in calls for v in c.params.get("statusDetails", {}).values())
    assert {c.params["status"] for c in calls} == {"IN_PROGRESS", "FAILED", "SUCCEEDED", "REJECTED"}
    assert any(len(c.params["thingName"]) == 128 for c in calls)


def test_importexport_examples_and_invalid_examples():
    spec, op = _op("importexport", "UpdateJob")
    calls = invalid_calls(op, service=spec)
    examples = [c for c in calls if c.violation.rule == "example"]
    assert len(examples) == 12 and all(c.violation.expected_errors for c in examples)
    assert examples[0].params["Manifest"] == "INVALID MANIFEST"
    assert [c.raw.kind for c in calls if c.raw] == ["malformed_body", "missing_parameter", "duplicate_parameter",
                                                    "content_type", "oversize_body"]
    base = boundary_calls(op, service=spec)[0]
    assert "{access_key}" in base.params["Manifest"]  # templates are left for the harness to fill
