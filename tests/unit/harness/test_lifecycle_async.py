"""Jobs that move on their own: the reference model accepts what the service does between two reads
(in the documented order, never back), and a state that must come within a bound comes."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from harness.checks.lifecycle import LifecycleRun
from harness.checks.progress import reachable
from harness.engine import Engine, RunConfig
from harness.model import CHECK_NAMES, Failure
from harness.polling import poll
from harness.reporting.console import summary_line
from harness.targets import EmbeddedTarget
from specs.loader import load_service
from specs.paths import search
from specs.types import Polling

DATA, IOT, AB = "iot-jobs-data", "iot", "amplifybackend"


def _run(plant: list[str], service: str, machine: str, checks: tuple[str, ...] = CHECK_NAMES) -> LifecycleRun:
    engine = Engine(EmbeddedTarget(plant=plant), RunConfig(services=(service,), checks=checks, seed=0))
    sm = next(m for m in engine.services[service].state_machines if m.name == machine)
    return LifecycleRun(engine.ctx, sm)


def _replay(plant: list[str], service: str, machine: str, steps: list[str]) -> Failure | None:
    try:
        _run(plant, service, machine).replay(steps)
    except Failure as f:
        return f
    return None


# -- the model ------------------------------------------------------------------------------------------
def test_reachable_follows_enabled_service_transitions_forward_only():
    sm = next(m for m in load_service(DATA).state_machines if m.name == "job_execution")
    assert reachable(sm, ["IN_PROGRESS"], []) == {"IN_PROGRESS"}  # no timer set: nothing moves it
    assert reachable(sm, ["IN_PROGRESS"], ["start_with_step_timer"]) == {"IN_PROGRESS", "TIMED_OUT"}
    assert reachable(sm, ["TIMED_OUT"], ["start_with_step_timer"]) == {"TIMED_OUT"}  # never back
    job = next(m for m in load_service(AB).state_machines if m.name == "backend_job")
    assert reachable(job, ["IN_PROGRESS"], []) == {"IN_PROGRESS", "COMPLETED", "FAILED"}  # from creation


def test_a_state_in_a_list_is_read():
    # the lifecycle reads its state with the overlays' one path language (specs.paths, JMESPath)
    assert search("jobs[0].status", {"jobs": [{"status": "RUNNING"}, {"status": "FAILED"}]}) == "RUNNING"
    assert search("execution.status", {"execution": {"status": "QUEUED"}}) == "QUEUED"
    assert search("jobs[0].status", {"jobs": []}) is None


# -- the judgements, on planted faults and on the correct emulator ----------------------------------------
@pytest.mark.parametrize(("plant", "service", "machine", "steps", "title"), [
    ("iotdata-step-timer-ignored", DATA, "job_execution", ["start_with_step_timer", "wait:step_timer_fires"],
     "step_timer_fires: not TIMED_OUT in time"),
    ("iot-completed-job-reopens", IOT, "job", ["complete_by_rejecting_only_execution", "cancel"],
     "terminal COMPLETED changed"),
    ("iot-job-never-completes", IOT, "job",
     ["start_execution_with_step_timer", "wait:completes_when_its_execution_times_out"],
     "completes_when_its_execution_times_out: not COMPLETED in time"),
])
def test_planted_fault_found_and_correct_emulator_passes(plant, service, machine, steps, title):
    found = _replay([plant], service, machine, steps)
    assert found is not None and found.check == "state_transition_conformance" and found.title == title
    assert _replay([], service, machine, steps) is None


def test_the_embedded_emulator_clock_is_moved_not_waited_for():
    run = _run([], DATA, "job_execution")
    run.replay(["start_with_step_timer", "wait:step_timer_fires"])
    assert run.state == "TIMED_OUT"


def test_no_false_failure_when_the_job_moved_between_reads():
    # the step timer fires between two reads (the clock moves as real time would): the legal
    # "succeed" from IN_PROGRESS is then refused, and the read shows TIMED_OUT: neither is a failure
    run = _run([], DATA, "job_execution")
    run.setup()
    run.apply("start_with_step_timer")
    run.ctx.target.advance_clock(61)
    assert run.expectation(run.by_name["succeed"]) == "either"
    run.apply("succeed")
    assert run.state == "TIMED_OUT"
    # a job whose only execution ended between reads is read COMPLETED already: accepted
    job = _run([], IOT, "job")
    job.setup()
    job.apply("start_execution_with_step_timer")
    job.ctx.target.advance_clock(61)
    job.check_read(after=None)
    assert job.state == "COMPLETED"


def test_going_back_from_a_state_the_service_left_is_a_failure():
    run = _run([], DATA, "job_execution")
    run.setup()
    run.apply("start")
    run.state, run.expected = "TIMED_OUT", frozenset({"TIMED_OUT"})  # as if the last read showed TIMED_OUT
    with pytest.raises(Failure) as info:
        run.check_read(after=None)
    assert info.value.title == "terminal TIMED_OUT changed"


def test_an_inferred_eventually_never_fails():
    # AmplifyBackend documents no bound: a job still running after the guess is no failure
    run = _run([], AB, "backend_job")
    run.setup()
    assert run.pending is not None and run.pending.source == "inferred"
    run.wait()
    assert run.state in ("COMPLETED", "FAILED")


class _Patient(EmbeddedTarget):
    """The emulator in-process, waited on as a URL target is (its clock is not moved)."""

    polling = Polling(0.01, 2, 0.05)
    max_wait = 1.0


def test_a_bound_past_the_targets_max_wait_is_not_waited_for():
    engine = Engine(_Patient(), RunConfig(services=(DATA,), seed=0))
    sm = next(m for m in engine.services[DATA].state_machines if m.name == "job_execution")
    run = LifecycleRun(engine.ctx, sm)
    run.replay(["start_with_step_timer"])
    calls = len(engine.ctx.sequence)
    run.pending = sm.eventually[0]
    run.wait()  # 60 s documented, 1 s allowed here: no read, no verdict
    assert len(engine.ctx.sequence) == calls and run.state == "IN_PROGRESS"
    # and the run says so: a documented change it could not judge is never a silent pass
    assert engine.result.not_judged == {
        "iot-jobs-data.job_execution: step_timer_fires":
            "execution.status must be TIMED_OUT within 60 s after start_with_step_timer; not waited for, past "
            "the target's --max-wait of 1 s"}
    assert "1 documented change not waited for" in summary_line(engine.result)


def test_a_url_target_polls_within_the_bound_and_no_longer():
    run = _run([], DATA, "job_execution")
    reads: list[Any] = []
    target = run.ctx.target
    slept: list[float] = []
    now = [0.0]

    def probe() -> str:
        reads.append(now[0])
        return "IN_PROGRESS"

    def sleep(s: float) -> None:
        slept.append(s)
        now[0] += s

    out = poll(probe, lambda s: s == "TIMED_OUT", polling=Polling(1, 2, 10), within=60, sleep=sleep,
               clock=lambda: now[0])
    assert out == "IN_PROGRESS" and sum(slept) == 60 and slept[:4] == [1, 2, 4, 8] and max(slept) <= 10
    assert poll(probe, lambda s: False, polling=None, tries=9) == "IN_PROGRESS"  # embedded: once
    assert len(reads) == len(slept) + 2
    assert target.polling is None and dataclasses.is_dataclass(Polling())


def test_max_wait_is_a_target_option():
    import socket

    from harness.inputs import UsageError
    from harness.options import TargetOptions, build_target

    with socket.create_server(("127.0.0.1", 0)) as server:  # a URL target checks its endpoint answers
        port = server.getsockname()[1]
        url = build_target(TargetOptions(endpoint_urls=(f"http://127.0.0.1:{port}",), max_wait=90))
    assert url.max_wait == 90 and url.polling is not None
    with pytest.raises(UsageError, match="--max-wait is for --endpoint-url"):
        build_target(TargetOptions(max_wait=90))
    with pytest.raises(UsageError, match="--max-wait"):
        TargetOptions(endpoint_urls=("http://127.0.0.1:9",), max_wait=-1)
