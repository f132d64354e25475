"""The flaky rerun at the end of a run stops when the endpoint stops answering: after the run gave it
up, nothing is rerun; when it stops answering during the reruns, the rest stay failures (not flaky)."""

from __future__ import annotations

from typing import Any

import pytest

import harness.replay
from harness.config import Stop
from harness.model import Failure
from harness.replay import ReplayOutcome
from harness.results import FailureRecord, RunResult
from harness.session import _rerun_failures
from harness.targets import EmbeddedTarget


def _result(n: int, gave_up: str | None = None) -> RunResult:
    result = RunResult(seed=0, endpoint="http://127.0.0.1:9")
    result.failures = [FailureRecord(Failure("not_a_server_error", "batch", "SubmitJob", f"t{i}", "m"), [], 0)
                       for i in range(n)]
    result.gave_up = gave_up
    return result


def test_no_rerun_after_the_run_gave_the_endpoint_up(monkeypatch: pytest.MonkeyPatch) -> None:
    reruns: list[Any] = []
    monkeypatch.setattr(harness.replay, "rerun", lambda rec, target, observations=None: reruns.append(rec))
    result = _result(3, gave_up="endpoint answered nothing judgeable")
    _rerun_failures(result, EmbeddedTarget())
    assert reruns == [] and not any(r.flaky for r in result.failures)


def test_reruns_stop_when_the_endpoint_stops_answering(monkeypatch: pytest.MonkeyPatch) -> None:
    reruns: list[FailureRecord] = []

    def rerun(rec: FailureRecord, target: object, observations: object = None) -> ReplayOutcome:
        reruns.append(rec)
        if len(reruns) == 2:
            raise Stop()
        return ReplayOutcome(still_fails=False, failures=(), calls=1)

    monkeypatch.setattr(harness.replay, "rerun", rerun)
    result = _result(4)
    _rerun_failures(result, EmbeddedTarget())
    assert len(reruns) == 2
    assert [r.flaky for r in result.failures] == [True, False, False, False]
