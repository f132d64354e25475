"""Documented call sequences (overlay ``sequences``, harness/sequences.py).

Mutation testing found emulators that passed the contract suite while a write was never read back
(UpdateJob's description dropped), a list missed what was made (GetPendingJobExecutions without its
QUEUED executions) or ``$next`` ignored the documented order. Each is planted here around the
correct emulator (local faults, not in the catalogue) and must be found by its sequence, under
read_after_write_consistency; the correct emulator must pass every sequence.
"""

from __future__ import annotations

import dataclasses

import botocore.session
import pytest

from emulator.planted import Breaker, Fault
from harness.cases import CaseFileError, load_case, save_case
from harness.engine import RunConfig
from harness.model import Exchange, RawResponse
from harness.replay import replay_case
from harness.sequences import broken
from harness.session import execute
from harness.targets import EmbeddedTarget
from specs.loader import load_service
from specs.types import Expect
from strategies.calls import Call

_SESSION = botocore.session.get_session()
RAWC = "read_after_write_consistency"


_CALL = Call("iot", "DescribeJob", {"jobId": "j1"})


def _ok(parsed):
    return Exchange(_CALL, None, RawResponse(200, {}, b"{}"), parsed=parsed)


def _refused(code):
    return Exchange(_CALL, None, RawResponse(404, {}, b"{}"), parsed={}, error_code=code)


def test_broken_reads_each_kind_of_expectation() -> None:
    values = {"jobId": "j1", "uid": "u"}
    answer = _ok({"job": {"description": "d-u", "jobId": "j1"}, "items": [{"id": "j1"}, {"id": "j2"}]})
    assert broken(Expect(equals=(("job.description", "d-{uid}"),)), answer, values) is None
    assert "expected job.description to be 'x'" in broken(Expect(equals=(("job.description", "x"),)), answer, values)
    assert broken(Expect(equals=(("job.missing", None),)), answer, values) is None  # null: absent
    assert broken(Expect(includes=(("items[].id", "{jobId}"),)), answer, values) is None
    assert "to include 'j3'" in broken(Expect(includes=(("items[].id", "j3"),)), answer, values)
    assert "to include" in broken(Expect(includes=(("job.jobId", "j1"),)), answer, values)  # not a list
    assert broken(Expect(present=("job.jobId",)), answer, values) is None
    assert "job.status in the answer" in broken(Expect(present=("job.status",)), answer, values)
    assert "expected a success" in broken(Expect(present=("job.jobId",)), _refused("X"), values)
    assert broken(Expect(ok=True), answer, values) is None
    assert "expected a success, got HTTP 404 X" in broken(Expect(ok=True), _refused("X"), values)
    refusal = Expect(error=("ResourceNotFoundException",))
    assert broken(refusal, _refused("ResourceNotFoundException"), values) is None
    assert "got HTTP 404 Other" in broken(refusal, _refused("Other"), values)
    assert "got HTTP 200" in broken(refusal, answer, values)


def _drops(service, operation, member):
    """A fault: ``operation`` handled as if ``member`` had not been sent."""
    class _Dropped(Breaker):
        def call(self, req, proceed):
            if (req.service, req.operation) == (service, operation):
                return proceed(params={k: v for k, v in req.params.items() if k != member})
            return proceed()
    return _Dropped


class _QueuedNotListed(Breaker):
    def call(self, req, proceed):
        out = proceed()
        if (req.service, req.operation) == ("iot-jobs-data", "GetPendingJobExecutions"):
            return {**out, "queuedJobs": []}
        return out


def _fault(name, operation, service, make):
    return Fault(name, RAWC, service, operation, f"{operation}: {name}", make, phases=("scenarios",))


def _run(service, operation, plant=()):
    target = EmbeddedTarget(plant=plant)
    target._session = _SESSION
    config = RunConfig(services=(service,), operations=(operation,), phases=("scenarios",), checks=(RAWC,),
                       max_examples=2, seed=1)
    try:
        return execute(target, config)
    finally:
        target.close()


@pytest.mark.parametrize(("service", "operation", "make", "sequence"), [
    ("iot", "iot.UpdateJob", _drops("iot", "UpdateJob", "description"), "update_job_description_read_back"),
    ("iot-jobs-data", "iot-jobs-data.GetPendingJobExecutions", _QueuedNotListed,
     "pending_lists_queued_and_in_progress"),
    # a documented write refused: the step's `expect: {ok: true}` keeps it from ending without a verdict
    ("iot", "iot.CancelJobExecution", _drops("iot", "CancelJobExecution", "force"), "force_cancel_execution_read_back"),
    # a documented refusal not given: the same clientToken with other parameters is accepted
    ("iot-jobs-data", "iot-jobs-data.StartCommandExecution",
     _drops("iot-jobs-data", "StartCommandExecution", "clientToken"),
     "client_token_reused_with_other_parameters"),
])
def test_a_write_the_endpoint_does_not_show_is_found(service, operation, make, sequence, tmp_path) -> None:
    fault = _fault(sequence, operation.split(".")[1], service, make)
    result = _run(service, operation, plant=(fault,))
    # the sequence's failure (a read-back scenario may find the same break: the same check)
    records = [r for r in result.real_failures if f"sequence {sequence}" in r.failure.message]
    assert {r.failure.check for r in result.real_failures} == {RAWC} and len(records) == 1, result.real_failures
    # the case file replays the sequence: it fails on the broken endpoint, passes on the correct one
    saved = save_case(records[0], directory=tmp_path, endpoint_kind="embedded", harness_version="test")
    case = load_case(saved)
    assert case.scenario["kind"] == "sequence" and case.scenario["sequence"] == sequence
    broken_target = EmbeddedTarget(plant=(fault,))
    assert replay_case(case, broken_target).still_fails
    assert not replay_case(case, EmbeddedTarget()).still_fails
    # a case whose sequence the overlays no longer have is refused, naming it
    gone = dataclasses.replace(case, scenario={**case.scenario, "sequence": "gone"})
    with pytest.raises(CaseFileError, match="scenario/sequence: 'gone' of"):
        replay_case(gone, EmbeddedTarget())


def test_every_sequence_passes_on_the_correct_emulator() -> None:
    for service in ("iot", "iot-jobs-data", "amplifybackend", "importexport"):
        ops = sorted({f"{service}.{q.operation}" for q in load_service(service).sequences})
        for op in ops:
            result = _run(service, op)
            assert not result.real_failures, [r.failure for r in result.real_failures]
            assert result.op(op).checks.get(RAWC, [0, 0])[0] >= 1, op  # the sequence ran and passed
