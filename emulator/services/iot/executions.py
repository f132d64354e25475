"""Control plane (``iot``): job executions seen from the job owner's side.

Service-made changes (cancel, time-out) do not bump ``versionNumber`` [INF]: the model says it
counts device updates.
"""

from __future__ import annotations

from typing import Any

from emulator.core import Context, ServiceError

from .lookup import Lookups
from .rules import bad_transition, check_status_details, compact, page, seconds_left, stamp
from .store import Execution


def summary(e: Execution) -> dict[str, Any]:
    """A control-plane JobExecutionSummary."""
    return compact({"status": e.status, "queuedAt": stamp(e.queued_at),
                    "startedAt": stamp(e.started_at), "lastUpdatedAt": stamp(e.last_updated_at),
                    "executionNumber": e.execution_number, "retryAttempt": 0})


def where(e: Execution) -> str:
    return f"the execution of job {e.job.job_id!r} on thing {e.thing.name!r}"


class ExecutionOps(Lookups):
    page_size: int

    def describe_execution(self, ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
        e, now = self.execution(ctx, p), ctx.clock.now()
        return {"execution": compact({
            "jobId": e.job.job_id, "status": e.status, "forceCanceled": e.force_canceled,
            "statusDetails": {"detailsMap": dict(e.status_details)}, "thingArn": e.thing.arn,
            "queuedAt": stamp(e.queued_at), "startedAt": stamp(e.started_at),
            "lastUpdatedAt": stamp(e.last_updated_at), "executionNumber": e.execution_number,
            "versionNumber": e.version,
            "approximateSecondsBeforeTimedOut": seconds_left(e.deadline(), now)})}

    def cancel_execution(self, ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
        check_status_details(ctx, p.get("statusDetails"))
        e = self.execution(ctx, p)
        if e.terminal:
            raise bad_transition(ctx, "jobId", f"expected {where(e)} to be QUEUED or "
                                 f"IN_PROGRESS, got {e.status}")
        expected = p.get("expectedVersion")
        if expected is not None and expected != e.version:
            raise ServiceError("VersionConflictException",
                               f"{ctx.operation}.expectedVersion: expected {e.version} (the "
                               f"versionNumber of {where(e)}), got {expected}", status=409)
        force = bool(p.get("force"))
        if e.status == "IN_PROGRESS" and not force:
            raise bad_transition(ctx, "force", f"expected true to cancel {where(e)}, which "
                                 f"is IN_PROGRESS, got {p.get('force')}")
        if p.get("statusDetails") is not None:
            e.status_details = dict(p["statusDetails"])
        e.force_canceled = force
        self.store.finish(e, "CANCELED", ctx.clock.now())
        return {}

    def delete_execution(self, ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
        e = self.execution(ctx, p)
        if not e.terminal and not p.get("force"):
            raise bad_transition(ctx, "force", f"expected true to delete {where(e)}, which "
                                 f"is {e.status} (not terminal), got {p.get('force')}")
        self.store.remove_execution(e, ctx.clock.now())
        return {}

    def list_for_thing(self, ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
        thing = self.thing(ctx, p["thingName"])
        items = list(thing.executions.values())
        if p.get("status") is not None:
            items = [e for e in items if e.status == p["status"]]
        if p.get("jobId") is not None:
            items = [e for e in items if e.job.job_id == p["jobId"]]
        if p.get("namespaceId") is not None:
            items = [e for e in items if e.job.namespace_id == p["namespaceId"]]
        items.sort(key=lambda e: e.seq)
        chosen, token = page(ctx, items, p, self.page_size, lambda e: e.seq)
        return compact({"executionSummaries": [{"jobId": e.job.job_id,
                                                "jobExecutionSummary": summary(e)}
                                               for e in chosen],
                        "nextToken": token})

    def list_for_job(self, ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
        job = self.job(ctx, p["jobId"])
        items = list(job.executions.values())
        if p.get("status") is not None:
            items = [e for e in items if e.status == p["status"]]
        items.sort(key=lambda e: e.seq)
        chosen, token = page(ctx, items, p, self.page_size, lambda e: e.seq)
        return compact({"executionSummaries": [{"thingArn": e.thing.arn,
                                                "jobExecutionSummary": summary(e)}
                                               for e in chosen],
                        "nextToken": token})
