"""Authentication at the emulator's door: a request with none is refused as AWS refuses it.

The same boto3 call goes out twice through the embedded emulator (real backends): signed with SigV4
it is served; with the same bytes less its signature headers it is answered 403 with AWS's code for
a missing authentication token, before any routing or validation.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from emulator.app import Emulator
from emulator.inprocess import embedded_client

KEY = "test-auth-key-id"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}

#: one operation of each service, with arguments any fresh emulator serves
CALLS = {
    "iot-jobs-data": ("get_pending_job_executions", {"thingName": "thing-1"}),
    "iot": ("list_jobs", {}),
    "amplifybackend": ("list_s3_buckets", {}),
    "importexport": ("list_jobs", {}),
}
REFUSAL = {
    "iot-jobs-data": ("MissingAuthenticationTokenException", "Missing Authentication Token"),
    "iot": ("MissingAuthenticationTokenException", "Missing Authentication Token"),
    "amplifybackend": ("MissingAuthenticationTokenException", "Missing Authentication Token"),
    "importexport": ("MissingAuthenticationToken", "Request is missing Authentication Token"),
}


#: what SigV4 adds to a request
SIGNATURE = frozenset({"authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256"})


class Unsigned:
    """The emulator, handed each request with its signature headers taken off."""

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu

    def handle(self, method, path_and_query, headers, body):
        kept = {k: v for k, v in headers.items() if k.lower() not in SIGNATURE}
        assert len(kept) < len(headers)  # the request was signed, and is not now
        return self.emu.handle(method, path_and_query, kept, body)


def client(service: str, emu: Emulator, *, signed: bool):
    return embedded_client(service, emu if signed else Unsigned(emu), access_key=KEY,
                           config=Config(retries={"total_max_attempts": 1}))


@pytest.mark.parametrize("service", sorted(CALLS))
def test_unsigned_is_refused_403_and_signed_is_served(service) -> None:
    emu = Emulator()
    client("iot", emu, signed=True).create_thing(thingName="thing-1")
    op, kwargs = CALLS[service]
    out = getattr(client(service, emu, signed=True), op)(**kwargs)
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 200
    with pytest.raises(ClientError) as info:
        getattr(client(service, emu, signed=False), op)(**kwargs)
    err = info.value.response
    assert (err["Error"]["Code"], err["Error"]["Message"]) == REFUSAL[service]
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_unsigned_is_refused_before_validation_and_routing() -> None:
    emu = Emulator()
    for method, path in (("GET", "/no/such/route"), ("POST", "/jobs/%20bad%20id/cancel")):
        resp = emu.handle(method, path, {}, b"{")
        assert resp.status == 403 and resp.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    resp = emu.handle("POST", "/", FORM, b"Action=NoSuchAction&Version=1999-01-01")
    root = ET.fromstring(resp.body)
    ns = "{http://importexport.amazonaws.com/}"
    assert resp.status == 403
    assert [root.find(f"{ns}Error/{ns}{t}").text for t in ("Type", "Code")] == ["Sender", "MissingAuthenticationToken"]
    # the admin routes need no signature
    assert emu.handle("GET", "/_jobfuzz/health", {}, b"").status == 200


def test_an_authorization_header_that_is_not_sigv4_is_an_incomplete_signature() -> None:
    emu = Emulator()
    resp = emu.handle("GET", "/jobs", {"Authorization": "Bearer abc"}, b"")
    assert resp.status == 403 and resp.headers["x-amzn-ErrorType"] == "IncompleteSignatureException"
    assert "'Credential'" in resp.body.decode()
    resp = emu.handle("POST", "/", {"Authorization": "x", **FORM}, b"Action=ListJobs&Version=2010-06-01")
    assert resp.status == 400 and b"<Code>IncompleteSignature</Code>" in resp.body

