"""Planted faults of AmplifyBackend (its job operations and the operations that make jobs)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from emulator.planted.base import AB, Fault, Request
from emulator.planted.breakers import (
    _After,
    _AnyAccount,
    _AnyParent,
    _Before,
    _Body,
    _clamp,
    _crash_if,
    _json,
    _number,
    _Reword,
)


def _stuck_token(req: Request, result: dict[str, Any]) -> dict[str, Any]:
    if req.params.get("NextToken") is not None and result.get("NextToken") is not None:
        return {**result, "NextToken": req.params["NextToken"]}
    return result


def _amplify_owner(req: Request, result: dict[str, Any]) -> Iterable[tuple[Any, Any]]:
    return [(result["JobId"], req.account)] if result.get("JobId") else []


def _amplify_parents(req: Request, result: dict[str, Any]) -> Iterable[tuple[Any, Any]]:
    if not result.get("JobId") or not req.params.get("BackendEnvironmentName"):
        return []
    return [((req.account, result["JobId"]), {"AppId": req.params["AppId"],
                                              "BackendEnvironmentName": req.params["BackendEnvironmentName"]})]


_JOB_JOBS = {"amplifybackend." + op: _amplify_owner for op in (
    "CreateBackend", "CloneBackend", "DeleteBackend", "RemoveAllBackends", "CreateBackendAuth",
    "CreateBackendAPI", "CreateBackendConfig", "CreateBackendStorage", "ImportBackendStorage",
    "ImportBackendAuth")}
_JOB_PARENTS = {k: _amplify_parents for k in _JOB_JOBS}


_AB_NOT_FOUND = ("NotFoundException",)


# -- the catalogue ----------------------------------------------------------------------------------
_F = Fault
FAULTS: tuple[Fault, ...] = (
    _F("amplify-get-job-any-app", "resource_hierarchy", AB, "GetBackendJob",
       "GetBackendJob finds a job by JobId alone, under any AppId and environment; the path is "
       "/backend/{appId}/job/{backendEnvironmentName}/{jobId}",
       lambda: _AnyParent(f"{AB}.GetBackendJob", _AB_NOT_FOUND, lambda p: p.get("JobId"), _JOB_PARENTS),
       phases=("scenarios",)),
    _F("amplify-update-job-any-app", "resource_hierarchy", AB, "UpdateBackendJob",
       "UpdateBackendJob changes a job found by JobId alone, under any AppId and environment; the "
       "path names the job's app and environment",
       lambda: _AnyParent(f"{AB}.UpdateBackendJob", _AB_NOT_FOUND, lambda p: p.get("JobId"), _JOB_PARENTS),
       phases=("scenarios",)),
    _F("amplify-get-job-any-account", "namespace_isolation", AB, "GetBackendJob",
       "GetBackendJob shows another account's job; an app and its jobs belong to one account",
       lambda: _AnyAccount(f"{AB}.GetBackendJob", _AB_NOT_FOUND, lambda p: p.get("JobId"), _JOB_JOBS),
       phases=("scenarios",)),
    _F("amplify-update-job-crash", "not_a_server_error", AB, "UpdateBackendJob",
       "UpdateBackendJob answers HTTP 500 when the body carries Operation, an optional string "
       "member of the model", lambda: _Before(f"{AB}.UpdateBackendJob", _crash_if(
           lambda p: "Operation" in p, "Operation")), phases=("boundary",)),
    _F("amplify-get-job-time-type", "response_schema_conformance", AB, "GetBackendJob",
       "GetBackendJob answers createTime as a JSON number; the model types it as a string",
       lambda: _Body(f"{AB}.GetBackendJob", _json(_number("createTime"))), phases=("boundary",)),
    _F("amplify-update-job-time-type", "response_schema_conformance", AB, "UpdateBackendJob",
       "UpdateBackendJob answers updateTime as a JSON number; the model types it as a string",
       lambda: _Body(f"{AB}.UpdateBackendJob", _json(_number("updateTime"))), phases=("boundary",)),
    _F("amplify-not-found-status", "status_code_conformance", AB, "GetBackendJob",
       "NotFoundException answers HTTP 400; the model declares it with HTTP 404",
       lambda: _Reword(f"{AB}.GetBackendJob", _AB_NOT_FOUND, status=400), phases=("scenarios",)),
    _F("amplify-update-job-undeclared-error", "error_class_conformance", AB, "UpdateBackendJob",
       "an invalid UpdateBackendJob answers ValidationException; the operation declares "
       "BadRequestException (400) for a malformed request",
       lambda: _Reword(f"{AB}.UpdateBackendJob", ["BadRequestException"], code="ValidationException"),
       phases=("boundary",)),
    _F("amplify-list-jobs-token-stuck", "pagination_conformance", AB, "ListBackendJobs",
       "ListBackendJobs answers the NextToken it was given, so pages repeat; a token continues "
       "after the page it ends", lambda: _After(f"{AB}.ListBackendJobs", _stuck_token),
       phases=("scenarios",)),
    _F("amplify-list-jobs-max-results-unbounded", "negative_data_rejection", AB, "ListBackendJobs",
       "MaxResults over 25 is accepted; the model bounds MaxResults to 1..25",
       lambda: _Before(f"{AB}.ListBackendJobs", _clamp("MaxResults", 25)), phases=("boundary",)),
)
