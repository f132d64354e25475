"""Rerun a saved failure against any target: its calls, or its lifecycle or scenario."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.cases import Case, CaseFileError
from harness.checks import run_recipe_checks
from harness.config import DEFAULT_SERVICES, RunConfig
from harness.context import RunContext
from harness.engine import Engine
from harness.model import Failure
from harness.results import FailureRecord, Reporter
from harness.targets import Target
from specs.paths import search
from specs.templates import fill
from strategies.calls import Call

__all__ = ["ReplayOutcome", "case_services", "replay_calls", "replay_case", "rerun"]


@dataclass(frozen=True, slots=True)
class ReplayOutcome:
    still_fails: bool
    failures: tuple[Failure, ...]
    calls: int
    unsupported: bool = False
    #: the call that was accepted with an invalid value now answers 409: what it made then still exists
    conflict: bool = False

    def describe(self) -> str:
        if self.unsupported:
            return "the endpoint does not implement the operation"
        if self.conflict:
            return ("still fails: the invalid call is now answered 409 (a conflict with what it made when it was "
                    "accepted, which still exists)")
        if not self.still_fails:
            return f"passes now ({self.calls} calls)"
        return "still fails: " + "; ".join(f"[{f.check}] {f.title}" for f in self.failures)


def case_services(service: str, calls: Sequence[Call], scenario: dict[str, Any] | None) -> tuple[str, ...]:
    """The services a replay loads: the failure's, its calls' and its scenario's first (an overlay may
    add any of them), then the built-in ones (recipes cross services)."""
    names = [service, *(c.service for c in calls), str((scenario or {}).get("service") or service),
             *DEFAULT_SERVICES]
    return tuple(dict.fromkeys(names))


def _engine(target: Target, check: str, services: tuple[str, ...], reporter: Reporter | None = None,
            observations: Path | None = None) -> Engine:
    return Engine(target, RunConfig(services=services, checks=(check,), seed=0, observations=observations),
                  reporter)


def replay_calls(ctx: RunContext, calls: list[Call], identities: list[str]) -> tuple[list[Failure], int | None]:
    """Send ``calls`` in order, filling ``{binding}`` templates from earlier answers; the failures, and
    the HTTP status of the last call (None: no answer)."""
    values: dict[str, Any] = {}
    found: list[Failure] = []
    status: int | None = None
    for i, call in enumerate(calls):
        identity = identities[i] if i < len(identities) else "primary"
        values["access_key"] = ctx.target.access_key(identity)
        values["uid"] = ctx.resources.uid()
        params = fill(call.params, values)
        bound = params != call.params
        sent = Call(call.service, call.operation, params, call.mode, call.violation, call.raw)
        ex, failures = ctx.send(sent, identity=identity, bound=bound)
        status = ex.status
        found.extend(failures)
        ex = run_recipe_checks(ctx, ex, sent, identity, call)  # a recipe's step: what was made is found
        for binding, path in call.produces:
            values[binding] = search(path, ex.parsed)
    return found, status


def _named(engine: Engine, scenario: dict[str, Any], kind: str, key: str) -> Any:
    """The state machine or sequence a case file names, from the overlays loaded now."""
    spec = engine.services.get(scenario.get("service", ""))
    found = next((x for x in getattr(spec, kind, ()) if x.name == scenario.get(key)), None)
    if found is None:
        raise CaseFileError("the case file", f"scenario/{key}",
                            f"{scenario.get(key)!r} of {scenario.get('service')!r} is not in the overlays loaded "
                            f"now (renamed or removed since the case was saved?)")
    return found


def replay_case(case: Case, target: Target, observations: Path | None = None) -> ReplayOutcome:
    """Rerun a loaded case file (harness.cases.load_case) against ``target`` (``observations``: the
    recording a warning was found against)."""
    return _replay(target, case.check, case.service, case.operation, case.calls, case.identities, case.scenario,
                   observations)


def rerun(record: FailureRecord, target: Target, observations: Path | None = None) -> ReplayOutcome:
    """Rerun a failure a run has just found (``still_fails`` False: it was flaky)."""
    f = record.failure
    return _replay(target, f.check, f.service, f.operation, record.sequence, record.identities, record.scenario,
                   observations)


def _replay(target: Target, check: str, service: str, operation: str, calls: Sequence[Call],
            identities: Sequence[str], scenario: dict[str, Any] | None,
            observations: Path | None = None) -> ReplayOutcome:
    from harness.checks.lifecycle import LifecycleRun
    from harness.scenarios import run_one_scenario
    from harness.sequences import run_one_sequence

    engine = _engine(target, check, case_services(service, calls, scenario), observations=observations)
    scenario = scenario or {}
    found: list[Failure] = []
    last_status: int | None = None
    if scenario.get("kind") == "lifecycle":
        sm = _named(engine, scenario, "state_machines", "machine")
        run = LifecycleRun(engine.ctx, sm)
        try:
            run.replay(list(scenario.get("steps", ())))
        except Failure as raised:
            found.append(raised)
    elif scenario.get("kind") == "sequence":
        seq = _named(engine, scenario, "sequences", "sequence")
        failure = run_one_sequence(engine.ctx, seq)
        if failure is not None:
            found.append(failure)
    elif scenario.get("kind") == "scenario":
        op = engine.op_spec(scenario["service"], scenario["operation"])
        failure = run_one_scenario(engine.ctx, scenario["check"], op)
        if failure is not None:
            found.append(failure)
    else:
        found, last_status = replay_calls(engine.ctx, list(calls), list(identities))
    found += [r.failure for r in engine.result.failures if r.failure not in found]
    same = tuple(f for f in found if f.check == check and f.operation == operation)
    unsupported = f"{service}.{operation}" in engine.result.unsupported
    # an invalid value that was accepted made something; sent again to the same endpoint it meets that
    # thing (409) instead of a refusal of the value: the acceptance stands, the failure is not flaky
    conflict = not same and check == "negative_data_rejection" and last_status == 409
    return ReplayOutcome(bool(same) or conflict, same, engine.result.calls, unsupported, conflict)
