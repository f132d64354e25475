"""Each of the 13 checks, failing on a broken answer or sequence and passing on a correct one.

The exchange checks take ``(exchange, context)``: they are given exchanges built by hand and
exchanges sent through the embedded emulator. The lifecycle checks are driven by ``LifecycleRun``
with a fixed list of steps, the scenario checks by their own functions, each against the emulator
with one planted fault and against the correct emulator. Last, a check that crashes is reported
as crashed and the run goes on.
"""

from __future__ import annotations

import json

import botocore.session
import pytest

from harness.checks import CHECKS, CheckContext, run_exchange_checks
from harness.checks.lifecycle import LifecycleRun
from harness.checks.registry import Registered
from harness.context import RunContext
from harness.engine import Engine, RunConfig
from harness.model import CHECK_NAMES, Exchange, Failure, RawRequest, RawResponse
from harness.scenarios import SCENARIOS
from harness.targets import EmbeddedTarget
from specs.loader import load_service
from strategies.calls import Call, Violation

DATA, IOT, AB, IE = "iot-jobs-data", "iot", "amplifybackend", "importexport"
_SESSION = botocore.session.get_session()


def _target(plant: list[str]) -> EmbeddedTarget:
    """An embedded target; the targets of this module share one botocore session (models load once)."""
    target = EmbeddedTarget(plant=plant)
    if hasattr(target, "_session"):
        target._session = _SESSION
    return target


def _ctx(service: str, operation: str, *, bound: bool = False) -> CheckContext:
    spec = load_service(service)
    return CheckContext(service=spec, op=spec.operation(operation), bound=bound)


def _exchange(call: Call, status: int, body: dict | bytes | None = None, *, code: str | None = None,
              message: str | None = None, parse_error: str | None = None) -> Exchange:
    raw = body if isinstance(body, bytes) else json.dumps(body or {}).encode()
    return Exchange(call=call, request=RawRequest("POST", "https://embedded.jobfuzz/", {}, b""),
                    response=RawResponse(status, {"Content-Type": "application/json"}, raw),
                    parsed={}, error_code=code, error_message=message, parse_error=parse_error)


def _run(name: str, ex: Exchange, ctx: CheckContext) -> Failure | None:
    try:
        CHECKS[name].fn(ex, ctx)
    except Failure as f:
        assert f.check == name
        return f
    return None


UPDATE = Call(DATA, "UpdateJobExecution", {"thingName": "t", "jobId": "j", "status": "IN_PROGRESS"})
TOO_LONG = Violation("statusDetails{}", "max_length", "doc", "expected at most 1024 characters, got 5000")
INVALID = Call(DATA, "UpdateJobExecution", {**UPDATE.params, "statusDetails": {"k": "x" * 5000}},
               mode="invalid", violation=TOO_LONG)


def test_every_check_name_is_registered():
    assert sorted(CHECKS) == sorted(CHECK_NAMES)


# -- exchange checks, on exchanges built by hand ---------------------------------------------------
def test_not_a_server_error():
    ctx = _ctx(DATA, "UpdateJobExecution")
    assert _run("not_a_server_error", _exchange(UPDATE, 500, code="InternalFailure"), ctx) is not None
    # a 5xx the operation models, on a call that breaks a rule, is not a contract failure
    assert _run("not_a_server_error", _exchange(INVALID, 503, code="ServiceUnavailableException"), ctx) is None
    assert _run("not_a_server_error", _exchange(UPDATE, 200, {}), ctx) is None


def test_status_code_conformance():
    ctx = _ctx(DATA, "UpdateJobExecution")
    wrong = _exchange(UPDATE, 400, code="InvalidStateTransitionException")
    right = _exchange(UPDATE, 409, code="InvalidStateTransitionException")
    assert "HTTP 409" in _run("status_code_conformance", wrong, ctx).message
    assert _run("status_code_conformance", right, ctx) is None
    assert _run("status_code_conformance", _exchange(UPDATE, 302, {}), ctx) is not None  # a success not 2xx


def test_error_class_conformance():
    ctx = _ctx(DATA, "UpdateJobExecution")
    assert _run("error_class_conformance", _exchange(UPDATE, 404, code="JobExecutionNotFoundException"), ctx)
    assert _run("error_class_conformance", _exchange(UPDATE, 404, code="ResourceNotFoundException"), ctx) is None
    # the documentation's name for the version mismatch (D1) is accepted
    assert _run("error_class_conformance", _exchange(UPDATE, 409, code="VersionMismatch"), ctx) is None


def test_response_schema_conformance():
    ctx = _ctx(DATA, "UpdateJobExecution")
    enum = _exchange(UPDATE, 200, {"executionState": {"status": "RUNNING", "versionNumber": 2}})
    wrong_type = _exchange(UPDATE, 200, {"executionState": {"status": "IN_PROGRESS", "versionNumber": "2"}})
    good = _exchange(UPDATE, 200, {"executionState": {"status": "IN_PROGRESS", "versionNumber": 2}})
    assert "executionState.status" in _run("response_schema_conformance", enum, ctx).message
    assert "versionNumber" in _run("response_schema_conformance", wrong_type, ctx).message
    assert _run("response_schema_conformance", good, ctx) is None
    unparsable = _exchange(UPDATE, 200, b"{}", parse_error="ValueError: bad")
    assert _run("response_schema_conformance", unparsable, ctx) is not None


def test_negative_data_rejection():
    ctx = _ctx(DATA, "UpdateJobExecution")
    accepted = _exchange(INVALID, 200, {})
    refused = _exchange(INVALID, 400, code="InvalidRequestException")
    assert "statusDetails{}" in _run("negative_data_rejection", accepted, ctx).message
    assert _run("negative_data_rejection", refused, ctx) is None
    inferred = Call(DATA, "UpdateJobExecution", UPDATE.params, mode="invalid",
                    violation=Violation("statusDetails", "max_length", "inferred", "11 pairs"))
    assert _run("negative_data_rejection", _exchange(inferred, 200, {}), ctx) is None  # never asserted


def test_positive_data_acceptance():
    refused = _exchange(UPDATE, 400, code="InvalidRequestException", message="no")
    assert _run("positive_data_acceptance", refused, _ctx(DATA, "UpdateJobExecution", bound=True))
    # unbound ids may name nothing: a refusal is not judged; nor is a refusal that is not validation
    assert _run("positive_data_acceptance", refused, _ctx(DATA, "UpdateJobExecution")) is None
    conflict = _exchange(UPDATE, 409, code="InvalidStateTransitionException")
    assert _run("positive_data_acceptance", conflict, _ctx(DATA, "UpdateJobExecution", bound=True)) is None


# -- exchange checks, on exchanges sent through the emulator ---------------------------------------
def _thing_and_job(target: EmbeddedTarget) -> tuple[str, str]:
    thing = target.send(Call(IOT, "CreateThing", {"thingName": "unit-thing"})).parsed
    target.send(Call(IOT, "CreateJob", {"jobId": "unit-job", "targets": [thing["thingArn"]],
                                        "document": "{}"}))
    return "unit-thing", "unit-job"


@pytest.mark.parametrize(("fault", "check", "params"), [
    ("iotdata-update-crash-on-document", "not_a_server_error", {"includeJobDocument": True}),
    ("iotdata-update-state-enum", "response_schema_conformance", {"includeJobExecutionState": True}),
    ("iotdata-step-timeout-max-refused", "positive_data_acceptance", {"stepTimeoutInMinutes": 10080}),
])
def test_exchange_checks_on_the_emulator(fault, check, params):
    ctx = _ctx(DATA, "UpdateJobExecution", bound=True)
    for plant, expect in (([fault], True), ([], False)):
        target = _target(plant)
        thing, job = _thing_and_job(target)
        ex = target.send(Call(DATA, "UpdateJobExecution",
                              {"thingName": thing, "jobId": job, "status": "IN_PROGRESS", **params}))
        assert (_run(check, ex, ctx) is not None) is expect, (fault, plant, ex.status, ex.error_code)


def test_negative_data_rejection_on_the_emulator():
    ctx = _ctx(DATA, "UpdateJobExecution", bound=True)
    for plant, expect in ((["iotdata-status-details-unbounded"], True), ([], False)):
        target = _target(plant)
        thing, job = _thing_and_job(target)
        call = Call(DATA, "UpdateJobExecution", {"thingName": thing, "jobId": job, "status": "IN_PROGRESS",
                                                 "statusDetails": {"k": "x" * 5000}},
                    mode="invalid", violation=TOO_LONG)
        assert (_run("negative_data_rejection", target.send(call), ctx) is not None) is expect


# -- lifecycle checks --------------------------------------------------------------------------------
def _engine(plant: list[str], service: str, operation: str, checks: tuple[str, ...] = CHECK_NAMES) -> Engine:
    return Engine(_target(plant), RunConfig(services=(service,), operations=(operation,),
                                                         checks=checks, seed=0))


def _lifecycle(plant: list[str], machine: str, steps: list[str], service: str = DATA,
               checks: tuple[str, ...] = CHECK_NAMES) -> Failure | None:
    engine = _engine(plant, service, "UpdateJobExecution" if service == DATA else "UpdateJob", checks)
    sm = next(m for m in engine.services[service].state_machines if m.name == machine)
    try:
        LifecycleRun(engine.ctx, sm).replay(steps)
    except Failure as f:
        return f
    return None


@pytest.mark.parametrize(("fault", "steps", "title"), [
    ("iotdata-terminal-restart", ["start", "succeed", "start"], "illegal start accepted from SUCCEEDED"),
    ("iotdata-version-not-incremented", ["start"], "version not incremented"),
    ("iotdata-expected-version-ignored", ["start", "stale[expectedVersion]"], "expectedVersion ignored"),
])
def test_state_transition_conformance(fault, steps, title):
    found = _lifecycle([fault], "job_execution", steps)
    assert found is not None and found.check == "state_transition_conformance" and title in found.title
    assert _lifecycle([], "job_execution", steps) is None


def test_state_transition_conformance_import_export():
    found = _lifecycle(["ie-update-after-cancel"], "ie_job", ["cancel", "update_manifest"], IE)
    assert found is not None and found.title == "illegal update_manifest accepted from Canceled"
    assert _lifecycle([], "ie_job", ["cancel", "update_manifest"], IE) is None


@pytest.mark.parametrize(("fault", "machine", "steps", "service"), [
    ("iotdata-describe-stale", "job_execution", ["start"], DATA),
    ("ie-get-status-stale", "ie_job", ["cancel"], IE),
])
def test_read_after_write_consistency(fault, machine, steps, service):
    # only this check: a terminal state predicted but never read is also reported as a terminal
    # state that changed (state_transition_conformance), before this check looks
    checks = ("read_after_write_consistency",)
    found = _lifecycle([fault], machine, steps, service, checks)
    assert found is not None and found.check == "read_after_write_consistency"
    assert _lifecycle([], machine, steps, service, checks) is None


def test_use_after_delete_in_a_lifecycle():
    found = _lifecycle(["iotdata-deleted-execution-described"], "job_execution", ["start", "delete"])
    assert found is not None and found.check == "use_after_delete"
    assert (found.service, found.operation) == (DATA, "DescribeJobExecution")
    assert _lifecycle([], "job_execution", ["start", "delete"]) is None


# -- scenario checks ----------------------------------------------------------------------------------
def _scenario(check: str, plant: list[str], service: str, operation: str) -> Failure | None:
    engine = _engine(plant, service, operation)
    try:
        for scenario in SCENARIOS[check]:
            scenario(engine.ctx, engine.op_spec(service, operation))
    except Failure as f:
        return f
    return None


@pytest.mark.parametrize(("check", "fault", "service", "operation"), [
    ("use_after_delete", "iot-deleted-thing-described", IOT, "DescribeThing"),
    ("use_after_delete", "iot-deleted-job-described", IOT, "DescribeJob"),
    ("resource_hierarchy", "amplify-get-job-any-app", AB, "GetBackendJob"),
    ("resource_hierarchy", "iotdata-update-any-thing", DATA, "UpdateJobExecution"),
    ("namespace_isolation", "iot-job-any-account", IOT, "DescribeJob"),
    ("namespace_isolation", "ie-get-status-any-account", IE, "GetStatus"),
    ("namespace_isolation", "iot-list-executions-any-account", IOT, "ListJobExecutionsForThing"),
    ("pagination_conformance", "iot-list-jobs-ignores-limit", IOT, "ListJobs"),
    ("pagination_conformance", "iot-list-executions-overlap", IOT, "ListJobExecutionsForThing"),
    ("pagination_conformance", "ie-list-jobs-never-truncated", IE, "ListJobs"),
    ("idempotency_conformance", "iot-create-thing-repeat-refused", IOT, "CreateThing"),
    ("idempotency_conformance", "iotdata-command-token-ignored", DATA, "StartCommandExecution"),
])
def test_scenario_checks(check, fault, service, operation):
    found = _scenario(check, [fault], service, operation)
    assert found is not None and found.check == check, found
    assert (found.service, found.operation) == (service, operation)
    assert _scenario(check, [], service, operation) is None


# -- a check that crashes --------------------------------------------------------------------------------
def test_a_crashing_exchange_check_is_reported_and_the_others_still_run(monkeypatch):
    def broken(ex: Exchange, ctx: CheckContext) -> None:
        raise KeyError("boom")

    monkeypatch.setitem(CHECKS, "status_code_conformance",
                        Registered("status_code_conformance", "exchange", broken, "broken on purpose"))
    crashes: list[tuple[str, BaseException]] = []
    ex = _exchange(UPDATE, 500, code="InternalFailure")
    failures = run_exchange_checks(ex, _ctx(DATA, "UpdateJobExecution"), frozenset(CHECK_NAMES),
                                   lambda name, exc: crashes.append((name, exc)))
    assert [name for name, _ in crashes] == ["status_code_conformance"]
    assert "not_a_server_error" in {f.check for f in failures}


def test_a_crashing_check_does_not_stop_the_run(monkeypatch):
    def broken(ex: Exchange, ctx: CheckContext) -> None:
        raise RuntimeError("this check is broken")

    monkeypatch.setitem(CHECKS, "error_class_conformance",
                        Registered("error_class_conformance", "exchange", broken, "broken on purpose"))
    engine = Engine(_target(["iotdata-update-crash-on-document"]),
                    RunConfig(services=(DATA,), operations=("UpdateJobExecution",), phases=("boundary",),
                              max_examples=2, seed=0))
    result = engine.run()
    crashed = {(c.check, c.operation) for c in result.crashed_checks}
    assert ("error_class_conformance", f"{DATA}.UpdateJobExecution") in crashed
    assert {check for check, _ in crashed} == {"error_class_conformance"}  # reported once per operation
    assert result.calls > 10  # the run went on past the crash
    assert any(r.failure.check == "not_a_server_error" for r in result.failures)


def test_a_crashing_scenario_check_is_reported(monkeypatch):
    from harness import scenarios

    def broken(ctx: RunContext, op) -> None:
        ctx.send(Call(IOT, "DescribeThing", {"thingName": "nothing-here"}))
        raise ZeroDivisionError("scenario broken on purpose")

    monkeypatch.setitem(scenarios.SCENARIOS, "idempotency_conformance", (broken,))
    engine = _engine([], IOT, "CreateThing", checks=("idempotency_conformance",))
    assert scenarios.run_one_scenario(engine.ctx, "idempotency_conformance", engine.op_spec(IOT, "CreateThing")) is None
    assert [c.check for c in engine.result.crashed_checks] == ["idempotency_conformance"]
