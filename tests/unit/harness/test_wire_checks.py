"""The checks on wire-level breaks, and what carries them: no 5xx answers a request no SDK sends
(even one the operation declares), a code the common errors page documents for it is accepted,
case files and the boto3 snippet keep a form edit, and the cleanup listing sends a paginator's
fixed parameters."""

from __future__ import annotations

import dataclasses

import pytest

from harness.cases import load_case, save_case
from harness.checks import CHECKS, CheckContext
from harness.cleanup import _listed
from harness.model import Exchange, Failure, RawRequest, RawResponse
from harness.repro import boto3_snippet
from harness.results import FailureRecord
from specs.loader import load_service
from strategies.calls import Call, RawMutation, Violation

MALFORMED = Call("iot", "CreateThing", {"thingName": "t"}, mode="invalid",
                 violation=Violation("", "malformed_body", "model", "the body is not valid JSON",
                                     ("MalformedHttpRequestException",)),
                 raw=RawMutation("malformed_body", body=b'{"a":'))
DUPLICATE = Call("importexport", "GetStatus", {"JobId": "j"}, mode="invalid",
                 violation=Violation("", "duplicate_parameter", "inferred", "JobId twice", ("MalformedQueryString",)),
                 raw=RawMutation("duplicate_parameter", extra=b"&JobId=x" + b"y" * 200, drop=("Version",)))


def _exchange(call: Call, status: int, code: str | None) -> Exchange:
    return Exchange(call=call, request=RawRequest("POST", "https://embedded.jobfuzz/", {}, b""),
                    response=RawResponse(status, {"Content-Type": "application/json"}, b"{}"),
                    parsed={}, error_code=code, error_message="m")


def _verdict(name: str, ex: Exchange) -> Failure | None:
    spec = load_service(ex.call.service)
    try:
        CHECKS[name].fn(ex, CheckContext(service=spec, op=spec.operation(ex.call.operation), bound=False))
    except Failure as f:
        return f
    return None


def test_a_declared_server_error_on_a_malformed_request_fails():
    spec = load_service("iot")
    assert spec.operation("CreateThing").error("InternalFailureException").status == 500
    f = _verdict("not_a_server_error", _exchange(MALFORMED, 500, "InternalFailureException"))
    assert f is not None and f.title == "HTTP 500 on a malformed request (malformed_body)"
    invalid = Call("iot", "CreateThing", {"thingName": "t!"}, mode="invalid",
                   violation=Violation("thingName", "pattern", "model", "bad"))
    assert _verdict("not_a_server_error", _exchange(invalid, 500, "InternalFailureException")) is None
    assert _verdict("not_a_server_error", _exchange(MALFORMED, 503, "ServiceUnavailableException")) is None
    assert _verdict("not_a_server_error", _exchange(MALFORMED, 400, "InvalidRequestException")) is None


def test_a_documented_common_error_of_the_break_is_declared():
    assert _verdict("error_class_conformance", _exchange(MALFORMED, 400, "MalformedHttpRequestException")) is None
    f = _verdict("error_class_conformance", _exchange(MALFORMED, 400, "SerializationException"))
    assert f is not None and f.title == "undeclared error SerializationException"


def test_a_model_break_answered_2xx_fails_and_an_inferred_one_does_not():
    assert _verdict("negative_data_rejection", _exchange(MALFORMED, 200, None)) is not None
    assert _verdict("negative_data_rejection", _exchange(DUPLICATE, 200, None)) is None


def test_a_form_edit_survives_the_case_file(tmp_path):
    failure = Failure("not_a_server_error", "importexport", "GetStatus", "HTTP 500 on a malformed request",
                      "m", status_code=500)
    rec = FailureRecord(failure=failure, sequence=[DUPLICATE], seed=1, identities=[], scenario=None, flaky=False)
    path = save_case(rec, directory=tmp_path, endpoint_kind="embedded", harness_version="0.1.0")
    [call] = load_case(path).calls
    assert call.raw == DUPLICATE.raw and call.violation == DUPLICATE.violation


def test_the_boto3_snippet_applies_a_form_edit():
    snippet = boto3_snippet(DUPLICATE, None, None)
    assert "b'y' * 200" in snippet  # a long run written as a repetition
    start = snippet.index("def _break")
    end = snippet.index("c.meta.events")
    scope: dict = {}
    exec(snippet[start:end], scope)
    request = type("Req", (), {"body": b"Action=GetStatus&Version=2010-06-01&JobId=j", "headers": {}})()
    scope["_break"](request)
    assert request.body == b"Action=GetStatus&JobId=j&JobId=x" + b"y" * 200
    assert request.headers["Content-Length"] == str(len(request.body))


class _Lister:
    """Answers a list operation with one page and records what it was sent."""

    def __init__(self) -> None:
        self.sent: list[dict] = []

    def send(self, call: Call) -> Exchange:
        self.sent.append(dict(call.params))
        return dataclasses.replace(_exchange(call, 200, None), parsed={"jobs": [{"jobId": "a"}]})


def test_the_cleanup_listing_sends_the_fixed_params():
    spec = load_service("iot")
    op = dataclasses.replace(spec.operation("ListJobs"), list_params=(("status", "IN_PROGRESS"),))
    lister = _Lister()
    assert _listed(lister, op, "jobs") == [{"jobId": "a"}]
    assert lister.sent == [{"status": "IN_PROGRESS"}]


def test_the_pagination_check_sends_the_fixed_params():
    from harness.checks.scenarios import pagination_conformance
    from harness.engine import Engine, RunConfig
    from harness.targets import EmbeddedTarget

    engine = Engine(EmbeddedTarget(), RunConfig(services=("iot",), operations=("ListJobs",), seed=0))
    op = dataclasses.replace(engine.op_spec("iot", "ListJobs"), list_params=(("status", "IN_PROGRESS"),))
    sent: list[dict] = []
    send = engine.ctx.send

    def recording(call: Call, **kw):
        if call.operation == "ListJobs":
            sent.append(dict(call.params))
        return send(call, **kw)

    engine.ctx.send = recording  # type: ignore[method-assign]
    pagination_conformance(engine.ctx, op)  # the jobs made are IN_PROGRESS: every page lists them
    assert len(sent) >= 3 and all(p["status"] == "IN_PROGRESS" and p["maxResults"] == 2 for p in sent)
    op = dataclasses.replace(op, list_params=(("status", "COMPLETED"),))
    with pytest.raises(Failure, match="pages miss items"):  # the filter is really sent: none is listed
        pagination_conformance(engine.ctx, op)
