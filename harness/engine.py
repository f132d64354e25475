"""The one engine behind the CLI and the pytest plugin: plan, phases, budget, checks, failures."""

from __future__ import annotations

import re
import secrets
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.checks import CHECKS, CheckContext, run_exchange_checks
from harness.checks.recipes import recheck_recipe_step
from harness.model import CHECK_NAMES, Exchange, Failure
from harness.resources import ResourceError, ResourceMaker, fill
from harness.results import CheckCrash, FailureRecord, RunResult
from harness.targets import Target
from specs.loader import load_service
from specs.types import OperationSpec, ServiceSpec
from strategies.calls import Call

__all__ = ["DEFAULT_SERVICES", "PHASES", "Engine", "PlanError", "RunConfig", "Untestable"]

DEFAULT_SERVICES = ("iot-jobs-data", "iot", "amplifybackend", "importexport")
PHASES = ("boundary", "fuzz", "lifecycle", "scenarios")
UNSUPPORTED_CODES = frozenset({"NotImplemented", "NotImplementedException", "NotImplementedError",
                               "InvalidAction", "UnknownOperationException", "UnsupportedOperation"})
#: what LocalStack and moto write when an operation is not emulated ("... has not been implemented",
#: "not yet implemented", "has not yet been emulated by LocalStack")
_NOT_IMPLEMENTED_TEXT = re.compile(r"\bnot (?:yet )?(?:been )?(?:implemented|emulated)\b", re.IGNORECASE)
_ROUTING_PROBE_PATH = "/__jobfuzz__/routing-probe"
#: calls in a row that got no answer at all (after the target's one retry of a dropped connection)
#: before the run gives the endpoint up
MAX_UNANSWERED = 3


class PlanError(ValueError):
    """The run cannot be planned: a bad --service, --operation or --checks value."""


@dataclass(frozen=True, slots=True)
class RunConfig:
    services: tuple[str, ...] = DEFAULT_SERVICES
    operations: tuple[str, ...] = ()  # "Operation" or "service.Operation"; empty means all in scope
    checks: tuple[str, ...] = CHECK_NAMES
    phases: tuple[str, ...] = PHASES
    max_examples: int | None = None  # per operation and phase; None: the default
    budget_seconds: float | None = None
    seed: int | None = None
    failures_dir: Path | None = None
    example_db: str | None = None  # a folder, or redis://HOST:PORT
    shard: tuple[int, int] | None = None  # (i, n): this run takes the i-th of n slices of operations


class _Stop(Exception):
    """The budget is spent: stop starting new work."""


class Untestable(Exception):
    """What a scenario, sequence or lifecycle needs got no judgeable answer (not implemented, no
    answer): it gives no verdict, and the operation is listed as untested with ``reason``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Engine:
    default_examples = 25

    def __init__(self, target: Target, config: RunConfig, reporter: Any = None,
                 services: dict[str, ServiceSpec] | None = None) -> None:
        self.target = target
        self.config = config
        self.reporter = reporter
        self.seed = config.seed if config.seed is not None else secrets.randbelow(2**31)
        self.services = services or {name: load_service(name) for name in _all_services(config.services)}
        self.enabled = frozenset(config.checks)
        self.result = RunResult(seed=self.seed, endpoint=target.endpoint, checks_enabled=tuple(config.checks))
        self._known: dict[tuple[str, str, str, str], FailureRecord] = {}
        self._lock = threading.RLock()
        self._started = time.monotonic()
        self._last_progress = 0.0
        self.sequence: list[Call] = []  # the calls of the example under way (for case files)
        self.identities: list[str] = []
        self._probes: dict[str, bool | None] = {}  # service -> routed by the endpoint (None: unknown)
        #: operations whose answers the checks judged; why the others were not (the first reason seen)
        self._judged: set[str] = set()
        self._why_untested: dict[str, str] = {}
        self._unanswered = 0  # calls in a row with no answer
        run_prefix = f"jf{secrets.token_hex(2)}"
        # what the run made is deleted at its end only on a real account (the target's guard)
        self.resources = ResourceMaker(self.services, self._send_setup, target.access_key, prefix=run_prefix,
                                       keep_made=getattr(target, "guard", None) is not None)
        self.plan = self._plan()

    # -- planning --------------------------------------------------------------------------
    def _plan(self) -> list[OperationSpec]:
        for name in self.config.checks:
            if name not in CHECK_NAMES:
                raise PlanError(f"--checks: unknown check {name!r} (known: {', '.join(CHECK_NAMES)})")
        for phase in self.config.phases:
            if phase not in PHASES:
                raise PlanError(f"unknown phase {phase!r} (known: {', '.join(PHASES)})")
        ops = [op for name in self.config.services for op in self.services[name].in_scope()]
        if self.config.operations:
            wanted = set(self.config.operations)
            chosen = [op for op in ops if op.name in wanted or op.qualified in wanted]
            matched = {op.name for op in chosen} | {op.qualified for op in chosen}
            missing = sorted(wanted - matched)
            if missing:
                raise PlanError(f"--operation: no operation {missing[0]!r} in the services under test "
                                f"({', '.join(self.config.services)})")
            ops = chosen
        #: the run's operations on every shard together (a lifecycle runs on one shard only)
        self.unsharded = tuple(ops)
        if self.config.shard:
            i, n = self.config.shard
            ops = [op for k, op in enumerate(sorted(ops, key=lambda o: o.qualified)) if k % n == i]
        return ops

    def in_plan(self, service: str, operation: str) -> bool:
        return any(op.service == service and op.name == operation for op in self.plan)

    @property
    def examples(self) -> int:
        return self.config.max_examples or self.default_examples

    # -- budget ----------------------------------------------------------------------------
    def elapsed(self) -> float:
        return time.monotonic() - self._started

    def check_budget(self) -> None:
        b = self.config.budget_seconds
        if b is not None and self.elapsed() >= b:
            self.result.stopped_by_budget = True
            raise _Stop()
        if self.result.gave_up is not None:
            raise _Stop()

    # -- what was judged -------------------------------------------------------------------
    def note_untested(self, qualified: str, reason: str) -> None:
        """Why ``qualified`` (or a scenario on it) got no verdict; shown if it is never judged (the
        first reason: later ones tend to follow from it)."""
        with self._lock:
            self._why_untested.setdefault(qualified, reason)

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
            raise _Stop()

    def _finish_untested(self) -> None:
        """Every operation of the plan that no check judged, with why."""
        why_default = ("the run stopped before it was reached: " + self.result.gave_up if self.result.gave_up
                       else "the time budget ran out before it was reached" if self.result.stopped_by_budget
                       else "no call to it got an answer the checks could judge")
        for op in self.plan:
            if op.qualified in self._judged:
                continue
            if op.qualified in self.result.unsupported:
                why = f"not implemented by the endpoint: {self.result.unsupported[op.qualified]}"
            else:
                why = self._why_untested.get(op.qualified, why_default)
            self.result.untested[op.qualified] = why
        self.result.judged = {op.qualified for op in self.plan if op.qualified in self._judged}

    # -- sending and checking --------------------------------------------------------------
    def op_spec(self, service: str, operation: str) -> OperationSpec:
        spec = self.services.get(service) or load_service(service)
        return spec.operation(operation)

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
        res = self.result
        with self._lock:
            res.calls += 1 + ex.throttled_retries
            cov = res.op(op.qualified, tuple(e.code for e in op.errors))
            cov.calls += 1
            cov.statuses[str(ex.status) if ex.status is not None else "none"] += 1
            if ex.error_code:
                cov.errors_seen.add(ex.error_code)
        if self._unsupported(ex, op):
            return ex, []
        if ex.transport_error is not None:  # nothing came back: nothing to judge (and nothing passed)
            self.note_untested(op.qualified, f"no answer: {ex.transport_error}")
            return ex, []
        failures: list[Failure] = []
        if check:
            self._judged.add(op.qualified)
            ctx = CheckContext(service=spec, op=op, bound=bound)
            failures = run_exchange_checks(ex, ctx, self.enabled,
                                           lambda name, exc: self.crashed(name, op.qualified, exc))
            self._count_checks(op.qualified, failures)
        self._progress()
        return ex, failures

    def _send_setup(self, call: Call, identity: str, template: Call) -> Exchange:
        ex, failures = self.send(call, identity=identity, bound=True, record_as=template)
        for f in failures:
            self.record(f)
        return recheck_recipe_step(self, ex, call, identity, template)  # what the run made is found

    def _unsupported(self, ex: Exchange, op: OperationSpec) -> bool:
        """Whether ``ex`` says the endpoint does not implement ``op``; the first such answer is
        reported (``result.unsupported``), the rest are not checked.

        Three signals, from the most explicit:

        1. the answer says so: HTTP 501, a "not implemented" error code, or an error message that
           says it (LocalStack: 501; moto in decorator mode: ``NotImplementedError`` text);
        2. routing: a bare 5xx (no error code in the body) that a request signed for the same
           service on a path no operation uses gets as well. moto_server routes by the signing
           name and answers every request for a service it has no backend for (iot-jobs-data,
           amplifybackend, Import/Export) with Werkzeug's generic HTML 500, while a service it
           serves answers the probe 404. A bare 500 that the probe does not repeat is the
           operation's own and stays a failure;
        3. moto's log: moto_server answers an action its backend lacks (e.g. IoT UpdateJob) with
           the same generic HTML 500 as a crash in an implemented one, so the wire cannot tell them
           apart; when the run knows the server's log (``harness.moto_target``), the exception the
           server wrote for the request decides (``moto_target.unsupported_reason``).
        """
        if op.qualified in self.result.unsupported and _bare_5xx(ex):
            return True
        why = _says_unsupported(ex)
        if why is None and _bare_5xx(ex) and self.target.kind == "url":
            why = self._probe_unsupported(ex, op)
        if why is None:
            return False
        with self._lock:
            self.result.unsupported.setdefault(op.qualified, why)
        return True

    def _probe_unsupported(self, ex: Exchange, op: OperationSpec) -> str | None:
        from harness import moto_target

        with self._lock:
            routed = self._probes.get(op.service)
            if routed is None:
                routed = self._probes[op.service] = _routing_probe(self.target, ex.call)
        if routed is False:
            why = (f"HTTP {ex.status} with no error code, and a request signed for {op.service} on a path "
                   f"no operation uses is answered the same: the endpoint serves no {op.service}")
            with self._lock:  # the whole service: every operation of it in the plan
                for other in self.plan:
                    if other.service == op.service:
                        self.result.unsupported.setdefault(other.qualified, why)
            return why
        url = self.target.endpoint_for(op.service)
        return None if url is None else moto_target.unsupported_reason(url, ex)

    def is_unsupported(self, op: OperationSpec) -> bool:
        return op.qualified in self.result.unsupported

    def _count_checks(self, qualified: str, failures: list[Failure]) -> None:
        failed = {f.check for f in failures}
        cov = self.result.coverage[qualified]
        for name, reg in CHECKS.items():
            if reg.kind == "exchange" and name in self.enabled:
                cell = cov.checks.setdefault(name, [0, 0])
                cell[1 if name in failed else 0] += 1

    def count_check(self, qualified: str, name: str, passed: bool) -> None:
        with self._lock:
            cov = self.result.op(qualified)
            cell = cov.checks.setdefault(name, [0, 0])
            cell[0 if passed else 1] += 1

    def crashed(self, check: str, operation: str, exc: BaseException) -> None:
        last = traceback.format_exception_only(type(exc), exc)[-1].strip()
        with self._lock:
            if not any(c.check == check and c.operation == operation for c in self.result.crashed_checks):
                self.result.crashed_checks.append(CheckCrash(check, operation, last))

    def judge(self, check: str, qualified: str, run: Callable[[], bool]) -> Failure | None:
        """One scenario or sequence as a fresh example: the Failure it raises, else None. It counts
        as passed when ``run`` says it applied; a resource it cannot make gives no verdict, and a
        crash is reported (never fatal)."""
        self.new_example()
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
        return None

    # -- failures --------------------------------------------------------------------------
    def new_example(self) -> None:
        self.sequence, self.identities = [], []

    def is_known(self, failure: Failure) -> bool:
        return failure.key in self._known

    def record(self, failure: Failure, sequence: list[Call] | None = None,
               scenario: dict[str, Any] | None = None) -> FailureRecord:
        with self._lock:
            rec = self._known.get(failure.key)
            if rec is not None:
                rec.occurrences += 1
                return rec
            rec = FailureRecord(failure=failure, sequence=list(sequence if sequence is not None else self.sequence),
                                seed=self.seed, scenario=scenario,
                                identities=list(self.identities) if sequence is None else [])
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

    # -- the run ---------------------------------------------------------------------------
    def run(self) -> RunResult:
        from harness import lifecycle, phases, scenarios

        steps: list[tuple[str, Callable[[Engine], None]]] = [
            ("boundary", phases.run_boundary), ("fuzz", phases.run_fuzz),
            ("lifecycle", lifecycle.run_lifecycles), ("scenarios", scenarios.run_scenarios)]
        self._make_clients()
        self._started = time.monotonic()  # the run's clock: the phases, not the loading before them
        if self.config.budget_seconds is not None:  # no call outlasts the budget (and a short grace)
            self.target.limits.deadline = self._started + self.config.budget_seconds
        if self.reporter is not None:
            self.reporter.on_start(f"{len(self.plan)} operations, phases {', '.join(self.config.phases)}, "
                                   f"seed {self.seed}, endpoint {self.target.endpoint}", len(self.plan))
        try:
            for name, fn in steps:
                if name in self.config.phases:
                    fn(self)
        except _Stop:
            pass
        finally:
            self.result.duration_s = round(self.elapsed(), 3)
            self.result.transient.update(self.target.transient)
            self._finish_untested()
        return self.result

    def _make_clients(self) -> None:
        """Make the primary identity's client of every loaded service up front (the first botocore
        client of a process costs about 0.1 s), as a plain boto3 script makes its clients before
        its loop. A client that cannot be made now fails again, with its reason, at its first call."""
        for service in self.services:
            try:
                self.target.client(service)
            except Exception:  # noqa: BLE001, S110 - reported by the first call that needs it
                pass

    def fill_templates(self, op: OperationSpec, params: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
        """Fill ``{placeholder}`` templates in the members whose overlay values are templates."""
        templated = {r.path for r in op.rules if r.kind in ("examples", "invalid")}
        return {k: (fill(v, values) if k in templated else v) for k, v in params.items()}


def _says_unsupported(ex: Exchange) -> str | None:
    """The answer itself says the operation is not implemented (501, a code, or the message)."""
    if ex.status is None or ex.status < 400:
        return None
    if ex.status == 501 or ex.error_code in UNSUPPORTED_CODES or _NOT_IMPLEMENTED_TEXT.search(ex.error_message or ""):
        return f"HTTP {ex.status} {ex.error_code or ''}: {ex.error_message or ''}".strip()
    return None


def _bare_5xx(ex: Exchange) -> bool:
    """A 5xx whose body carried no error code (botocore then gives the status as the code)."""
    return ex.status is not None and ex.status >= 500 and (ex.error_code is None or ex.error_code.isdigit())


def _routing_probe(target: Target, call: Call) -> bool | None:
    """Send ``call`` signed as usual for its service but to a path no operation uses.

    False: the probe got a bare 5xx as well (the endpoint does not route the service at all);
    True: any other answer (the service is routed); None: nothing, or a transient answer, came back
    (asked again on the next bare 5xx).
    """
    from urllib.parse import urlsplit, urlunsplit

    import botocore.session
    from botocore.config import Config

    ak, sk, token = target.identities["primary"]
    client = botocore.session.get_session().create_client(
        call.service, region_name=target.region, endpoint_url=target.endpoint_for(call.service),
        aws_access_key_id=ak, aws_secret_access_key=sk, aws_session_token=token,
        config=Config(parameter_validation=False, retries={"total_max_attempts": 1}, connect_timeout=5,
                      read_timeout=min(15.0, target.limits.read_timeout)))
    seen: dict[str, Any] = {}

    def to_probe_path(request: Any, **_: Any) -> None:  # before signing: the signature covers it
        parts = urlsplit(request.url)
        request.url = urlunsplit((parts.scheme, parts.netloc, _ROUTING_PROBE_PATH, "", ""))
        request.method, request.data = "GET", b""
        for name in ("Content-Type", "Content-Length"):
            if name in request.headers:
                del request.headers[name]

    def keep(response_dict: dict[str, Any], **_: Any) -> None:
        seen["status"] = int(response_dict.get("status_code", 0))

    target._attach(client)  # bounded in time and size as the run's own calls
    client.meta.events.register("before-sign", to_probe_path)
    client.meta.events.register("before-parse", keep)
    try:
        from botocore import xform_name

        getattr(client, xform_name(call.operation))(**call.params)
        seen.setdefault("code", None)
    except Exception as exc:  # noqa: BLE001 - the probe's answer is all that matters
        seen["code"] = getattr(exc, "response", {}).get("Error", {}).get("Code")
    finally:
        client.close()
    status = seen.get("status")
    if status is None or status in (429, 502, 503, 504):
        return None  # nothing, or a transient answer: it tells nothing about routing
    code = seen.get("code")
    return not (status >= 500 and (code is None or str(code).isdigit()))


def _all_services(names: tuple[str, ...]) -> tuple[str, ...]:
    """The services under test plus those their recipes call (iot-jobs-data needs iot's things)."""
    out = list(names)
    for name in names:
        for res in load_service(name).resources.values():
            for step in res.create + res.delete:
                if step.service not in out:
                    out.append(step.service)
    for name in DEFAULT_SERVICES:  # recipes may live in another service's overlay
        if name not in out:
            out.append(name)
    return tuple(out)


Stop = _Stop
