"""Breadth first under a budget, and the lifecycle sweep, end to end.

- A slow endpoint (the emulator with a latency on every call) and a short budget: the run stops
  long before its end, and every operation of the plan has had judged calls.
- The README's planted example, ``jobfuzz run --plant iotdata-terminal-restart --operation
  UpdateJobExecution --max-examples 5``, finds its fault on every seed from 1 to 20 (a documented
  illegal transition is tried from every state, not left to a random walk).
"""

from __future__ import annotations

from typing import Any

from test_planted import _share_session, _StopTarget  # one botocore session; a target that stops when told

from emulator.app import Emulator
from emulator.faults import FaultConfig, FaultyEmulator
from harness.engine import Engine, RunConfig
from harness.lifecycle import planned_machines
from harness.results import FailureRecord
from harness.safety.limits import CallLimiter
from harness.session import execute
from harness.targets import EmbeddedTarget


def test_a_short_budget_on_a_slow_endpoint_reaches_every_operation():
    slow = FaultyEmulator(Emulator(), FaultConfig(rate=1.0, kinds=("latency",), latency_s=0.01, seed=1))
    target = _share_session(EmbeddedTarget(slow))
    target.limiter = CallLimiter(max_calls=600)  # a few percent of the default run's calls
    seen = _Phases()
    engine = Engine(target, RunConfig(seed=1, budget_seconds=300), reporter=seen)
    result = engine.run()
    assert target.limiter.reached, f"the run ended by itself after {result.calls} calls: the budget is not short"
    assert result.judged == {op.qualified for op in engine.plan}, sorted(result.untested)
    assert len(engine.plan) >= 33
    # every lifecycle took its first steps in the first pass too
    assert {f"lifecycle {sm.name}" for sm in planned_machines(engine.ctx)} <= seen.first_pass


class _Phases:
    """A reporter that keeps what the first pass went through."""

    def __init__(self) -> None:
        self.first_pass: set[str] = set()

    def on_phase(self, phase: str, what: str) -> None:
        if phase == "first pass":
            self.first_pass.add(what)

    def __getattr__(self, name: str) -> Any:  # on_start, on_progress, on_failure
        return lambda *args, **kwargs: None


class _Watch:
    def __init__(self, target: _StopTarget) -> None:
        self.target = target

    def on_failure(self, rec: FailureRecord) -> None:
        if _is_the_fault(rec):
            self.target.stopping = True

    def __getattr__(self, name: str) -> Any:  # on_start, on_phase, on_progress
        return lambda *args, **kwargs: None


def _is_the_fault(rec: FailureRecord) -> bool:
    f = rec.failure
    return (f.check, f.service, f.operation) == ("state_transition_conformance", "iot-jobs-data",
                                                 "UpdateJobExecution") and f.title.startswith("illegal start")


def test_the_readme_example_finds_its_fault_on_every_seed():
    found = []
    for seed in range(1, 21):
        target = _share_session(_StopTarget(plant=["iotdata-terminal-restart"]))
        config = RunConfig(operations=("UpdateJobExecution",), max_examples=5, seed=seed)
        result = execute(target, config, _Watch(target))
        found += [seed] if any(_is_the_fault(r) for r in result.failures) else []
    assert found == list(range(1, 21))
