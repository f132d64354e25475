"""What a run found, as the reporters read it. Mutable: the runner fills it while it runs."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Protocol

from harness.model import Failure
from strategies.calls import Call

__all__ = ["CheckCrash", "FailureRecord", "OperationCoverage", "Reporter", "RunResult"]


@dataclass
class FailureRecord:
    """One distinct failure (deduplicated by check, operation and cause)."""

    failure: Failure
    sequence: list[Call]  # every call that led to it, in order; the last one is where it showed
    seed: int
    occurrences: int = 1
    flaky: bool = False  # did not happen again on a rerun of its sequence
    case_file: str | None = None
    #: the identity (primary / second) of each call in ``sequence``, when not all primary
    identities: list[str] = field(default_factory=list)
    #: how to rerun it when it is more than its calls: {"kind": "lifecycle", "machine": ..., "steps": [...]}
    #: or {"kind": "scenario", "check": ..., "operation": ...}; None: replay the calls, check the last
    scenario: dict[str, Any] | None = None
    #: seconds from the start of the run's clock to the first occurrence (None: not measured)
    first_seen_s: float | None = None

    @property
    def first_seen(self) -> str | None:
        """When it was first seen, as the reports print it."""
        return None if self.first_seen_s is None else f"first seen {self.first_seen_s:.1f} s into the run"


@dataclass
class OperationCoverage:
    calls: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    errors_seen: set[str] = field(default_factory=set)
    errors_declared: tuple[str, ...] = ()
    #: check name -> [passed, failed]
    checks: dict[str, list[int]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CheckCrash:
    check: str
    operation: str
    error: str  # the exception's last line


@dataclass
class RunResult:
    seed: int
    endpoint: str
    calls: int = 0
    duration_s: float = 0.0
    failures: list[FailureRecord] = field(default_factory=list)
    coverage: dict[str, OperationCoverage] = field(default_factory=dict)
    unsupported: dict[str, str] = field(default_factory=dict)  # "service.Operation" -> why
    transient: Counter[str] = field(default_factory=Counter)  # throttling / 5xx / drops absorbed
    crashed_checks: list[CheckCrash] = field(default_factory=list)
    checks_enabled: tuple[str, ...] = ()
    stopped_by_budget: bool = False
    #: the operations of the plan no check judged ("service.Operation" -> why: not implemented, no
    #: answer, what they need could not be made, the budget ran out); a green run has none
    untested: dict[str, str] = field(default_factory=dict)
    #: the operations of the plan whose answers the checks judged
    judged: set[str] = field(default_factory=set)
    #: documented behaviours the run was asked to judge and could not (a bound longer than the
    #: target's --max-wait is not waited for): what -> why; said in every report, never a pass
    not_judged: dict[str, str] = field(default_factory=dict)
    #: why the run gave the endpoint up before its end (calls in a row with no answer), or None
    gave_up: str | None = None
    #: ended early by Ctrl-C: the report holds what was found until then
    interrupted: bool = False
    #: on a real account: the run prefix, calls the guard refused, caps, what cleanup deleted and left
    safety: dict[str, Any] = field(default_factory=dict)
    #: --strict: warnings count as failures
    strict: bool = False

    @property
    def real_failures(self) -> list[FailureRecord]:
        """What fails the run: every finding that came back when rerun, but warnings (findings
        resting on observations only) under ``--strict`` alone."""
        return [f for f in self.failures if not f.flaky and (self.strict or not f.failure.warning)]

    @property
    def warnings(self) -> list[FailureRecord]:
        """Findings resting on observations only, which do not fail the run (none under ``--strict``:
        they are failures then)."""
        return [f for f in self.failures if not f.flaky and f.failure.warning and not self.strict]

    @property
    def flaky_failures(self) -> list[FailureRecord]:
        return [f for f in self.failures if f.flaky]

    def op(self, qualified: str, declared: tuple[str, ...] = ()) -> OperationCoverage:
        cov = self.coverage.get(qualified)
        if cov is None:
            cov = self.coverage[qualified] = OperationCoverage(errors_declared=declared)
        return cov


class Reporter(Protocol):
    """What the engine tells while it runs (``harness.reporting.console.ConsoleReporter`` prints it)."""

    def on_start(self, plan_description: str, total_ops: int) -> None: ...

    def on_phase(self, phase: str, operation: str) -> None: ...

    def on_progress(self, calls: int, failures: int, elapsed_s: float) -> None: ...

    def on_failure(self, record: FailureRecord) -> None: ...
