"""IoT backend, control plane: job executions (cancel, delete, describe), listing and pagination,
commands, and account isolation across both planes."""

from __future__ import annotations

import pytest

OTHER = "test-second-key-id"  # conftest.Env.OTHER


def number(env, job_id: str, thing: str) -> int:
    return env.iot("DescribeJobExecution", jobId=job_id,
                   thingName=thing)["execution"]["executionNumber"]


# -- DescribeJobExecution ----------------------------------------------------------------------
def test_describe_execution_errors_name_the_missing_part(env):
    env.job("j1", "t1")
    env.thing("t2")
    for params, field in ((dict(jobId="j1", thingName="ghost"), "thingName"),
                          (dict(jobId="ghost", thingName="t1"), "jobId"),
                          (dict(jobId="j1", thingName="t2"), "jobId")):
        err = env.error("iot", "DescribeJobExecution", **params)
        assert (err.code, err.status) == ("ResourceNotFoundException", 404)
        assert err.message.startswith(f"DescribeJobExecution.{field}:")


def test_describe_execution_with_a_wrong_execution_number_is_not_found(env):
    env.job("j1", "t1")
    n = number(env, "j1", "t1")
    assert env.iot("DescribeJobExecution", jobId="j1", thingName="t1",
                   executionNumber=n)["execution"]["executionNumber"] == n
    err = env.error("iot", "DescribeJobExecution", jobId="j1", thingName="t1",
                    executionNumber=n + 100)
    assert err.code == "ResourceNotFoundException" and "executionNumber" in err.message


# -- CancelJobExecution ------------------------------------------------------------------------
def test_cancel_queued_execution(env):
    env.job("j1", "t1")
    assert env.iot("CancelJobExecution", jobId="j1", thingName="t1",
                   statusDetails={"why": "operator"}) == {}
    e = env.iot("DescribeJobExecution", jobId="j1", thingName="t1")["execution"]
    assert e["status"] == "CANCELED" and e["statusDetails"] == {"detailsMap": {"why": "operator"}}
    assert e["forceCanceled"] is False
    assert env.iot("DescribeJob", jobId="j1")["job"]["status"] == "COMPLETED"


def test_cancel_in_progress_execution_needs_force(env):
    env.job("j1", "t1")
    env.data("UpdateJobExecution", thingName="t1", jobId="j1", status="IN_PROGRESS")
    err = env.error("iot", "CancelJobExecution", jobId="j1", thingName="t1")
    assert (err.code, err.status) == ("InvalidStateTransitionException", 409)
    assert "CancelJobExecution.force" in err.message
    assert env.status("j1", "t1") == "IN_PROGRESS"
    env.iot("CancelJobExecution", jobId="j1", thingName="t1", force=True)
    assert env.status("j1", "t1") == "CANCELED"


def test_cancel_terminal_execution_is_refused(env):
    env.job("j1", "t1")
    env.data("UpdateJobExecution", thingName="t1", jobId="j1", status="REJECTED")
    err = env.error("iot", "CancelJobExecution", jobId="j1", thingName="t1", force=True)
    assert (err.code, err.status) == ("InvalidStateTransitionException", 409)
    assert env.status("j1", "t1") == "REJECTED"


def test_cancel_execution_with_a_stale_expected_version_conflicts(env):
    env.job("j1", "t1")
    err = env.error("iot", "CancelJobExecution", jobId="j1", thingName="t1", expectedVersion=9)
    assert (err.code, err.status) == ("VersionConflictException", 409)
    assert "expected 1" in err.message and "got 9" in err.message
    assert env.status("j1", "t1") == "QUEUED"
    env.iot("CancelJobExecution", jobId="j1", thingName="t1", expectedVersion=1)
    assert env.status("j1", "t1") == "CANCELED"


@pytest.mark.parametrize("details", [{f"k{i}": "v" for i in range(11)}, {"k": "x" * 1025}])
def test_cancel_execution_status_details_doc_limits(env, details):
    env.job("j1", "t1")
    err = env.error("iot", "CancelJobExecution", jobId="j1", thingName="t1", statusDetails=details)
    assert err.code == "InvalidRequestException"
    assert err.message.startswith("1 validation error detected: Value '{")
    assert "at 'statusDetails' failed to satisfy constraint: " in err.message and "less than or equal to" in err.message
    assert env.status("j1", "t1") == "QUEUED"


# -- DeleteJobExecution ------------------------------------------------------------------------
def test_delete_execution_needs_terminal_or_force(env):
    env.job("j1", "t1", "t2")
    n = number(env, "j1", "t1")
    err = env.error("iot", "DeleteJobExecution", jobId="j1", thingName="t1", executionNumber=n)
    assert (err.code, err.status) == ("InvalidStateTransitionException", 409)
    assert env.iot("DeleteJobExecution", jobId="j1", thingName="t1", executionNumber=n,
                   force=True) == {}
    assert env.error("iot", "DescribeJobExecution", jobId="j1",
                     thingName="t1").code == "ResourceNotFoundException"
    assert env.iot("DescribeJob", jobId="j1")["job"]["jobProcessDetails"]["numberOfQueuedThings"] == 1


def test_delete_terminal_execution_and_wrong_number(env):
    env.job("j1", "t1")
    n = number(env, "j1", "t1")
    env.data("UpdateJobExecution", thingName="t1", jobId="j1", status="REJECTED")
    err = env.error("iot", "DeleteJobExecution", jobId="j1", thingName="t1", executionNumber=n + 1)
    assert err.code == "ResourceNotFoundException"
    assert env.iot("DeleteJobExecution", jobId="j1", thingName="t1", executionNumber=n) == {}
    assert env.iot("ListJobExecutionsForJob", jobId="j1")["executionSummaries"] == []


# -- listing -----------------------------------------------------------------------------------
def test_list_executions_for_thing_and_job_with_status_filter(env):
    env.job("j1", "t1")
    env.job("j2", "t1", "t2")
    env.data("UpdateJobExecution", thingName="t1", jobId="j2", status="IN_PROGRESS")
    by_thing = env.iot("ListJobExecutionsForThing", thingName="t1")["executionSummaries"]
    assert [s["jobId"] for s in by_thing] == ["j1", "j2"]
    assert by_thing[1]["jobExecutionSummary"]["status"] == "IN_PROGRESS"
    assert "startedAt" in by_thing[1]["jobExecutionSummary"]
    assert "startedAt" not in by_thing[0]["jobExecutionSummary"]
    queued = env.iot("ListJobExecutionsForThing", thingName="t1", status="QUEUED")
    assert [s["jobId"] for s in queued["executionSummaries"]] == ["j1"]
    only = env.iot("ListJobExecutionsForThing", thingName="t1", jobId="j2")["executionSummaries"]
    assert [s["jobId"] for s in only] == ["j2"]
    by_job = env.iot("ListJobExecutionsForJob", jobId="j2", status="QUEUED")["executionSummaries"]
    assert [s["thingArn"] for s in by_job] == [env.arn("t2")]
    assert env.error("iot", "ListJobExecutionsForThing",
                     thingName="ghost").code == "ResourceNotFoundException"
    assert env.error("iot", "ListJobExecutionsForJob",
                     jobId="ghost").code == "ResourceNotFoundException"


def collect(env, op: str, key: str, ident, size: int, **params) -> list:
    seen, token, pages = [], None, 0
    while True:
        out = env.iot(op, maxResults=size, **params, **({"nextToken": token} if token else {}))
        assert len(out[key]) <= size
        seen += [ident(item) for item in out[key]]
        pages += 1
        token = out.get("nextToken")
        if token is None:
            return seen
        assert pages < 100


def test_list_jobs_pages_cover_everything_once(env):
    for i in range(7):
        env.job(f"j{i}", "t1")
    ids = collect(env, "ListJobs", "jobs", lambda j: j["jobId"], 3)
    assert ids == [f"j{i}" for i in range(7)]
    assert "nextToken" not in env.iot("ListJobs", maxResults=7)


def test_list_jobs_filters(env):
    env.job("a", "t1")
    env.job("b", "t1", targetSelection="CONTINUOUS")
    env.iot("CancelJob", jobId="a")
    assert [j["jobId"] for j in env.iot("ListJobs", status="CANCELED")["jobs"]] == ["a"]
    assert [j["jobId"] for j in env.iot("ListJobs", targetSelection="CONTINUOUS")["jobs"]] == ["b"]
    assert env.iot("ListJobs", thingGroupName="g1")["jobs"] == []
    summary = env.iot("ListJobs", status="CANCELED")["jobs"][0]
    assert summary["jobArn"] == env.arn("a", kind="job") and summary["createdAt"].tzinfo


def test_pages_do_not_overlap_or_skip_when_items_are_deleted_between_pages(env):
    for i in range(6):
        env.job(f"j{i}", "t1")
    first = env.iot("ListJobExecutionsForThing", thingName="t1", maxResults=3)
    assert [s["jobId"] for s in first["executionSummaries"]] == ["j0", "j1", "j2"]
    env.iot("DeleteJob", jobId="j1", force=True)
    rest = env.iot("ListJobExecutionsForThing", thingName="t1", maxResults=3,
                   nextToken=first["nextToken"])
    assert [s["jobId"] for s in rest["executionSummaries"]] == ["j3", "j4", "j5"]
    assert "nextToken" not in rest


def test_list_executions_for_job_pages(env):
    env.job("j1", *[f"t{i}" for i in range(5)])
    arns = collect(env, "ListJobExecutionsForJob", "executionSummaries", lambda s: s["thingArn"],
                   2, jobId="j1")
    assert arns == [env.arn(f"t{i}") for i in range(5)]


@pytest.mark.parametrize("token", ["garbage", "aW90LXBhZ2U6eA==", "%%%"])
def test_invalid_next_token_is_invalid_request(env, token):
    env.job("j1", "t1")
    err = env.error("iot", "ListJobs", nextToken=token)
    assert (err.code, err.status) == ("InvalidRequestException", 400)
    assert err.message.startswith("ListJobs.nextToken:")


# -- commands ----------------------------------------------------------------------------------
def test_create_and_get_command(env):
    out = env.iot("CreateCommand", commandId="c1",
                  payload={"content": b"{}", "contentType": "application/json"})
    assert out == {"commandId": "c1", "commandArn": env.arn("c1", kind="command")}
    got = env.iot("GetCommand", commandId="c1")
    assert got["namespace"] == "AWS-IoT" and got["payload"]["content"] == b"{}"
    assert got["createdAt"].tzinfo is not None and got["deprecated"] is False
    err = env.error("iot", "CreateCommand", commandId="c1")
    assert (err.code, err.status) == ("ConflictException", 409)
    assert env.error("iot", "GetCommand", commandId="nope").code == "ResourceNotFoundException"


def test_start_command_execution_idempotency(env):
    target = env.thing("t1")
    command = env.iot("CreateCommand", commandId="c1")["commandArn"]
    first = env.data("StartCommandExecution", targetArn=target, commandArn=command,
                     clientToken="tok-1")
    again = env.data("StartCommandExecution", targetArn=target, commandArn=command,
                     clientToken="tok-1")
    assert first == again and first["executionId"]
    other = env.data("StartCommandExecution", targetArn=target, commandArn=command,
                     clientToken="tok-2")
    assert other["executionId"] != first["executionId"]
    err = env.error("iot-jobs-data", "StartCommandExecution", targetArn=target, commandArn=command,
                    clientToken="tok-1", executionTimeoutSeconds=30)
    assert (err.code, err.status) == ("ConflictException", 409)
    assert err.fields == {"resourceId": first["executionId"]}


@pytest.mark.parametrize("which", ["targetArn", "commandArn"])
def test_start_command_execution_unknown_target_or_command(env, which):
    params = {"targetArn": env.thing("t1"),
              "commandArn": env.iot("CreateCommand", commandId="c1")["commandArn"]}
    params[which] = params[which].replace("/t1", "/ghost").replace("/c1", "/ghost")
    err = env.error("iot-jobs-data", "StartCommandExecution", **params)
    assert (err.code, err.status) == ("ResourceNotFoundException", 404)
    assert err.message.startswith(f"StartCommandExecution.{which}:")


# -- account isolation -------------------------------------------------------------------------
def test_another_account_sees_nothing(env):
    env.job("j1", "t1")
    env.iot("CreateCommand", commandId="c1")
    for service, op, params in (
            ("iot", "DescribeThing", dict(thingName="t1")),
            ("iot", "DescribeJob", dict(jobId="j1")),
            ("iot", "GetJobDocument", dict(jobId="j1")),
            ("iot", "CancelJob", dict(jobId="j1")),
            ("iot", "DeleteJob", dict(jobId="j1", force=True)),
            ("iot", "DescribeJobExecution", dict(jobId="j1", thingName="t1")),
            ("iot", "GetCommand", dict(commandId="c1")),
            ("iot-jobs-data", "DescribeJobExecution", dict(jobId="j1", thingName="t1")),
            ("iot-jobs-data", "UpdateJobExecution", dict(jobId="j1", thingName="t1",
                                                         status="IN_PROGRESS")),
            ("iot-jobs-data", "GetPendingJobExecutions", dict(thingName="t1"))):
        assert env.error(service, op, OTHER, **params).code == "ResourceNotFoundException", op
    assert env.iot("ListJobs", OTHER) == {"jobs": []}
    assert env.iot("DeleteThing", OTHER, thingName="t1") == {}
    assert env.status("j1", "t1") == "QUEUED"
    assert env.iot("DescribeThing", thingName="t1")["thingName"] == "t1"


def test_same_names_in_two_accounts_are_independent(env):
    env.job("j1", "t1")
    env.job("j1", "t1", account=OTHER)
    env.data("UpdateJobExecution", OTHER, thingName="t1", jobId="j1", status="REJECTED")
    assert env.status("j1", "t1") == "QUEUED"
    other = env.iot("DescribeJob", OTHER, jobId="j1")["job"]
    assert other["status"] == "COMPLETED" and other["jobArn"] == env.arn("j1", OTHER, "job")


def test_page_size_option_applies_without_max_results(make_env):
    env = make_env(page_size=2)
    for i in range(3):
        env.job(f"j{i}", "t1")
    first = env.iot("ListJobs")
    assert [j["jobId"] for j in first["jobs"]] == ["j0", "j1"] and first["nextToken"]
    assert [j["jobId"] for j in env.iot("ListJobs", nextToken=first["nextToken"])["jobs"]] == ["j2"]
