"""Finding the caller's things, jobs and executions, with the not-found answers both planes give."""

from __future__ import annotations

from typing import Any

from emulator.core import Context

from .rules import not_found
from .store import Execution, Job, Store, Thing


class Lookups:
    store: Store

    def thing(self, ctx: Context, name: str, path: str = "thingName") -> Thing:
        thing = self.store.account(ctx.account).things.get(name)
        if thing is None:
            raise not_found(ctx, path, f"expected an existing thing, got {name!r}")
        return thing

    def job(self, ctx: Context, job_id: str) -> Job:
        job = self.store.account(ctx.account).jobs.get(job_id)
        if job is None:
            raise not_found(ctx, "jobId", f"expected an existing job, got {job_id!r}")
        return job

    def execution(self, ctx: Context, p: dict[str, Any]) -> Execution:
        """The execution of ``p['jobId']`` on ``p['thingName']``, matching ``executionNumber``."""
        thing = self.thing(ctx, p["thingName"])
        job = self.job(ctx, p["jobId"])
        execution = thing.executions.get(job.job_id)
        if execution is None:
            raise not_found(ctx, "jobId", f"expected a job with an execution on thing "
                                          f"{thing.name!r}, got {job.job_id!r}")
        number = p.get("executionNumber")
        if number is not None and number != execution.execution_number:
            # [INF] a number that is not this execution's is answered as not found
            raise not_found(ctx, "executionNumber",
                            f"expected {execution.execution_number} (the execution of job "
                            f"{job.job_id!r} on thing {thing.name!r}), got {number}")
        return execution

    def next_pending(self, thing: Thing) -> Execution | None:
        """IN_PROGRESS before QUEUED, then by queuedAt, then by creation order."""
        pending = [e for e in thing.executions.values() if not e.terminal]
        if not pending:
            return None
        return min(pending, key=lambda e: (e.status != "IN_PROGRESS", e.queued_at, e.seq))
