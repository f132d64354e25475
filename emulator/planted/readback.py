"""Planted faults of what a write sets and what answers say about it: read-back, times, ARNs, repeats."""

from __future__ import annotations

from typing import Any

from emulator.core import ServiceError
from emulator.planted.base import DATA, IE, IOT, Breaker, Fault, Proceed, Request, _on
from emulator.planted.breakers import _Accept, _Before, _Body, _json, _without


def _created_long_ago(data: dict[str, Any]) -> None:
    job = data.get("job") or {}
    for key in ("createdAt", "lastUpdatedAt"):
        if key in job:
            job[key] = 1000000000  # 2001-09-09: a constant date long past


def _arn_in_other_region(data: dict[str, Any]) -> None:
    job = data.get("job") or {}
    arn = job.get("jobArn")
    if isinstance(arn, str) and arn.count(":") >= 5:
        parts = arn.split(":", 5)
        parts[3] = "eu-west-3" if parts[3] != "eu-west-3" else "us-west-2"
        job["jobArn"] = ":".join(parts)


def _as_if_made(req: Request, err: Any) -> dict[str, Any]:
    job = req.params.get("jobId")
    return {"jobId": job, "jobArn": f"arn:aws:iot:us-east-1:000000000000:job/{job}"}


_F = Fault
FAULTS: tuple[Fault, ...] = (
    _F("iot-create-job-config-dropped", "read_after_write_consistency", IOT, "CreateJob",
       "CreateJob answers 200 and drops abortConfig and timeoutConfig; the model's DescribeJob returns "
       "the job's abortConfig and timeoutConfig as created",
       lambda: _Before(f"{IOT}.CreateJob", _without("abortConfig", "timeoutConfig")), phases=("scenarios",)),
    _F("iot-cancel-job-reason-dropped", "read_after_write_consistency", IOT, "CancelJob",
       "CancelJob answers 200 and keeps no reasonCode; DescribeJob's job.reasonCode is the reason code of "
       "the job's update (its cancel)", lambda: _Before(f"{IOT}.CancelJob", _without("reasonCode")),
       phases=("scenarios",)),
    _F("iot-update-job-rollout-ignored", "read_after_write_consistency", IOT, "UpdateJob",
       "UpdateJob answers 200 and leaves jobExecutionsRolloutConfig as it was; documented: UpdateJob "
       "updates the rollout configuration it is given",
       lambda: _Before(f"{IOT}.UpdateJob", _without("jobExecutionsRolloutConfig")), phases=("scenarios",)),
    _F("iot-describe-job-created-long-ago", "response_schema_conformance", IOT, "DescribeJob",
       "DescribeJob answers createdAt and lastUpdatedAt of a job just made as 2001-09-09; the model: "
       "the time the job was created and last updated",
       lambda: _Body(f"{IOT}.DescribeJob", _json(_created_long_ago)), reported=f"{IOT}.CreateJob",
       phases=("scenarios",), plan=(f"{IOT}.CreateJob",)),
    _F("iot-describe-job-arn-other-region", "response_schema_conformance", IOT, "DescribeJob",
       "DescribeJob answers a jobArn naming another region; an ARN names the region of the resource, "
       "the caller's",
       lambda: _Body(f"{IOT}.DescribeJob", _json(_arn_in_other_region)), reported=f"{IOT}.CreateJob",
       phases=("scenarios",), plan=(f"{IOT}.CreateJob",)),
    _F("iot-create-job-duplicate-accepted", "idempotency_conformance", IOT, "CreateJob",
       "CreateJob with the jobId of an existing job and other content answers 200 (the job unchanged); "
       "the model declares ResourceAlreadyExistsException, and a jobId is unique in an account",
       lambda: _Accept(f"{IOT}.CreateJob", ("ResourceAlreadyExistsException",), _as_if_made),
       phases=("scenarios",)),
)


class _SkipFirstOfNextPage(Breaker):
    """Each page asked for with a token leaves out its first item (the token still goes on)."""

    def __init__(self, where: str, token: str, items: str) -> None:
        self.where, self.token, self.items = where, token, items

    def call(self, req: Request, proceed: Proceed) -> dict[str, Any]:
        result = proceed()
        if _on(req, self.where) and req.params.get(self.token) is not None:
            result = {**result, self.items: list(result.get(self.items) or [])[1:]}
        return result


FAULTS += (
    _F("iot-list-jobs-page-skips", "pagination_conformance", IOT, "ListJobs",
       "every ListJobs page asked for with a nextToken leaves out its first job; the model: a "
       "nextToken continues the listing where the page before ended",
       lambda: _SkipFirstOfNextPage(f"{IOT}.ListJobs", "nextToken", "jobs"), phases=("scenarios",)),
)
FAULTS += (
    _F("iot-delete-thing-version-ignored", "state_transition_conformance", IOT, "DeleteThing",
       "DeleteThing ignores expectedVersion and deletes the thing; documented: a version that does not "
       "match the thing's is rejected with VersionConflictException",
       lambda: _Before(f"{IOT}.DeleteThing", _without("expectedVersion")), phases=("scenarios",)),
)
FAULTS += (
    _F("iotdata-update-document-ignored", "response_schema_conformance", DATA, "UpdateJobExecution",
       "UpdateJobExecution ignores includeJobDocument: the answer never carries jobDocument; documented: "
       "when set to true, the response contains the job document",
       lambda: _Before(f"{DATA}.UpdateJobExecution", _without("includeJobDocument")), phases=("scenarios",)),
    _F("ie-update-validate-only-applies", "read_after_write_consistency", IE, "UpdateJob",
       "UpdateJob with ValidateOnly=true replaces the manifest; documented: ValidateOnly validates the "
       "manifest and parameter values and changes nothing",
       lambda: _Before(f"{IE}.UpdateJob", lambda p: {**p, "ValidateOnly": False}), phases=("scenarios",)),
)
FAULTS += (
    _F("iotdata-device-sets-timed-out", "negative_data_rejection", DATA, "UpdateJobExecution",
       "UpdateJobExecution accepts status TIMED_OUT from a device (the change is not made); documented: a "
       "device sets IN_PROGRESS, FAILED, SUCCEEDED or REJECTED only",
       lambda: _Accept(f"{DATA}.UpdateJobExecution", ("InvalidRequestException",), lambda req, err: {},
                       when=lambda req, err: req.params.get("status") == "TIMED_OUT"),
       phases=("boundary",)),
)
FAULTS += (
    _F("iot-list-jobs-status-ignored", "response_schema_conformance", IOT, "ListJobs",
       "ListJobs ignores its status filter and lists jobs of every status; the model: status is a "
       "filter that lets you search for jobs that have the specified status",
       lambda: _Before(f"{IOT}.ListJobs", _without("status")), phases=("scenarios",)),
)


class _Remember(Breaker):
    """``where`` answers what it last answered for the same ids when the emulator no longer finds them."""

    def __init__(self, where: str, codes: tuple[str, ...], ids: tuple[str, ...]) -> None:
        self.where, self.codes, self.ids = where, codes, ids
        self.seen: dict[Any, dict[str, Any]] = {}

    def call(self, req: Request, proceed: Proceed) -> dict[str, Any]:
        if not _on(req, self.where):
            return proceed()
        key = (req.account, *(req.params.get(i) for i in self.ids))
        try:
            result = proceed()
        except ServiceError as err:
            if err.code in self.codes and key in self.seen:
                return self.seen[key]
            raise
        self.seen[key] = result
        return result


FAULTS += (
    _F("iot-deleted-job-execution-described", "use_after_delete", IOT, "DeleteJob",
       "after DeleteJob (force), DescribeJobExecution still answers the job's execution on its thing; "
       "documented: DeleteJob deletes a job and its related job executions",
       lambda: _Remember(f"{IOT}.DescribeJobExecution", ("ResourceNotFoundException",), ("thingName", "jobId")),
       reported=f"{IOT}.DescribeJobExecution", phases=("scenarios",)),
)
