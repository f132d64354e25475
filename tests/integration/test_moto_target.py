"""``python -m harness.moto_target``: a moto_server started with configuration, or one running
already, wrapped around a command; moto's log kept off the console; bad options refused. Skipped
when moto's server extra is not installed."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

pytest.importorskip("moto.server", reason="moto with its server extra is not installed (pip install -e '.[moto]')")

from harness.moto_target import SECOND_ACCOUNT, is_moto, main

CASES = Path(__file__).parent.parent / "cases" / "moto"
_SUMMARY = re.compile(r"^moto_server log: (\S+) \((\d+) lines, (\d+) tracebacks\)$")

#: the command's part: the endpoint and the second identity come appended to its arguments
_PREAMBLE = """
import sys, time, boto3
args = sys.argv[1:]
url = args[args.index("--endpoint-url") + 1]
key, secret = args[args.index("--second-identity") + 1].split(":")
kw = dict(endpoint_url=url, region_name="us-east-1", aws_access_key_id="jobfuzz-primary-key-id",
          aws_secret_access_key="x")
"""
BATCH_JOB = _PREAMBLE + """
iam, batch = boto3.client("iam", **kw), boto3.client("batch", **kw)
role = iam.create_role(RoleName="jobfuzz-batch", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
ce = batch.create_compute_environment(computeEnvironmentName="jobfuzz-ce", type="UNMANAGED", state="ENABLED",
                                      serviceRole=role)["computeEnvironmentArn"]
queue = batch.create_job_queue(jobQueueName="jobfuzz-queue", state="ENABLED", priority=1,
                               computeEnvironmentOrder=[{"order": 1, "computeEnvironment": ce}])["jobQueueArn"]
definition = batch.register_job_definition(jobDefinitionName="jobfuzz-def", type="container", containerProperties={
    "image": "busybox", "vcpus": 1, "memory": 128, "command": ["true"]})["jobDefinitionArn"]
job = batch.submit_job(jobName="jobfuzz-job", jobQueue=queue, jobDefinition=definition)["jobId"]
for _ in range(100):
    status = batch.describe_jobs(jobs=[job])["jobs"][0]["status"]
    if status in ("SUCCEEDED", "FAILED"):
        break
    time.sleep(0.1)
print("batch job:", status)
"""
SUPPORT_CASE = _PREAMBLE + """
support = boto3.client("support", **kw)
case = support.create_case(subject="jobfuzz", communicationBody="state transition")["caseId"]
print("case:", [support.describe_cases(caseIdList=[case], includeResolvedCases=True)["cases"][0]["status"]
                for _ in range(3)])
"""
THINGS = _PREAMBLE + """
iot = boto3.client("iot", **kw)
second = boto3.client("iot", endpoint_url=url, region_name="us-east-1", aws_access_key_id=key,
                      aws_secret_access_key=secret)
iot.create_thing(thingName="jobfuzz-made-by-the-command")
print("second:", second.create_thing(thingName="jobfuzz-second")["thingArn"])
"""


def _run(capfd, tmp_path, script: str, *options: str) -> tuple[int, str, str]:
    path = tmp_path / "command.py"
    path.write_text(textwrap.dedent(script))
    code = main([*options, sys.executable, str(path)])
    out, err = capfd.readouterr()
    return code, out, err


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the default log goes under .jobfuzz/ of the working directory
    return tmp_path


def test_batch_configuration_and_environment_reach_the_started_server(capfd, in_tmp):
    code, out, err = _run(capfd, in_tmp, BATCH_JOB, "--batch-without-docker")
    assert code == 0, err
    assert "batch job: SUCCEEDED" in out  # no container: moto's docker-less Batch marks it done
    code, out, err = _run(capfd, in_tmp, BATCH_JOB, "--batch-without-docker",
                          "--moto-env", "MOTO_SIMPLE_BATCH_FAIL_AFTER=0")
    assert code == 0, err
    assert "batch job: FAILED" in out  # the variable reached the server
    assert "env MOTO_SIMPLE_BATCH_FAIL_AFTER=0, batch without docker" in out
    assert len(list((in_tmp / ".jobfuzz").glob("moto_server-*.log"))) == 2


def test_a_state_transition_reaches_the_started_server(capfd, in_tmp):
    code, out, err = _run(capfd, in_tmp, SUPPORT_CASE)
    assert code == 0, err
    assert "case: ['pending-customer-action', 'reopened', 'resolved']" in out  # moto's default: every read
    code, out, err = _run(capfd, in_tmp, SUPPORT_CASE, "--state-transition", "support::case=manual:2")
    assert code == 0, err
    assert "case: ['opened', 'pending-customer-action', 'pending-customer-action']" in out  # every second read


def test_a_running_server_is_wrapped_not_started_nor_stopped(capfd, tmp_path):
    import boto3

    port, log = _free_port(), tmp_path / "running.log"
    with open(log, "wb") as out:
        server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                                  stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while not is_moto(url) and time.monotonic() < deadline:
            time.sleep(0.1)
        code, out, err = _run(capfd, tmp_path, THINGS, "--moto-url", url, "--moto-log", str(log))
        assert code == 0, err
        assert f"moto_server at {url} (running already;" in out
        assert f":{SECOND_ACCOUNT}:thing/jobfuzz-second" in out  # the second identity, from its STS
        assert _SUMMARY.match(out.strip().splitlines()[-1])
        assert server.poll() is None  # still running, and it is the server the command used
        iot = boto3.client("iot", endpoint_url=url, region_name="us-east-1",
                           aws_access_key_id="jobfuzz-primary-key-id", aws_secret_access_key="x")
        assert iot.describe_thing(thingName="jobfuzz-made-by-the-command")["thingName"]
        assert not list(tmp_path.glob(".jobfuzz/moto_server-*.log"))
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_moto_tracebacks_go_to_the_log_named_at_the_end(capfd, in_tmp):
    case = CASES / "not_a_server_error-iot-GetJobDocument-04c5ad.json"
    code = main(["jobfuzz", "replay", str(case)])
    out, err = capfd.readouterr()
    assert code == 1, out + err  # the case still fails: moto's 500
    assert "Traceback" not in err and "KeyError" not in err, err
    summary = _SUMMARY.match(out.strip().splitlines()[-1])
    assert summary, out
    path, lines, tracebacks = Path(summary[1]), int(summary[2]), int(summary[3])
    assert tracebacks >= 1 and lines > tracebacks
    text = path.read_text()
    assert text.count("Traceback (most recent call last):") == tracebacks and "KeyError" in text


@pytest.mark.parametrize("options, message", [
    (["--moto-env", "MOTO_SIMPLE_BATCH_FAIL_AFTER"], "--moto-env: 'MOTO_SIMPLE_BATCH_FAIL_AFTER': expected KEY=VALUE"),
    (["--moto-env", "1X=2"], "--moto-env: '1X=2': expected KEY=VALUE"),
    (["--state-transition", "batch::job=later"], "--state-transition: 'batch::job=later': expected MODEL="),
    (["--moto-url", "http://127.0.0.1:{closed}"], "no moto_server answers there"),
    (["--moto-url", "{not_moto}"], "no moto_server answers there"),
    (["--moto-url", "http://127.0.0.1:{closed}", "--moto-env", "A=1"], "--moto-env sets the environment"),
    (["--moto-url", "{moto}", "--moto-log", "{other_log}"], "did not log a request sent to it"),
])
def test_bad_options_exit_2_in_one_line_before_anything_starts(options, message, capfd, in_tmp):
    from emulator.app import Emulator
    from emulator.server import EmulatorServer

    not_moto = EmulatorServer(Emulator()).start()  # answers HTTP, but no /moto-api/config
    other_log = in_tmp / "other.log"
    other_log.write_text("")
    marker = in_tmp / "command-ran"
    moto_log = in_tmp / "moto.log"
    with open(moto_log, "wb") as out:
        port = _free_port()
        moto = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                                stdout=out, stderr=subprocess.STDOUT) if "{moto}" in options else None
    try:
        if moto is not None:
            deadline = time.monotonic() + 30
            while not is_moto(f"http://127.0.0.1:{port}") and time.monotonic() < deadline:
                time.sleep(0.1)
        filled = [o.format(closed=_free_port(), not_moto=not_moto.url, moto=f"http://127.0.0.1:{port}",
                           other_log=other_log) for o in options]
        code = main([*filled, sys.executable, "-c", f"open({str(marker)!r}, 'w')"])
    finally:
        not_moto.stop()
        if moto is not None:
            moto.terminate()
            moto.wait(timeout=10)
    out, err = capfd.readouterr()
    assert code == 2
    assert out == "" and len(err.strip().splitlines()) == 1 and message in err, err
    assert not marker.exists() and not (in_tmp / ".jobfuzz").exists()
