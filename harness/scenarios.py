"""The scenarios phase: for each operation of the plan, every enabled scenario check of the registry
(``harness.checks``, kind ``scenario``) as one example, then the overlays' call sequences that
check the operation (``harness.sequences``)."""

from __future__ import annotations

from collections.abc import Callable

from harness.checks import registered
from harness.context import RunContext
from harness.model import Failure
from harness.sequences import run_sequences
from specs.types import OperationSpec

__all__ = ["SCENARIOS", "Scenario", "run_one_scenario", "run_scenarios", "scenario_failures"]

Scenario = Callable[[RunContext, OperationSpec], None]

#: check name -> the scenarios that run it (several modules may each add a way of finding one check),
#: in the order the scenarios run
SCENARIOS: dict[str, tuple[Scenario, ...]] = {}
for _name, _fn in registered("scenario"):
    SCENARIOS[_name] = (*SCENARIOS.get(_name, ()), _fn)


def scenario_failures(ctx: RunContext, name: str, op: OperationSpec) -> list[Failure]:
    """Every scenario of check ``name`` on ``op``, each judged as its own example: their failures."""
    failures = []
    how = scenario_kind(name, op)
    for scenario in SCENARIOS[name]:
        def run(scenario: Scenario = scenario) -> bool:
            scenario(ctx, op)
            return bool(ctx.sequence)  # it applied to this operation (and passed)

        f = ctx.judge(name, op.qualified, run, how)
        if f is not None:
            failures.append(f)
    return failures


def scenario_kind(name: str, op: OperationSpec) -> dict[str, str]:
    """How a case file names the scenarios of check ``name`` on ``op`` (``harness.replay``)."""
    return {"kind": "scenario", "check": name, "service": op.service, "operation": op.name}


def run_one_scenario(ctx: RunContext, name: str, op: OperationSpec) -> Failure | None:
    """The first failure of the scenarios of check ``name`` on ``op``, or None."""
    failures = scenario_failures(ctx, name, op)
    return failures[0] if failures else None


def run_scenarios(ctx: RunContext) -> None:
    for op in ctx.plan:
        if ctx.is_unsupported(op):
            continue
        ctx.phase("scenarios", op.qualified)
        for name in SCENARIOS:
            if name not in ctx.enabled:
                continue
            for f in scenario_failures(ctx, name, op):
                ctx.record(f, scenario=scenario_kind(name, op))
        run_sequences(ctx, op)
