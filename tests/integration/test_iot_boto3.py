"""IoT Jobs end to end: real boto3 clients for ``iot`` and ``iot-jobs-data`` answered by the embedded
emulator (no sockets). Covers the acceptance operation update_job_execution and the main flows."""

from __future__ import annotations

from datetime import datetime

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from emulator.core import Clock

inprocess = pytest.importorskip("emulator.inprocess")
app_module = pytest.importorskip("emulator.app")

PRIMARY = "jobfuzz-primary-key-id"
SECOND = "jobfuzz-second-key-id"
START = 1_732_300_000.0
NO_RETRY = Config(retries={"total_max_attempts": 1})


@pytest.fixture
def clock() -> Clock:
    return Clock(start=START)


@pytest.fixture
def emulator(clock):
    return app_module.Emulator(clock=clock)


@pytest.fixture
def iot(emulator):
    return inprocess.embedded_client("iot", emulator, access_key=PRIMARY, config=NO_RETRY)


@pytest.fixture
def data(emulator):
    return inprocess.embedded_client("iot-jobs-data", emulator, access_key=PRIMARY, config=NO_RETRY)


def _error(info: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    err = info.value.response
    return err["Error"]["Code"], err["ResponseMetadata"]["HTTPStatusCode"]


def _job(iot, job_id: str, *things: str, **extra) -> list[str]:
    arns = [iot.create_thing(thingName=t)["thingArn"] for t in things]
    iot.create_job(jobId=job_id, targets=arns, document='{"op":"install"}', **extra)
    return arns


def test_device_lifecycle_through_the_data_plane(iot, data) -> None:
    _job(iot, "j1", "t1")
    queued = data.describe_job_execution(thingName="t1", jobId="j1")["execution"]
    assert queued["status"] == "QUEUED" and queued["versionNumber"] == 1
    assert queued["queuedAt"] == int(START) and queued["jobDocument"] == '{"op":"install"}'

    started = data.start_next_pending_job_execution(thingName="t1", statusDetails={"step": "1"})
    assert started["execution"]["status"] == "IN_PROGRESS"
    assert started["execution"]["versionNumber"] == 2

    out = data.update_job_execution(thingName="t1", jobId="j1", status="SUCCEEDED",
                                    expectedVersion=2, includeJobExecutionState=True)
    assert out["executionState"] == {"status": "SUCCEEDED", "statusDetails": {"step": "1"},
                                     "versionNumber": 3}
    assert iot.describe_job(jobId="j1")["job"]["status"] == "COMPLETED"
    assert data.start_next_pending_job_execution(thingName="t1").keys() == {"ResponseMetadata"}


def test_update_job_execution_errors(iot, data) -> None:
    _job(iot, "j1", "t1")
    data.update_job_execution(thingName="t1", jobId="j1", status="IN_PROGRESS")
    with pytest.raises(ClientError) as info:
        data.update_job_execution(thingName="t1", jobId="j1", status="IN_PROGRESS", expectedVersion=1)
    assert _error(info) == ("InvalidStateTransitionException", 409)
    with pytest.raises(ClientError) as info:  # the model validator lets 99999 through; the doc does not
        data.update_job_execution(thingName="t1", jobId="j1", status="IN_PROGRESS",
                                  stepTimeoutInMinutes=99999)
    assert _error(info) == ("InvalidRequestException", 400)
    with pytest.raises(ClientError) as info:
        data.update_job_execution(thingName="t1", jobId="j1", status="CANCELED")
    assert _error(info) == ("InvalidRequestException", 400)
    data.update_job_execution(thingName="t1", jobId="j1", status="FAILED")
    with pytest.raises(ClientError) as info:
        data.update_job_execution(thingName="t1", jobId="j1", status="IN_PROGRESS")
    assert _error(info) == ("InvalidStateTransitionException", 409)
    with pytest.raises(ClientError) as info:
        data.update_job_execution(thingName="ghost", jobId="j1", status="IN_PROGRESS")
    assert _error(info) == ("ResourceNotFoundException", 404)


def test_next_execution_and_pending_lists(iot, data, clock) -> None:
    _job(iot, "a", "t1")
    clock.advance(10)
    iot.create_job(jobId="b", targets=[iot.describe_thing(thingName="t1")["thingArn"]],
                   document="{}")
    assert data.describe_job_execution(thingName="t1", jobId="$next")["execution"]["jobId"] == "a"
    data.update_job_execution(thingName="t1", jobId="b", status="IN_PROGRESS")
    assert data.describe_job_execution(thingName="t1", jobId="$next")["execution"]["jobId"] == "b"
    pending = data.get_pending_job_executions(thingName="t1")
    assert [s["jobId"] for s in pending["inProgressJobs"]] == ["b"]
    assert [s["jobId"] for s in pending["queuedJobs"]] == ["a"]


def test_timeout_on_the_emulator_clock(iot, data, clock) -> None:
    _job(iot, "j1", "t1", timeoutConfig={"inProgressTimeoutInMinutes": 10})
    data.start_next_pending_job_execution(thingName="t1", stepTimeoutInMinutes=2)
    assert data.describe_job_execution(thingName="t1", jobId="j1")["execution"][
        "approximateSecondsBeforeTimedOut"] == 120
    clock.advance(121)
    execution = iot.describe_job_execution(thingName="t1", jobId="j1")["execution"]
    assert execution["status"] == "TIMED_OUT"
    assert isinstance(execution["lastUpdatedAt"], datetime)
    assert execution["lastUpdatedAt"].timestamp() == int(START) + 120


def test_cancel_delete_and_listing(iot, data) -> None:
    _job(iot, "j1", "t1", "t2")
    data.update_job_execution(thingName="t1", jobId="j1", status="IN_PROGRESS")
    iot.cancel_job(jobId="j1", reasonCode="STOP")
    statuses = {s["thingArn"].rsplit("/", 1)[1]: s["jobExecutionSummary"]["status"]
                for s in iot.list_job_executions_for_job(jobId="j1")["executionSummaries"]}
    assert statuses == {"t1": "IN_PROGRESS", "t2": "CANCELED"}
    with pytest.raises(ClientError) as info:
        iot.cancel_job_execution(thingName="t1", jobId="j1")
    assert _error(info) == ("InvalidStateTransitionException", 409)
    iot.cancel_job_execution(thingName="t1", jobId="j1", force=True)
    iot.delete_job(jobId="j1")
    with pytest.raises(ClientError) as info:
        iot.describe_job(jobId="j1")
    assert _error(info) == ("ResourceNotFoundException", 404)


def test_paginators_walk_every_job_once(iot) -> None:
    arn = iot.create_thing(thingName="t1")["thingArn"]
    for i in range(7):
        iot.create_job(jobId=f"j{i}", targets=[arn], document="{}")
    pages = iot.get_paginator("list_jobs").paginate(PaginationConfig={"PageSize": 3})
    assert [j["jobId"] for page in pages for j in page["jobs"]] == [f"j{i}" for i in range(7)]
    pages = iot.get_paginator("list_job_executions_for_thing").paginate(
        thingName="t1", PaginationConfig={"PageSize": 2})
    assert [s["jobId"] for page in pages for s in page["executionSummaries"]] == \
        [f"j{i}" for i in range(7)]


def test_commands(iot, data) -> None:
    thing = iot.create_thing(thingName="t1")["thingArn"]
    command = iot.create_command(commandId="c1", payload={"content": b"{}",
                                                          "contentType": "application/json"})
    assert iot.get_command(commandId="c1")["payload"]["content"] == b"{}"
    first = data.start_command_execution(targetArn=thing, commandArn=command["commandArn"],
                                         clientToken="tok-1")["executionId"]
    again = data.start_command_execution(targetArn=thing, commandArn=command["commandArn"],
                                         clientToken="tok-1")["executionId"]
    assert first == again
    with pytest.raises(ClientError) as info:
        data.start_command_execution(targetArn=thing, commandArn=command["commandArn"],
                                     clientToken="tok-1", executionTimeoutSeconds=5)
    assert _error(info) == ("ConflictException", 409)


def test_accounts_are_isolated(iot, data, emulator) -> None:
    _job(iot, "j1", "t1")
    other = inprocess.embedded_client("iot-jobs-data", emulator, access_key=SECOND, config=NO_RETRY)
    with pytest.raises(ClientError) as info:
        other.update_job_execution(thingName="t1", jobId="j1", status="IN_PROGRESS")
    assert _error(info) == ("ResourceNotFoundException", 404)
    assert data.describe_job_execution(thingName="t1", jobId="j1")["execution"]["status"] == "QUEUED"
