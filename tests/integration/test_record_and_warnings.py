"""``jobfuzz record`` and the warnings of what was observed, end to end on the embedded emulator.

A recording of the correct emulator is what a later run compares with (``--observations``): the
emulator with a planted departure from it gets a warning in every report, exit 0; ``--strict``
makes it a failure, exit 1; the pytest plugin does the same with ``--jobfuzz-strict``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hostile import hostile

from harness.cli import main as jobfuzz

ROOT = Path(__file__).resolve().parents[2]
FAULT = "iot-describe-thing-unmodelled-member"
PLAN = ["--service", "iot", "--operation", "iot.DescribeThing", "--phases", "boundary", "--max-examples", "5",
        "--seed", "1"]


@pytest.fixture(scope="module")
def recording(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("rec") / "iot.json"
    assert jobfuzz(["record", "--out", str(out), "--quiet", *PLAN]) == 0
    return out


def test_record_saves_the_answers_of_calls_meant_to_succeed(recording, capsys):
    doc = json.loads(recording.read_text())
    assert doc["format"] == "jobfuzz-observations/1" and doc["endpoint"] == "embedded" and doc["calls"] > 0
    described = [a for a in doc["answers"] if (a["service"], a["operation"]) == ("iot", "DescribeThing")]
    assert described and all("thingName" in a["body"] and "thingStatus" not in a["body"] for a in described)


def test_a_departure_from_the_recording_is_a_warning_in_every_report(recording, tmp_path, capsys):
    reports = {"--report-json": tmp_path / "r.json", "--junit-xml": tmp_path / "r.xml", "--html": tmp_path / "r.html"}
    args = ["run", "--plant", FAULT, *PLAN, "--observations", str(recording), "--failures-dir", str(tmp_path / "c")]
    assert jobfuzz([*args, *(x for kv in reports.items() for x in map(str, kv))]) == 0
    out = capsys.readouterr().out
    assert "Warnings (what AWS was observed to do" in out and "thingStatus: a member the model lacks" in out
    assert "rests on: observation: recording iot.json of embedded" in out and ", 1 warning, seed 1" in out

    doc = json.loads(reports["--report-json"].read_text())
    assert doc["summary"]["failures"] == 0 and doc["summary"]["warnings"] == 1 and not doc["failures"]
    (warning,) = doc["warnings"]
    assert (warning["check"], warning["basis"]) == ("observed_conformance", "observation")
    assert warning["reference"].startswith("recording iot.json")
    assert doc["coverage"]["iot.DescribeThing"]["checks"]["observed_conformance"]["result"] == "warn"

    suite = ET.parse(reports["--junit-xml"]).getroot()
    case = suite.find(".//testcase[@classname='iot.DescribeThing'][@name='observed_conformance']")
    assert case is not None and case.find("failure") is None
    assert "warning (rests on an observation" in (case.findtext("system-out") or "")
    assert suite.get("failures") == "0"

    html = reports["--html"].read_text()
    assert "Warnings (1)" in html and "rests on observation" in html

    assert jobfuzz([*args, "--strict", "--quiet"]) == 1  # the same warning, now a failure
    assert "1 failure (0 flaky)" in capsys.readouterr().out

    # its case file replays against the same recording: still departs on the planted emulator, not on the correct one
    case = warning["case_file"]
    assert jobfuzz(["replay", case, "--plant", FAULT, "--observations", str(recording)]) == 1
    assert jobfuzz(["replay", case, "--observations", str(recording)]) == 0


def test_the_correct_emulator_against_its_own_recording_has_no_warning(recording, capsys):
    assert jobfuzz(["run", *PLAN, "--observations", str(recording), "--strict", "--quiet", "--failures-dir",
                    str(recording.parent / "c")]) == 0


def test_a_bad_observations_file_stops_the_run_before_any_call(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "jobfuzz-report/1"}')
    assert jobfuzz(["run", *PLAN, "--observations", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"--observations {bad}: format: expected 'jobfuzz-observations/1'") and "\n" not in err
    assert jobfuzz(["run", *PLAN, "--observations", str(tmp_path / "none.json")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_record_with_nothing_to_keep_writes_nothing_and_exits_2(tmp_path, capsys):
    out = tmp_path / "x.json"
    with hostile("http_server") as url:  # answers no call with a success
        code = jobfuzz(["record", "--out", str(out), "--endpoint-url", url, "--service", "iot-jobs-data",
                        "--phases", "boundary", "--max-examples", "1", "--quiet"])
    assert code == 2 and not out.exists()
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"record: no success answer to keep from {url}") and err.endswith("not written")


def test_the_contract_suite_fails_on_warnings_only_with_jobfuzz_strict(recording):
    def suite(*extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                               "tests/contract/test_operations.py", "-k", "iot.DescribeThing", "--plant", FAULT,
                               "--jobfuzz-max-examples", "3", "--jobfuzz-observations", str(recording), *extra],
                              check=False, cwd=ROOT, capture_output=True, text=True, timeout=300)

    lenient = suite()
    assert lenient.returncode == 0, lenient.stdout[-2000:]
    strict = suite("--jobfuzz-strict")
    assert strict.returncode == 1, strict.stdout[-2000:]
    assert "thingStatus: a member the model lacks (rests on observation: recording iot.json" in strict.stdout
