"""The one engine behind the CLI and the pytest plugin: it plans a run and orchestrates its phases.

The phases, lifecycles, scenarios, sequences and recipe checks never see the engine: they work
with the run context (``harness.context.RunContext``) the engine makes and hands them, with the
registry's checks (``harness.checks``) wired in.
"""

from __future__ import annotations

import contextlib
import secrets
from typing import Any

from harness.checks import CHECKS, run_exchange_checks, run_recipe_checks
from harness.config import DEFAULT_SERVICES, PHASES, PlanError, RunConfig, Stop, Untestable
from harness.context import CheckSuite, RunContext
from harness.model import CHECK_NAMES
from harness.results import RunResult
from harness.schedule import run_schedule
from harness.targets import Target
from specs.loader import load_service
from specs.types import OperationSpec, ServiceSpec
from strategies.calls import Call

__all__ = ["DEFAULT_SERVICES", "PHASES", "Engine", "PlanError", "RunConfig", "Stop", "Untestable"]

class Engine:
    def __init__(self, target: Target, config: RunConfig, reporter: Any = None,
                 services: dict[str, ServiceSpec] | None = None) -> None:
        self.target = target
        self.config = config
        self.reporter = reporter
        self.seed = config.seed if config.seed is not None else secrets.randbelow(2**31)
        self.services = services or {name: load_service(name) for name in _all_services(config.services)}
        self.plan, self.unsharded = self._plan()
        enabled = frozenset(config.checks)
        exchange_names = tuple(n for n, reg in CHECKS.items() if reg.runners("exchange") and n in enabled)
        suite = CheckSuite(exchange_names=exchange_names, run_exchange=run_exchange_checks,
                           after_recipe_step=run_recipe_checks)
        self.ctx = RunContext(target, config, self.services, self.plan, seed=self.seed, checks=suite,
                              reporter=reporter, unsharded=self.unsharded, run_prefix=f"jf{secrets.token_hex(2)}")
        if "observed_conformance" in enabled:  # what the service was observed to answer, by shape
            from harness.checks.observed import OBSERVED
            from harness.observations import gather

            self.ctx.check_extra[OBSERVED] = gather(self.services, config.observations)
        self.result: RunResult = self.ctx.result
        self.resources = self.ctx.resources

    # -- planning --------------------------------------------------------------------------
    def _plan(self) -> tuple[list[OperationSpec], tuple[OperationSpec, ...]]:
        """The operations of this run (of this shard), and of the run on every shard together."""
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
        unsharded = tuple(ops)
        if self.config.shard:
            i, n = self.config.shard
            ops = [op for k, op in enumerate(sorted(ops, key=lambda o: o.qualified)) if k % n == i]
        return ops, unsharded

    # -- what outside the run reads while it runs ------------------------------------------
    @property
    def sequence(self) -> list[Call]:
        """The calls of the example under way."""
        return self.ctx.sequence

    def elapsed(self) -> float:
        return self.ctx.elapsed()

    def op_spec(self, service: str, operation: str) -> OperationSpec:
        return self.ctx.op_spec(service, operation)

    # -- the run ---------------------------------------------------------------------------
    def run(self) -> RunResult:
        self._make_clients()
        self.ctx.start_clock()
        if self.reporter is not None:
            self.reporter.on_start(f"{len(self.plan)} operations, phases {', '.join(self.config.phases)}, "
                                   f"seed {self.seed}, endpoint {self.target.endpoint}", len(self.plan))
        try:
            run_schedule(self.ctx, self.config.phases)  # breadth first, then deeper
        except Stop:
            pass
        finally:
            self.result.duration_s = round(self.ctx.elapsed(), 3)
            self.result.transient.update(self.target.transient)
            self.ctx.finish_untested()
        return self.result

    def _make_clients(self) -> None:
        """Make the primary identity's client of every loaded service up front (the first botocore
        client of a process costs about 0.1 s), as a plain boto3 script makes its clients before
        its loop. A client that cannot be made now fails again, with its reason, at its first call."""
        for service in self.services:
            with contextlib.suppress(Exception):  # reported by the first call that needs it
                self.target.client(service)


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
