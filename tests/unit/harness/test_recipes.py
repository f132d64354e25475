"""read_after_write_consistency on the recipe steps that make an operation's resources.

The break it stands for was found by mutation testing (bench/bench_mutation.py): an emulator whose
job lookup never finds a job passed the whole contract suite, because the job recipe's read after
CreateJob answered not found, the job could not be made, and every call that needs a job was
skipped. Here the same break is planted around the correct emulator (a local fault, not in the
catalogue): IoT DescribeJobExecution answers ResourceNotFoundException for every execution. The
scenario of the same check covers the operations under test themselves: an AmplifyBackend whose
GetBackendJob never finds a job passed namespace_isolation, resource_hierarchy and use_after_delete,
which all accept a refusal.
"""

from __future__ import annotations

import json

import botocore.session
import pytest

from emulator.core import ServiceError
from emulator.planted import Breaker, Fault
from harness.cases import load_case, save_case
from harness.checks.recipes import made_not_found
from harness.engine import RunConfig
from harness.model import Exchange, Failure, RawRequest, RawResponse
from harness.replay import replay_case
from harness.session import execute
from harness.targets import EmbeddedTarget
from specs.loader import load_service
from strategies.calls import Call

_SESSION = botocore.session.get_session()
IOT = load_service("iot")
DESCRIBE = IOT.operation("DescribeJobExecution")
STEP = next(s for s in IOT.resources["job"].create if s.operation == "DescribeJobExecution")


class _NeverFound(Breaker):
    def call(self, req, proceed):
        if f"{req.service}.{req.operation}" == "iot.DescribeJobExecution":
            raise ServiceError("ResourceNotFoundException",
                               f"DescribeJobExecution.jobId: no execution of {req.params.get('jobId')!r}", status=404)
        return proceed()


NEVER_FOUND = Fault("iot-execution-never-found", "read_after_write_consistency", "iot", "DescribeJobExecution",
                    "DescribeJobExecution never finds the execution CreateJob made for its target thing",
                    _NeverFound, phases=("boundary",), plan=("iot.DescribeJob",))


def _target(plant=()) -> EmbeddedTarget:
    target = EmbeddedTarget(plant=plant)
    if hasattr(target, "_session"):
        target._session = _SESSION
    return target


def _exchange(call: Call, status: int, code: str | None = None) -> Exchange:
    return Exchange(call=call, request=RawRequest("GET", "https://embedded.jobfuzz/", {}, b""),
                    response=RawResponse(status, {"Content-Type": "application/json"}, json.dumps({}).encode()),
                    parsed={}, error_code=code, error_message="no such execution" if code else None)


def test_a_step_naming_what_the_run_made_answered_not_found_fails():
    template = Call("iot", "DescribeJobExecution", dict(STEP.params))
    f = made_not_found(_exchange(template, 404, "ResourceNotFoundException"), template, DESCRIBE, IOT.resources)
    assert f is not None and f.check == "read_after_write_consistency"
    assert f.operation == "DescribeJobExecution" and f.error_code == "ResourceNotFoundException"
    assert "{jobId}" in f.message and "{thingName}" in f.message and "job resource" in f.message


def test_other_answers_and_other_calls_are_left_to_the_other_checks():
    template = Call("iot", "DescribeJobExecution", dict(STEP.params))
    assert made_not_found(_exchange(template, 200), template, DESCRIBE, IOT.resources) is None
    # a validation error is positive_data_acceptance's, a 5xx not_a_server_error's
    assert made_not_found(_exchange(template, 400, "InvalidRequestException"), template, DESCRIBE,
                          IOT.resources) is None
    # a call that names nothing the run made (a fresh {uid}), or that is no recipe's create step
    # (a cleanup's delete of what a scenario already deleted), is not judged here
    fresh = Call("iot", "DescribeJobExecution", {"thingName": "{uid}", "jobId": "{uid}"})
    assert made_not_found(_exchange(fresh, 404, "ResourceNotFoundException"), fresh, DESCRIBE, IOT.resources) is None
    delete = next(s for s in IOT.resources["job"].delete)
    cleanup = Call("iot", delete.operation, dict(delete.params))
    assert made_not_found(_exchange(cleanup, 404, "ResourceNotFoundException"), cleanup,
                          IOT.operation(delete.operation), IOT.resources) is None


def test_the_run_reports_it_and_the_case_replays(tmp_path):
    config = RunConfig(services=("iot",), operations=("iot.DescribeJob",), phases=("boundary",),
                       max_examples=3, seed=1)
    broken = execute(_target([NEVER_FOUND]), config)
    found = [r for r in broken.real_failures if r.failure.check == "read_after_write_consistency"]
    assert [(r.failure.service, r.failure.operation) for r in found] == [("iot", "DescribeJobExecution")], \
        [r.failure.title for r in broken.failures]
    case = load_case(save_case(found[0], directory=tmp_path, endpoint_kind="embedded", harness_version="test"))
    assert replay_case(case, _target([NEVER_FOUND])).still_fails
    assert not replay_case(case, _target()).still_fails

    correct = execute(_target(), config)
    assert not correct.real_failures and correct.coverage["iot.DescribeJob"].calls > 0


# -- the scenario: right after the run made what an operation names, the owner's call finds it --------
class _JobNeverFound(Breaker):
    def call(self, req, proceed):
        if f"{req.service}.{req.operation}" == "amplifybackend.GetBackendJob":
            raise ServiceError("NotFoundException", f"JobId: no job {req.params.get('JobId')!r}", status=404)
        return proceed()


JOB_NEVER_FOUND = Fault("amplify-job-never-found", "read_after_write_consistency", "amplifybackend",
                        "GetBackendJob", "GetBackendJob never finds the job CreateBackend answered",
                        _JobNeverFound, phases=("scenarios",))


def test_the_scenario_finds_an_operation_that_never_finds_what_was_made():
    from harness.engine import Engine
    from harness.scenarios import run_one_scenario

    op = load_service("amplifybackend").operation("GetBackendJob")
    config = RunConfig(services=("amplifybackend",), operations=("GetBackendJob",), phases=("scenarios",), seed=1)
    f = run_one_scenario(Engine(_target([JOB_NEVER_FOUND]), config).ctx, "read_after_write_consistency", op)
    assert f is not None and f.check == "read_after_write_consistency" and f.operation == "GetBackendJob"
    assert "NotFoundException" in f.message and "JobId=" in f.message
    # before this scenario, a run of the other scenarios on the same break found nothing
    others = RunConfig(services=("amplifybackend",), operations=("GetBackendJob",), phases=("scenarios",),
                       checks=("namespace_isolation", "resource_hierarchy", "use_after_delete"), seed=1)
    assert not execute(_target([JOB_NEVER_FOUND]), others).real_failures
    assert run_one_scenario(Engine(_target(), config).ctx, "read_after_write_consistency", op) is None


def test_an_operation_naming_what_the_run_does_not_make_is_not_judged():
    from harness.checks.scenarios import made_is_found
    from harness.engine import Engine

    config = RunConfig(services=("iot",), operations=("CreateJob",), phases=("scenarios",), seed=1)
    engine = Engine(_target(), config)
    made_is_found(engine.ctx, IOT.operation("CreateJob"))  # no failure
    assert engine.result.calls == 0  # CreateJob's jobId (a URI member) is new: nothing sent


# -- no answer at all: the endpoint raised (not_a_server_error) ----------------------------------------
def test_a_call_the_endpoint_raises_on_is_a_server_error():
    """An emulator that raises instead of answering (a crash its own 500 handler does not catch)
    reaches the client as an exception with no response: found by mutation testing, every check
    passed it."""
    from emulator.app import Emulator
    from harness.checks import CHECKS, CheckContext

    class Raising(Emulator):
        def handle(self, method, path_and_query, headers, body=b""):
            if path_and_query.startswith("/things/"):
                raise TypeError("_rest_request() missing 1 required positional argument: 'rid'")
            return super().handle(method, path_and_query, headers, body)

    target = EmbeddedTarget(emulator=Raising())
    target._session = _SESSION
    ex = target.send(Call("iot", "DescribeThing", {"thingName": "t1"}))
    assert ex.response is None and ex.transport_error is None and "TypeError" in ex.parse_error
    ctx = CheckContext(service=IOT, op=IOT.operation("DescribeThing"))
    with pytest.raises(Failure, match="no answer: the endpoint raised") as caught:
        CHECKS["not_a_server_error"].fn(ex, ctx)
    assert "got no HTTP answer: TypeError" in caught.value.message
    answered = target.send(Call("iot", "ListJobs", {}))
    assert answered.ok
    CHECKS["not_a_server_error"].fn(answered, CheckContext(service=IOT, op=IOT.operation("ListJobs")))
