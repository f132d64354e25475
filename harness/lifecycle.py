"""The lifecycle phase: for each state machine in the overlays, first its systematic sweep (every
transition tried from every state reached: ``harness.sweep``), then random walks, one Hypothesis
state machine whose every step is a ``LifecycleRun`` step (``harness.checks.lifecycle``, where the
lifecycle checks are).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, Phase, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import Flaky
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from harness.checks.lifecycle import LifecycleRun, machine_ops, passed_checks
from harness.config import Stop, Untestable
from harness.context import RunContext
from harness.model import Failure
from harness.phases import chunks
from harness.resources import ResourceError
from harness.sweep import Sweep
from specs.types import StateMachineSpec

__all__ = ["LifecycleRun", "finish_sweeps", "planned_machines", "run_lifecycles"]


def _machine_class(ctx: RunContext, sm: StateMachineSpec) -> type[RuleBasedStateMachine]:
    names = [t.name for t in sm.transitions]

    class Lifecycle(RuleBasedStateMachine):
        last_run: LifecycleRun | None = None
        last_failed: LifecycleRun | None = None  # the last run that raised a failure
        #: why a step got no judgeable answer: the search's later steps do nothing (an exception
        #: would make Hypothesis replay a walk that a transient fault may end elsewhere: flaky)
        untestable: str | None = None

        def __init__(self) -> None:
            super().__init__()
            ctx.new_example()
            last = type(self).last_run
            if last is not None and last.failed:
                type(self).last_failed = last
            self.run = LifecycleRun(ctx, sm)
            type(self).last_run = self.run  # the run a failure came from, for its scenario

        def _step(self, step: Callable[[], None], *, live: bool = True) -> None:
            cls = type(self)
            if cls.untestable is None and live:
                try:
                    step()
                except Untestable as exc:
                    cls.untestable = exc.reason
                except ResourceError as exc:  # the recipe's own calls were judged where they failed
                    cls.untestable = str(exc)

        @initialize()
        def make(self) -> None:
            self._step(self.run.setup)

        @rule(name=st.sampled_from(names))
        def transition(self, name: str) -> None:
            self._step(lambda: self.run.apply(name), live=not self.run.deleted)

        @rule()
        def stale_expected_version(self) -> None:
            self._step(self.run.stale_write, live=not self.run.deleted)

        @rule()
        def wait(self) -> None:
            self.run.wait()

        @rule()
        def delete(self) -> None:
            self._step(self.run.delete)

        @invariant()
        def known(self) -> None:
            ctx.check_budget()

    Lifecycle.__name__ = f"Lifecycle_{sm.name}"
    return seed(ctx.seed)(Lifecycle)  # --seed reruns the same steps


def finish_sweeps(ctx: RunContext, sweeps: dict[str, Sweep]) -> None:
    """The rest of each sweep the first pass began, machine after machine."""
    for sm in planned_machines(ctx):
        if sm.name in sweeps:
            ctx.phase("lifecycle sweep", sm.name)
            sweeps[sm.name].advance()


def run_lifecycles(ctx: RunContext, sweeps: dict[str, Sweep] | None = None) -> None:
    """Each planned machine: the rest of its sweep (``sweeps``: those the first pass began), then
    its random walks. A machine whose sweep could not make or read its resource walks no further."""
    sweeps = sweeps or {}
    for sm in planned_machines(ctx):
        ctx.phase("lifecycle", sm.name)
        sweep = sweeps.get(sm.name) or Sweep(ctx, sm)
        sweep.advance()
        if sweep.paths:
            _run_machine(ctx, sm)


def planned_machines(ctx: RunContext) -> list[StateMachineSpec]:
    """The state machines that drive an operation of the run. Under ``--shard`` or ``--workers``,
    the one shard that holds the first of a machine's operations in the run runs it."""
    planned = {(op.service, op.name) for op in ctx.plan}
    in_run = {(op.service, op.name) for op in ctx.unsharded}
    out = []
    for spec in ctx.services.values():
        for sm in spec.state_machines:
            ops = {(t.step.service, t.step.operation) for t in sm.transitions} | {(sm.read.service, sm.read.operation)}
            if ops & in_run and min(ops & in_run) in planned:
                out.append(sm)
    return out


def _run_machine(ctx: RunContext, sm: StateMachineSpec) -> None:
    cls = _machine_class(ctx, sm)
    # large --max-examples: several searches of at most CHUNK examples each (see phases.CHUNK)
    for c, examples in enumerate(chunks(max(5, ctx.examples // 2))):
        seed(ctx.seed + c)(cls)
        if not _run_chunk(ctx, sm, cls, examples):
            return
    _count_passed(ctx, sm)


def _run_chunk(ctx: RunContext, sm: StateMachineSpec, cls: Any, examples: int) -> bool:
    """One search of ``examples`` sequences, repeated after each new failure (at most 4 times);
    False when the machine cannot go on (its resource cannot be made, or it crashed)."""
    for _ in range(4):
        try:
            run_state_machine_as_test(cls, settings=settings(
                max_examples=examples, stateful_step_count=10, deadline=None,
                database=None, suppress_health_check=list(HealthCheck), report_multiple_bugs=False,
                phases=[Phase.generate, Phase.shrink], print_blob=False))
            if cls.untestable is not None:
                raise Untestable(cls.untestable)
            return True
        except Stop:
            _keep_last_failure(ctx, cls)  # the budget ran out, perhaps while shrinking
            raise
        except Flaky as exc:
            # a walk failed once and went elsewhere when Hypothesis replayed it (the endpoint's
            # answers decide the walk): the failure is kept, and the flaky rerun judges it
            if not _keep_last_failure(ctx, cls):
                ctx.crashed("state_transition_conformance", f"{sm.service}.{sm.read.operation}", exc)
            return False
        except Failure as f:
            run = cls.last_run
            ctx.record(f, scenario=run.scenario() if run else None)
        except (ResourceError, Untestable) as exc:
            why = exc.reason if isinstance(exc, Untestable) else str(exc)
            for qualified in machine_ops(sm):
                ctx.note_untested(qualified, f"lifecycle {sm.name} not run: {why}")
            return False
        except Exception as exc:  # noqa: BLE001 - a crashing lifecycle is reported, never fatal
            ctx.crashed("state_transition_conformance", f"{sm.service}.{sm.read.operation}", exc)
            return False
    return False  # a new failure every time: the machine is not counted as passed


def _keep_last_failure(ctx: RunContext, cls: Any) -> bool:
    """Record the smallest failure the search found so far, if any; True when there was one."""
    for run in (cls.last_run, cls.last_failed):
        if run is not None and run.failed:
            f, scenario, calls, identities = run.failed
            ctx.record(f, sequence=calls, scenario=scenario).identities = identities
            return True
    return False


def _count_passed(ctx: RunContext, sm: StateMachineSpec) -> None:
    """A machine that ran clean passed its checks on every operation it drove (the matrix shows it)."""
    for qualified, name in passed_checks(sm):
        if name in ctx.enabled and qualified not in ctx.result.unsupported:  # a step it could not take
            ctx.count_check(qualified, name, True)
