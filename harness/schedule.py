"""The order of a run's work: breadth first, so that a run of any budget is spread over the plan.

1. The first pass, when the boundary or the lifecycle phase is on: every operation of the plan, in
   the plan's order, gets its first judged calls (the boundary phase's smallest valid call, first
   boundary value and first invalid call: ``phases.single_calls``), and each lifecycle of the run,
   right after the first operation of the plan it drives, the beginning of its sweep (``harness.sweep``):
   the steps one new resource can be tried with from its first state.
2. The second pass, one of everything that is short: the rest of each lifecycle's sweep (every
   transition tried from every state reached), then the scenarios phase (each operation's
   scenario checks and documented sequences, run once).
3. The long searches: the rest of the boundary phase's calls, the fuzz phase, and the lifecycle
   phase's random walks.

A run that the budget stops after the first pass has judged every operation of the plan, and one
stopped after the second has asked each of them every kind of question once; a run with no budget
sends what the phases one after another would, in another order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from harness import lifecycle, phases, scenarios
from harness.checks.lifecycle import machine_ops
from harness.config import Phase
from harness.context import RunContext
from harness.sweep import Sweep
from specs.types import OperationSpec, StateMachineSpec

__all__ = ["FIRST_RESOURCES", "first_pass_order", "run_schedule"]

#: the resources a lifecycle's sweep makes in the first pass: what one resource can be tried with
#: from its first state (refused steps, self-loops) and the first step that moves it on
FIRST_RESOURCES = 1


def first_pass_order(plan: list[OperationSpec], machines: list[StateMachineSpec]
                     ) -> list[OperationSpec | StateMachineSpec]:
    """The plan's operations in order, each machine right after the first of them it drives (a
    machine that drives none of them, after the last)."""
    out: list[OperationSpec | StateMachineSpec] = []
    pending = list(machines)
    for op in plan:
        out.append(op)
        here = [sm for sm in pending if op.qualified in machine_ops(sm)]
        out.extend(here)
        pending = [sm for sm in pending if sm not in here]
    return out + pending


def run_schedule(ctx: RunContext, enabled: tuple[str, ...]) -> None:
    """The first pass, the second, then the long searches (``Stop`` ends it anywhere)."""
    boundary, walks = Phase.BOUNDARY in enabled, Phase.LIFECYCLE in enabled
    sweeps = {sm.name: Sweep(ctx, sm) for sm in lifecycle.planned_machines(ctx)} if walks else {}
    pool: dict[str, Any] = {}
    for item in first_pass_order(ctx.plan, [s.sm for s in sweeps.values()]):
        if isinstance(item, StateMachineSpec):
            ctx.phase("first pass", f"lifecycle {item.name}")
            sweeps[item.name].advance(fresh=FIRST_RESOURCES)
        elif boundary:
            phases.run_first_calls(ctx, item, pool)
    steps: list[tuple[Phase, Callable[[RunContext], None]]] = [
        (Phase.LIFECYCLE, lambda c: lifecycle.finish_sweeps(c, sweeps)),
        (Phase.SCENARIOS, scenarios.run_scenarios),
        (Phase.BOUNDARY, lambda c: phases.run_boundary(c, rest=True, pool=pool)),
        (Phase.FUZZ, phases.run_fuzz),
        (Phase.LIFECYCLE, lambda c: lifecycle.run_lifecycles(c, sweeps)),
    ]
    for phase, step in steps:
        if phase in enabled:
            step(ctx)
