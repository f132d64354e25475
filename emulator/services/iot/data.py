"""Data plane (``iot-jobs-data``): what a device calls. Times are whole epoch seconds.

Choices where the documentation is silent [INF]:

- An unknown thing or job answers ResourceNotFoundException, like an unknown execution.
- A status a device may not set (QUEUED, TIMED_OUT, REMOVED, CANCELED) is InvalidRequestException.
- An ``expectedVersion`` mismatch is InvalidStateTransitionException 409 (the only 409 the model
  declares on UpdateJobExecution, see D1), with the current ``executionState`` in the body.
- TerminalStateException is never raised: terminal executions stay describable (D3).
- A target or command ARN that names nothing of the caller's account is ResourceNotFoundException,
  whatever its form (the model gives these members no pattern).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from emulator.core import Context, ServiceError, account_id

from .lookup import Lookups
from .rules import (
    DEVICE_STATUSES,
    bad_transition,
    check_status_details,
    check_timeout,
    compact,
    epoch,
    invalid,
    not_found,
    parse_arn,
    seconds_left,
)
from .store import CommandExecution, Execution


def execution_view(e: Execution, now: float, with_document: bool) -> dict[str, Any]:
    """A data-plane JobExecution."""
    return compact({
        "jobId": e.job.job_id, "thingName": e.thing.name, "status": e.status,
        "statusDetails": dict(e.status_details), "queuedAt": epoch(e.queued_at),
        "startedAt": epoch(e.started_at), "lastUpdatedAt": epoch(e.last_updated_at),
        "approximateSecondsBeforeTimedOut": seconds_left(e.deadline(), now),
        "versionNumber": e.version, "executionNumber": e.execution_number,
        "jobDocument": e.job.document if with_document else None})


def summary_view(e: Execution) -> dict[str, Any]:
    """A data-plane JobExecutionSummary."""
    return compact({"jobId": e.job.job_id, "queuedAt": epoch(e.queued_at),
                    "startedAt": epoch(e.started_at), "lastUpdatedAt": epoch(e.last_updated_at),
                    "versionNumber": e.version, "executionNumber": e.execution_number})


def execution_state(e: Execution) -> dict[str, Any]:
    return {"status": e.status, "statusDetails": dict(e.status_details), "versionNumber": e.version}


class DataOps(Lookups):

    # -- timers ------------------------------------------------------------------------------
    def _start(self, e: Execution, now: float) -> None:
        """QUEUED -> IN_PROGRESS: startedAt, and the in-progress timer from the job's config."""
        e.status = "IN_PROGRESS"
        e.started_at = int(now)
        minutes = e.job.in_progress_minutes
        e.in_progress_deadline = now + minutes * 60 if minutes else None

    @staticmethod
    def _step(e: Execution, minutes: int | None, now: float) -> None:
        """Set (or with -1 cancel) the step timer; it never outlives the in-progress deadline."""
        if minutes is None:
            return
        if minutes == -1:
            e.step_deadline = None
            return
        deadline = now + minutes * 60
        if e.in_progress_deadline is not None:
            deadline = min(deadline, e.in_progress_deadline)
        e.step_deadline = deadline

    # -- operations --------------------------------------------------------------------------
    def describe(self, ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
        now = ctx.clock.now()
        if p["jobId"] != "$next":
            e = self.execution(ctx, p)
        else:
            thing = self.thing(ctx, p["thingName"])
            found = self.next_pending(thing)
            if found is None:
                raise not_found(ctx, "jobId", f"expected a pending execution on thing "
                                              f"{thing.name!r} for '$next', found none")
            number = p.get("executionNumber")
            if number is not None and number != found.execution_number:
                raise not_found(ctx, "executionNumber", f"expected {found.execution_number} (the "
                                f"next pending execution on thing {thing.name!r}), got {number}")
            e = found
        with_document = p.get("includeJobDocument")
        return {"execution": execution_view(e, now, True if with_document is None
                                            else with_document)}

    def pending(self, ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
        thing = self.thing(ctx, p["thingName"])
        ordered = sorted(thing.executions.values(), key=lambda e: (e.queued_at, e.seq))
        return {"inProgressJobs": [summary_view(e) for e in ordered if e.status == "IN_PROGRESS"],
                "queuedJobs": [summary_view(e) for e in ordered if e.status == "QUEUED"]}

    def start_next(self, ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
        details, step = p.get("statusDetails"), p.get("stepTimeoutInMinutes")
        check_status_details(ctx, details)
        check_timeout(ctx, "stepTimeoutInMinutes", step)
        now = ctx.clock.now()
        e = self.next_pending(self.thing(ctx, p["thingName"]))
        if e is None:
            return {}  # documented: nothing pending answers 200 without `execution`
        if e.status == "QUEUED":
            if details is not None:
                e.status_details = dict(details)
            e.version += 1
            e.last_updated_at = int(now)
            self._start(e, now)
            self._step(e, step, now)
            self.store.arm(e)
        return {"execution": execution_view(e, now, True)}

    def update(self, ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
        status, details, step = p["status"], p.get("statusDetails"), p.get("stepTimeoutInMinutes")
        if status not in DEVICE_STATUSES:
            raise invalid(ctx, "status", f"expected one of {', '.join(DEVICE_STATUSES)} (the "
                                         f"statuses a device sets), got {status!r}")
        check_status_details(ctx, details)
        check_timeout(ctx, "stepTimeoutInMinutes", step, cancel_allowed=True)
        e = self.execution(ctx, p)
        where = f"the execution of job {e.job.job_id!r} on thing {e.thing.name!r}"
        expected = p.get("expectedVersion")
        if expected is not None and expected != e.version:
            raise bad_transition(ctx, "expectedVersion", f"the version mismatched: expected "
                                 f"{e.version} (the versionNumber of {where}), got {expected}",
                                 {"executionState": execution_state(e)})
        if e.terminal or (e.status == "QUEUED" and status in ("SUCCEEDED", "FAILED")
                          and not self.store.allow_queued_to_terminal):
            raise bad_transition(ctx, "status", f"expected a status {where} can move to from "
                                 f"{e.status}, got {status}",
                                 {"executionState": execution_state(e)})
        now = ctx.clock.now()
        if details is not None:
            e.status_details = dict(details)
        e.version += 1
        e.last_updated_at = int(now)
        if status == "IN_PROGRESS":
            if e.status == "QUEUED":
                self._start(e, now)
            self._step(e, step, now)
            self.store.arm(e)
        else:
            self.store.finish(e, status, now)
        out: dict[str, Any] = {}
        if p.get("includeJobExecutionState"):
            out["executionState"] = execution_state(e)
        if p.get("includeJobDocument") and e.job.document is not None:
            out["jobDocument"] = e.job.document
        return out

    def start_command(self, ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
        acct, owner = self.store.account(ctx.account), account_id(ctx.account)
        target, command_arn = p["targetArn"], p["commandArn"]
        parsed = parse_arn(command_arn)
        command = acct.commands.get(parsed[3]) if parsed and parsed[0] == "command" and \
            parsed[2] == owner else None
        if command is None or command.arn != command_arn:
            raise not_found(ctx, "commandArn", f"expected the ARN of an existing command of this "
                                               f"account, got {command_arn!r}")
        parsed = parse_arn(target)
        thing = acct.things.get(parsed[3]) if parsed and parsed[0] == "thing" and \
            parsed[2] == owner else None
        if thing is None or thing.arn != target:
            raise not_found(ctx, "targetArn", f"expected the ARN of an existing thing of this "
                                              f"account, got {target!r}")
        fingerprint = json.dumps([target, command_arn, p.get("parameters"),
                                  p.get("executionTimeoutSeconds")], sort_keys=True,
                                 default=lambda v: v.hex() if isinstance(v, bytes) else repr(v))
        token = p.get("clientToken")
        earlier = acct.command_tokens.get(token) if token is not None else None
        if earlier is not None:
            if earlier.fingerprint != fingerprint:
                raise ServiceError("ConflictException", f"{ctx.operation}.clientToken: expected "
                                   f"the parameters of the call that first used {token!r}, got "
                                   f"different ones", status=409,
                                   fields={"resourceId": earlier.execution_id})
            return {"executionId": earlier.execution_id}
        started = CommandExecution(uuid.uuid4().hex, command_arn, target, fingerprint,
                                   ctx.clock.now())
        if token is not None:
            acct.command_tokens[token] = started
        return {"executionId": started.execution_id}
