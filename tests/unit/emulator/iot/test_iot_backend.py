"""IoT backend, control plane: things and jobs. Handlers are called directly with a Context and
botocore-named params (see conftest.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from emulator.core import Problem

OTHER = "test-second-key-id"  # conftest.Env.OTHER


# -- Backend protocol ------------------------------------------------------------------------
def test_serves_both_planes_and_every_required_operation(env):
    keys = set(env.handlers)
    assert env.backend.services == ("iot", "iot-jobs-data")
    for op in ("DescribeJobExecution", "GetPendingJobExecutions", "StartNextPendingJobExecution",
               "UpdateJobExecution", "StartCommandExecution"):
        assert ("iot-jobs-data", op) in keys
    for op in ("CreateThing", "DescribeThing", "DeleteThing", "CreateJob", "DescribeJob",
               "ListJobs", "GetJobDocument", "UpdateJob", "CancelJob", "DeleteJob",
               "DescribeJobExecution", "CancelJobExecution", "DeleteJobExecution",
               "ListJobExecutionsForThing", "ListJobExecutionsForJob", "CreateCommand",
               "GetCommand"):
        assert ("iot", op) in keys


@pytest.mark.parametrize("service,op,code", [
    ("iot-jobs-data", "UpdateJobExecution", "InvalidRequestException"),
    ("iot-jobs-data", "StartCommandExecution", "ValidationException"),
    ("iot", "CreateJob", "InvalidRequestException"),
    ("iot", "CreateCommand", "ValidationException"),
])
def test_validation_error_is_the_operations_declared_400(env, service, op, code):
    err = env.backend.validation_error(service, op, Problem("maxResults", "max", "expected <= 250"))
    assert (err.code, err.status) == (code, 400)
    assert err.message == f"{op}.maxResults: expected <= 250"


def test_reset_forgets_everything(env):
    env.job("j1", "t1")
    env.backend.reset()
    assert env.error("iot", "DescribeThing", thingName="t1").code == "ResourceNotFoundException"
    assert env.iot("ListJobs") == {"jobs": []}


# -- things ----------------------------------------------------------------------------------
def test_create_thing_returns_arn_and_id_and_describe_shows_it(env):
    out = env.iot("CreateThing", thingName="t1",
                  attributePayload={"attributes": {"model": "x1"}})
    assert out["thingArn"] == env.arn("t1") and out["thingName"] == "t1" and out["thingId"]
    desc = env.iot("DescribeThing", thingName="t1")
    assert desc["thingId"] == out["thingId"] and desc["version"] == 1
    assert desc["attributes"] == {"model": "x1"} and desc["defaultClientId"] == "t1"


def test_create_thing_is_idempotent_with_the_same_configuration(env):
    first = env.iot("CreateThing", thingName="t1", thingTypeName="sensor")
    again = env.iot("CreateThing", thingName="t1", thingTypeName="sensor")
    assert first == again


def test_create_thing_with_a_different_configuration_conflicts(env):
    env.iot("CreateThing", thingName="t1", thingTypeName="sensor")
    err = env.error("iot", "CreateThing", thingName="t1", thingTypeName="other")
    assert (err.code, err.status) == ("ResourceAlreadyExistsException", 409)
    assert err.fields["resourceArn"] == env.arn("t1") and "thingName" in err.message


def test_delete_thing_then_describe_is_not_found_and_delete_again_succeeds(env):
    env.thing("t1")
    assert env.iot("DeleteThing", thingName="t1") == {}
    err = env.error("iot", "DescribeThing", thingName="t1")
    assert (err.code, err.status) == ("ResourceNotFoundException", 404)
    assert "DescribeThing.thingName" in err.message and "'t1'" in err.message
    assert env.iot("DeleteThing", thingName="t1") == {}  # documented: no error when missing


def test_delete_thing_with_a_wrong_expected_version_conflicts(env):
    env.thing("t1")
    err = env.error("iot", "DeleteThing", thingName="t1", expectedVersion=7)
    assert (err.code, err.status) == ("VersionConflictException", 409)
    assert env.iot("DescribeThing", thingName="t1")["thingName"] == "t1"


def test_delete_thing_makes_its_executions_unreachable(env):
    env.job("j1", "t1", "t2")
    env.iot("DeleteThing", thingName="t1")
    assert env.error("iot-jobs-data", "DescribeJobExecution", thingName="t1",
                     jobId="j1").code == "ResourceNotFoundException"
    listed = env.iot("ListJobExecutionsForJob", jobId="j1")["executionSummaries"]
    assert [s["thingArn"] for s in listed] == [env.arn("t2")]
    env.thing("t1")  # a new thing of the same name does not inherit the old execution
    assert env.data("GetPendingJobExecutions", thingName="t1") == {"inProgressJobs": [],
                                                                   "queuedJobs": []}


# -- jobs ------------------------------------------------------------------------------------
def test_create_job_queues_one_execution_per_thing(env):
    out = env.job("j1", "t1", "t2", description="roll out")
    assert out == {"jobArn": env.arn("j1", kind="job"), "jobId": "j1", "description": "roll out"}
    execs = [env.iot("DescribeJobExecution", jobId="j1", thingName=t)["execution"]
             for t in ("t1", "t2")]
    assert [e["status"] for e in execs] == ["QUEUED", "QUEUED"]
    assert [e["versionNumber"] for e in execs] == [1, 1]
    assert execs[0]["executionNumber"] != execs[1]["executionNumber"]
    assert execs[0]["queuedAt"] == datetime.fromtimestamp(int(env.START), tz=UTC)
    assert "startedAt" not in execs[0]
    assert execs[0]["statusDetails"] == {"detailsMap": {}} and execs[0]["thingArn"] == env.arn("t1")


def test_describe_job_shows_status_times_and_counts(env):
    env.job("j1", "t1", "t2", timeoutConfig={"inProgressTimeoutInMinutes": 30})
    env.data("UpdateJobExecution", thingName="t1", jobId="j1", status="IN_PROGRESS")
    out = env.iot("DescribeJob", jobId="j1")
    job = out["job"]
    assert job["status"] == "IN_PROGRESS" and job["targetSelection"] == "SNAPSHOT"
    assert job["createdAt"].tzinfo is not None and "completedAt" not in job
    assert job["timeoutConfig"] == {"inProgressTimeoutInMinutes": 30}
    details = job["jobProcessDetails"]
    assert details["numberOfQueuedThings"] == 1 and details["numberOfInProgressThings"] == 1
    assert details["numberOfSucceededThings"] == 0


def test_existing_job_id_conflicts_until_the_job_is_deleted(env):
    env.job("j1", "t1")
    err = env.error("iot", "CreateJob", jobId="j1", targets=[env.arn("t1")], document="{}")
    assert (err.code, err.status) == ("ResourceAlreadyExistsException", 409)
    env.iot("DeleteJob", jobId="j1", force=True)
    assert env.iot("CreateJob", jobId="j1", targets=[env.arn("t1")], document="{}")["jobId"] == "j1"


@pytest.mark.parametrize(("document", "says"), [
    ("", "expected a JSON document, got an empty string"),
    ("   ", "expected a JSON document, got only white space"),
    ("install firmware", "expected a JSON document, got text that is not JSON (Expecting value)"),
    ('{"operation": "install"', "got text that is not JSON"),
])
def test_a_job_document_that_is_not_json_is_refused(env, document, says):
    env.thing("t1")
    err = env.error("iot", "CreateJob", jobId="j1", targets=[env.arn("t1")], document=document)
    assert (err.code, err.status) == ("InvalidRequestException", 400)
    assert err.message.startswith("CreateJob.document: ") and says in err.message
    for ok in ("{}", '{"operation": "install", "files": [1, 2]}', "[1]", "1"):  # any JSON text
        assert env.iot("CreateJob", jobId=f"ok{len(ok)}", targets=[env.arn("t1")], document=ok)["jobId"]


@pytest.mark.parametrize("target,code", [
    (dict(name="ghost"), "ResourceNotFoundException"),
    (dict(name="t1", account=OTHER), "ResourceNotFoundException"),
    (dict(name="t1", region="eu-west-1"), "ResourceNotFoundException"),
    (dict(name="g1", kind="thinggroup"), "ResourceNotFoundException"),
    (None, "InvalidRequestException"),
])
def test_create_job_with_a_target_that_is_not_a_thing_of_the_account(env, target, code):
    env.thing("t1")
    env.thing("t1", OTHER)
    targets = [env.arn(**target) if target else "not-an-arn"]
    err = env.error("iot", "CreateJob", jobId="j1", targets=targets, document="{}")
    assert err.code == code and "CreateJob.targets[0]" in err.message
    assert env.error("iot", "DescribeJob", jobId="j1").code == "ResourceNotFoundException"


@pytest.mark.parametrize("extra", [{}, {"document": "{}", "documentSource": "https://s3/x"}])
def test_create_job_needs_exactly_one_document(env, extra):
    env.thing("t1")
    err = env.error("iot", "CreateJob", jobId="j1", targets=[env.arn("t1")], **extra)
    assert (err.code, err.status) == ("InvalidRequestException", 400)
    assert "CreateJob.document" in err.message


@pytest.mark.parametrize("minutes", [0, 10081, -1])
def test_create_job_in_progress_timeout_out_of_range(env, minutes):
    env.thing("t1")
    err = env.error("iot", "CreateJob", jobId="j1", targets=[env.arn("t1")], document="{}",
                    timeoutConfig={"inProgressTimeoutInMinutes": minutes})
    assert err.code == "InvalidRequestException"
    side = "less than or equal to 10080" if minutes > 0 else "greater than or equal to 1"
    assert err.message == (f"1 validation error detected: Value '{minutes}' at 'timeoutConfig."
                           f"inProgressTimeoutInMinutes' failed to satisfy constraint: Member must have value {side}")


@pytest.mark.parametrize("minutes", [1, 10080])
def test_create_job_in_progress_timeout_bounds_accepted(env, minutes):
    env.thing("t1")
    out = env.iot("CreateJob", jobId="j1", targets=[env.arn("t1")], document="{}",
                  timeoutConfig={"inProgressTimeoutInMinutes": minutes})
    assert out["jobId"] == "j1"


def test_document_source_job_is_described_with_its_source(env):
    env.thing("t1")
    env.iot("CreateJob", jobId="j1", targets=[env.arn("t1")], documentSource="https://s3/doc")
    assert env.iot("DescribeJob", jobId="j1")["documentSource"] == "https://s3/doc"
    assert env.iot("GetJobDocument", jobId="j1") == {}


def test_get_job_document(env):
    env.job("j1", "t1")
    assert env.iot("GetJobDocument", jobId="j1") == {"document": '{"op":"install"}'}
    assert env.error("iot", "GetJobDocument", jobId="nope").code == "ResourceNotFoundException"


def test_update_job_changes_description_and_timeout(env):
    env.job("j1", "t1")
    env.clock.advance(10)
    assert env.iot("UpdateJob", jobId="j1", description="new",
                   timeoutConfig={"inProgressTimeoutInMinutes": 5}) == {}
    job = env.iot("DescribeJob", jobId="j1")["job"]
    assert job["description"] == "new" and job["timeoutConfig"] == {"inProgressTimeoutInMinutes": 5}
    assert job["lastUpdatedAt"] > job["createdAt"]
    err = env.error("iot", "UpdateJob", jobId="j1", timeoutConfig={"inProgressTimeoutInMinutes": 0})
    assert err.code == "InvalidRequestException"


def test_snapshot_job_completes_when_all_executions_are_terminal(env):
    env.job("j1", "t1", "t2")
    env.data("UpdateJobExecution", thingName="t1", jobId="j1", status="REJECTED")
    assert env.iot("DescribeJob", jobId="j1")["job"]["status"] == "IN_PROGRESS"
    env.clock.advance(5)
    env.data("UpdateJobExecution", thingName="t2", jobId="j1", status="IN_PROGRESS")
    env.data("UpdateJobExecution", thingName="t2", jobId="j1", status="SUCCEEDED")
    job = env.iot("DescribeJob", jobId="j1")["job"]
    assert job["status"] == "COMPLETED"
    assert job["completedAt"] == datetime.fromtimestamp(int(env.START) + 5, tz=UTC)


def test_continuous_job_never_completes(env):
    env.job("j1", "t1", targetSelection="CONTINUOUS")
    env.data("UpdateJobExecution", thingName="t1", jobId="j1", status="REJECTED")
    assert env.iot("DescribeJob", jobId="j1")["job"]["status"] == "IN_PROGRESS"


def test_cancel_job_cancels_queued_and_leaves_in_progress_without_force(env):
    env.job("j1", "t1", "t2")
    env.data("UpdateJobExecution", thingName="t1", jobId="j1", status="IN_PROGRESS")
    out = env.iot("CancelJob", jobId="j1", reasonCode="BAD_BUILD", comment="stop")
    assert out["jobId"] == "j1"
    job = env.iot("DescribeJob", jobId="j1")["job"]
    assert job["status"] == "CANCELED" and job["reasonCode"] == "BAD_BUILD"
    assert job["comment"] == "stop" and job["forceCanceled"] is False
    assert env.status("j1", "t1") == "IN_PROGRESS" and env.status("j1", "t2") == "CANCELED"
    env.iot("CancelJob", jobId="j1", force=True)
    assert env.status("j1", "t1") == "CANCELED"
    assert env.iot("DescribeJob", jobId="j1")["job"]["forceCanceled"] is True
    assert env.iot("DescribeJobExecution", jobId="j1", thingName="t1")["execution"]["forceCanceled"]


def test_cancel_completed_job_is_refused(env):
    env.job("j1", "t1")
    env.data("UpdateJobExecution", thingName="t1", jobId="j1", status="REJECTED")
    err = env.error("iot", "CancelJob", jobId="j1")
    assert err.code == "InvalidRequestException" and "COMPLETED" in err.message


def test_delete_job_needs_completed_or_canceled_unless_forced(env):
    env.job("j1", "t1")
    err = env.error("iot", "DeleteJob", jobId="j1")
    assert (err.code, err.status) == ("InvalidStateTransitionException", 409)
    assert "IN_PROGRESS" in err.message
    env.iot("CancelJob", jobId="j1")
    assert env.iot("DeleteJob", jobId="j1") == {}
    assert env.error("iot", "DescribeJob", jobId="j1").code == "ResourceNotFoundException"
    assert env.error("iot", "DescribeJobExecution", jobId="j1",
                     thingName="t1").code == "ResourceNotFoundException"
    assert env.iot("ListJobExecutionsForThing", thingName="t1")["executionSummaries"] == []


def test_force_delete_of_a_running_job(env):
    env.job("j1", "t1")
    env.data("UpdateJobExecution", thingName="t1", jobId="j1", status="IN_PROGRESS")
    assert env.iot("DeleteJob", jobId="j1", force=True) == {}
    assert env.error("iot-jobs-data", "DescribeJobExecution", thingName="t1",
                     jobId="j1").code == "ResourceNotFoundException"
