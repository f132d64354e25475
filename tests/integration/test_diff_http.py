"""``jobfuzz diff`` against ``python -m emulator`` servers on 127.0.0.1: two correct emulators (each
makes its own ids) answer alike; a planted fault is reported on its operation; an endpoint that is
not there, or a second endpoint that is missing, stops the command with exit 2 and one line."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest
from processes import emulator

from harness.cli import main as jobfuzz
from harness.targets import UrlTarget
from strategies.calls import Call

PLANTED = ("iot-describe-job-status-enum", "ie-get-status-error-count-type", "amplify-get-job-time-type")
#: one operation of each faulted service, small and seeded: a few seconds a run
SMALL = ["--operation", "iot.DescribeJob", "--operation", "importexport.GetStatus",
         "--operation", "amplifybackend.GetBackendJob", "--max-examples", "3", "--seed", "1", "--quiet"]


@pytest.fixture(scope="module")
def correct_a() -> Iterator[str]:
    with emulator() as url:
        yield url


@pytest.fixture(scope="module")
def correct_b() -> Iterator[str]:
    with emulator() as url:
        yield url


@pytest.fixture(scope="module")
def planted() -> Iterator[str]:
    with emulator("--plant", ",".join(PLANTED)) as url:
        yield url


def _warm(url: str) -> None:
    """A thing and a job with an execution on ``url`` alone: its counters run ahead of the other's."""
    target = UrlTarget({None: url})
    thing = target.send(Call("iot", "CreateThing", {"thingName": "warm-thing"}))
    assert thing.ok, thing.error_message
    job = target.send(Call("iot", "CreateJob", {"jobId": "warm-job", "targets": [thing.parsed["thingArn"]],
                                                "document": "{}"}))
    assert job.ok, job.error_message
    target.close()


def test_two_correct_emulators_answer_alike_though_their_ids_differ(correct_a, correct_b, tmp_path, capsys):
    _warm(correct_a)  # A's execution numbers start further on than B's
    report = tmp_path / "diff.json"
    code = jobfuzz(["diff", "--endpoint-url", correct_a, "--endpoint-url", correct_b,
                    "--operation", "iot-jobs-data.UpdateJobExecution", *SMALL, "--report-json", str(report)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "No difference" in out
    doc = json.loads(report.read_text())
    assert doc["format"] == "jobfuzz-diff/1"
    assert doc["summary"]["differences"] == 0 and doc["differences"] == []
    assert doc["summary"]["calls"] > 100
    # each emulator made its own JobIds, thingIds, ARNs: paired, not reported
    assert doc["summary"]["ids_paired"] > 10
    assert doc["summary"]["endpoints"] == {"a": correct_a, "b": correct_b}


def test_a_planted_fault_is_reported_on_its_operation(correct_a, planted, tmp_path, capsys):
    report = tmp_path / "diff.json"
    code = jobfuzz(["diff", "--endpoint-url", correct_a, "--endpoint-url", planted, *SMALL,
                    "--report-json", str(report)])
    out = capsys.readouterr().out
    assert code == 1, out
    doc = json.loads(report.read_text())
    found = {(d["service"], d["operation"], d["kind"], d["path"]) for d in doc["differences"]}
    assert found == {
        ("iot", "DescribeJob", "enum", "job.status"),  # RUNNING, outside the JobStatus enum
        ("importexport", "GetStatus", "parse", ""),  # ErrorCount "none": B's answer does not parse
        ("amplifybackend", "GetBackendJob", "type", "CreateTime"),  # a JSON number for a string
    }, out
    enum = next(d for d in doc["differences"] if d["kind"] == "enum")
    assert enum["answers"]["b"]["body"]["job"]["status"] == "RUNNING"
    assert enum["answers"]["a"]["body"]["job"]["status"] != "RUNNING"
    assert enum["call"]["operation"] == "DescribeJob" and enum["call"]["params"]["jobId"]
    assert "iot.DescribeJob: enum at job.status" in out
    # the same order swapped: the planted side drives the run, the same differences show
    code = jobfuzz(["diff", "--endpoint-url", planted, "--endpoint-url", correct_a, *SMALL,
                    "--report-json", str(report)])
    capsys.readouterr()
    assert code == 1
    swapped = {(d["operation"], d["kind"]) for d in json.loads(report.read_text())["differences"]}
    assert swapped == {("DescribeJob", "enum"), ("GetStatus", "parse"), ("GetBackendJob", "type")}


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unreachable_endpoint_stops_the_diff_with_exit_2_and_one_line(correct_a, capsys):
    dead = f"http://127.0.0.1:{_closed_port()}"
    code = jobfuzz(["diff", "--endpoint-url", correct_a, "--endpoint-url", dead, *SMALL])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "unreachable" in err and dead in err


def test_one_endpoint_is_not_a_diff(correct_a, capsys):
    code = jobfuzz(["diff", "--endpoint-url", correct_a, *SMALL])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "--endpoint-url twice" in err
