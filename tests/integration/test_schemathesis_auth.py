"""The Schemathesis SigV4 auth provider (bench/sigv4_auth.py) against ``jobfuzz emulator`` over HTTP.

A request prepared by Schemathesis from ``jobfuzz specs openapi iot`` and signed through the provider
reaches the emulator, is routed to the right service by its credential scope and is answered; the
signature covers the bytes sent (re-signing the sent request with botocore gives the same one).
Skipped when Schemathesis is not installed (``pip install -e '.[schemathesis]'``).
"""

from __future__ import annotations

import importlib.util
import json
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from processes import emulator

from specs.openapi import openapi

schemathesis = pytest.importorskip("schemathesis")

from schemathesis.auths import AuthContext  # noqa: E402 - once importorskip knows Schemathesis is installed

ROOT = Path(__file__).resolve().parents[2]


def _load_provider_module() -> Any:
    spec = importlib.util.spec_from_file_location("jobfuzz_bench_sigv4_auth", ROOT / "bench" / "sigv4_auth.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


sigv4 = _load_provider_module()


def _emulator_cmd() -> list[str]:
    script = Path(sys.executable).with_name("jobfuzz")
    if script.exists():
        return [str(script), "emulator"]
    return [sys.executable, "-m", "emulator"]


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    """``jobfuzz emulator --host 127.0.0.1 --port 0`` (a free port); the URL it prints."""
    with emulator(command=tuple(_emulator_cmd())) as found:
        yield found


def _boto3(service: str, url: str) -> Any:
    return boto3.client(service, region_name=sigv4.REGION, endpoint_url=url, aws_access_key_id=sigv4.ACCESS_KEY,
                        aws_secret_access_key=sigv4.SECRET_KEY,
                        config=Config(retries={"total_max_attempts": 1, "mode": "standard"}))


def _schema(service: str) -> Any:
    return schemathesis.openapi.from_dict(openapi(service))


def _signed(case: Any) -> Any:
    provider = sigv4.SigV4Provider()
    ctx = AuthContext(operation=case.operation, app=None)
    provider.set(case, provider.get(case, ctx), ctx)
    return case


def _resign(prepared: Any, signing_name: str) -> str:
    """The signature botocore computes for the request exactly as it was sent (at its X-Amz-Date)."""
    body = prepared.body or b""
    if isinstance(body, str):
        body = body.encode()
    signed = prepared.headers["Authorization"].split("SignedHeaders=", 1)[1].split(",", 1)[0].split(";")
    headers = {k: v for k, v in prepared.headers.items() if k.lower() in signed and k.lower() != "host"}
    aws = AWSRequest(method=prepared.method, url=prepared.url, data=body, headers=headers)
    aws.context["timestamp"] = prepared.headers["X-Amz-Date"]
    auth = SigV4Auth(Credentials(sigv4.ACCESS_KEY, sigv4.SECRET_KEY), signing_name, sigv4.REGION)
    canonical = auth.canonical_request(aws)
    return str(auth.signature(auth.string_to_sign(aws, canonical), aws))


def _signature(prepared: Any) -> str:
    return str(prepared.headers["Authorization"].rsplit("Signature=", 1)[1].strip())


def test_signing_name_is_read_from_the_export() -> None:
    assert sigv4.signing_name_of(openapi("iot")) == "iot"
    assert sigv4.signing_name_of(openapi("iot-jobs-data")) == "iot-jobs-data"
    assert sigv4.signing_name_of(openapi("amplifybackend")) == "amplifybackend"


def test_describe_thing_signed_through_the_provider_is_routed_and_answered(url: str) -> None:
    name = f"st-{uuid.uuid4().hex[:12]}"
    created = _boto3("iot", url).create_thing(thingName=name)
    case = _signed(_schema("iot")["/things/{thingName}"]["GET"].Case(path_parameters={"thingName": name}))

    response = case.call(base_url=url)

    assert response.status_code == 200, response.text
    body = json.loads(response.text)
    assert body["thingName"] == name and body["thingArn"] == created["thingArn"]
    authorization = response.request.headers["Authorization"]
    assert f"Credential={sigv4.ACCESS_KEY}/" in authorization and "/iot/aws4_request" in authorization
    assert _resign(response.request, "iot") == _signature(response.request)


def test_a_signed_body_reaches_the_service_the_scope_names(url: str) -> None:
    name = f"st-{uuid.uuid4().hex[:12]}"
    case = _signed(_schema("iot")["/things/{thingName}"]["POST"].Case(
        path_parameters={"thingName": name},
        body={"attributePayload": {"attributes": {"owner": "schemathesis"}}},
        media_type="application/json"))

    response = case.call(base_url=url)

    assert response.status_code == 200, response.text
    assert _resign(response.request, "iot") == _signature(response.request)
    described = _boto3("iot", url).describe_thing(thingName=name)  # same access key: same account
    assert described["attributes"] == {"owner": "schemathesis"}


def test_the_data_plane_is_signed_as_iot_jobs_data(url: str) -> None:
    case = _signed(_schema("iot-jobs-data")["/things/{thingName}/jobs"]["GET"].Case(
        path_parameters={"thingName": f"st-{uuid.uuid4().hex[:12]}"}))

    response = case.call(base_url=url)

    assert "/iot-jobs-data/aws4_request" in response.request.headers["Authorization"]
    # an unknown thing: the data plane's own answer, not a signature or routing error
    assert response.status_code in (200, 404), response.text
    if response.status_code == 404:
        assert "InvalidSignature" not in response.text and "NotImplemented" not in response.text
