"""Fault mode: injected throttling, unavailability, latency and dropped connections."""

from __future__ import annotations

import contextlib
import json
import time

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError

from emulator.app import Emulator
from emulator.core import ServiceError
from emulator.faults import KINDS, DropConnection, FaultConfig, FaultyEmulator
from emulator.inprocess import attach
from emulator.server import EmulatorServer


class Counting:
    """Answers a few operations of every service and counts the calls that reached it."""

    services = ("iot-jobs-data", "iot", "amplifybackend", "importexport")

    def __init__(self) -> None:
        self.calls = 0

    def handlers(self):
        def ok(ctx, params):
            self.calls += 1
            return {}

        ops = [
            ("iot-jobs-data", "GetPendingJobExecutions"),
            ("iot", "ListJobs"),
            ("amplifybackend", "ListBackendJobs"),
            ("importexport", "ListJobs"),
        ]
        return {op: ok for op in ops}

    def validation_error(self, service, operation, problem):
        return ServiceError("InvalidRequestException", problem.message)

    def reset(self) -> None:
        self.calls = 0


CALLS = {
    "iot-jobs-data": lambda c: c.get_pending_job_executions(thingName="t"),
    "iot": lambda c: c.list_jobs(),
    "amplifybackend": lambda c: c.list_backend_jobs(AppId="a", BackendEnvironmentName="e"),
    "importexport": lambda c: c.list_jobs(),
}


def client(service, handler):
    c = boto3.client(
        service,
        region_name="us-east-1",
        endpoint_url="https://embedded.jobfuzz",
        aws_access_key_id="test-fault-key-id",
        aws_secret_access_key="secret-not-real",
        config=Config(retries={"total_max_attempts": 1}),
    )
    attach(c, handler)
    return c


def faulty(kind, rate=1.0, **kw):
    backend = Counting()
    return FaultyEmulator(Emulator(backends=[backend]), FaultConfig(rate=rate, kinds=(kind,), **kw)), backend


@pytest.mark.parametrize(
    "service,code,status",
    [
        ("iot-jobs-data", "ThrottlingException", 429),
        ("iot", "ThrottlingException", 400),
        ("amplifybackend", "TooManyRequestsException", 429),
        ("importexport", "ServiceUnavailable", 503),
    ],
)
def test_throttle_uses_the_modelled_error(service, code, status) -> None:
    emu, backend = faulty("throttle")
    with pytest.raises(ClientError) as info:
        CALLS[service](client(service, emu))
    assert (
        info.value.response["Error"]["Code"],
        info.value.response["ResponseMetadata"]["HTTPStatusCode"],
    ) == (code, status)
    assert backend.calls == 0 and emu.injected["throttle"] == 1


@pytest.mark.parametrize(
    "service,code,status",
    [
        ("iot-jobs-data", "ServiceUnavailableException", 503),
        ("iot", "ServiceUnavailableException", 503),
        ("amplifybackend", "GatewayTimeoutException", 504),
        ("importexport", "ServiceUnavailable", 503),
    ],
)
def test_unavailable(service, code, status) -> None:
    emu, backend = faulty("unavailable")
    with pytest.raises(ClientError) as info:
        CALLS[service](client(service, emu))
    assert (
        info.value.response["Error"]["Code"],
        info.value.response["ResponseMetadata"]["HTTPStatusCode"],
    ) == (code, status)
    assert backend.calls == 0


def test_latency_answers_normally_after_waiting() -> None:
    emu, backend = faulty("latency", latency_s=0.05)
    start = time.perf_counter()
    CALLS["iot"](client("iot", emu))
    assert time.perf_counter() - start >= 0.05
    assert backend.calls == 1 and emu.injected == {"latency": 1}


def test_drop_in_process_is_a_closed_connection() -> None:
    emu, backend = faulty("drop")
    with pytest.raises(ConnectionClosedError):
        CALLS["iot-jobs-data"](client("iot-jobs-data", emu))
    assert backend.calls == 0 and emu.injected["drop"] == 1


def test_drop_over_http_closes_the_connection() -> None:
    backend = Counting()
    with EmulatorServer(Emulator(backends=[backend]), faults=FaultConfig(rate=1.0, kinds=("drop",))) as srv:
        c = boto3.client(
            "iot",
            region_name="us-east-1",
            endpoint_url=srv.url,
            aws_access_key_id="AKIAX",
            aws_secret_access_key="s",
            config=Config(retries={"total_max_attempts": 1}),
        )
        with pytest.raises(ConnectionClosedError):
            c.list_jobs()
        assert srv.app.injected["drop"] == 1 and backend.calls == 0


def test_rate_zero_never_injects_and_rate_is_respected() -> None:
    emu, backend = faulty("throttle", rate=0.0)
    c = client("iot", emu)
    for _ in range(50):
        CALLS["iot"](c)
    assert backend.calls == 50 and emu.injected == {"throttle": 0}
    emu, backend = faulty("throttle", rate=0.3, seed=7)
    c = client("iot", emu)
    for _ in range(400):
        with contextlib.suppress(ClientError):  # a throttled call, counted below
            CALLS["iot"](c)
    assert 80 <= emu.injected["throttle"] <= 160
    assert backend.calls + emu.injected["throttle"] == 400


def test_seed_makes_faults_reproducible() -> None:
    def run():
        emu = FaultyEmulator(
            Emulator(backends=[Counting()]), FaultConfig(rate=0.5, kinds=("throttle", "unavailable"), seed=42)
        )
        auth = {"Authorization": "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/iot/aws4_request, "
                                  "SignedHeaders=host, Signature=00"}
        return [emu.handle("GET", "/jobs", auth, b"").status for _ in range(40)]

    assert run() == run()
    assert {200, 400, 503} <= set(run())


def test_admin_routes_are_never_faulted() -> None:
    emu, _ = faulty("drop")
    resp = emu.handle("GET", "/_jobfuzz/health", {}, b"")
    assert resp.status == 200 and json.loads(resp.body)["status"] == "ok"
    assert emu.injected["drop"] == 0
    with pytest.raises(DropConnection):
        emu.handle("GET", "/jobs", {}, b"")


def test_wrapper_passes_attributes_through() -> None:
    emu, backend = faulty("latency")
    assert emu.clock is emu.emulator.clock and emu.backends["iot"] is backend


@pytest.mark.parametrize(
    "kwargs",
    [
        {"rate": 1.5},
        {"rate": -0.1},
        {"rate": 0.5, "kinds": ("meteor",)},
        {"rate": 0.5, "kinds": ()},
        {"rate": 0.5, "latency_s": -1},
    ],
)
def test_config_is_checked(kwargs) -> None:
    with pytest.raises(ValueError):
        FaultConfig(**kwargs)


def test_default_kinds() -> None:
    assert FaultConfig(rate=0.1).kinds == KINDS
