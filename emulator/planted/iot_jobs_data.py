"""Planted faults of the IoT Jobs data plane."""

from __future__ import annotations

from typing import Any

from emulator.core import ServiceError
from emulator.planted.base import DATA, IOT, Breaker, Fault, Proceed, Request
from emulator.planted.breakers import (
    _Accept,
    _AnyAccount,
    _AnyParent,
    _Before,
    _Body,
    _crash_if,
    _json,
    _put,
    _refuse_if,
    _Reword,
    _Skip,
    _Stale,
    _status_to,
    _without,
)
from emulator.planted.iot import _IOT_NOT_FOUND, _job_owner, _job_thing, _thing_job


class _VersionStuck(Breaker):
    """Device updates do not bump versionNumber: every answer shows the version before them."""

    KEYS = ("iot-jobs-data.UpdateJobExecution", "iot-jobs-data.DescribeJobExecution",
            "iot-jobs-data.StartNextPendingJobExecution")

    def __init__(self) -> None:
        self.bumps: dict[tuple[str, Any, Any], int] = {}

    def call(self, req: Request, proceed: Proceed) -> dict[str, Any]:
        where = f"{req.service}.{req.operation}"
        if where not in self.KEYS:
            return proceed()
        p = req.params
        key = (req.account, p.get("thingName"), p.get("jobId"))
        if where == self.KEYS[0]:
            hidden = self.bumps.get(key, 0)
            if isinstance(p.get("expectedVersion"), int):  # anything else is the emulator's to refuse
                p = {**p, "expectedVersion": p["expectedVersion"] + hidden}
            try:
                result = proceed(params=p)
            except ServiceError as err:
                self._hide(err.fields.get("executionState"), hidden)
                raise
            self.bumps[key] = hidden + 1
            self._hide(result.get("executionState"), hidden + 1)
            return result
        result = proceed()
        execution = result.get("execution")
        if isinstance(execution, dict):
            key = (req.account, execution.get("thingName", p.get("thingName")), execution.get("jobId"))
            self._hide(execution, self.bumps.get(key, 0))
        return result

    @staticmethod
    def _hide(view: Any, n: int) -> None:
        if isinstance(view, dict) and isinstance(view.get("versionNumber"), int):
            view["versionNumber"] -= n


# -- small pieces -----------------------------------------------------------------------------------
def _truncate_details(p: dict[str, Any]) -> dict[str, Any]:
    details = p.get("statusDetails")
    if isinstance(details, dict):
        p["statusDetails"] = {k: v[:1024] if isinstance(v, str) else v for k, v in details.items()}
    return p


_TERMINAL = frozenset({"SUCCEEDED", "FAILED", "TIMED_OUT", "REJECTED", "REMOVED", "CANCELED"})


def _restart_terminal(req: Request, err: ServiceError) -> bool:
    state = err.fields.get("executionState") or {}
    expected = req.params.get("expectedVersion")
    return req.params.get("status") == "IN_PROGRESS" and state.get("status") in _TERMINAL and \
        (expected is None or expected == state.get("versionNumber"))


def _update_answer(req: Request, err: ServiceError) -> dict[str, Any]:
    state = dict(err.fields.get("executionState") or {})
    return {"executionState": state} if req.params.get("includeJobExecutionState") else {}


# -- the catalogue ----------------------------------------------------------------------------------
_F = Fault
FAULTS: tuple[Fault, ...] = (
    _F("iotdata-terminal-restart", "state_transition_conformance", DATA, "UpdateJobExecution",
       "a terminal execution accepts status IN_PROGRESS; documented: terminal -> anything is "
       "InvalidStateTransitionException 409 (SUCCEEDED -> IN_PROGRESS is the documented example)",
       lambda: _Accept(f"{DATA}.UpdateJobExecution", ["InvalidStateTransitionException"], _update_answer,
                       _restart_terminal), phases=("lifecycle",)),
    _F("iotdata-version-not-incremented", "state_transition_conformance", DATA, "UpdateJobExecution",
       "versionNumber stays put on a device update; documented: it is incremented each time the "
       "device updates the execution", _VersionStuck,
       reported=f"{DATA}.DescribeJobExecution", phases=("lifecycle",), plan=(f"{DATA}.UpdateJobExecution",)),
    _F("iotdata-expected-version-ignored", "state_transition_conformance", DATA, "UpdateJobExecution",
       "a stale expectedVersion is accepted; documented: a version mismatch rejects the update",
       lambda: _Before(f"{DATA}.UpdateJobExecution", _without("expectedVersion")), phases=("lifecycle",)),
    _F("iotdata-status-details-unbounded", "negative_data_rejection", DATA, "UpdateJobExecution",
       "a statusDetails value over 1024 characters is truncated and accepted; documented: values "
       "are at most 1024 characters", lambda: _Before(f"{DATA}.UpdateJobExecution", _truncate_details),
       phases=("boundary",)),
    _F("iotdata-step-timeout-max-refused", "positive_data_acceptance", DATA, "UpdateJobExecution",
       "stepTimeoutInMinutes=10080 is refused as invalid; documented: 1..10080 (or -1) is valid",
       lambda: _Before(f"{DATA}.UpdateJobExecution", _refuse_if(
           lambda p: p.get("stepTimeoutInMinutes") == 10080, "InvalidRequestException",
           "UpdateJobExecution.stepTimeoutInMinutes: expected 1..10079")), phases=("boundary",)),
    _F("iotdata-transition-error-status", "status_code_conformance", DATA, "UpdateJobExecution",
       "InvalidStateTransitionException answers HTTP 400; the model declares it with HTTP 409",
       lambda: _Reword(f"{DATA}.UpdateJobExecution", ["InvalidStateTransitionException"], status=400),
       phases=("lifecycle",)),
    _F("iotdata-update-state-enum", "response_schema_conformance", DATA, "UpdateJobExecution",
       "executionState.status answers RUNNING for IN_PROGRESS; the model's JobExecutionStatus enum "
       "has no such value", lambda: _Body(f"{DATA}.UpdateJobExecution",
                                          _json(_status_to("RUNNING", "executionState", "status"))),
       phases=("boundary",)),
    _F("iotdata-update-crash-on-document", "not_a_server_error", DATA, "UpdateJobExecution",
       "includeJobDocument=true answers HTTP 500; the model's optional flag must not break a "
       "well-formed call", lambda: _Before(f"{DATA}.UpdateJobExecution", _crash_if(
           lambda p: p.get("includeJobDocument") is True, "includeJobDocument")), phases=("boundary",)),
    _F("iotdata-update-any-account", "namespace_isolation", DATA, "UpdateJobExecution",
       "another account's device updates the execution; documented: a job and its executions "
       "belong to the account that created them",
       lambda: _AnyAccount(f"{DATA}.UpdateJobExecution", _IOT_NOT_FOUND, lambda p: p.get("jobId"),
                           {f"{IOT}.CreateJob": _job_owner}), phases=("scenarios",)),
    _F("iotdata-update-any-thing", "resource_hierarchy", DATA, "UpdateJobExecution",
       "UpdateJobExecution finds an execution by jobId alone, under any thingName; the execution "
       "is the job's on one thing (/things/{thingName}/jobs/{jobId})",
       lambda: _AnyParent(f"{DATA}.UpdateJobExecution", _IOT_NOT_FOUND, lambda p: p.get("jobId"),
                          {f"{IOT}.CreateJob": _job_thing}), phases=("scenarios",)),
    _F("iotdata-not-found-undeclared", "error_class_conformance", DATA, "UpdateJobExecution",
       "an unknown execution answers JobExecutionNotFoundException; UpdateJobExecution declares "
       "ResourceNotFoundException", lambda: _Reword(f"{DATA}.UpdateJobExecution", _IOT_NOT_FOUND,
                                                    code="JobExecutionNotFoundException"),
       phases=("scenarios",)),
    _F("iotdata-describe-stale", "read_after_write_consistency", DATA, "DescribeJobExecution",
       "DescribeJobExecution answers from a cache an update never refreshes; a read after a "
       "successful update must show it", lambda: _Stale(f"{DATA}.DescribeJobExecution", _thing_job),
       phases=("lifecycle",)),
    _F("iotdata-deleted-execution-described", "use_after_delete", IOT, "DeleteJobExecution",
       "DeleteJobExecution answers 200 and the execution stays; documented: it deletes the "
       "execution", lambda: _Skip(f"{IOT}.DeleteJobExecution", lambda req: {}),
       reported=f"{DATA}.DescribeJobExecution", phases=("lifecycle",)),
    _F("iotdata-step-timer-ignored", "state_transition_conformance", DATA, "UpdateJobExecution",
       "stepTimeoutInMinutes is dropped, so an execution never times out; documented: not terminal "
       "when the step timer expires, the execution is automatically set to TIMED_OUT",
       lambda: _Before(f"{DATA}.UpdateJobExecution", _without("stepTimeoutInMinutes")),
       # the job's lifecycle sees it first (its only execution never ends, so the job never completes);
       # the execution's own lifecycle reports it on DescribeJobExecution (step_timer_fires)
       reported=f"{IOT}.DescribeJob", phases=("lifecycle",), plan=(f"{IOT}.DescribeJob",)),
    _F("iotdata-command-token-ignored", "idempotency_conformance", DATA, "StartCommandExecution",
       "a repeated clientToken starts a new command execution; the model marks clientToken an "
       "idempotency token", lambda: _Before(f"{DATA}.StartCommandExecution", _without("clientToken")),
       phases=("scenarios",)),
    _F("iotdata-describe-null-member", "observed_conformance", DATA, "DescribeJobExecution",
       "DescribeJobExecution answers \"startedAt\": null for an execution not started; the recorded "
       "answers leave an absent member out (observed, no page promises it)",
       lambda: _Body(f"{DATA}.DescribeJobExecution", _json(_put("startedAt", None, "execution"))),
       phases=("boundary",), recorded=True),
)
