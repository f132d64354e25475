"""Shards and workers split the operations: every operation exactly once, whatever the layout; the
workers of a run split only its own shard; merged results; the example database's spellings."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from hypothesis.database import DirectoryBasedExampleDatabase, InMemoryExampleDatabase

from harness.engine import DEFAULT_SERVICES, Engine, RunConfig
from harness.examples_db import ExampleDbError, example_database
from harness.lifecycle import planned_machines
from harness.model import Failure
from harness.results import FailureRecord, RunResult
from harness.session import merge, worker_shard
from harness.targets import EmbeddedTarget
from specs.loader import load_service


@pytest.fixture(scope="module")
def services() -> dict[str, Any]:
    return {name: load_service(name) for name in DEFAULT_SERVICES}


@pytest.fixture(scope="module")
def target() -> Any:
    t = EmbeddedTarget()
    yield t
    t.close()


def _plan(target: Any, services: dict[str, Any], **config: Any) -> list[str]:
    return [op.qualified for op in Engine(target, RunConfig(seed=1, **config), services=services).plan]


@pytest.mark.parametrize("n", [1, 2, 3, 7])
@pytest.mark.parametrize("operations", [(), ("iot-jobs-data.UpdateJobExecution", "importexport.UpdateJob")])
def test_every_lifecycle_runs_on_exactly_one_shard(target, services, n, operations):
    def machines(**config: Any) -> list[str]:
        engine = Engine(target, RunConfig(seed=1, operations=operations, **config), services=services)
        return [f"{sm.service}.{sm.name}" for sm in planned_machines(engine)]

    everything = machines()
    assert everything
    counts = Counter(m for i in range(n) for m in machines(shard=(i, n)))
    assert counts == Counter(everything)


@pytest.mark.parametrize("n", [1, 2, 3, 4, 7, 100])
def test_shards_cover_every_operation_exactly_once(target, services, n):
    everything = _plan(target, services)
    assert len(everything) > 50  # the four services' operations in scope
    counts = Counter(q for i in range(n) for q in _plan(target, services, shard=(i, n)))
    assert set(counts) == set(everything)
    assert set(counts.values()) == {1}
    sizes = [len(_plan(target, services, shard=(i, n))) for i in range(n)]
    assert max(sizes) - min(sizes) <= 1  # as even as a round-robin over the sorted names gets


def test_shards_of_a_selection_split_only_the_selected_operations(target, services):
    chosen = ("iot-jobs-data.UpdateJobExecution", "iot.CreateJob", "importexport.CreateJob", "ListJobs")
    selected = _plan(target, services, operations=chosen)
    assert "iot.ListJobs" in selected and "importexport.ListJobs" in selected
    counts = Counter(q for i in range(3) for q in _plan(target, services, operations=chosen, shard=(i, 3)))
    assert sorted(counts) == sorted(selected) and set(counts.values()) == {1}


def test_a_shard_is_the_same_on_every_machine(target, services):
    # the slice depends on the operations' names only: not on the seed or on the order of --service
    one = _plan(target, services, shard=(1, 3))
    other = Engine(target, RunConfig(seed=99, shard=(1, 3), services=tuple(reversed(DEFAULT_SERVICES))),
                   services=services).plan
    assert sorted(one) == sorted(op.qualified for op in other)


@pytest.mark.parametrize(("shard", "workers"), [(None, 2), (None, 3), ((0, 2), 2), ((1, 2), 2), ((2, 3), 4)])
def test_workers_split_the_runs_own_shard(target, services, shard, workers):
    whole = _plan(target, services, shard=shard)
    parts = [_plan(target, services, shard=worker_shard(shard, i, workers)) for i in range(workers)]
    counts = Counter(q for part in parts for q in part)
    assert sorted(counts) == sorted(whole) and set(counts.values()) == {1}


def test_worker_shard_values():
    assert worker_shard(None, 0, 1) == (0, 1)
    assert [worker_shard(None, i, 2) for i in range(2)] == [(0, 2), (1, 2)]
    assert [worker_shard((1, 3), i, 2) for i in range(2)] == [(1, 6), (4, 6)]


def _record(check: str, operation: str, occurrences: int = 1) -> FailureRecord:
    f = Failure(check=check, service="iot", operation=operation, title="t", message="m")
    return FailureRecord(failure=f, sequence=[], seed=5, occurrences=occurrences)


def test_merge_adds_calls_and_coverage_and_keeps_one_entry_a_failure():
    a, b = RunResult(seed=5, endpoint="embedded"), RunResult(seed=5, endpoint="embedded")
    a.calls, a.duration_s, b.calls, b.duration_s = 10, 2.0, 7, 3.5
    a.op("iot.CreateJob").calls, b.op("iot.CreateJob").calls, b.op("iot.DeleteJob").calls = 4, 3, 2
    a.op("iot.CreateJob").statuses["200"] += 4
    b.op("iot.CreateJob").statuses["200"] += 2
    b.op("iot.CreateJob").statuses["400"] += 1
    b.op("iot.CreateJob").errors_seen.add("InvalidRequestException")
    a.op("iot.CreateJob").checks["not_a_server_error"] = [4, 0]
    b.op("iot.CreateJob").checks["not_a_server_error"] = [2, 1]
    # the same lifecycle failure found by both workers, and one only the second found
    a.failures.append(_record("state_transition_conformance", "DescribeJob", 2))
    b.failures += [_record("state_transition_conformance", "DescribeJob", 3), _record("use_after_delete", "DeleteJob")]
    out = merge([a, b])
    assert (out.calls, out.duration_s, out.seed) == (17, 3.5, 5)
    assert set(out.coverage) == {"iot.CreateJob", "iot.DeleteJob"}
    create = out.coverage["iot.CreateJob"]
    assert create.calls == 7 and create.statuses == Counter({"200": 6, "400": 1})
    assert create.errors_seen == {"InvalidRequestException"}
    assert create.checks["not_a_server_error"] == [6, 1]
    assert [(r.failure.check, r.occurrences) for r in out.failures] == [
        ("state_transition_conformance", 5), ("use_after_delete", 1)]


def test_example_database_spellings(tmp_path):
    assert isinstance(example_database(None), InMemoryExampleDatabase)  # a run from Python keeps nothing
    assert isinstance(example_database(":memory:"), InMemoryExampleDatabase)
    folder = example_database(str(tmp_path / "examples"))
    assert isinstance(folder, DirectoryBasedExampleDatabase)
    for bad, what in (("redis://127.0.0.1:notaport", "with a port"), ("redis://127.0.0.1:6379/x", "database number"),
                      ("redis://127.0.0.1:1", "cannot reach Redis")):
        with pytest.raises(ExampleDbError, match=what) as info:
            example_database(bad)
        assert bad in str(info.value)  # the message names the value it could not use


def test_large_example_counts_run_as_searches_of_at_most_a_chunk():
    from harness.phases import CHUNK, chunks

    assert chunks(25) == [25]
    assert chunks(CHUNK) == [CHUNK]
    assert chunks(CHUNK + 1) == [CHUNK, 1]
    assert chunks(2 * CHUNK + 500) == [CHUNK, CHUNK, 500]
    assert chunks(0) == []
