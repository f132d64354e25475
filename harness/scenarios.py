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

__all__ = ["SCENARIOS", "run_one_scenario", "run_scenarios"]

#: check name -> the scenario that runs it, in the order the scenarios run
SCENARIOS: dict[str, Callable[[RunContext, OperationSpec], None]] = dict(registered("scenario"))


def run_one_scenario(ctx: RunContext, name: str, op: OperationSpec) -> Failure | None:
    def run() -> bool:
        SCENARIOS[name](ctx, op)
        return bool(ctx.sequence)  # it applied to this operation (and passed)

    return ctx.judge(name, op.qualified, run)


def run_scenarios(ctx: RunContext) -> None:
    for op in ctx.plan:
        if ctx.is_unsupported(op):
            continue
        ctx.phase("scenarios", op.qualified)
        for name in SCENARIOS:
            if name not in ctx.enabled:
                continue
            f = run_one_scenario(ctx, name, op)
            if f is not None:
                ctx.record(f, scenario={"kind": "scenario", "check": name, "service": op.service,
                                        "operation": op.name})
        run_sequences(ctx, op)
