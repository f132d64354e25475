"""State of the IoT backend: things, jobs, job executions and commands of every account.

Everything is keyed by account (the access key id that created it), so a lookup never scans other
accounts. Executions are indexed twice: by job (``Job.executions``, thing name -> execution) and
by thing (``Thing.executions``, job id -> execution); both hold the same objects.

Timers are lazy: every execution deadline is pushed on a per-account heap and ``Store.sweep`` pops
the expired ones before each request of that account, so time only moves when someone looks.
The store has no lock of its own; the backend holds one ``RLock`` around every handler.
"""

from __future__ import annotations

import heapq
import itertools
import uuid
from dataclasses import dataclass, field
from typing import Any

TERMINAL = frozenset({"SUCCEEDED", "FAILED", "TIMED_OUT", "REJECTED", "REMOVED", "CANCELED"})
#: smallest timer heap that is ever compacted
TIMERS_MIN_LIMIT = 256


@dataclass(slots=True, eq=False)
class Thing:
    account: str
    name: str
    arn: str
    thing_id: str
    type_name: str | None
    attributes: dict[str, str]
    billing_group: str | None
    version: int = 1
    #: job id -> this thing's execution of that job
    executions: dict[str, Execution] = field(default_factory=dict)


@dataclass(slots=True, eq=False)
class Job:
    account: str
    job_id: str
    arn: str
    seq: int
    created_at: float
    document: str | None
    document_source: str | None
    target_selection: str
    targets: list[str]
    status: str = "IN_PROGRESS"
    last_updated_at: float = 0.0
    completed_at: float | None = None
    description: str | None = None
    force_canceled: bool | None = None
    reason_code: str | None = None
    comment: str | None = None
    namespace_id: str | None = None
    #: optional configuration echoed back by DescribeJob under its botocore member name
    config: dict[str, Any] = field(default_factory=dict)
    #: thing name -> execution, in creation order
    executions: dict[str, Execution] = field(default_factory=dict)

    @property
    def in_progress_minutes(self) -> int | None:
        return (self.config.get("timeoutConfig") or {}).get("inProgressTimeoutInMinutes")


@dataclass(slots=True, eq=False)
class Execution:
    job: Job
    thing: Thing
    execution_number: int
    seq: int
    queued_at: float
    last_updated_at: float
    status: str = "QUEUED"
    status_details: dict[str, str] = field(default_factory=dict)
    started_at: float | None = None
    version: int = 1
    force_canceled: bool | None = None
    #: absolute deadlines (emulator clock, epoch seconds) of the in-progress and the step timer
    in_progress_deadline: float | None = None
    step_deadline: float | None = None
    live: bool = True
    #: (deadline, tiebreak) of this execution's newest entry still on the account's timer heap
    armed: tuple[float, int] | None = None

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL

    def deadline(self) -> float | None:
        if self.status != "IN_PROGRESS":
            return None
        found = [d for d in (self.in_progress_deadline, self.step_deadline) if d is not None]
        return min(found) if found else None


@dataclass(slots=True, eq=False)
class Command:
    account: str
    command_id: str
    arn: str
    created_at: float
    fields: dict[str, Any]


@dataclass(slots=True, eq=False)
class CommandExecution:
    execution_id: str
    command_arn: str
    target_arn: str
    fingerprint: str
    created_at: float


@dataclass(slots=True)
class Account:
    things: dict[str, Thing] = field(default_factory=dict)
    jobs: dict[str, Job] = field(default_factory=dict)
    commands: dict[str, Command] = field(default_factory=dict)
    #: clientToken -> the command execution it started
    command_tokens: dict[str, CommandExecution] = field(default_factory=dict)
    next_execution_number: int = 1
    #: (deadline, tiebreak, execution); entries whose deadline no longer holds are skipped
    timers: list[tuple[float, int, Execution]] = field(default_factory=list)
    #: heap size at which entries that can no longer fire are dropped (doubles with live entries)
    timers_limit: int = TIMERS_MIN_LIMIT


class Store:
    """All accounts' state and the rules that change more than one record at a time."""

    def __init__(self, *, allow_queued_to_terminal: bool = True) -> None:
        #: [INF] QUEUED -> SUCCEEDED/FAILED directly is undocumented; allowed unless turned off
        self.allow_queued_to_terminal = allow_queued_to_terminal
        self.accounts: dict[str, Account] = {}
        self._seq = itertools.count(1)

    def account(self, account: str) -> Account:
        acct = self.accounts.get(account)
        if acct is None:
            acct = self.accounts[account] = Account()
        return acct

    def next_seq(self) -> int:
        return next(self._seq)

    # -- things ------------------------------------------------------------------------------
    def add_thing(self, account: str, name: str, arn: str, type_name: str | None,
                  attributes: dict[str, str], billing_group: str | None) -> Thing:
        thing = Thing(account, name, arn, str(uuid.uuid4()), type_name, dict(attributes),
                      billing_group)
        self.account(account).things[name] = thing
        return thing

    def remove_thing(self, thing: Thing, now: float) -> None:
        """Delete a thing; its executions leave their jobs too, so nothing reaches them."""
        self.account(thing.account).things.pop(thing.name, None)
        for execution in list(thing.executions.values()):
            self.remove_execution(execution, now)

    # -- jobs and executions -----------------------------------------------------------------
    def add_job(self, job: Job, things: list[Thing], now: float) -> None:
        acct = self.account(job.account)
        acct.jobs[job.job_id] = job
        queued = int(now)
        for thing in things:
            execution = Execution(job, thing, acct.next_execution_number, self.next_seq(),
                                  queued_at=queued, last_updated_at=queued)
            acct.next_execution_number += 1
            job.executions[thing.name] = execution
            thing.executions[job.job_id] = execution

    def remove_job(self, job: Job) -> None:
        self.account(job.account).jobs.pop(job.job_id, None)
        for execution in job.executions.values():
            execution.live = False
            execution.thing.executions.pop(job.job_id, None)
        job.executions.clear()

    def remove_execution(self, execution: Execution, now: float) -> None:
        execution.live = False
        execution.thing.executions.pop(execution.job.job_id, None)
        execution.job.executions.pop(execution.thing.name, None)
        self.settle_job(execution.job, now)

    def settle_job(self, job: Job, now: float) -> None:
        """A SNAPSHOT job in progress completes once every execution is terminal."""
        if job.status != "IN_PROGRESS" or job.target_selection != "SNAPSHOT":
            return
        if all(e.terminal for e in job.executions.values()):
            job.status = "COMPLETED"
            job.completed_at = job.last_updated_at = now

    def finish(self, execution: Execution, status: str, now: float) -> None:
        """Move an execution to a terminal status (by the device or by the service)."""
        execution.status = status
        execution.last_updated_at = int(now)
        execution.in_progress_deadline = execution.step_deadline = None
        self.settle_job(execution.job, now)

    # -- timers ------------------------------------------------------------------------------
    def arm(self, execution: Execution) -> None:
        """Record the execution's current deadline; call after any change of its timers.

        An execution whose entry for the same deadline is still on the heap gets no second one
        (the first to pop would decide, the copy would be skipped); entries that can no longer
        fire are dropped once the heap doubles, so the heap stays proportional to the executions
        with a timer, not to the updates.
        """
        deadline = execution.deadline()
        if deadline is None:
            return
        seq = self.next_seq()  # taken even when nothing is pushed: seq numbers show in page tokens
        armed = execution.armed
        if armed is not None and armed[0] == deadline:
            return
        acct = self.account(execution.job.account)
        heapq.heappush(acct.timers, (deadline, seq, execution))
        execution.armed = (deadline, seq)
        if len(acct.timers) >= acct.timers_limit:
            self._compact(acct)

    @staticmethod
    def _compact(acct: Account) -> None:
        """Keep only the entries ``sweep`` would act on: each execution's newest, while live and
        its deadline holds. A dropped entry's execution is re-armed by the next ``arm``."""
        kept = []
        for entry in acct.timers:
            deadline, seq, execution = entry
            if execution.armed == (deadline, seq):
                if execution.live and execution.deadline() == deadline:
                    kept.append(entry)
                else:
                    execution.armed = None
        heapq.heapify(kept)
        acct.timers = kept
        acct.timers_limit = max(TIMERS_MIN_LIMIT, 2 * len(kept))

    def sweep(self, account: str, now: float) -> None:
        """Time out every execution of the account whose deadline has passed, oldest first."""
        acct = self.accounts.get(account)
        if acct is None:
            return
        timers = acct.timers
        while timers and timers[0][0] <= now:
            deadline, seq, execution = heapq.heappop(timers)
            if execution.armed == (deadline, seq):
                execution.armed = None
            if execution.live and execution.deadline() == deadline:
                self.finish(execution, "TIMED_OUT", deadline)


def counts(job: Job) -> dict[str, int]:
    """jobProcessDetails counters of DescribeJob."""
    names = {"QUEUED": "numberOfQueuedThings", "IN_PROGRESS": "numberOfInProgressThings",
             "SUCCEEDED": "numberOfSucceededThings", "FAILED": "numberOfFailedThings",
             "TIMED_OUT": "numberOfTimedOutThings", "REJECTED": "numberOfRejectedThings",
             "REMOVED": "numberOfRemovedThings", "CANCELED": "numberOfCanceledThings"}
    out = dict.fromkeys(names.values(), 0)
    for execution in job.executions.values():
        out[names[execution.status]] += 1
    return out
