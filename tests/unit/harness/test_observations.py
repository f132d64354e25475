"""What was observed, by shape; the warnings of observed_conformance; what a finding rests on."""

from __future__ import annotations

import json
import pickle

import pytest

from harness.checks.observed import OBSERVED, observed_conformance
from harness.model import CHECK_BASIS, CheckContext, Exchange, Failure, RawRequest, RawResponse
from harness.observations import MIN_ALWAYS, Answer, ObservationsError, Observed, gather, read_recording
from harness.results import FailureRecord, RunResult
from harness.session import exit_status
from specs.loader import load_service
from strategies.calls import Call

DATA = load_service("iot-jobs-data")
DESCRIBE = DATA.operation("DescribeJobExecution")


def _execution(**extra: object) -> dict:
    return {"execution": {"jobId": "j", "thingName": "t", "status": "QUEUED", "queuedAt": 1, "versionNumber": 1,
                          **extra}}


def _observed(*bodies: dict, form: str = "wire") -> Observed:
    observed = Observed()
    for body in bodies:
        observed.add(DATA, DESCRIBE, Answer(DATA.name, DESCRIBE.name, body, form, "recording r.json"))
    return observed


def _judge(observed: Observed, body: dict) -> Failure | None:
    call = Call("iot-jobs-data", "DescribeJobExecution", {"jobId": "j", "thingName": "t"})
    ex = Exchange(call=call, request=RawRequest("GET", "https://embedded.jobfuzz/", {}, b""),
                  response=RawResponse(200, {}, json.dumps(body).encode()), parsed=body)
    try:
        observed_conformance(ex, CheckContext(service=DATA, op=DESCRIBE, extra={OBSERVED: observed}))
    except Failure as f:
        return f
    return None


def test_a_member_in_every_observed_instance_is_always_returned_once_seen_often_enough():
    few = _observed(*[_execution(startedAt=2)] * (MIN_ALWAYS - 1))
    assert few.seen("iot-jobs-data", "JobExecution").always() == set()
    enough = _observed(*[_execution(startedAt=2)] * MIN_ALWAYS,
                       _execution(startedAt=3, approximateSecondsBeforeTimedOut=5))
    always = enough.seen("iot-jobs-data", "JobExecution").always()
    assert {"jobId", "status", "startedAt"} <= always and "approximateSecondsBeforeTimedOut" not in always


def test_a_missing_member_always_observed_is_a_warning_resting_on_the_observation():
    observed = _observed(*[_execution(startedAt=2)] * MIN_ALWAYS)
    assert _judge(observed, _execution(startedAt=9)) is None
    f = _judge(observed, _execution())
    assert f is not None and f.warning and f.basis == "observation"
    assert f.title == "execution.startedAt: a member always observed is missing"
    assert "recording r.json" in f.reference and f"{MIN_ALWAYS} observed answers" in f.message


def test_a_null_and_an_unmodelled_member_are_warnings_against_wire_answers_only():
    wire = _observed(_execution())
    null = _judge(wire, _execution(startedAt=None))
    assert null is not None and null.title == "execution.startedAt: null for an absent member"
    extra = _judge(wire, _execution(queuePosition=3))
    assert extra is not None and extra.title == "execution.queuePosition: a member the model lacks"
    # what the CLI prints is botocore's parse: it has dropped nulls and unmodelled members already
    cli = _observed(_execution(), form="cli")
    assert _judge(cli, _execution(startedAt=None)) is None and _judge(cli, _execution(queuePosition=3)) is None
    # a member or null the recorded service itself sent is no departure
    seen = _observed(_execution(queuePosition=1, startedAt=None))
    assert _judge(seen, _execution(queuePosition=3, startedAt=None)) is None


def test_nothing_observed_of_a_shape_gives_no_warning():
    assert _judge(Observed(), _execution(startedAt=None, queuePosition=3)) is None


def test_the_overlays_observations_alone_claim_no_member_always_returned():
    # one or two examples a page: fewer than MIN_ALWAYS instances of any shape
    observed = gather({s: load_service(s) for s in ("iot", "iot-jobs-data")})
    assert observed.answers >= 10
    assert all(not seen.always() for seen in observed.shapes.values())
    job = observed.seen("iot", "Job")
    assert job is not None and job.instances == 1 and job.wire == 0 and job.present["jobProcessDetails"] == 1


def _recording(tmp_path, doc: object) -> object:
    path = tmp_path / "r.json"
    path.write_text(json.dumps(doc) if not isinstance(doc, str) else doc)
    return path


@pytest.mark.parametrize(("doc", "where"), [
    ("{", "the file: not JSON"),
    ({"format": "other"}, "format: expected 'jobfuzz-observations/1'"),
    ({"format": "jobfuzz-observations/1", "answers": [{"service": "nope", "operation": "X", "body": {}}]},
     "answers/0/service: botocore has no service 'nope'"),
    ({"format": "jobfuzz-observations/1", "answers": [{"service": "iot", "operation": "Nope", "body": {}}]},
     "answers/0/operation: iot has no operation 'Nope'"),
    ({"format": "jobfuzz-observations/1", "answers": [{"service": "iot", "operation": "DescribeJob", "body": []}]},
     "answers/0/body: expected the JSON object"),
    ({"format": "jobfuzz-observations/1",
      "answers": [{"service": "importexport", "operation": "GetStatus", "body": "<x/>"}]},
     "answers/0/body: the root element is <x>"),
])
def test_a_bad_recording_is_refused_with_one_line_naming_the_place(tmp_path, doc, where):
    path = _recording(tmp_path, doc)
    with pytest.raises(ObservationsError) as info:
        read_recording(path)
    assert str(info.value).startswith(f"--observations {path}: {where}") and "\n" not in str(info.value)


def test_every_finding_says_what_it_rests_on():
    assert set(CHECK_BASIS.values()) == {"model", "doc", "observation"}
    f = Failure("response_schema_conformance", "iot", "DescribeJob", "t", "m")
    assert (f.basis, f.warning) == ("model", False)
    assert Failure("state_transition_conformance", "iot", "DescribeJob", "t", "m").basis == "doc"
    w = Failure("observed_conformance", "iot", "DescribeJob", "t", "m", reference="recording r.json")
    assert w.warning and pickle.loads(pickle.dumps(w)).reference == "recording r.json"
    with pytest.raises(ValueError, match="unknown basis"):
        Failure("not_a_server_error", "iot", "DescribeJob", "t", "m", basis="hunch")


def test_warnings_fail_the_run_only_under_strict():
    warning = FailureRecord(Failure("observed_conformance", "iot", "DescribeJob", "t", "m"), [], seed=1)
    result = RunResult(seed=1, endpoint="embedded", failures=[warning], judged={"iot.DescribeJob"})
    assert result.warnings == [warning] and not result.real_failures
    assert exit_status(result) == (0, None)
    result.strict = True
    assert result.real_failures == [warning] and not result.warnings
    assert exit_status(result)[0] == 1
