"""The harness against a moto_server on loopback (``harness.moto_target``): what moto does not
implement is reported as unsupported, decided from what the server says, not from the moto
installed beside the harness; a kept moto finding still fails; the second identity is another
account. Skipped when moto's server extra is not installed."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

pytest.importorskip("moto.server", reason="moto with its server extra is not installed (pip install -e '.[moto]')")

from harness.cli import main as jobfuzz
from harness.engine import Engine, RunConfig
from harness.moto_target import SECOND_ACCOUNT, MotoServer, moto_server, second_identity
from harness.targets import UrlTarget
from strategies.calls import Call

CASES = Path(__file__).parent.parent / "cases" / "moto"
DATA_PLANE = ("DescribeJobExecution", "GetPendingJobExecutions", "StartNextPendingJobExecution",
              "UpdateJobExecution", "StartCommandExecution")


@pytest.fixture(scope="module")
def moto(tmp_path_factory):
    """A moto_server, and the run told its log (as ``python -m harness.moto_target`` tells a command)."""
    with moto_server(log=tmp_path_factory.mktemp("moto") / "server.log") as server, \
            pytest.MonkeyPatch.context() as mp:
        for key, value in server.env().items():
            mp.setenv(key, value)
        yield server


def _engine(url: str) -> Engine:
    return Engine(UrlTarget({None: url}), RunConfig(services=("iot",), phases=("boundary",), seed=1))


def test_data_plane_is_unsupported_not_failures(moto, tmp_path, capsys):
    report = tmp_path / "r.json"
    code = jobfuzz(["run", "--service", "iot-jobs-data", "--phases", "boundary", "--max-examples", "1",
                    "--seed", "1", "--quiet", "--endpoint-url", moto.url, "--report-json", str(report),
                    "--failures-dir", str(tmp_path / "fails")])
    capsys.readouterr()
    # nothing of iot-jobs-data is judged: exit 2, or 1 if the iot calls that make the resources find
    # moto's own departures; never 0
    assert code in (1, 2)
    data = json.loads(report.read_text())
    untested = {f"{u['service']}.{u['operation']}" for u in data["untested"]}
    assert untested == {f"iot-jobs-data.{op}" for op in DATA_PLANE}
    unsupported = data["unsupported"]
    assert {f"iot-jobs-data.{op}" for op in DATA_PLANE} <= set(unsupported), unsupported
    assert "serves no iot-jobs-data" in unsupported["iot-jobs-data.UpdateJobExecution"]
    assert [f for f in data["failures"] if f["service"] == "iot-jobs-data"] == []


def test_the_servers_not_implemented_500_is_unsupported_its_crash_is_not(moto):
    engine = _engine(moto.url)
    crash, _ = engine.ctx.send(Call("iot", "GetJobDocument", {"jobId": "jobfuzz-no-such-job"}))
    missing, _ = engine.ctx.send(Call("iot", "UpdateJob", {"jobId": "jobfuzz-no-such-job", "description": "x"}))
    assert crash.status == missing.status == 500 and crash.response.body == missing.response.body  # one wire
    assert "iot.GetJobDocument" not in engine.result.unsupported  # moto's KeyError: a failure
    why = engine.result.unsupported["iot.UpdateJob"]
    assert "NotImplementedError: The update_job action has not been implemented" in why


def test_without_the_servers_log_a_500_is_never_called_unsupported(moto, monkeypatch):
    monkeypatch.delenv("JOBFUZZ_MOTO_LOG")  # the moto installed here is not asked in its place
    engine = _engine(moto.url)
    engine.ctx.send(Call("iot", "UpdateJob", {"jobId": "jobfuzz-no-such-job", "description": "x"}))
    assert engine.result.unsupported == {}


class _OtherMoto(BaseHTTPRequestHandler):
    """A 'moto_server of another version': it lacks GetJobDocument (which the moto installed here
    has) and crashes on everything else, writing its log the way moto_server does."""

    log_path: Path

    def _answer(self) -> None:
        if self.path.startswith("/moto-api/config"):
            body = b'{"batch": {"use_docker": true}}'
            self.send_response(201)
        elif self.path.startswith("/__jobfuzz__/"):  # the engine's routing probe: the service is routed
            body = b""
            self.send_response(404)
        else:
            body = b"<!doctype html>\n<title>500 Internal Server Error</title>\n"
            stamp = time.strftime("%d/%b/%Y %H:%M:%S")
            with open(self.log_path, "a") as log:
                log.write(f'127.0.0.1 - - [{stamp}] "{self.command} {self.path} HTTP/1.1" 500 -\n')
            self.send_response(500)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        if body.startswith(b"<!doctype"):
            error = ("NotImplementedError: The get_job_document action has not been implemented"
                     if self.path.endswith("/job-document") else "KeyError: 'jobfuzz-no-such-job'")
            with open(self.log_path, "a") as log:
                log.write(f"Error on request:\nTraceback (most recent call last):\n  File \"x.py\", line 1\n{error}\n")

    do_GET = do_PATCH = do_PUT = do_POST = do_DELETE = _answer

    def log_message(self, *args) -> None:
        pass


def test_the_decision_is_the_servers_even_where_the_moto_here_differs(tmp_path, monkeypatch):
    log = tmp_path / "other.log"
    log.write_text("")
    handler = type("Handler", (_OtherMoto,), {"log_path": log})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        for key, value in MotoServer(url, log).env().items():
            monkeypatch.setenv(key, value)
        engine = _engine(url)
        engine.ctx.send(Call("iot", "GetJobDocument", {"jobId": "jobfuzz-no-such-job"}))
        engine.ctx.send(Call("iot", "DescribeJob", {"jobId": "jobfuzz-no-such-job"}))
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert set(engine.result.unsupported) == {"iot.GetJobDocument"}, engine.result.unsupported


def test_a_real_500_of_an_implemented_operation_still_fails(moto, capsys):
    case = CASES / "not_a_server_error-iot-GetJobDocument-04c5ad.json"
    assert jobfuzz(["replay", str(case), "--endpoint-url", moto.url]) == 1
    assert "still fails" in capsys.readouterr().out


def test_second_identity_is_another_account(moto):
    import boto3

    key, secret, _ = second_identity(moto.url)
    kw = {"endpoint_url": moto.url, "region_name": "us-east-1"}
    primary = boto3.client("iot", aws_access_key_id="jobfuzz-primary-key-id", aws_secret_access_key="x", **kw)
    second = boto3.client("iot", aws_access_key_id=key, aws_secret_access_key=secret, **kw)
    primary.create_thing(thingName="jobfuzz-isolation")
    with pytest.raises(second.exceptions.ResourceNotFoundException):
        second.describe_thing(thingName="jobfuzz-isolation")
    assert f":{SECOND_ACCOUNT}:" in second.create_thing(thingName="jobfuzz-isolation-2")["thingArn"]
