"""Breadth first: the first pass's order and calls, and the lifecycle sweep (every transition of a
state machine tried from every state the resource reaches) on the correct and a broken emulator."""

from __future__ import annotations

from typing import Any

import pytest

from harness import phases
from harness.checks.lifecycle import machine_ops
from harness.engine import DEFAULT_SERVICES, Engine, RunConfig
from harness.lifecycle import planned_machines
from harness.schedule import first_pass_order
from harness.sweep import STALE, Sweep
from harness.targets import EmbeddedTarget
from specs.loader import load_service
from specs.types import StateMachineSpec
from strategies import boundary_calls, invalid_calls


@pytest.fixture(scope="module")
def services() -> dict[str, Any]:
    return {name: load_service(name) for name in DEFAULT_SERVICES}


def _engine(services: dict[str, Any], plant: tuple[str, ...] = (), **config: Any) -> Engine:
    engine = Engine(EmbeddedTarget(plant=plant), RunConfig(seed=1, **config), services=services)
    engine.ctx.start_clock()
    return engine


def _machine(services: dict[str, Any], name: str) -> StateMachineSpec:
    return next(sm for s in services.values() for sm in s.state_machines if sm.name == name)


def test_each_machine_comes_right_after_the_first_operation_it_drives(services):
    engine = _engine(services)
    machines = planned_machines(engine.ctx)
    order = first_pass_order(engine.plan, machines)
    assert [o for o in order if o not in machines] == engine.plan  # the plan's own order
    assert sorted(sm.name for sm in machines) == sorted(o.name for o in order if o in machines)
    for sm in machines:
        at = order.index(sm)
        before = [o.qualified for o in order[:at] if o not in machines]
        assert before[-1] in machine_ops(sm)
        assert not set(before[:-1]) & set(machine_ops(sm))


def test_the_first_pass_takes_a_valid_a_boundary_and_an_invalid_call_and_the_rest_the_others(services):
    engine = _engine(services)
    op = services["iot-jobs-data"].operation("UpdateJobExecution")
    first, rest = phases.single_calls(engine.ctx, op)
    service = services["iot-jobs-data"]
    every = boundary_calls(op, service=service) + invalid_calls(op, service=service)
    assert len(first) == phases.FIRST_CALLS
    assert sorted(map(repr, first + rest)) == sorted(map(repr, every))
    assert [c.mode for c in first] == ["boundary", "boundary", "invalid"]


def test_the_sweep_tries_every_step_from_every_state_reached(services):
    engine = _engine(services, phases=("lifecycle",))
    sm = _machine(services, "job_execution")
    sweep = Sweep(engine.ctx, sm)
    sweep.advance()
    assert sweep.done
    # every state a device or the control plane can bring an execution to, and TIMED_OUT: the step
    # timer a transition set is waited for (the embedded clock moved by its bound)
    assert set(sweep.covered) == {"QUEUED", "IN_PROGRESS", "SUCCEEDED", "FAILED", "REJECTED", "CANCELED",
                                  "TIMED_OUT"}
    assert set(sweep.tried) == {(s, step) for s in sweep.covered for step in sweep.steps()}
    assert STALE in sweep.steps() and "delete" in sweep.steps()
    assert not engine.result.failures and not engine.result.crashed_checks


def test_the_sweep_resumes_where_a_limited_advance_stopped(services):
    engine = _engine(services, phases=("lifecycle",))
    sweep = Sweep(engine.ctx, _machine(services, "job_execution"))
    assert sweep.advance(fresh=1)  # one resource: the first state's steps until one moves it on
    first = list(sweep.tried)
    assert first and {s for s, _ in first} == {"QUEUED"} and len(first) < len(sweep.steps())
    assert not sweep.advance()
    assert sweep.tried[:len(first)] == first and len(set(sweep.tried)) == len(sweep.tried)


def test_the_sweep_finds_an_illegal_transition_from_every_terminal_state(services):
    engine = _engine(services, plant=("iotdata-terminal-restart",), phases=("lifecycle",))
    Sweep(engine.ctx, _machine(services, "job_execution")).advance()
    titles = {r.failure.title for r in engine.result.failures if r.failure.operation == "UpdateJobExecution"}
    assert {f"illegal start accepted from {s}" for s in ("SUCCEEDED", "FAILED", "REJECTED", "CANCELED")} <= titles
    rec = next(r for r in engine.result.failures if r.failure.title.endswith("SUCCEEDED"))
    assert rec.scenario and rec.scenario["kind"] == "lifecycle" and rec.scenario["steps"][-1] == "start"
    assert rec.first_seen_s is not None and rec.first_seen_s >= 0
