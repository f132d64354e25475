"""The HTTP transport: real boto3 clients and raw sockets against EmulatorServer on 127.0.0.1."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from emulator.app import Emulator
from emulator.core import ServiceError
from emulator.server import EmulatorServer

ROOT = Path(__file__).resolve().parents[3]
AUTH = (
    "AWS4-HMAC-SHA256 Credential=test-server-key-id/20261122/us-east-1/iot-jobs-data/aws4_request, "
    "SignedHeaders=host, Signature=00"
)


class Jobs:
    """A tiny thread-safe data-plane backend: a version counter per (thing, job)."""

    services = ("iot-jobs-data",)

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.versions: dict[tuple[str, str, str], int] = {}

    def handlers(self):
        return {
            ("iot-jobs-data", "UpdateJobExecution"): self.update,
            ("iot-jobs-data", "DescribeJobExecution"): self.describe,
        }

    def update(self, ctx, p):
        with self.lock:
            key = (ctx.account, p["thingName"], p["jobId"])
            self.versions[key] = self.versions.get(key, 0) + 1
            return {"executionState": {"status": p["status"], "versionNumber": self.versions[key]}}

    def describe(self, ctx, p):
        with self.lock:
            version = self.versions.get((ctx.account, p["thingName"], p["jobId"]))
        if version is None:
            raise ServiceError("ResourceNotFoundException", f"{ctx.operation}: jobId: no execution")
        return {
            "execution": {
                "jobId": p["jobId"],
                "thingName": p["thingName"],
                "versionNumber": version,
                "queuedAt": 1700000000,
            }
        }

    def validation_error(self, service, operation, problem):
        return ServiceError("InvalidRequestException", f"{operation}.{problem.path}: {problem.message}")

    def reset(self) -> None:
        with self.lock:
            self.versions.clear()


@pytest.fixture
def server():
    with EmulatorServer(Emulator(backends=[Jobs()])) as srv:
        yield srv


def data_client(url, key="test-server-key-id"):
    return boto3.client(
        "iot-jobs-data",
        region_name="us-east-1",
        endpoint_url=url,
        aws_access_key_id=key,
        aws_secret_access_key="secret-not-real",
        config=Config(retries={"total_max_attempts": 1}),
    )


def test_port_zero_picks_a_free_local_port(server) -> None:
    assert server.host == "127.0.0.1" and server.port > 0
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", server.url)


def test_boto3_over_http(server) -> None:
    data = data_client(server.url)
    out = data.update_job_execution(jobId="j", thingName="t", status="IN_PROGRESS")
    assert out["executionState"] == {"status": "IN_PROGRESS", "versionNumber": 1}
    assert data.describe_job_execution(jobId="j", thingName="t")["execution"]["versionNumber"] == 1
    with pytest.raises(ClientError) as info:
        data.describe_job_execution(jobId="other", thingName="t")
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    with pytest.raises(ClientError) as info:
        data.update_job_execution(jobId="j", thingName="t", status="BOGUS")
    assert info.value.response["Error"]["Code"] == "InvalidRequestException"


def test_keep_alive_and_content_length(server) -> None:
    conn = http.client.HTTPConnection(server.host, server.port, timeout=5)
    headers = {"Authorization": AUTH, "Content-Type": "application/json"}
    for i in range(1, 4):
        conn.request("POST", "/things/t/jobs/j", body=b'{"status":"IN_PROGRESS"}', headers=headers)
        resp = conn.getresponse()
        body = resp.read()
        assert resp.status == 200 and resp.version == 11
        assert int(resp.getheader("Content-Length")) == len(body)
        assert json.loads(body)["executionState"]["versionNumber"] == i
    sock = conn.sock
    conn.request("GET", "/things/t/jobs/%24next", headers=headers)
    resp = conn.getresponse()
    resp.read()
    assert conn.sock is sock  # the same connection served every request
    conn.close()


def test_malformed_and_oversized_bodies_get_4xx_without_hanging(server) -> None:
    conn = http.client.HTTPConnection(server.host, server.port, timeout=5)
    headers = {"Authorization": AUTH, "Content-Type": "application/json"}
    conn.request("POST", "/things/t/jobs/j", body=b"{oops", headers=headers)
    resp = conn.getresponse()
    assert resp.status == 400 and b"well-formed" in resp.read()
    conn.request("POST", "/things/t/jobs/j", body=b"x" * (2 * 1024 * 1024), headers=headers)
    resp = conn.getresponse()
    assert resp.status == 400 and b"at most 1048576 bytes" in resp.read()
    conn.close()
    with socket.create_connection((server.host, server.port), timeout=5) as raw:
        raw.sendall(b"POST /things/t/jobs/j HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n")
        assert raw.recv(4096).startswith(b"HTTP/1.1 413")


def test_parallel_clients_each_get_one_handler_call(server) -> None:
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            data = data_client(server.url, key=f"test-parallel-key-{n:08d}")
            for i in range(1, 26):
                out = data.update_job_execution(jobId="j", thingName="t", status="IN_PROGRESS")
                assert out["executionState"]["versionNumber"] == i
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors
    backend = server.emulator.backends["iot-jobs-data"]
    assert sorted(backend.versions.values()) == [25] * 8


def test_admin_routes_over_http(server) -> None:
    with urllib.request.urlopen(f"{server.url}/_jobfuzz/health", timeout=5) as resp:
        assert json.loads(resp.read())["status"] == "ok"
    before = server.emulator.clock.now()
    req = urllib.request.Request(f"{server.url}/_jobfuzz/clock/advance?seconds=120", method="POST", data=b"")
    with urllib.request.urlopen(req, timeout=5) as resp:
        assert 120 <= json.loads(resp.read())["now"] - before < 180
    data_client(server.url).update_job_execution(jobId="j", thingName="t", status="IN_PROGRESS")
    req = urllib.request.Request(f"{server.url}/_jobfuzz/reset", method="POST", data=b"")
    urllib.request.urlopen(req, timeout=5).read()
    assert server.emulator.backends["iot-jobs-data"].versions == {}


def test_stop_releases_the_port() -> None:
    srv = EmulatorServer(Emulator(backends=[Jobs()])).start()
    port = srv.port
    srv.stop()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


def test_cli_prints_the_url_and_exits_0_on_ctrl_c() -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        [sys.executable, "-m", "emulator", "--port", "0", "--buckets", "a,b"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+", line).group(0)
        with urllib.request.urlopen(f"{url}/_jobfuzz/health", timeout=5) as resp:
            assert resp.status == 200
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()


def test_cli_rejects_bad_fault_options() -> None:
    from emulator.server import main

    assert main(["--port", "0", "--fault-rate", "0.5", "--fault-kinds", "meteor"]) == 2
