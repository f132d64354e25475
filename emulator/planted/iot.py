"""Planted faults of the IoT control plane (the job part), and what the IoT faults learn from it."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from typing import Any

from emulator.core import ServiceError
from emulator.planted.base import IOT, Breaker, Fault, Proceed, Request, _on
from emulator.planted.breakers import (
    _After,
    _AnyAccount,
    _AnyParent,
    _Before,
    _Body,
    _drop,
    _json,
    _Overlap,
    _put,
    _Reword,
    _Skip,
    _status_to,
    _without,
)


class _RepeatRefused(Breaker):
    """CreateThing of a name the account already has is refused, whatever the configuration."""

    def __init__(self) -> None:
        self.names: set[tuple[str, Any]] = set()

    def call(self, req: Request, proceed: Proceed) -> dict[str, Any]:
        key = (req.account, req.params.get("thingName"))
        if _on(req, "iot.CreateThing") and key in self.names:
            raise ServiceError("ResourceAlreadyExistsException",
                               f"CreateThing.thingName: thing {key[1]!r} already exists", status=409)
        result = proceed()
        if _on(req, "iot.CreateThing"):
            self.names.add(key)
        elif _on(req, "iot.DeleteThing"):
            self.names.discard(key)
        return result


# -- small pieces -----------------------------------------------------------------------------------
def _fresh_thing_id(req: Request, result: dict[str, Any]) -> dict[str, Any]:
    return {**result, "thingId": str(uuid.uuid4())}


def _thing_of(arn: str) -> str | None:
    _, sep, name = arn.rpartition(":thing/")
    return name if sep else None


def _job_owner(req: Request, result: dict[str, Any]) -> Iterable[tuple[Any, Any]]:
    return [(req.params.get("jobId"), req.account)]


def _thing_owner(req: Request, result: dict[str, Any]) -> Iterable[tuple[Any, Any]]:
    return [(req.params.get("thingName"), req.account)]


def _job_thing(req: Request, result: dict[str, Any]) -> Iterable[tuple[Any, Any]]:
    names = [_thing_of(a) for a in req.params.get("targets") or [] if isinstance(a, str)]
    names = [n for n in names if n]
    return [((req.account, req.params.get("jobId")), {"thingName": names[0]})] if names else []


def _any_document(p: dict[str, Any]) -> dict[str, Any]:
    """An empty or non-JSON job document goes through as an empty JSON object (so it is accepted)."""
    doc = p.get("document")
    if isinstance(doc, str):
        try:
            json.loads(doc)
        except ValueError:
            return {**p, "document": "{}"}
    return p


def _thing_job(p: dict[str, Any]) -> Any:
    return (p.get("thingName"), p.get("jobId"))


_IOT_NOT_FOUND = ("ResourceNotFoundException",)


class _ComesBack(Breaker):
    """A job the service completed reads COMPLETED once, then IN_PROGRESS again: it goes back from a
    terminal state."""

    def __init__(self) -> None:
        self.seen: set[tuple[str, Any]] = set()

    def call(self, req: Request, proceed: Proceed) -> dict[str, Any]:
        result = proceed()
        job = result.get("job")
        if not _on(req, f"{IOT}.DescribeJob") or not isinstance(job, dict) or job.get("status") != "COMPLETED":
            return result
        key = (req.account, req.params.get("jobId"))
        if key in self.seen:
            job["status"] = "IN_PROGRESS"
        self.seen.add(key)
        return result


def _completed_shown_running(data: dict[str, Any]) -> None:
    job = data.get("job")
    if isinstance(job, dict) and job.get("status") == "COMPLETED":
        job["status"] = "IN_PROGRESS"


# -- the catalogue ----------------------------------------------------------------------------------
_F = Fault
FAULTS: tuple[Fault, ...] = (
    _F("iot-deleted-thing-described", "use_after_delete", IOT, "DeleteThing",
       "DeleteThing answers 200 and the thing is still described; documented: it deletes the thing",
       lambda: _Skip(f"{IOT}.DeleteThing", lambda req: {}), reported=f"{IOT}.DescribeThing",
       phases=("scenarios",)),
    _F("iot-deleted-job-described", "use_after_delete", IOT, "DeleteJob",
       "DeleteJob (force) answers 200 and the job is still described; documented: the job "
       "disappears once deleted", lambda: _Skip(f"{IOT}.DeleteJob", lambda req: {}),
       reported=f"{IOT}.DescribeJob", phases=("scenarios",)),
    _F("iot-job-any-account", "namespace_isolation", IOT, "DescribeJob",
       "DescribeJob shows another account's job; a job belongs to the account that created it",
       lambda: _AnyAccount(f"{IOT}.DescribeJob", _IOT_NOT_FOUND, lambda p: p.get("jobId"),
                           {f"{IOT}.CreateJob": _job_owner}), phases=("scenarios",)),
    _F("iot-list-executions-any-account", "namespace_isolation", IOT, "ListJobExecutionsForThing",
       "ListJobExecutionsForThing lists the executions on another account's thing; a thing and its "
       "job executions belong to the account that created them (not found, or not listed)",
       lambda: _AnyAccount(f"{IOT}.ListJobExecutionsForThing", _IOT_NOT_FOUND, lambda p: p.get("thingName"),
                           {f"{IOT}.CreateThing": _thing_owner}), phases=("scenarios",)),
    _F("iot-list-jobs-ignores-limit", "pagination_conformance", IOT, "ListJobs",
       "ListJobs ignores maxResults; the model: maxResults is the most results a page returns",
       lambda: _Before(f"{IOT}.ListJobs", _without("maxResults")), phases=("scenarios",)),
    _F("iot-list-executions-overlap", "pagination_conformance", IOT, "ListJobExecutionsForThing",
       "each ListJobExecutionsForThing page repeats the last item of the page before; a nextToken "
       "continues after the last item returned", lambda: _Overlap(
           f"{IOT}.ListJobExecutionsForThing", "nextToken", "maxResults", "executionSummaries"),
       phases=("scenarios",)),
    _F("iot-create-thing-repeat-refused", "idempotency_conformance", IOT, "CreateThing",
       "CreateThing with an existing name and the same configuration answers "
       "ResourceAlreadyExistsException; documented: the same configuration twice succeeds",
       _RepeatRefused, phases=("scenarios",)),
    _F("iot-create-thing-new-id", "idempotency_conformance", IOT, "CreateThing",
       "CreateThing repeated with the same configuration answers another thingId; documented: it "
       "returns the existing thing", lambda: _After(f"{IOT}.CreateThing", _fresh_thing_id),
       phases=("scenarios",)),
    _F("iot-describe-job-status-enum", "response_schema_conformance", IOT, "DescribeJob",
       "DescribeJob answers job.status RUNNING; the model's JobStatus enum has IN_PROGRESS, "
       "CANCELED, COMPLETED, DELETION_IN_PROGRESS, SCHEDULED",
       lambda: _Body(f"{IOT}.DescribeJob", _json(_status_to("RUNNING", "job", "status"))),
       phases=("boundary",)),
    _F("iot-cancel-job-not-applied", "read_after_write_consistency", IOT, "CancelJob",
       "CancelJob answers 200 and the job never shows CANCELED (polled); documented: the job is "
       "canceled, eventually", lambda: _Skip(f"{IOT}.CancelJob", lambda req: {"jobId": req.params.get("jobId")}),
       reported=f"{IOT}.DescribeJob", phases=("lifecycle",), plan=(f"{IOT}.CancelJob",)),
    _F("iot-job-never-completes", "state_transition_conformance", IOT, "DescribeJob",
       "DescribeJob shows a COMPLETED job IN_PROGRESS forever; documented: a job is COMPLETED once "
       "every execution is terminal (its only execution timed out)",
       lambda: _Body(f"{IOT}.DescribeJob", _json(_completed_shown_running)),
       phases=("lifecycle",), plan=(f"{IOT}.DescribeJob",)),
    _F("iot-completed-job-reopens", "state_transition_conformance", IOT, "DescribeJob",
       "a job the service completed (its only execution ended) reads COMPLETED, then IN_PROGRESS again; "
       "documented: COMPLETED is terminal", _ComesBack, phases=("lifecycle",), plan=(f"{IOT}.DescribeJob",)),
    _F("iot-execution-any-thing", "resource_hierarchy", IOT, "DescribeJobExecution",
       "DescribeJobExecution finds an execution by jobId alone, under any thingName; an execution "
       "is one job's on one thing", lambda: _AnyParent(
           f"{IOT}.DescribeJobExecution", _IOT_NOT_FOUND, lambda p: p.get("jobId"),
           {f"{IOT}.CreateJob": _job_thing}), phases=("scenarios",)),
    _F("iot-create-job-any-document", "negative_data_rejection", IOT, "CreateJob",
       "CreateJob accepts an empty or non-JSON document; the IoT developer guide: job documents are "
       "UTF-8 encoded JSON documents", lambda: _Before(f"{IOT}.CreateJob", _any_document),
       phases=("boundary",)),
    _F("iot-not-found-status", "status_code_conformance", IOT, "DescribeThing",
       "ResourceNotFoundException answers HTTP 400; the model declares it with HTTP 404",
       lambda: _Reword(f"{IOT}.DescribeThing", _IOT_NOT_FOUND, status=400), phases=("scenarios",)),
    _F("iot-cancel-execution-version-status", "status_code_conformance", IOT, "CancelJobExecution",
       "a stale expectedVersion on CancelJobExecution answers VersionConflictException with HTTP 410; "
       "the model declares it with HTTP 409", lambda: _Reword(f"{IOT}.CancelJobExecution",
                                                             ["VersionConflictException"], status=410),
       phases=("scenarios",)),
    _F("iot-describe-job-created-at-dropped", "observed_conformance", IOT, "DescribeJob",
       "DescribeJob answers without job.createdAt; every recorded answer carried it (observed, "
       "no page promises it)", lambda: _Body(f"{IOT}.DescribeJob", _json(_drop("job", "createdAt"))),
       phases=("boundary",), recorded=True),
    _F("iot-describe-thing-unmodelled-member", "observed_conformance", IOT, "DescribeThing",
       "DescribeThing answers carry thingStatus, a member the model lacks and no recorded answer "
       "carried (observed, no page promises it)",
       lambda: _Body(f"{IOT}.DescribeThing", _json(_put("thingStatus", "ACTIVE"))),
       phases=("boundary",), recorded=True),
)
