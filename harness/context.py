"""The run context: what phases, lifecycles, scenarios, sequences and recipe checks work with.

It sends a call and runs the exchange checks on its answer (``send``), records a failure once
(``record``: deduplicated by check, operation and ``Cause``), judges a scenario or sequence as one
example (``judge``), keeps the budget (``check_budget``), makes resources (``resources``), and
holds the services, the plan and the run's result. It knows no phase and no check by name: the
engine, which plans and orchestrates, hands it the registry's checks (``CheckSuite``).
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from harness.config import MAX_UNANSWERED, RunConfig, Stop, Untestable
from harness.model import CheckContext, Exchange, Failure
from harness.resources import ResourceError, ResourceMaker
from harness.results import CheckCrash, FailureRecord, RunResult
from harness.targets import Target
from harness.unsupported import UnsupportedDetector
from specs.loader import load_service
from specs.templates import fill
from specs.types import OperationSpec, ServiceSpec
from strategies.calls import Call

__all__ = ["CheckSuite", "RunContext"]

OnCrash = Callable[[str, BaseException], None]
#: the scenario or sequence being judged (``RunContext.judge``): a failure an exchange check finds
#: inside it is recorded with it, so that its rerun runs the whole scenario again, not its last calls
#: alone (which meet resources the first run made and changed)
_JUDGING: ContextVar[dict[str, Any] | None] = ContextVar("jobfuzz_judging", default=None)


@dataclass(frozen=True, slots=True)
class CheckSuite:
    """The registry's checks the context runs by itself, on every exchange and recipe step."""

    #: the enabled exchange checks: counted once on every judged exchange
    exchange_names: tuple[str, ...]
    #: (exchange, its CheckContext, enabled names, on crash) -> the failures of the exchange checks
    run_exchange: Callable[[Exchange, CheckContext, frozenset[str], OnCrash], list[Failure]]
    #: (context, exchange, call, identity, template) -> the exchange to go on with, after the
    #: checks of a recipe step (what the run made is found)
    after_recipe_step: Callable[[RunContext, Exchange, Call, str, Call], Exchange]


class RunContext:
    default_examples = 25

    def __init__(self, target: Target, config: RunConfig, services: dict[str, ServiceSpec],
                 plan: list[OperationSpec], *, seed: int, checks: CheckSuite, reporter: Any = None,
                 unsharded: tuple[OperationSpec, ...] = (), run_prefix: str = "jf") -> None:
        self.target, self.config, self.services, self.plan = target, config, services, plan
        #: the run's operations on every shard together (a lifecycle runs on one shard only)
        self.unsharded = unsharded or tuple(plan)
        self.seed, self.checks, self.reporter = seed, checks, reporter
        self.enabled = frozenset(config.checks)
        self.result = RunResult(seed=seed, endpoint=target.endpoint, checks_enabled=tuple(config.checks),
                                strict=config.strict)
        #: what the exchange checks may know besides the call (CheckContext.extra): the engine fills it
        self.check_extra: dict[str, Any] = {}
        self._lock = threading.RLock()
        self.unsupported = UnsupportedDetector(target, self.result, plan, self._lock)
        self._known: dict[tuple[str, str, str, Any], FailureRecord] = {}
        self._started = time.monotonic()
        self._last_progress = 0.0
        self.sequence: list[Call] = []  # the calls of the example under way (for case files)
        self.identities: list[str] = []
        #: operations whose answers the checks judged; why the others were not (the first reason seen)
        self._judged: set[str] = set()
        self._why_untested: dict[str, str] = {}
        self._unanswered = 0  # calls in a row with no answer
        # what the run made is deleted at its end only on a real account (the target's guard)
        self.resources = ResourceMaker(services, self._send_setup, target.access_key, prefix=run_prefix,
                                       keep_made=getattr(target, "guard", None) is not None)

    @property
    def examples(self) -> int:
        return self.config.max_examples or self.default_examples

    def op_spec(self, service: str, operation: str) -> OperationSpec:
        spec = self.services.get(service) or load_service(service)
        return spec.operation(operation)

    def fill_templates(self, op: OperationSpec, params: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
        """Fill ``{placeholder}`` templates in the members whose overlay values are templates."""
        templated = {r.path for r in op.rules if r.kind in ("examples", "invalid")}
        return {k: (fill(v, values) if k in templated else v) for k, v in params.items()}

    # -- budget ----------------------------------------------------------------------------
    def start_clock(self) -> None:
        """The run's clock starts: the phases, not the loading before them, spend the budget."""
        self._started = time.monotonic()
        if self.config.budget_seconds is not None:  # no call outlasts the budget (and a short grace)
            self.target.limits.deadline = self._started + self.config.budget_seconds

    def elapsed(self) -> float:
        return time.monotonic() - self._started

    def check_budget(self) -> None:
        b = self.config.budget_seconds
        if b is not None and self.elapsed() >= b:
            self.result.stopped_by_budget = True
            raise Stop()
        if self.result.gave_up is not None:
            raise Stop()

    # -- what was judged -------------------------------------------------------------------
    def is_unsupported(self, op: OperationSpec) -> bool:
        return op in self.unsupported

    def note_untested(self, qualified: str, reason: str) -> None:
        """Why ``qualified`` (or a scenario on it) got no verdict; shown if it is never judged (the
        first reason: later ones tend to follow from it)."""
        with self._lock:
            self._why_untested.setdefault(qualified, reason)

    def note_not_judged(self, what: str, why: str) -> None:
        """A documented behaviour the run could not judge (``RunResult.not_judged``)."""
        with self._lock:
            self.result.not_judged.setdefault(what, why)

    def unjudgeable(self, ex: Exchange) -> str | None:
        """Why ``ex`` cannot be judged (no answer, or its operation is not implemented), or None."""
        if ex.transport_error is not None:
            return f"no answer from {ex.service}.{ex.operation}: {ex.transport_error}"
        qualified = f"{ex.service}.{ex.operation}"
        if not ex.ok and qualified in self.result.unsupported:
            return f"the endpoint does not implement {qualified}: {self.result.unsupported[qualified]}"
        return None

    def judgeable(self, ex: Exchange) -> Exchange:
        """``ex``, or ``Untestable`` when a scenario, sequence or lifecycle cannot judge it."""
        why = self.unjudgeable(ex)
        if why is not None:
            raise Untestable(why)
        return ex

    def finish_untested(self) -> None:
        """Every operation of the plan that no check judged, with why."""
        res = self.result
        why_default = ("the run stopped before it was reached: " + res.gave_up if res.gave_up
                       else "the time budget ran out before it was reached" if res.stopped_by_budget
                       else "no call to it got an answer the checks could judge")
        for op in self.plan:
            if op.qualified in self._judged:
                continue
            if op.qualified in res.unsupported:
                why = f"not implemented by the endpoint: {res.unsupported[op.qualified]}"
            else:
                why = self._why_untested.get(op.qualified, why_default)
            res.untested[op.qualified] = why
        res.judged = {op.qualified for op in self.plan if op.qualified in self._judged}

    # -- sending and checking --------------------------------------------------------------
    def send(self, call: Call, *, identity: str = "primary", bound: bool = False, check: bool = True,
             record_as: Call | None = None) -> tuple[Exchange, list[Failure]]:
        """Send one call, account for it, run the exchange checks. Returns the new failures too.

        ``record_as`` is the call as the sequence keeps it for replay (with ``{binding}`` templates).
        """
        self.check_budget()
        ex = self.target.send(call, identity=identity)
        self._account_answer(ex)
        self.sequence.append(record_as or call)
        self.identities.append(identity)
        spec = self.services.get(call.service) or load_service(call.service)
        op = spec.operation(call.operation)
        self._count_call(ex, op)
        if self.unsupported.says_unsupported(ex, op):
            return ex, []
        if ex.transport_error is not None:  # nothing came back: nothing to judge (and nothing passed)
            self.note_untested(op.qualified, f"no answer: {ex.transport_error}")
            return ex, []
        failures: list[Failure] = []
        if check:
            self._judged.add(op.qualified)
            failures = self.checks.run_exchange(ex, CheckContext(service=spec, op=op, bound=bound,
                                                                  extra=self.check_extra), self.enabled,
                                                lambda name, exc: self.crashed(name, op.qualified, exc))
            self._count_exchange_checks(op.qualified, failures)
        self._progress()
        return ex, failures

    def send_and_record(self, call: Call, *, identity: str = "primary", bound: bool = False,
                        record_as: Call | None = None, scenario: dict[str, Any] | None = None) -> Exchange:
        """``send``, then record each failure the exchange checks found (``scenario``: where it came from)."""
        ex, failures = self.send(call, identity=identity, bound=bound, record_as=record_as)
        for f in failures:
            self.record(f, scenario=scenario)
        return ex

    def _send_setup(self, call: Call, identity: str, template: Call) -> Exchange:
        ex = self.send_and_record(call, identity=identity, bound=True, record_as=template)
        return self.checks.after_recipe_step(self, ex, call, identity, template)

    def _account_answer(self, ex: Exchange) -> None:
        """Count calls in a row that got no answer; give the endpoint up after ``MAX_UNANSWERED``."""
        if ex.transport_error is None or ex.transport_error.startswith("not sent"):
            self._unanswered = 0
            return
        self._unanswered += 1
        if self._unanswered >= MAX_UNANSWERED:
            self.result.gave_up = (f"endpoint {self.target.endpoint} answered nothing judgeable: {self._unanswered} "
                                   f"calls in a row got no answer (the last, {ex.service}.{ex.operation}: "
                                   f"{ex.transport_error})")
            raise Stop()

    def _count_call(self, ex: Exchange, op: OperationSpec) -> None:
        with self._lock:
            self.result.calls += 1 + ex.throttled_retries
            cov = self.result.op(op.qualified, tuple(e.code for e in op.errors))
            cov.calls += 1
            cov.statuses[str(ex.status) if ex.status is not None else "none"] += 1
            if ex.error_code:
                cov.errors_seen.add(ex.error_code)

    def _count_exchange_checks(self, qualified: str, failures: list[Failure]) -> None:
        failed = {f.check for f in failures}
        cov = self.result.coverage[qualified]
        for name in self.checks.exchange_names:
            cell = cov.checks.setdefault(name, [0, 0])
            cell[1 if name in failed else 0] += 1

    def count_check(self, qualified: str, name: str, passed: bool) -> None:
        with self._lock:
            cell = self.result.op(qualified).checks.setdefault(name, [0, 0])
            cell[0 if passed else 1] += 1

    def crashed(self, check: str, operation: str, exc: BaseException) -> None:
        last = traceback.format_exception_only(type(exc), exc)[-1].strip()
        with self._lock:
            if not any(c.check == check and c.operation == operation for c in self.result.crashed_checks):
                self.result.crashed_checks.append(CheckCrash(check, operation, last))

    def judge(self, check: str, qualified: str, run: Callable[[], bool],
              scenario: dict[str, Any] | None = None) -> Failure | None:
        """One scenario or sequence as a fresh example: the Failure it raises, else None. It counts
        as passed when ``run`` says it applied; a resource it cannot make gives no verdict, and a
        crash is reported (never fatal). ``scenario``: how to run it again, recorded with every
        failure found while it runs."""
        self.new_example()
        token = _JUDGING.set(scenario)
        try:
            if run():
                self.count_check(qualified, check, True)
        except Failure as f:
            return f
        except (Stop, KeyboardInterrupt):
            raise
        except ResourceError as exc:
            self.note_untested(qualified, f"{check} not run: {exc}")
        except Untestable as exc:
            self.note_untested(qualified, f"{check} not run: {exc.reason}")
        except Exception as exc:  # noqa: BLE001 - a crashing check is reported, never fatal
            self.crashed(check, qualified, exc)
        finally:
            _JUDGING.reset(token)
        return None

    # -- failures --------------------------------------------------------------------------
    def new_example(self) -> None:
        self.sequence, self.identities = [], []

    def is_known(self, failure: Failure) -> bool:
        return failure.key in self._known

    def record(self, failure: Failure, sequence: list[Call] | None = None,
               scenario: dict[str, Any] | None = None) -> FailureRecord:
        if scenario is None:
            scenario = _JUDGING.get()
        with self._lock:
            rec = self._known.get(failure.key)
            if rec is not None:
                rec.occurrences += 1
                return rec
            rec = FailureRecord(failure=failure, sequence=list(sequence if sequence is not None else self.sequence),
                                seed=self.seed, scenario=scenario,
                                identities=list(self.identities) if sequence is None else [],
                                first_seen_s=round(self.elapsed(), 3))
            self._known[failure.key] = rec
            self.result.failures.append(rec)
            self.count_check(f"{failure.service}.{failure.operation}", failure.check, False)
        if self.reporter is not None:
            self.reporter.on_failure(rec)
        return rec

    # -- progress --------------------------------------------------------------------------
    def phase(self, name: str, what: str) -> None:
        if self.reporter is not None:
            self.reporter.on_phase(name, what)

    def _progress(self) -> None:
        now = time.monotonic()
        if self.reporter is not None and now - self._last_progress > 0.5:
            self._last_progress = now
            self.reporter.on_progress(self.result.calls, len(self.result.real_failures), self.elapsed())
