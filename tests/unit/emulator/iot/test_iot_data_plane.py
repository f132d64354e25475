"""IoT backend, Jobs data plane: the execution state machine, versions, expectedVersion, doc-only
input rules, timers on the emulator clock, "$next" ordering and concurrent updates."""

from __future__ import annotations

import threading

import pytest

TERMINAL = ("SUCCEEDED", "FAILED", "REJECTED")


def update(env, status: str, job: str = "j1", thing: str = "t1", **params) -> dict:
    return env.data("UpdateJobExecution", thingName=thing, jobId=job, status=status, **params)


def describe(env, job: str = "j1", thing: str = "t1", **params) -> dict:
    return env.data("DescribeJobExecution", thingName=thing, jobId=job, **params)["execution"]


# -- happy path and outputs ------------------------------------------------------------------
def test_describe_returns_epoch_seconds_and_the_document_by_default(env):
    env.job("j1", "t1")
    e = describe(env)
    assert e == {"jobId": "j1", "thingName": "t1", "status": "QUEUED", "statusDetails": {},
                 "queuedAt": int(env.START), "lastUpdatedAt": int(env.START), "versionNumber": 1,
                 "executionNumber": e["executionNumber"], "jobDocument": '{"op":"install"}'}
    assert "jobDocument" not in describe(env, includeJobDocument=False)


def test_update_answers_empty_unless_asked(env):
    env.job("j1", "t1")
    assert update(env, "IN_PROGRESS") == {}
    out = update(env, "IN_PROGRESS", statusDetails={"step": "2"}, includeJobExecutionState=True,
                 includeJobDocument=True)
    assert out == {"executionState": {"status": "IN_PROGRESS", "statusDetails": {"step": "2"},
                                      "versionNumber": 3},
                   "jobDocument": '{"op":"install"}'}


def test_version_increments_on_each_device_update_and_started_at_appears(env):
    env.job("j1", "t1")
    env.clock.advance(30)
    update(env, "IN_PROGRESS")
    e = describe(env)
    assert e["versionNumber"] == 2 and e["startedAt"] == int(env.START) + 30
    update(env, "IN_PROGRESS")
    update(env, "SUCCEEDED")
    e = describe(env)
    assert (e["status"], e["versionNumber"]) == ("SUCCEEDED", 4)
    assert e["startedAt"] == int(env.START) + 30 and e["lastUpdatedAt"] == int(env.START) + 30


def test_status_details_kept_when_omitted_and_replaced_when_given(env):
    env.job("j1", "t1")
    update(env, "IN_PROGRESS", statusDetails={"a": "1", "b": "2"})
    update(env, "IN_PROGRESS")
    assert describe(env)["statusDetails"] == {"a": "1", "b": "2"}
    update(env, "IN_PROGRESS", statusDetails={"c": "3"})
    assert describe(env)["statusDetails"] == {"c": "3"}


# -- state machine ---------------------------------------------------------------------------
@pytest.mark.parametrize("path", [
    ["IN_PROGRESS"], ["IN_PROGRESS", "IN_PROGRESS"], ["REJECTED"], ["SUCCEEDED"], ["FAILED"],
    ["IN_PROGRESS", "SUCCEEDED"], ["IN_PROGRESS", "FAILED"], ["IN_PROGRESS", "REJECTED"]])
def test_legal_transitions(env, path):
    env.job("j1", "t1")
    for status in path:
        update(env, status)
    e = describe(env)
    assert e["status"] == path[-1] and e["versionNumber"] == 1 + len(path)


@pytest.mark.parametrize("first", TERMINAL)
@pytest.mark.parametrize("then", ["IN_PROGRESS", "SUCCEEDED", "FAILED", "REJECTED"])
def test_terminal_states_never_change(env, first, then):
    env.job("j1", "t1")
    update(env, "IN_PROGRESS")
    update(env, first)
    err = env.error("iot-jobs-data", "UpdateJobExecution", thingName="t1", jobId="j1", status=then)
    assert (err.code, err.status) == ("InvalidStateTransitionException", 409)
    assert err.fields["executionState"] == {"status": first, "statusDetails": {}, "versionNumber": 3}
    assert describe(env)["status"] == first


@pytest.mark.parametrize("status", ["QUEUED", "TIMED_OUT", "REMOVED", "CANCELED", "BOGUS"])
def test_statuses_a_device_may_not_set(env, status):
    env.job("j1", "t1")
    err = env.error("iot-jobs-data", "UpdateJobExecution", thingName="t1", jobId="j1",
                    status=status)
    assert (err.code, err.status) == ("InvalidRequestException", 400)
    assert err.message.startswith("UpdateJobExecution.status: expected one of IN_PROGRESS")
    assert describe(env)["versionNumber"] == 1


@pytest.mark.parametrize("status", ["SUCCEEDED", "FAILED"])
def test_queued_to_done_can_be_turned_off(make_env, status):
    env = make_env(allow_queued_to_terminal=False)
    env.job("j1", "t1")
    err = env.error("iot-jobs-data", "UpdateJobExecution", thingName="t1", jobId="j1",
                    status=status)
    assert err.code == "InvalidStateTransitionException"
    update(env, "REJECTED")  # QUEUED -> REJECTED stays legal
    assert describe(env)["status"] == "REJECTED"


def test_canceled_execution_refuses_device_updates(env):
    env.job("j1", "t1")
    env.iot("CancelJob", jobId="j1")
    err = env.error("iot-jobs-data", "UpdateJobExecution", thingName="t1", jobId="j1",
                    status="REJECTED")
    assert err.code == "InvalidStateTransitionException"


def test_expected_version(env):
    env.job("j1", "t1")
    err = env.error("iot-jobs-data", "UpdateJobExecution", thingName="t1", jobId="j1",
                    status="IN_PROGRESS", expectedVersion=2)
    assert (err.code, err.status) == ("InvalidStateTransitionException", 409)
    assert "mismatched" in err.message and "expected 1" in err.message and "got 2" in err.message
    assert err.fields["executionState"] == {"status": "QUEUED", "statusDetails": {},
                                            "versionNumber": 1}
    update(env, "IN_PROGRESS", expectedVersion=1)
    update(env, "SUCCEEDED", expectedVersion=2)
    assert describe(env)["versionNumber"] == 3


def test_execution_number_mismatch_is_not_found(env):
    env.job("j1", "t1")
    n = describe(env)["executionNumber"]
    err = env.error("iot-jobs-data", "UpdateJobExecution", thingName="t1", jobId="j1",
                    status="IN_PROGRESS", executionNumber=n + 5)
    assert (err.code, err.status) == ("ResourceNotFoundException", 404)
    update(env, "IN_PROGRESS", executionNumber=n)
    assert describe(env, executionNumber=n)["status"] == "IN_PROGRESS"


@pytest.mark.parametrize("params", [dict(thingName="ghost", jobId="j1"),
                                    dict(thingName="t1", jobId="ghost"),
                                    dict(thingName="t2", jobId="j1")])
def test_unknown_thing_job_or_execution_is_not_found(env, params):
    env.job("j1", "t1")
    env.thing("t2")
    for op, extra in (("DescribeJobExecution", {}), ("UpdateJobExecution",
                                                     {"status": "IN_PROGRESS"})):
        err = env.error("iot-jobs-data", op, **params, **extra)
        assert (err.code, err.status) == ("ResourceNotFoundException", 404)


# -- doc-only input rules --------------------------------------------------------------------
@pytest.mark.parametrize("details,message", [
    ({"k": "x" * 5000}, (f"1 validation error detected: Value '{{k={'x' * 5000}}}' at 'statusDetails' failed to "
                         "satisfy constraint: Map value must satisfy constraint: [Member must have length less "
                         "than or equal to 1024]")),
    ({f"k{i}": "v" for i in range(11)}, ("1 validation error detected: Value '{k0=v, k1=v, k2=v, k3=v, k4=v, "
                                         "k5=v, k6=v, k7=v, k8=v, k9=v, k10=v}' at 'statusDetails' failed to "
                                         "satisfy constraint: Member must have length less than or equal to 10")),
])
def test_status_details_limits(env, details, message):
    env.job("j1", "t1")
    err = env.error("iot-jobs-data", "UpdateJobExecution", thingName="t1", jobId="j1",
                    status="IN_PROGRESS", statusDetails=details)
    assert (err.code, err.status, err.message) == ("InvalidRequestException", 400, message)
    update(env, "IN_PROGRESS", statusDetails={"k": "x" * 1024, **{f"k{i}": "v" for i in range(9)}})


@pytest.mark.parametrize("op,minutes", [("UpdateJobExecution", 0), ("UpdateJobExecution", 10081),
                                        ("UpdateJobExecution", -2),
                                        ("StartNextPendingJobExecution", -1),
                                        ("StartNextPendingJobExecution", 99999)])
def test_step_timeout_out_of_range(env, op, minutes):
    env.job("j1", "t1")
    params = {"status": "IN_PROGRESS", "jobId": "j1"} if op == "UpdateJobExecution" else {}
    err = env.error("iot-jobs-data", op, thingName="t1", stepTimeoutInMinutes=minutes, **params)
    assert err.code == "InvalidRequestException"
    assert err.message.startswith(f"1 validation error detected: Value '{minutes}' at 'stepTimeoutInMinutes' "
                                  "failed to satisfy constraint: Member must have value ")
    assert describe(env)["status"] == "QUEUED"


# -- timers ----------------------------------------------------------------------------------
def test_in_progress_timeout_times_out(env):
    env.job("j1", "t1", timeoutConfig={"inProgressTimeoutInMinutes": 10})
    env.clock.advance(100)
    assert "approximateSecondsBeforeTimedOut" not in describe(env)  # timers run only IN_PROGRESS
    update(env, "IN_PROGRESS")
    env.clock.advance(300)
    assert describe(env)["approximateSecondsBeforeTimedOut"] == 300
    env.clock.advance(300)
    e = describe(env)
    assert e["status"] == "TIMED_OUT" and "approximateSecondsBeforeTimedOut" not in e
    assert e["lastUpdatedAt"] == int(env.START) + 100 + 600
    assert env.iot("DescribeJob", jobId="j1")["job"]["status"] == "COMPLETED"
    err = env.error("iot-jobs-data", "UpdateJobExecution", thingName="t1", jobId="j1",
                    status="SUCCEEDED")
    assert err.code == "InvalidStateTransitionException"


def test_step_timer_is_replaced_cancelled_and_capped_by_the_in_progress_deadline(env):
    env.job("j1", "t1", timeoutConfig={"inProgressTimeoutInMinutes": 10})
    update(env, "IN_PROGRESS", stepTimeoutInMinutes=2)
    assert describe(env)["approximateSecondsBeforeTimedOut"] == 120
    env.clock.advance(60)
    update(env, "IN_PROGRESS", stepTimeoutInMinutes=3)  # replaces: 180 s from now
    assert describe(env)["approximateSecondsBeforeTimedOut"] == 180
    update(env, "IN_PROGRESS", stepTimeoutInMinutes=60)  # capped at the 10-minute deadline
    assert describe(env)["approximateSecondsBeforeTimedOut"] == 540
    update(env, "IN_PROGRESS", stepTimeoutInMinutes=1)
    update(env, "IN_PROGRESS", stepTimeoutInMinutes=-1)  # cancels the step timer
    env.clock.advance(539)
    assert describe(env)["status"] == "IN_PROGRESS"
    env.clock.advance(1)
    assert describe(env)["status"] == "TIMED_OUT"


def test_step_timer_without_in_progress_timeout(env):
    env.job("j1", "t1")
    out = env.data("StartNextPendingJobExecution", thingName="t1", stepTimeoutInMinutes=1)
    assert out["execution"]["approximateSecondsBeforeTimedOut"] == 60
    env.clock.advance(59)
    update(env, "IN_PROGRESS")  # no stepTimeoutInMinutes: the step timer keeps running
    env.clock.advance(1)
    e = describe(env)
    assert e["status"] == "TIMED_OUT" and e["lastUpdatedAt"] == int(env.START) + 60


def test_terminal_update_stops_the_timers(env):
    env.job("j1", "t1", timeoutConfig={"inProgressTimeoutInMinutes": 1})
    update(env, "IN_PROGRESS")
    update(env, "SUCCEEDED")
    env.clock.advance(3600)
    assert describe(env)["status"] == "SUCCEEDED"


def test_timeouts_are_seen_by_the_control_plane(env):
    env.job("j1", "t1", "t2", timeoutConfig={"inProgressTimeoutInMinutes": 1})
    update(env, "IN_PROGRESS", thing="t1")
    env.clock.advance(61)
    listed = env.iot("ListJobExecutionsForJob", jobId="j1", status="TIMED_OUT")
    assert [s["thingArn"] for s in listed["executionSummaries"]] == [env.arn("t1")]
    details = env.iot("DescribeJob", jobId="j1")["job"]["jobProcessDetails"]
    assert details["numberOfTimedOutThings"] == 1 and details["numberOfQueuedThings"] == 1


# -- $next, pending, start next --------------------------------------------------------------
def test_next_prefers_in_progress_then_oldest_queued(env):
    env.job("a", "t1")
    env.clock.advance(10)
    env.job("b", "t1")
    env.clock.advance(10)
    env.job("c", "t1")
    assert describe(env, job="$next")["jobId"] == "a"
    update(env, "IN_PROGRESS", job="c")
    assert describe(env, job="$next")["jobId"] == "c"
    update(env, "SUCCEEDED", job="c")
    update(env, "REJECTED", job="a")
    assert describe(env, job="$next")["jobId"] == "b"
    update(env, "REJECTED", job="b")
    err = env.error("iot-jobs-data", "DescribeJobExecution", thingName="t1", jobId="$next")
    assert (err.code, err.status) == ("ResourceNotFoundException", 404)


def test_pending_lists_in_progress_and_queued_by_queued_at(env):
    for name in ("a", "b", "c", "d"):
        env.clock.advance(5)
        env.job(name, "t1")
    update(env, "IN_PROGRESS", job="c")
    update(env, "IN_PROGRESS", job="a")
    update(env, "REJECTED", job="b")
    out = env.data("GetPendingJobExecutions", thingName="t1")
    assert [s["jobId"] for s in out["inProgressJobs"]] == ["a", "c"]
    assert [s["jobId"] for s in out["queuedJobs"]] == ["d"]
    assert set(out["inProgressJobs"][0]) == {"jobId", "queuedAt", "startedAt", "lastUpdatedAt",
                                             "versionNumber", "executionNumber"}
    assert "startedAt" not in out["queuedJobs"][0]
    assert env.error("iot-jobs-data", "GetPendingJobExecutions",
                     thingName="ghost").code == "ResourceNotFoundException"


def test_start_next_starts_queued_and_returns_in_progress_unchanged(env):
    env.job("a", "t1")
    env.clock.advance(1)
    env.job("b", "t1")
    first = env.data("StartNextPendingJobExecution", thingName="t1", statusDetails={"s": "1"})
    e = first["execution"]
    assert (e["jobId"], e["status"], e["versionNumber"]) == ("a", "IN_PROGRESS", 2)
    assert e["statusDetails"] == {"s": "1"} and e["startedAt"] == int(env.START) + 1
    again = env.data("StartNextPendingJobExecution", thingName="t1", statusDetails={"s": "2"})
    assert again == first
    update(env, "SUCCEEDED", job="a")
    assert env.data("StartNextPendingJobExecution", thingName="t1")["execution"]["jobId"] == "b"
    update(env, "SUCCEEDED", job="b")
    assert env.data("StartNextPendingJobExecution", thingName="t1") == {}


# -- concurrency -----------------------------------------------------------------------------
def test_racing_updates_with_the_same_expected_version_have_one_winner(env):
    env.job("j1", "t1")
    update(env, "IN_PROGRESS")
    n = 16
    barrier, results, lock = threading.Barrier(n), [], threading.Lock()

    def racer(i: int) -> None:
        barrier.wait()
        try:
            update(env, "IN_PROGRESS", expectedVersion=2, statusDetails={"by": str(i)})
            outcome = ("won", i)
        except Exception as exc:  # noqa: BLE001 - the losers' errors are checked below
            outcome = ("lost", getattr(exc, "code", repr(exc)))
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=racer, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [r for r in results if r[0] == "won"]
    assert len(winners) == 1
    assert {r[1] for r in results if r[0] == "lost"} == {"InvalidStateTransitionException"}
    e = describe(env)
    assert e["versionNumber"] == 3 and e["statusDetails"] == {"by": str(winners[0][1])}
