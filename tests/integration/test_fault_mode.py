"""Transient faults are absorbed: the HTTP emulator in fault mode (a fifth of requests throttled,
answered 503/504, delayed or dropped) is still the correct emulator, so a run finds no contract
failure, and it counts and reports what it retried."""

from __future__ import annotations

import io
import json

from emulator.faults import FaultConfig
from emulator.server import EmulatorServer
from harness.engine import RunConfig
from harness.reporting.console import ConsoleReporter
from harness.reporting.json_report import write_json
from harness.session import execute
from harness.targets import UrlTarget

OPS = ("iot-jobs-data.UpdateJobExecution", "iot.DescribeJob", "importexport.GetStatus", "importexport.UpdateJob",
       "amplifybackend.GetBackendJob")


def test_transient_faults_are_retried_counted_and_reported_never_failures(tmp_path):
    faults = FaultConfig(rate=0.2, seed=11, latency_s=0.02)
    with EmulatorServer(faults=faults) as server:
        target = UrlTarget({None: server.url})
        result = execute(target, RunConfig(operations=OPS, max_examples=3, seed=1,
                                           phases=("fuzz", "lifecycle", "scenarios")))
        injected = dict(server.app.injected)
    assert sum(injected.values()) > 20 and all(injected.values()), injected  # every kind, often
    assert [str(f.failure) for f in result.real_failures] == []
    assert result.crashed_checks == []
    absorbed = sum(result.transient.values())
    assert absorbed > 0
    assert {"throttling", "connection"} <= set(result.transient)
    assert any(k.startswith("http_5") for k in result.transient)

    report = json.loads(write_json(result, tmp_path / "report.json").read_text())
    assert report["summary"]["transient"] == absorbed
    assert report["summary"]["failures"] == 0
    assert report["transient"] == {k: v for k, v in sorted(result.transient.items()) if v}

    console = io.StringIO()
    ConsoleReporter(console).on_finish(result)
    assert "Transient faults absorbed (retried, not failures)" in console.getvalue()
