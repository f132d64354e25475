"""``jobfuzz run --workers 2`` against an emulator over HTTP with planted faults: the merged report
has the same failures and the same operations as one process; inside ``--shard`` the workers split
that shard only."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from emulator.app import Emulator
from emulator.planted import PlantedEmulator
from emulator.server import EmulatorServer
from harness.cli import main as jobfuzz

#: three faults of the data plane, on three operations, found by three phases
FAULTS = "iotdata-step-timeout-max-refused,iotdata-not-found-undeclared,iotdata-command-token-ignored"


@pytest.fixture()
def url() -> Any:
    server = EmulatorServer(PlantedEmulator(Emulator(), FAULTS)).start()
    try:
        yield server.url
    finally:
        server.stop()


def _run(url: str, tmp: Path, name: str, *args: str) -> dict[str, Any]:
    report = tmp / f"{name}.json"
    code = jobfuzz(["run", "--endpoint-url", url, "--service", "iot-jobs-data", "--max-examples", "3",
                    "--seed", "3", "--quiet", "--example-db", ":memory:", "--failures-dir", str(tmp / name),
                    "--report-json", str(report), *args])
    data = json.loads(report.read_text())
    assert code == (1 if data["failures"] else 0)
    return data


def _failures(report: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    return sorted((f["check"], f["service"], f["operation"], f["title"]) for f in report["failures"])


def _data_plane(report: dict[str, Any]) -> set[str]:
    return {op for op in report["coverage"] if op.startswith("iot-jobs-data.")}


def test_two_workers_report_what_one_process_reports(url, tmp_path):
    one = _run(url, tmp_path, "one")
    two = _run(url, tmp_path, "two", "--workers", "2")
    assert {f[0] for f in _failures(one)} >= {"positive_data_acceptance", "error_class_conformance",
                                              "idempotency_conformance"}
    assert _failures(two) == _failures(one)
    assert set(two["coverage"]) == set(one["coverage"])
    assert len(_data_plane(one)) == 5
    assert two["summary"]["seed"] == 3 and two["summary"]["calls"] > 0
    # every failure of the merged run has its case file
    assert all(f["case_file"] and Path(f["case_file"]).is_file() for f in two["failures"])


def test_workers_inside_a_shard_keep_to_that_shard(url, tmp_path):
    halves = [_data_plane(_run(url, tmp_path, f"shard{i}", "--shard", f"{i}/2", "--phases", "boundary",
                               "--workers", "2")) for i in range(2)]
    assert halves[0] and halves[1] and not halves[0] & halves[1]
    assert len(halves[0] | halves[1]) == 5
