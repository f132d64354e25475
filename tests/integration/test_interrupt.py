"""Ctrl-C during a run keeps what was found: the case files and the reports are written, exit 2.

A planted emulator over HTTP (a 500 on a well-formed UpdateJobExecution: found early, in the
boundary phase), slowed by a latency fault on every answer so that the run is still going when the
first failure is printed; SIGINT then goes to the run, as a terminal's Ctrl-C would.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest
from processes import ROOT, emulator

PLANT = "iotdata-update-crash-on-document"
SLOW = ("--plant", PLANT, "--fault-rate", "1", "--fault-kinds", "latency", "--fault-latency", "0.01")


@pytest.mark.timeout(300)
@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("whole_group", [False, True], ids=["parent", "group"])
def test_ctrl_c_after_a_failure_writes_its_case_file_and_the_reports(tmp_path, workers, whole_group):
    with emulator(*SLOW) as url:
        proc = subprocess.Popen(
            [sys.executable, "-m", "harness.cli", "run", "--endpoint-url", url, "--service", "iot-jobs-data",
             "--seed", "1", "--workers", str(workers), "--report-json", str(tmp_path / "out" / "r.json"),
             "--junit-xml", str(tmp_path / "r.xml"), "--failures-dir", str(tmp_path / "failures")],
            cwd=tmp_path, env=dict(os.environ, PYTHONPATH=str(ROOT)), start_new_session=True,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert proc.stdout is not None
        printed: list[str] = []
        for line in proc.stdout:
            if line.startswith("FAIL"):
                printed.append(line)
                break
        assert printed, "the run ended without printing a failure"
        if whole_group:  # a terminal's Ctrl-C reaches the run and its workers at once
            os.killpg(proc.pid, signal.SIGINT)
        else:
            proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
    assert proc.returncode == 2, err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("jobfuzz: interrupted after "), err
    assert str(tmp_path / "out" / "r.json") in lines[0]
    report = json.loads((tmp_path / "out" / "r.json").read_text())
    assert report["summary"]["interrupted"] is True
    assert report["summary"]["calls"] > 0
    found = [f for f in report["failures"] if f["operation"] == "UpdateJobExecution"
             and f["check"] == "not_a_server_error"]
    assert found and found[0]["case_file"], report["failures"]
    case = tmp_path / "failures" / os.path.basename(found[0]["case_file"])
    assert json.loads(case.read_text())["check"] == "not_a_server_error"
    assert (tmp_path / "r.xml").read_text().startswith("<?xml")
    assert "not_a_server_error" in out  # the console report too
