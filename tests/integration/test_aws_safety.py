"""The aws target's safety, with the HTTP emulator on 127.0.0.1 standing in for the account.

The target is the real ``AwsTarget`` (guard, caps, ledger, cleanup) with an endpoint override and
fake credentials: either given to the constructor, or, for the CLI, through the standard chain
(``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``) and botocore's ``AWS_ENDPOINT_URL``. Nothing here
reaches AWS.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import types
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

from emulator.app import Emulator
from emulator.server import EmulatorServer
from harness.cli import main
from harness.engine import RunConfig
from harness.session import execute
from harness.targets import AwsTarget
from strategies.calls import Call

AK = "test-aws-kind-key-id"
SK = "fake-secret-of-the-aws-kind-target-00000"
REGION = "us-east-1"
ROOT = Path(__file__).resolve().parents[2]
#: a few operations over the four services: each makes things, jobs, backends, Import/Export jobs
OPS = ("iot.DescribeJob", "iot.DeleteThing", "importexport.GetStatus", "amplifybackend.GetBackendJob",
       "iot-jobs-data.UpdateJobExecution")


class Recorder:
    """The emulator, with every request it was sent (time, method, path, body) kept."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.requests: list[tuple[float, str, str, bytes]] = []
        self._lock = threading.Lock()

    def __getattr__(self, name: str):
        return getattr(self.emulator, name)

    def handle(self, method, path_and_query, headers, body=b""):
        if not path_and_query.startswith("/_jobfuzz/"):
            with self._lock:
                self.requests.append((time.monotonic(), method, path_and_query, bytes(body or b"")))
        return self.emulator.handle(method, path_and_query, headers, body)


@pytest.fixture
def account():
    emu = Emulator()
    rec = Recorder(emu)
    server = EmulatorServer(rec).start()
    yield types.SimpleNamespace(emulator=emu, recorder=rec, url=server.url)
    server.stop()


@pytest.fixture
def aws_env(monkeypatch, account, tmp_path):
    """The standard credential chain and endpoint configuration, pointed at the emulator."""
    env = {"AWS_ACCESS_KEY_ID": AK, "AWS_SECRET_ACCESS_KEY": SK, "AWS_ENDPOINT_URL": account.url,
           "AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": str(tmp_path / "no-config"),
           "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials")}
    for k in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        monkeypatch.delenv(k, raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    monkeypatch.chdir(tmp_path)
    return env


def aws_target(account, tmp_path, **kwargs) -> AwsTarget:
    kwargs.setdefault("max_rate", None)
    kwargs.setdefault("max_calls", None)
    return AwsTarget(region=REGION, endpoint_url=account.url, credentials=(AK, SK, None),
                     ledger_dir=tmp_path / "runs", **kwargs)


def boto(account, service: str):
    return boto3.client(service, region_name=REGION, endpoint_url=account.url, aws_access_key_id=AK,
                        aws_secret_access_key=SK, config=Config(retries={"total_max_attempts": 1}))


def left(emu: Emulator, prefix: str) -> list[str]:
    """What the account still holds of a run with ``prefix`` (for Import/Export: any job not
    cancelled, since its ids are the service's own)."""
    out = []
    acct = emu.backends["iot"].store.accounts.get(AK)
    if acct is not None:
        out += [f"thing {n}" for n in acct.things if n.startswith(prefix)]
        out += [f"job {j}" for j in acct.jobs if j.startswith(prefix)]
        out += [f"command {c}" for c in acct.commands if c.startswith(prefix)]
    out += [f"backend {app_id}" for (a, app_id), app in emu.backends["amplifybackend"].store.apps.items()
            if a == AK and app_id.startswith(prefix) and app.envs]
    out += [f"ie_job {j.job_id}" for j in emu.backends["importexport"].jobs.values() if j.canceled_at is None]
    return out


def made(account, prefix: str) -> list[str]:
    return [path for _, method, path, _ in account.recorder.requests if method == "POST" and
            path.startswith(f"/things/{prefix}")]


# -- a whole run --------------------------------------------------------------------------------------

def test_a_run_names_and_tags_what_it_makes_and_leaves_nothing(account, tmp_path):
    target = aws_target(account, tmp_path, prefix="jfrun001")
    assert left(account.emulator, "jfrun001") == []
    result = execute(target, RunConfig(operations=OPS, max_examples=2, seed=3, phases=("boundary", "fuzz")))
    assert made(account, "jfrun001"), "the run made no thing"
    assert left(account.emulator, "jfrun001") == []
    creates = [(path, json.loads(body)) for _, method, path, body in account.recorder.requests
               if method == "PUT" and re.fullmatch(r"/jobs/[^/?]+", path)]  # iot CreateJob
    assert creates and all(path.startswith("/jobs/jfrun001") for path, _ in creates)
    assert all({"Key": "jobfuzz:run", "Value": "jfrun001"} in body["tags"] for _, body in creates)
    things = [path for _, method, path, _ in account.recorder.requests if method == "POST" and
              path.startswith("/things/")]
    assert all(p.startswith("/things/jfrun001") for p in things)
    safety = result.safety
    assert safety["prefix"] == "jfrun001" and safety["cleanup"]["left"] == []
    assert safety["calls_sent"] > 0 and safety["cleanup_calls"] > 0
    assert not (tmp_path / "runs" / "jfrun001.jsonl").exists()  # nothing left: the ledger is gone


def test_a_resource_made_outside_the_run_is_never_named_or_changed(account, tmp_path):
    iot = boto(account, "iot")
    thing = iot.create_thing(thingName="precious-thing", attributePayload={"attributes": {"owner": "ops"}})
    iot.create_job(jobId="precious-job", targets=[thing["thingArn"]], document='{"op": "keep"}')
    before_thing = iot.describe_thing(thingName="precious-thing")
    before_job = iot.describe_job(jobId="precious-job")["job"]
    setup = len(account.recorder.requests)

    target = aws_target(account, tmp_path, prefix="jfown001")
    ops = ("iot.DescribeThing", "iot.DeleteThing", "iot.UpdateJob", "iot.CancelJob", "iot.DeleteJob",
           "iot.ListJobs", "iot.DescribeJobExecution")
    execute(target, RunConfig(operations=ops, max_examples=2, seed=5, phases=("boundary", "fuzz", "scenarios")))
    for name in ("precious-thing", "precious-job"):  # the guard also refuses to name them on purpose
        call = Call("iot", "DeleteThing" if "thing" in name else "DeleteJob",
                    {"thingName" if "thing" in name else "jobId": name})
        ex = target.send(call)
        assert ex.response is None and "safety guard" in ex.transport_error
    sent = account.recorder.requests[setup:]
    assert len(sent) > 50
    assert not [r for r in sent if b"precious" in r[2].encode() + r[3]], "a call named the outside resources"
    after_thing = iot.describe_thing(thingName="precious-thing")
    after_job = iot.describe_job(jobId="precious-job")["job"]
    assert {k: after_thing[k] for k in ("thingName", "attributes", "version")} == \
        {k: before_thing[k] for k in ("thingName", "attributes", "version")}
    assert after_job["status"] == before_job["status"] and after_job["lastUpdatedAt"] == before_job["lastUpdatedAt"]
    assert target.guard.refused, "the guard refused nothing: the test did not exercise it"
    assert left(account.emulator, "jfown001") == []


# -- caps ---------------------------------------------------------------------------------------------

def test_the_rate_cap_is_honoured(account, tmp_path):
    target = aws_target(account, tmp_path, prefix="jfrate01", max_rate=25, max_calls=60)
    execute(target, RunConfig(operations=("iot.DescribeJob", "iot.GetJobDocument"), max_examples=20, seed=1,
                              phases=("fuzz",)))
    times = sorted(t for t, *_ in account.recorder.requests)
    assert len(times) >= 60
    # the endpoint sees each call a little after the limiter let it through, by a delay that varies
    # (tests/unit/harness/test_safety.py holds the limiter to the cap in every second, exactly)
    assert _busiest(times) <= 26
    assert times[-1] - times[0] < 3.5  # and the cap is used, not far undershot


def _busiest(times: list[float]) -> int:
    return max(sum(1 for u in times[i:] if u - t < 1.0) for i, t in enumerate(times))


def test_the_total_cap_stops_the_run_and_it_still_cleans_up(account, tmp_path):
    target = aws_target(account, tmp_path, prefix="jfcap001", max_calls=40)
    result = execute(target, RunConfig(operations=OPS, max_examples=5, seed=2))
    assert target.limiter.sent == 40 and target.limiter.reached
    assert result.stopped_by_budget and result.safety["stopped_by_max_calls"]
    assert len(account.recorder.requests) == 40 + target.limiter.drained
    assert left(account.emulator, "jfcap001") == []


# -- the CLI ------------------------------------------------------------------------------------------

AWS = ["--target", "aws", "--i-accept-aws-charges", "--region", REGION]


def test_a_dry_run_sends_nothing(account, aws_env, capsys, monkeypatch):
    assert main(["run", *AWS, "--dry-run", "--run-prefix", "jfdry001"]) == 0
    out = capsys.readouterr().out
    assert "Dry run: nothing is sent" in out and "jobfuzz:run=jfdry001" in out
    assert "iot.CreateThing" in out and "thing" in out and "iot.UpdateJob" in out and "lifecycle" in out
    assert "at most 5 calls/s, at most 2000 calls" in out
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")  # no credential is looked up either
    assert main(["run", *AWS, "--dry-run", "--operation", "GetStatus"]) == 0
    assert account.recorder.requests == []


@pytest.mark.parametrize(("argv", "missing"), [
    (["run", "--target", "aws"], "add --i-accept-aws-charges and --region REGION"),
    (["run", "--target", "aws", "--region", REGION], "add --i-accept-aws-charges"),
    (["run", "--target", "aws", "--i-accept-aws-charges"], "add --region REGION"),
    (["run", *AWS, "--workers", "2"], "drop --workers"),
    (["run", *AWS, "--run-prefix", "jf1"], "too short"),
    (["cleanup", "--prefix", "", *AWS], "empty"),
    (["cleanup", "--prefix", "jfa", *AWS], "at least 4 characters"),
    (["cleanup", "--prefix", "jfabcd"], "needs --target aws"),
    (["cleanup", "--prefix", "jfabcd", "--target", "aws", "--region", REGION], "add --i-accept-aws-charges"),
])
def test_what_is_missing_is_refused_in_one_line(argv, missing, aws_env, capsys, account):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert missing in err and len(err.strip().splitlines()) == 1
    assert account.recorder.requests == []


def test_no_credentials_is_refused_in_one_line(aws_env, monkeypatch, capsys, account):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    assert main(["run", *AWS, "--operation", "GetStatus"]) == 2
    err = capsys.readouterr().err
    assert "no AWS credentials" in err and len(err.strip().splitlines()) == 1


def _start_run(aws_env, tmp_path, prefix: str) -> subprocess.Popen:
    env = {**os.environ, **aws_env, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "harness.cli", "run", *AWS, "--run-prefix", prefix, "--ledger-dir",
         str(tmp_path / "runs"), "--max-rate", "1000", "--max-examples", "50", "--quiet", "--failures-dir",
         str(tmp_path / "failures"), "--seed", "4", *(x for op in OPS for x in ("--operation", op))],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_resources(proc: subprocess.Popen, ledger: Path, n: int = 8) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if ledger.exists() and ledger.read_text().count('"made"') >= n:
            return
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    pytest.fail("the run made no resources in 20 s")


def test_ctrl_c_cleans_up_then_exits_2(account, aws_env, tmp_path, capsys):
    proc = _start_run(aws_env, tmp_path, "jfint001")
    _wait_for_resources(proc, tmp_path / "runs" / "jfint001.jsonl")
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2, err
    assert err.strip().splitlines()[-1].startswith("jobfuzz: interrupted after ")
    assert "cleanup deleted" in err and ", 0 left" in err
    assert left(account.emulator, "jfint001") == []
    assert main(["cleanup", "--prefix", "jfint001", *AWS, "--ledger-dir", str(tmp_path / "runs")]) == 0
    assert "0 left" in capsys.readouterr().out


def test_cleanup_removes_what_a_killed_run_left_and_nothing_else(account, aws_env, tmp_path, capsys):
    iot = boto(account, "iot")
    iot.create_thing(thingName="precious-thing")
    iot.create_thing(thingName="jfint0020")  # starts like the prefix, but not with it
    proc = _start_run(aws_env, tmp_path, "jfint002x")
    _wait_for_resources(proc, tmp_path / "runs" / "jfint002x.jsonl")
    proc.kill()
    proc.communicate(timeout=30)
    assert left(account.emulator, "jfint002x"), "the killed run left nothing: the test proves nothing"
    assert main(["cleanup", "--prefix", "jfint002x", *AWS, "--ledger-dir", str(tmp_path / "runs")]) == 0
    out = capsys.readouterr().out
    assert "deleted: " in out and "0 left" in out
    assert left(account.emulator, "jfint002x") == []
    things = account.emulator.backends["iot"].store.accounts[AK].things
    assert "precious-thing" in things and "jfint0020" in things
    assert not (tmp_path / "runs" / "jfint002x.jsonl").exists()


def test_cleanup_touches_nothing_it_only_finds_by_listing_when_tags_cannot_be_read(account, tmp_path, capsys,
                                                                                   monkeypatch):
    """The emulator has no ListTagsForResource: a listed job that carries the prefix is not shown to
    be the run's (tests/integration/test_aws_ownership.py has an account that shows tags)."""
    monkeypatch.chdir(tmp_path)
    iot = boto(account, "iot")
    arn = iot.create_thing(thingName="jflist01thing")["thingArn"]
    for job in ("jflist01a", "other-job"):
        iot.create_job(jobId=job, targets=[arn], document="{}", tags=[{"Key": "jobfuzz:run", "Value": "jflist01"}])
    assert main(["cleanup", "--prefix", "jflist01", "--endpoint-url", account.url, "--primary-identity",
                 f"{AK}:{SK}", "--ledger-dir", str(tmp_path / "none")]) == 0
    out = capsys.readouterr().out
    assert "not touched: job jflist01a: carries the prefix, but no ledger holds it" in out
    assert set(account.emulator.backends["iot"].store.accounts[AK].jobs) == {"jflist01a", "other-job"}
    # the emulator has no ListThings: the thing is found only through the ledger, and says so
    assert "found only through the ledger" in out and "thing" in out.rsplit("ledger:", 1)[-1]
