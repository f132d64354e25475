"""Planted faults: named, deliberate breaks of documented behaviour, off unless asked for.

``PlantedEmulator(Emulator(), ["iotdata-terminal-restart"])`` has the emulator's ``handle``
interface and answers like it, except where a planted fault breaks one documented rule. Each fault
is a ``Breaker`` placed around the correct emulator at two seams, never inside its code:

- ``call``: around the emulator's dispatch of one request (``Emulator._call``: model validation,
  then the backend's handler). A breaker sees the operation, the typed params and the account; it
  may rewrite the params before validation, call on with another account, turn an error into a
  success, change an error's code or status, raise, or rewrite the result;
- ``respond``: the raw HTTP answer, for breaks the serialiser would not let through (a wrong type
  in a success body).

A breaker keeps what it learns (who created what, the answers it caches) for itself, from the
traffic it sees, not from the backends' state. ``PlantedEmulator`` installs its dispatch hook on
the emulator instance it wraps: hand it a fresh ``Emulator``. ``jobfuzz emulator --plant NAME`` and
``jobfuzz run --plant NAME`` (embedded target) serve a planted emulator; ``FAULTS`` is the
catalogue (docs/planted.md lists it with the harness's detection figures).
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from emulator.core import ServiceError
from emulator.protocol import RawResponse

__all__ = ["FAULTS", "Fault", "PlantedEmulator", "UnknownFault", "catalogue_text", "resolve"]


# -- the seams -------------------------------------------------------------------------------
@dataclass(slots=True)
class Request:
    service: str
    operation: str
    params: dict[str, Any]
    account: str


Proceed = Callable[..., dict[str, Any]]  # proceed(params=None, account=None) -> result


class Breaker:
    """One planted fault's behaviour. The defaults answer as the correct emulator does."""

    def call(self, req: Request, proceed: Proceed) -> dict[str, Any]:
        return proceed()

    def respond(self, req: Request, resp: RawResponse) -> RawResponse:
        return resp


def _on(req: Request, where: str) -> bool:
    return f"{req.service}.{req.operation}" == where


class _Before(Breaker):
    """Rewrite (or refuse, or crash on) the params of ``where`` before the emulator sees them."""

    def __init__(self, where: str, fn: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
        self.where, self.fn = where, fn

    def call(self, req: Request, proceed: Proceed) -> dict[str, Any]:
        return proceed(params=self.fn(dict(req.params))) if _on(req, self.where) else proceed()


class _After(Breaker):
    """Rewrite the result of a successful ``where``."""

    def __init__(self, where: str, fn: Callable[[Request, dict[str, Any]], dict[str, Any]]) -> None:
        self.where, self.fn = where, fn

    def call(self, req: Request, proceed: Proceed) -> dict[str, Any]:
        result = proceed()
        return self.fn(req, result) if _on(req, self.where) else result


class _Accept(Breaker):
    """Answer ``where``'s refusals with ``codes`` as a success (the change is not made)."""

    def __init__(self, where: str, codes: Iterable[str], answer: Callable[[Request, ServiceError], dict[str, Any]],
                 when: Callable[[Request, ServiceError], bool] | None = None) -> None:
        self.where, self.codes, self.answer, self.when = where, frozenset(codes), answer, when

    def call(self, req: Request, proceed: Proceed) -> dict[str, Any]:
        if not _on(req, self.where):
            return proceed()
        try:
            return proceed()
        except ServiceError as err:
            if err.code in self.codes and (self.when is None or self.when(req, err)):
                return self.answer(req, err)
            raise


class _Reword(Breaker):
    """Answer ``where``'s errors with ``codes`` under another code or HTTP status."""

    def __init__(self, where: str, codes: Iterable[str], *, code: str | None = None,
                 status: int | None = None) -> None:
        self.where, self.codes, self.code, self.status = where, frozenset(codes), code, status

    def call(self, req: Request, proceed: Proceed) -> dict[str, Any]:
        try:
            return proceed()
        except ServiceError as err:
            if not _on(req, self.where) or err.code not in self.codes:
                raise
            raise ServiceError(self.code or err.code, err.message, status=self.status or err.status,
                               fields=err.fields) from None


class _Skip(Breaker):
    """Acknowledge ``where`` without doing it."""

    def __init__(self, where: str, answer: Callable[[Request], dict[str, Any]]) -> None:
        self.where, self.answer = where, answer

    def call(self, req: Request, proceed: Proceed) -> dict[str, Any]:
        return self.answer(req) if _on(req, self.where) else proceed()


class _Body(Breaker):
    """Rewrite the raw body of ``where``'s success answers (``fn`` takes and gives text)."""

    def __init__(self, where: str, fn: Callable[[str], str]) -> None:
        self.where, self.fn = where, fn

    def respond(self, req: Request, resp: RawResponse) -> RawResponse:
        if not _on(req, self.where) or not 200 <= resp.status < 300:
            return resp
        return RawResponse(resp.status, dict(resp.headers), self.fn(resp.body.decode("utf-8")).encode("utf-8"))


def _json(fn: Callable[[dict[str, Any]], None]) -> Callable[[str], str]:
    def rewrite(text: str) -> str:
        data = json.loads(text or "{}")
        fn(data)
        return json.dumps(data)
    return rewrite


def _xml(tag: str, value: str) -> Callable[[str], str]:
    return lambda text: re.sub(rf"<{tag}>[^<]*</{tag}>", f"<{tag}>{value}</{tag}>", text)


class _Stale(Breaker):
    """Serve the first successful answer of ``where`` for each resource, whatever happens later."""

    def __init__(self, where: str, key: Callable[[dict[str, Any]], Any]) -> None:
        self.where, self.key, self.cache = where, key, {}

    def respond(self, req: Request, resp: RawResponse) -> RawResponse:
        if not _on(req, self.where) or not 200 <= resp.status < 300:
            return resp
        return self.cache.setdefault((req.account, self.key(req.params)), resp)


class _Index(Breaker):
    """Learn, from successful calls, a fact about a resource by its id (owner, parent)."""

    def __init__(self, learn: Mapping[str, Callable[[Request, dict[str, Any]], Iterable[tuple[Any, Any]]]]) -> None:
        self.learn, self.index = dict(learn), {}

    def call(self, req: Request, proceed: Proceed) -> dict[str, Any]:
        result = self.act(req, proceed)
        fn = self.learn.get(f"{req.service}.{req.operation}")
        if fn is not None:
            self.index.update(fn(req, result))
        return result

    def act(self, req: Request, proceed: Proceed) -> dict[str, Any]:
        return proceed()


class _Retried(_Index):
    """A not-found answer (``codes``) on ``where`` is retried with what the index learnt of ``key``."""

    def __init__(self, where: str, codes: Iterable[str], key: Callable[[dict[str, Any]], Any],
                 learn: Mapping[str, Callable[[Request, dict[str, Any]], Iterable[tuple[Any, Any]]]]) -> None:
        super().__init__(learn)
        self.where, self.codes, self.key = where, frozenset(codes), key


class _AnyAccount(_Retried):
    """A not-found answer on ``where`` is retried as the account that created the resource."""

    def act(self, req: Request, proceed: Proceed) -> dict[str, Any]:
        try:
            return proceed()
        except ServiceError as err:
            owner = self.index.get(self.key(req.params)) if _on(req, self.where) else None
            if err.code in self.codes and owner not in (None, req.account):
                return proceed(account=owner)
            raise


class _AnyParent(_Retried):
    """A not-found answer on ``where`` is retried with the parents the child really has."""

    def act(self, req: Request, proceed: Proceed) -> dict[str, Any]:
        try:
            return proceed()
        except ServiceError as err:
            parents = self.index.get((req.account, self.key(req.params))) if _on(req, self.where) else None
            if err.code in self.codes and parents:
                return proceed(params={**req.params, **parents})
            raise


class _Overlap(Breaker):
    """Each page after the first starts with the last item of the page before."""

    def __init__(self, where: str, token: str, limit: str, items: str) -> None:
        self.where, self.token, self.limit, self.items, self.last = where, token, limit, items, {}

    def call(self, req: Request, proceed: Proceed) -> dict[str, Any]:
        if not _on(req, self.where):
            return proceed()
        p = dict(req.params)
        repeat = self.last.get(p.get(self.token)) if p.get(self.token) is not None else None
        if repeat is not None and p.get(self.limit):
            p[self.limit] = max(1, p[self.limit] - 1)
        result = dict(proceed(params=p))
        items = list(result.get(self.items) or [])
        if repeat is not None:
            items.insert(0, repeat)
        result[self.items] = items
        if result.get(self.token) is not None and items:
            self.last[result[self.token]] = items[-1]
        return result


class _VersionStuck(Breaker):
    """Device updates do not bump versionNumber: every answer shows the version before them."""

    KEYS = ("iot-jobs-data.UpdateJobExecution", "iot-jobs-data.DescribeJobExecution",
            "iot-jobs-data.StartNextPendingJobExecution")

    def __init__(self) -> None:
        self.bumps: dict[tuple[str, str, str], int] = {}

    def call(self, req: Request, proceed: Proceed) -> dict[str, Any]:
        where = f"{req.service}.{req.operation}"
        if where not in self.KEYS:
            return proceed()
        p = req.params
        key = (req.account, p.get("thingName"), p.get("jobId"))
        if where == self.KEYS[0]:
            hidden = self.bumps.get(key, 0)
            if p.get("expectedVersion") is not None:
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


class _RepeatRefused(Breaker):
    """CreateThing of a name the account already has is refused, whatever the configuration."""

    def __init__(self) -> None:
        self.names: set[tuple[str, str]] = set()

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


# -- small pieces the catalogue uses -----------------------------------------------------------
def _crash(what: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def fn(p: dict[str, Any]) -> dict[str, Any]:
        raise RuntimeError(f"planted crash: {what}")
    return fn


def _crash_if(test: Callable[[dict[str, Any]], bool], what: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda p: _crash(what)(p) if test(p) else p


def _without(*names: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda p: {k: v for k, v in p.items() if k not in names}


def _refuse_if(test: Callable[[dict[str, Any]], bool], code: str, message: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def fn(p: dict[str, Any]) -> dict[str, Any]:
        if test(p):
            raise ServiceError(code, message, status=400)
        return p
    return fn


def _truncate_details(p: dict[str, Any]) -> dict[str, Any]:
    details = p.get("statusDetails")
    if isinstance(details, dict):
        p["statusDetails"] = {k: v[:1024] if isinstance(v, str) else v for k, v in details.items()}
    return p


def _clamp(name: str, top: int) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def fn(p: dict[str, Any]) -> dict[str, Any]:
        if isinstance(p.get(name), int) and p[name] > top:
            p[name] = top
        return p
    return fn


def _set(key: str, value: Any) -> Callable[[Request, dict[str, Any]], dict[str, Any]]:
    return lambda req, result: {**result, key: value}


def _stuck_token(req: Request, result: dict[str, Any]) -> dict[str, Any]:
    if req.params.get("NextToken") is not None and result.get("NextToken") is not None:
        return {**result, "NextToken": req.params["NextToken"]}
    return result


def _fresh_thing_id(req: Request, result: dict[str, Any]) -> dict[str, Any]:
    return {**result, "thingId": str(uuid.uuid4())}


def _status_to(value: str, *path: str) -> Callable[[dict[str, Any]], None]:
    def fn(data: dict[str, Any]) -> None:
        for key in path[:-1]:
            data = data.get(key) or {}
        if path[-1] in data:
            data[path[-1]] = value
    return fn


def _number(key: str) -> Callable[[dict[str, Any]], None]:
    def fn(data: dict[str, Any]) -> None:
        if key in data:
            data[key] = 1700000000000
    return fn


def _thing_of(arn: str) -> str | None:
    _, sep, name = arn.rpartition(":thing/")
    return name if sep else None


def _job_owner(req: Request, result: dict[str, Any]) -> Iterable[tuple[Any, Any]]:
    return [(req.params.get("jobId"), req.account)]


def _amplify_owner(req: Request, result: dict[str, Any]) -> Iterable[tuple[Any, Any]]:
    return [(result["JobId"], req.account)] if result.get("JobId") else []


def _amplify_parents(req: Request, result: dict[str, Any]) -> Iterable[tuple[Any, Any]]:
    if not result.get("JobId") or not req.params.get("BackendEnvironmentName"):
        return []
    return [((req.account, result["JobId"]), {"AppId": req.params["AppId"],
                                              "BackendEnvironmentName": req.params["BackendEnvironmentName"]})]


def _job_thing(req: Request, result: dict[str, Any]) -> Iterable[tuple[Any, Any]]:
    names = [_thing_of(a) for a in req.params.get("targets") or [] if isinstance(a, str)]
    names = [n for n in names if n]
    return [((req.account, req.params.get("jobId")), {"thingName": names[0]})] if names else []


def _thing_job(p: dict[str, Any]) -> Any:
    return (p.get("thingName"), p.get("jobId"))


_JOB_JOBS = {"amplifybackend." + op: _amplify_owner for op in (
    "CreateBackend", "CloneBackend", "DeleteBackend", "RemoveAllBackends", "CreateBackendAuth",
    "CreateBackendAPI", "CreateBackendConfig", "CreateBackendStorage", "ImportBackendStorage",
    "ImportBackendAuth")}
_JOB_PARENTS = {k: _amplify_parents for k in _JOB_JOBS}
_IOT_NOT_FOUND = ("ResourceNotFoundException",)
_AB_NOT_FOUND = ("NotFoundException",)
_TERMINAL = frozenset({"SUCCEEDED", "FAILED", "TIMED_OUT", "REJECTED", "REMOVED", "CANCELED"})


def _restart_terminal(req: Request, err: ServiceError) -> bool:
    state = err.fields.get("executionState") or {}
    expected = req.params.get("expectedVersion")
    return req.params.get("status") == "IN_PROGRESS" and state.get("status") in _TERMINAL and \
        (expected is None or expected == state.get("versionNumber"))


def _update_answer(req: Request, err: ServiceError) -> dict[str, Any]:
    state = dict(err.fields.get("executionState") or {})
    return {"executionState": state} if req.params.get("includeJobExecutionState") else {}


def _ie_success(req: Request, err: ServiceError | None = None) -> dict[str, Any]:
    return {"Success": True}


def _has_prefix(p: dict[str, Any]) -> bool:
    return re.search(r"(?m)^prefix:", str(p.get("Manifest") or "")) is not None


# -- the catalogue ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Fault:
    """One planted fault: which documented rule it breaks, and which check should find it."""

    name: str
    check: str  # the check expected to find it
    service: str  # the service and operation whose documented behaviour is broken
    operation: str
    description: str  # one line: what is broken, citing the rule
    make: Callable[[], Breaker]
    reported: str = ""  # "service.Operation" the failure names (default: the broken operation)
    phases: tuple[str, ...] = ()  # the harness phases that reach it
    plan: tuple[str, ...] = ()  # the operations a small run restricts itself to

    def __post_init__(self) -> None:
        qualified = f"{self.service}.{self.operation}"
        object.__setattr__(self, "reported", self.reported or qualified)
        object.__setattr__(self, "plan", self.plan or (self.reported,))

    @property
    def qualified(self) -> str:
        return f"{self.service}.{self.operation}"


DATA, IOT, AB, IE = "iot-jobs-data", "iot", "amplifybackend", "importexport"
_F = Fault
_CATALOGUE: tuple[Fault, ...] = (
    # -- iot-jobs-data ------------------------------------------------------------------------
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
    _F("iotdata-command-token-ignored", "idempotency_conformance", DATA, "StartCommandExecution",
       "a repeated clientToken starts a new command execution; the model marks clientToken an "
       "idempotency token", lambda: _Before(f"{DATA}.StartCommandExecution", _without("clientToken")),
       phases=("scenarios",)),
    # -- iot ----------------------------------------------------------------------------------
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
    _F("iot-execution-any-thing", "resource_hierarchy", IOT, "DescribeJobExecution",
       "DescribeJobExecution finds an execution by jobId alone, under any thingName; an execution "
       "is one job's on one thing", lambda: _AnyParent(
           f"{IOT}.DescribeJobExecution", _IOT_NOT_FOUND, lambda p: p.get("jobId"),
           {f"{IOT}.CreateJob": _job_thing}), phases=("scenarios",)),
    _F("iot-not-found-status", "status_code_conformance", IOT, "DescribeThing",
       "ResourceNotFoundException answers HTTP 400; the model declares it with HTTP 404",
       lambda: _Reword(f"{IOT}.DescribeThing", _IOT_NOT_FOUND, status=400), phases=("scenarios",)),
    # -- amplifybackend -----------------------------------------------------------------------
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
    # -- importexport -------------------------------------------------------------------------
    _F("ie-update-after-cancel", "state_transition_conformance", IE, "UpdateJob",
       "UpdateJob on a canceled job answers Success; documented: UpdateJob only before the data "
       "transfer starts, CanceledJobIdException once canceled",
       lambda: _Accept(f"{IE}.UpdateJob", ["CanceledJobIdException"], _ie_success), phases=("lifecycle",)),
    _F("ie-update-malformed-accepted", "negative_data_rejection", IE, "UpdateJob",
       "UpdateJob accepts a manifest that is not YAML (the old one stays); documented: "
       "MalformedManifestException", lambda: _Accept(f"{IE}.UpdateJob", ["MalformedManifestException"],
                                                     _ie_success), phases=("boundary",)),
    _F("ie-update-prefix-refused", "positive_data_acceptance", IE, "UpdateJob",
       "UpdateJob refuses a manifest with prefix: as InvalidManifestFieldException; documented: "
       "prefix is an optional import manifest field", lambda: _Before(f"{IE}.UpdateJob", _refuse_if(
           _has_prefix, "InvalidManifestFieldException", "UpdateJob: prefix: not allowed")),
       phases=("boundary",)),
    _F("ie-update-error-status", "status_code_conformance", IE, "UpdateJob",
       "CanceledJobIdException and UnableToUpdateJobIdException answer HTTP 409; documented: every "
       "Import/Export error but InvalidClientTokenId is HTTP 400",
       lambda: _Reword(f"{IE}.UpdateJob", ["CanceledJobIdException", "UnableToUpdateJobIdException"],
                       status=409), phases=("lifecycle",)),
    _F("ie-update-validate-only-crash", "not_a_server_error", IE, "UpdateJob",
       "UpdateJob with ValidateOnly=true answers HTTP 500; the model: ValidateOnly checks the "
       "manifest and changes nothing", lambda: _Before(f"{IE}.UpdateJob", _crash_if(
           lambda p: p.get("ValidateOnly") is True, "ValidateOnly")), phases=("boundary",)),
    _F("ie-cancel-undeclared-error", "error_class_conformance", IE, "CancelJob",
       "CancelJob of a canceled job answers JobAlreadyCanceledException; CancelJob declares "
       "CanceledJobIdException", lambda: _Reword(f"{IE}.CancelJob", ["CanceledJobIdException"],
                                                 code="JobAlreadyCanceledException"), phases=("lifecycle",)),
    _F("ie-get-status-stale", "read_after_write_consistency", IE, "GetStatus",
       "GetStatus keeps answering the first status it gave (Pending after CancelJob); documented: a "
       "canceled job reads ProgressCode Canceled", lambda: _Stale(f"{IE}.GetStatus", lambda p: p.get("JobId")),
       phases=("lifecycle",)),
    _F("ie-get-status-any-account", "namespace_isolation", IE, "GetStatus",
       "GetStatus answers for another account's job; documented: the job ids of your own jobs only "
       "(InvalidJobIdException)", lambda: _AnyAccount(
           f"{IE}.GetStatus", ["InvalidJobIdException"], lambda p: p.get("JobId"),
           {f"{IE}.CreateJob": lambda req, result: [(result.get("JobId"), req.account)]}),
       phases=("scenarios",)),
    _F("ie-get-status-error-count-type", "response_schema_conformance", IE, "GetStatus",
       "GetStatus answers ErrorCount 'none'; the model types ErrorCount as an integer",
       lambda: _Body(f"{IE}.GetStatus", _xml("ErrorCount", "none")), phases=("boundary",)),
    _F("ie-list-jobs-never-truncated", "pagination_conformance", IE, "ListJobs",
       "ListJobs answers IsTruncated=false on a full page, so the rest is never listed; documented: "
       "IsTruncated=true means call again with the last JobId",
       lambda: _After(f"{IE}.ListJobs", _set("IsTruncated", False)), phases=("scenarios",)),
)

FAULTS: dict[str, Fault] = {f.name: f for f in _CATALOGUE}


class UnknownFault(ValueError):
    """A fault name that is not in the catalogue."""


def resolve(names: str | Iterable[str | Fault]) -> tuple[Fault, ...]:
    """The faults named in ``names`` (a comma-separated string, or names, or faults)."""
    items = [n.strip() for n in names.split(",")] if isinstance(names, str) else list(names)
    out: list[Fault] = []
    for item in items:
        if isinstance(item, Fault):
            fault: Fault | None = item
        elif not item:
            continue
        else:
            fault = FAULTS.get(item)
        if fault is None:
            raise UnknownFault(f"unknown fault {item!r} (known: {', '.join(FAULTS)})")
        if fault not in out:
            out.append(fault)
    return tuple(out)


def catalogue_text() -> str:
    """The catalogue as ``--plant list`` prints it: name, check, operation, description."""
    width = max(len(n) for n in FAULTS)
    lines = []
    for f in FAULTS.values():
        lines.append(f"{f.name:<{width}}  {f.check}  {f.qualified}")
        lines.append(f"{'':<{width}}  {f.description}")
    return "\n".join(lines)


# -- the wrapper -------------------------------------------------------------------------------
class PlantedEmulator:
    """``emulator`` with ``faults`` planted; other attributes pass through to it."""

    def __init__(self, emulator: Any, faults: str | Iterable[str | Fault]) -> None:
        if isinstance(emulator, PlantedEmulator):  # planted again: one wrapper with every fault
            faults, dispatch = (*emulator.faults, *resolve(faults)), emulator._dispatch
            emulator = emulator.emulator
        elif callable(getattr(type(emulator), "_call", None)):
            dispatch = emulator._call
        else:
            raise TypeError(f"PlantedEmulator wraps an emulator.app.Emulator, got {type(emulator).__name__} "
                            f"(a FaultyEmulator goes around the PlantedEmulator)")
        self.emulator = emulator
        self.faults = resolve(faults)
        self._local = threading.local()
        self._lock = threading.RLock()
        self._breakers = [f.make() for f in self.faults]
        self._dispatch = dispatch
        emulator._call = self._call  # the seam: the instance's dispatch goes through the faults

    def __getattr__(self, name: str) -> Any:
        return getattr(self.emulator, name)

    @property
    def planted(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.faults)

    def handle(self, method: str, path_and_query: str, headers: Mapping[str, str], body: bytes = b"") -> RawResponse:
        if path_and_query.startswith("/_jobfuzz/"):
            resp = self.emulator.handle(method, path_and_query, headers, body)
            if path_and_query.split("?", 1)[0].rstrip("/") == "/_jobfuzz/reset" and resp.status == 200:
                with self._lock:
                    self._breakers = [f.make() for f in self.faults]
            return resp
        self._local.request = None
        resp = self.emulator.handle(method, path_and_query, headers, body)
        req = self._local.request
        if req is not None:
            with self._lock:
                for breaker in reversed(self._breakers):
                    resp = breaker.respond(req, resp)
        return resp

    def _call(self, service: str, operation: str, params: dict[str, Any], account: str, region: str,
              rid: str) -> dict[str, Any]:
        req = Request(service, operation, params, account)
        self._local.request = req
        with self._lock:
            breakers = list(self._breakers)

        def chain(i: int, r: Request) -> dict[str, Any]:
            def proceed(params: dict[str, Any] | None = None, account: str | None = None) -> dict[str, Any]:
                nxt = Request(r.service, r.operation, r.params if params is None else params,
                              r.account if account is None else account)
                if i + 1 < len(breakers):
                    return chain(i + 1, nxt)
                return self._dispatch(nxt.service, nxt.operation, nxt.params, nxt.account, region, rid)
            return breakers[i].call(r, proceed)

        if not breakers:
            return self._dispatch(service, operation, params, account, region, rid)
        with self._lock:
            return chain(0, req)
