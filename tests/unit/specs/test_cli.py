"""``jobfuzz specs list | show | lint | openapi``: output, and one line on stderr with status 2 on bad input."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import specs.overlay
from specs.cli import SERVICES, main
from specs.loader import load_service


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_list_has_every_in_scope_operation_with_method_and_uri():
    code, out, err = run("list")
    assert code == 0 and err == ""
    lines = out.splitlines()
    expected = sum(len(load_service(s).in_scope()) for s in SERVICES)
    assert len(lines) == expected
    row = next(line for line in lines if line.startswith("iot-jobs-data.UpdateJobExecution "))
    assert row.split() == ["iot-jobs-data.UpdateJobExecution", "POST", "/things/{thingName}/jobs/{jobId}"]
    assert any(line.startswith("importexport.GetShippingLabel ") for line in lines)
    assert not any(line.startswith("iot.CreateTopicRule ") for line in lines)


def test_list_one_service():
    code, out, _ = run("list", "amplifybackend")
    assert code == 0
    assert {line.split(".")[0] for line in out.splitlines()} == {"amplifybackend"}


def test_show_dumps_members_rules_errors_and_lifecycles():
    code, out, _ = run("show", "iot-jobs-data.UpdateJobExecution")
    assert code == 0
    assert out.startswith("iot-jobs-data.UpdateJobExecution  POST /things/{thingName}/jobs/{jobId}")
    assert "thingName uri  string required  len 1..128" in out
    assert "stepTimeoutInMinutes: max 10080 (doc)" in out
    assert "statusDetails: max_length 10 (inferred)" in out
    assert "InvalidStateTransitionException  409" in out
    assert "VersionMismatch  409  client (doc: not in the model)" in out
    assert "bindings: thingName <- thingName, jobId <- jobId" in out
    assert "state machine job_execution" in out and "succeed: IN_PROGRESS -> SUCCEEDED" in out


def test_show_wire_names_and_pagination():
    code, out, _ = run("show", "ListBackendJobs")  # one service has it: the service may be left out
    assert code == 0
    assert "AppId [appId] uri" in out
    assert "pagination: NextToken -> NextToken, limit MaxResults, results Jobs" in out


def test_lint_groups_by_service():
    code, out, _ = run("lint")
    assert code == 0
    headers = [line for line in out.splitlines() if not line.startswith(" ")]
    assert headers == list(SERVICES)
    assert "[doc-error] UpdateJobExecution: VersionMismatch" in out
    assert "[status-split] ThrottlingException" in out


def test_openapi_to_stdout_and_to_a_file(tmp_path):
    code, out, _ = run("openapi", "iot-jobs-data")
    assert code == 0
    doc = json.loads(out)
    assert doc["openapi"] == "3.1.0"
    target = tmp_path / "doc.json"
    code, out, _ = run("openapi", "amplifybackend", "--output", str(target))
    assert code == 0 and out == ""
    assert len([1 for item in json.loads(target.read_text())["paths"].values() for _ in item]) == 31


@pytest.mark.parametrize("argv, message", [
    (("show", "nope.Thing"), "jobfuzz specs: botocore has no service 'nope'"),
    (("show", "iot.NoSuchOperation"), "jobfuzz specs: iot has no operation 'NoSuchOperation'"),
    (("show", "CreateJob"), "jobfuzz specs: CreateJob is in iot, importexport; name it as SERVICE.Operation"),
    (("openapi", "importexport"), "jobfuzz specs: importexport: protocol is query; only rest-json services"),
    (("list", "nope"), "jobfuzz specs: botocore has no service 'nope'"),
    (("frobnicate",), "jobfuzz specs: argument command: invalid choice: 'frobnicate'"),
    ((), "jobfuzz specs: the following arguments are required: command"),
])
def test_bad_input_is_one_line_and_status_2(argv, message):
    code, out, err = run(*argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith(message)


def test_bad_overlay_is_one_line_and_status_2(tmp_path, monkeypatch):
    (tmp_path / "iot.yaml").write_text(textwrap.dedent("""
        service: iot
        rules:
          CreateJob:
            - {path: timeoutConfig.nope, kind: max, value: 1, source: doc}
    """))
    monkeypatch.setenv("JOBFUZZ_OVERLAY_PATH", str(tmp_path))
    specs.overlay._apply_cached.cache_clear()
    try:
        code, _, err = run("list", "iot")
    finally:
        specs.overlay._apply_cached.cache_clear()
    assert code == 2 and err.count("\n") == 1
    assert err.startswith(f"jobfuzz specs: {tmp_path / 'iot.yaml'}: rules/CreateJob/0/path: ")
    assert "has no member 'nope'" in err


ROOT = Path(__file__).resolve().parents[3]


def test_python_dash_m_specs():
    proc = subprocess.run([sys.executable, "-m", "specs", "show", "importexport.CancelJob"],
                          capture_output=True, text=True, check=False, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("importexport.CancelJob  POST /?Operation=CancelJob  (query")
    proc = subprocess.run([sys.executable, "-m", "specs", "show", "x.Y"], capture_output=True, text=True,
                          check=False, cwd=ROOT)
    assert proc.returncode == 2 and proc.stderr.strip() == "jobfuzz specs: botocore has no service 'x'"
