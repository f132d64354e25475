"""jobfuzz diff: comparing two answers (ids paired, times normalised) and the lockstep target."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from harness.diff import DiffResult, LockstepTarget, run_diff, side_target
from harness.diff_compare import IdMap, compare
from harness.engine import RunConfig
from harness.model import Exchange, RawResponse
from specs.loader import botocore_model
from strategies.calls import Call


def _ex(operation: str, parsed: Any = None, *, status: int = 200, code: str | None = None,
        service: str = "iot", params: dict[str, Any] | None = None, answered: bool = True) -> Exchange:
    call = Call(service, operation, params or {})
    response = RawResponse(status, {}, json.dumps(parsed or {}, default=str).encode()) if answered else None
    return Exchange(call=call, request=None, response=response, parsed=parsed, error_code=code,
                    transport_error=None if answered else "EndpointConnectionError: refused")


def _shape(service: str, operation: str) -> Any:
    return botocore_model(service).operation_model(operation).output_shape


def _kinds(found: list[Any]) -> list[tuple[str, str]]:
    return [(d.kind, d.path) for d in found]


def test_ids_each_endpoint_made_are_paired_and_later_calls_to_b_carry_b_s_own() -> None:
    ids = IdMap()
    for side in "ab":
        ids.note_sent(side, {"jobId": "job-1", "targets": ["arn:aws:iot:us-east-1:1:thing/t1"]})
    a = _ex("CreateJob", {"jobId": "job-1", "jobArn": "arn:aws:iot:us-east-1:1:job/job-1", "description": "d"})
    b = _ex("CreateJob", {"jobId": "job-1", "jobArn": "arn:aws:iot:us-east-1:2:job/job-1", "description": "d"})
    assert compare(a, b, ids, _shape("iot", "CreateJob")) == []
    assert ids.a_to_b == {"arn:aws:iot:us-east-1:1:job/job-1": "arn:aws:iot:us-east-1:2:job/job-1"}
    assert ids.to_b({"jobArn": "arn:aws:iot:us-east-1:1:job/job-1", "n": 1}) == {
        "jobArn": "arn:aws:iot:us-east-1:2:job/job-1", "n": 1}

    ids.note_sent("a", {"Manifest": "m"})
    a = _ex("CreateJob", {"JobId": "AB12C", "Signature": "sig-AB12C-xyz"}, service="importexport")
    b = _ex("CreateJob", {"JobId": "ZZ98Y", "Signature": "sig-ZZ98Y-xyz"}, service="importexport")
    assert compare(a, b, ids, _shape("importexport", "CreateJob")) == []
    # a text that holds the id (a log key, a URL) is the same text with each side's id in it
    a = _ex("GetStatus", {"JobId": "AB12C", "LogKey": "import-log-AB12C"}, service="importexport")
    b = _ex("GetStatus", {"JobId": "ZZ98Y", "LogKey": "import-log-ZZ98Y"}, service="importexport")
    assert compare(a, b, ids, _shape("importexport", "GetStatus")) == []
    assert ids.to_b({"JobId": "AB12C", "Manifest": "key: import-log-AB12C"}) == {
        "JobId": "ZZ98Y", "Manifest": "key: import-log-ZZ98Y"}


def test_an_id_b_gives_for_another_resource_is_reported() -> None:
    ids = IdMap()
    ids.pair("job-aaaa-1", "job-bbbb-1")
    ids.pair("job-aaaa-2", "job-bbbb-2")
    a = _ex("DescribeJob", {"job": {"jobId": "job-aaaa-1"}})
    b = _ex("DescribeJob", {"job": {"jobId": "job-bbbb-2"}})
    assert _kinds(compare(a, b, ids, _shape("iot", "DescribeJob"))) == [("id", "job.jobId")]


def test_a_value_the_client_chose_must_come_back_the_same() -> None:
    ids = IdMap()
    for side in "ab":
        ids.note_sent(side, {"thingName": "my-thing-1"})
    a = _ex("CreateThing", {"thingName": "my-thing-1", "thingId": "u-1"})
    b = _ex("CreateThing", {"thingName": "my-thing-1x", "thingId": "u-2"})
    assert _kinds(compare(a, b, ids, _shape("iot", "CreateThing"))) == [("value", "thingName")]


def test_enum_type_key_and_list_differences_are_named_by_path() -> None:
    ids = IdMap()
    a = _ex("DescribeJob", {"job": {"status": "IN_PROGRESS", "forceCanceled": False, "targets": ["x1", "x2"],
                                    "comment": "c"}})
    b = _ex("DescribeJob", {"job": {"status": "RUNNING", "forceCanceled": "false", "targets": ["x1"],
                                    "reasonCode": "r"}})
    found = _kinds(compare(a, b, ids, _shape("iot", "DescribeJob")))
    assert found == [("enum", "job.status"), ("type", "job.forceCanceled"), ("length", "job.targets"),
                     ("missing_key", "job.comment"), ("extra_key", "job.reasonCode")]


def test_times_are_equal_whatever_they_say_but_not_whatever_their_type() -> None:
    ids = IdMap()
    t1, t2 = dt.datetime(2024, 1, 1, tzinfo=dt.UTC), dt.datetime(2025, 6, 1, tzinfo=dt.UTC)
    a = _ex("DescribeJob", {"job": {"createdAt": t1, "lastUpdatedAt": t1}})
    b = _ex("DescribeJob", {"job": {"createdAt": t2, "lastUpdatedAt": t2}})
    assert compare(a, b, ids, _shape("iot", "DescribeJob")) == []
    shape = _shape("amplifybackend", "GetBackendJob")
    a = _ex("GetBackendJob", {"CreateTime": "1700000000000", "UpdateTime": "2024-01-01T00:00:00Z"},
            service="amplifybackend")
    b = _ex("GetBackendJob", {"CreateTime": "1700000009999", "UpdateTime": "2024-03-01T10:00:00.5Z"},
            service="amplifybackend")
    assert compare(a, b, ids, shape) == []
    b = _ex("GetBackendJob", {"CreateTime": 1700000000000, "UpdateTime": "2024-01-01T00:00:00Z"},
            service="amplifybackend")
    assert _kinds(compare(a, b, ids, shape)) == [("type", "CreateTime")]


def test_status_line_differences_and_an_endpoint_that_does_not_answer() -> None:
    ids = IdMap()
    a = _ex("DescribeThing", {"Error": {}}, status=404, code="ResourceNotFoundException")
    b = _ex("DescribeThing", {"Error": {}}, status=400, code="InvalidRequestException")
    found = compare(a, b, ids)
    assert [(d.kind, d.cause) for d in found] == [
        ("status", "404 ResourceNotFoundException/400 InvalidRequestException")]
    assert "A: HTTP 404 ResourceNotFoundException; B: HTTP 400 InvalidRequestException" in found[0].detail
    b = _ex("DescribeThing", {"Error": {}}, status=404, code="NotFound")
    assert [(d.kind, d.cause) for d in compare(a, b, ids)] == [("error_code", "ResourceNotFoundException/NotFound")]
    # two errors alike: the bodies (messages) are not compared
    b = _ex("DescribeThing", {"Error": {"Message": "other words"}}, status=404, code="ResourceNotFoundException")
    assert compare(a, b, ids) == []
    down = _ex("DescribeThing", answered=False)
    assert [(d.kind, d.cause) for d in compare(a, down, ids)] == [("answer", "B")]


def test_lockstep_sends_b_its_own_ids_and_returns_a_s_answer() -> None:
    a, b = side_target("embedded", region="us-east-1"), side_target("embedded", region="us-east-1")
    result = DiffResult("A", "B")
    lockstep = LockstepTarget(a, b, result)
    manifest = ("manifestVersion: 2.0\naccessKeyId: jobfuzz-primary-key-id\ndeviceId: 532404500021\n"
                "bucket: jobfuzz-import\neraseDevice: yes\nreturnAddress:\n  name: Jane Doe\n"
                "  street1: 1 Main Street\n  city: Seattle\n  stateOrProvince: WA\n  postalCode: \"98101\"\n"
                "  country: USA\n  phoneNumber: 206-555-1000\n")
    created = lockstep.send(Call("importexport", "CreateJob", {"JobType": "Import", "Manifest": manifest,
                                                               "ValidateOnly": False}))
    assert created.ok, created.error_message
    job_a = created.parsed["JobId"]
    job_b = lockstep.ids.a_to_b[job_a]
    assert job_b != job_a
    status = lockstep.send(Call("importexport", "GetStatus", {"JobId": job_a}))
    assert status.ok and status.parsed["JobId"] == job_a
    assert lockstep.for_b(Call("importexport", "GetStatus", {"JobId": job_a})).params == {"JobId": job_b}
    assert result.calls == 2 and result.differences == {}


def test_run_diff_finds_a_planted_fault_on_its_operation_and_nothing_on_two_correct_emulators() -> None:
    config = RunConfig(services=("iot",), operations=("iot.DescribeJob",), max_examples=2, seed=1,
                       phases=("boundary", "fuzz"))
    same = run_diff(side_target("embedded", region="us-east-1"), side_target("embedded", region="us-east-1"),
                    config)
    assert same.calls > 0 and same.ids_paired > 0
    assert same.differences == {}
    broken = run_diff(side_target("embedded", region="us-east-1"),
                      side_target("embedded:iot-describe-job-status-enum", region="us-east-1"), config)
    found = {(r.difference.qualified, r.difference.kind, r.difference.path) for r in broken.differences.values()}
    assert found == {("iot.DescribeJob", "enum", "job.status")}
    rec = next(iter(broken.differences.values()))
    assert rec.answer_b.parsed["job"]["status"] == "RUNNING" and rec.occurrences >= 1


def test_a_side_is_a_url_embedded_or_a_planted_embedded_emulator() -> None:
    with pytest.raises(ValueError, match="expected http://HOST:PORT"):
        side_target("ftp://x", region="us-east-1")
    with pytest.raises(ValueError, match="unknown fault"):
        side_target("embedded:no-such-fault", region="us-east-1")
    assert side_target("embedded:amplify-get-job-time-type", region="us-east-1").kind == "embedded"


def test_numbers_an_endpoint_counts_on_its_own_are_paired_by_member_a_version_is_compared() -> None:
    ids = IdMap()
    shape = _shape("iot", "DescribeJobExecution")
    a = _ex("DescribeJobExecution", {"execution": {"executionNumber": 64, "versionNumber": 1}})
    b = _ex("DescribeJobExecution", {"execution": {"executionNumber": 63, "versionNumber": 1}})
    assert compare(a, b, ids, shape) == []
    # A's number goes to B as B's, and only in that member
    assert ids.to_b({"executionNumber": 64, "stepTimeoutInMinutes": 64}) == {
        "executionNumber": 63, "stepTimeoutInMinutes": 64}
    ids.note_sent("a", {"executionNumber": 64})
    ids.note_sent("b", {"executionNumber": 63})
    # B's next execution is numbered 64: its own number for A's 65, though A's 64 exists
    a = _ex("DescribeJobExecution", {"execution": {"executionNumber": 65, "versionNumber": 2}})
    b = _ex("DescribeJobExecution", {"execution": {"executionNumber": 64, "versionNumber": 3}})
    assert _kinds(compare(a, b, ids, shape)) == [("value", "execution.versionNumber")]
    assert ids.numbers_a_to_b == {("executionNumber", 64): 63, ("executionNumber", 65): 64}
    # B answers its number of A's 64 where A answers 65: B shows another execution
    a = _ex("DescribeJobExecution", {"execution": {"executionNumber": 65, "versionNumber": 2}})
    b = _ex("DescribeJobExecution", {"execution": {"executionNumber": 63, "versionNumber": 2}})
    assert _kinds(compare(a, b, ids, shape)) == [("id", "execution.executionNumber")]
