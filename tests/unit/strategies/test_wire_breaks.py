"""Wire-level negative cases for every protocol (``strategies.wire``), and their answers from the
embedded emulator: each labelled, never answered 5xx, and refused where the break is the protocol's
own (``model``) or documented (``doc``)."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest

from harness.targets import EmbeddedTarget
from specs.loader import load_service
from strategies import invalid_calls
from strategies.calls import RAW_KINDS, RawMutation
from strategies.wire import OVERSIZE, serialise, wire_breaks

SERVICES = ("iot-jobs-data", "iot", "amplifybackend", "importexport")


def _breaks(service: str, operation: str) -> dict[str, tuple[str, RawMutation]]:
    spec = load_service(service)
    out = {}
    for call in invalid_calls(spec.operation(operation), service=spec):
        if call.raw is not None:
            assert call.violation is not None and call.violation.rule == call.raw.kind in RAW_KINDS
            out[call.raw.kind] = (call.violation.source, call.raw)
    return out


@pytest.mark.parametrize(("service", "operation", "expected"), [
    # rest-json with a body
    ("iot", "CreateThing", {"malformed_body": "model", "content_type": "inferred", "oversize_body": "inferred"}),
    ("amplifybackend", "CreateBackend", {"malformed_body": "model", "content_type": "inferred",
                                         "oversize_body": "inferred"}),
    # rest-json without one: a body where none belongs
    ("iot-jobs-data", "DescribeJobExecution", {"unexpected_body": "inferred"}),
    # json (Glue)
    ("glue", "CreateJob", {"malformed_body": "model", "content_type": "inferred", "oversize_body": "inferred"}),
    # rest-xml with an XML body, and without one
    ("s3", "PutBucketTagging", {"malformed_body": "model"}),
    ("s3", "GetObject", {}),
    # query (Import/Export)
    ("importexport", "CreateJob", {"malformed_body": "model", "missing_parameter": "doc",
                                   "duplicate_parameter": "inferred", "content_type": "inferred",
                                   "oversize_body": "inferred"}),
])
def test_every_protocol_has_its_labelled_breaks(service, operation, expected):
    assert {k: source for k, (source, _) in _breaks(service, operation).items()} == expected


def test_form_breaks_edit_the_serialised_body_and_keep_the_rest():
    spec = load_service("importexport")
    op = spec.operation("CreateJob")
    params = {"JobType": "Import", "Manifest": "m", "ValidateOnly": False}
    request = serialise(op, params)
    body = "&".join(f"{k}={v}" for k, v in request["body"].items()).encode()
    by = {b.rule: b for b in wire_breaks(op, spec, params)}
    dropped = dict(parse_qsl(by["missing_parameter"].mutation.applied(body).decode()))
    assert "Action" not in dropped and dropped["Version"] == spec.api_version and dropped["JobType"] == "Import"
    doubled = parse_qsl(by["duplicate_parameter"].mutation.applied(body).decode())
    assert [v for k, v in doubled if k == "JobType"] == ["Import", "Importx"]
    assert by["oversize_body"].mutation.applied(body).startswith(body)
    assert len(by["oversize_body"].mutation.applied(body)) > OVERSIZE
    assert by["missing_parameter"].errors == ("MissingAction", "MissingParameter")


def test_a_blob_payload_has_no_malformed_body():
    """A rest-json operation whose body is a blob payload takes any bytes."""
    spec = load_service("iot-data")
    assert "malformed_body" not in {b.rule for b in wire_breaks(spec.operation("Publish"), spec, {"topic": "t"})}


def test_the_emulator_answers_every_wire_break_4xx_and_refuses_the_asserted_ones():
    target = EmbeddedTarget()
    answered = 0
    for service in SERVICES:
        spec = load_service(service)
        for op in spec.in_scope():
            for call in invalid_calls(op, service=spec):
                if call.raw is None:
                    continue
                ex = target.send(call)
                answered += 1
                assert ex.status is not None and ex.status < 500, (op.qualified, call.raw.kind, ex.status)
                if call.violation.source in ("model", "doc"):
                    assert ex.status >= 400, (op.qualified, call.raw.kind, ex.status)
    assert answered > 100
