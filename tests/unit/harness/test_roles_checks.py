"""The checks read operation roles and their not-found / not-yours answers (``specs.types.Absence``),
not verbs off operation names: what another account's resource looks like is judged per operation
(a refusal, an empty list, a list without it, a success that shows nothing)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import botocore.session
import pytest

import specs.overlay
from emulator.planted.base import Fault
from emulator.planted.breakers import _AnyAccount
from harness.checks import CHECKS, CheckContext
from harness.checks.absence import not_there
from harness.checks.scenarios import _stable
from harness.engine import Engine, RunConfig
from harness.model import Exchange, Failure, RawRequest, RawResponse
from harness.targets import EmbeddedTarget
from specs.loader import load_service
from specs.types import Absence
from strategies.calls import Call

_SESSION = botocore.session.get_session()
CALL = Call("iot", "DescribeJob", {"jobId": "j1"})


def _exchange(status: int, parsed: dict | None = None, code: str | None = None, message: str | None = None) -> Exchange:
    return Exchange(call=CALL, request=RawRequest("POST", "https://embedded.jobfuzz/", {}, b""),
                    response=RawResponse(status, {}, json.dumps(parsed or {}).encode()), parsed=parsed or {},
                    error_code=code, error_message=message)


@pytest.mark.parametrize(("absence", "ex", "said"), [
    (Absence(errors=("NotFound",)), _exchange(404, code="NotFound"), True),
    (Absence(errors=("NotFound",)), _exchange(403, code="AccessDenied"), None),  # another refusal: cannot tell
    (Absence(errors=("NotFound",)), _exchange(200, {"job": {"jobId": "j1"}}), False),
    (Absence(errors=("ClientException",), message="does not exist"),
     _exchange(400, code="ClientException", message="Job j1 does not exist"), True),
    (Absence(errors=("ClientException",), message="does not exist"),
     _exchange(400, code="ClientException", message="jobName: too long"), None),
    (Absence(empty="jobs"), _exchange(200, {"jobs": []}), True),
    (Absence(empty="jobs"), _exchange(200, {}), True),
    (Absence(empty="jobs"), _exchange(200, {"jobs": [{"jobId": "j1"}]}), False),
    (Absence(absent="jobs"), _exchange(200, {"jobs": [{"jobId": "other"}]}), True),
    (Absence(absent="jobs"), _exchange(200, {"jobs": [{"jobId": "j1", "status": "RUNNING"}]}), False),
    (Absence(absent="jobs[].jobId"), _exchange(200, {"jobs": [{"jobId": "j1"}]}), False),
    (Absence(ok=True), _exchange(200, {"jobId": "j1"}), None),
])
def test_not_there(absence, ex, said):
    assert not_there(absence, ex, ["j1"]) is said


def test_what_repeats_ignores_the_models_timestamps_not_names_ending_in_at():
    service = load_service("iot")
    op = service.operation("DescribeJob")  # job.createdAt is a timestamp; job.jobProcessDetails is not
    one = {"job": {"jobId": "j", "createdAt": 1, "status": "IN_PROGRESS", "comment": "a"}, "documentSource": "s"}
    two = {"job": {"jobId": "j", "createdAt": 2, "status": "IN_PROGRESS", "comment": "a"}, "documentSource": "s"}
    assert _stable(service, op.output, one) == _stable(service, op.output, two)
    other = {"job": {"jobId": "j", "createdAt": 2, "status": "IN_PROGRESS", "comment": "b"}, "documentSource": "s"}
    assert _stable(service, op.output, one) != _stable(service, op.output, other)
    # a member whose name only ends like a time stays (the old name-suffix test dropped messageFormat)
    assert _stable(service, op.output, {"job": {"messageFormat": "x"}}) == {"job": {"messageFormat": "x"}}


def test_a_refusal_that_is_the_operations_not_found_is_not_judged_invalid():
    spec = load_service("iot")
    op = dataclasses.replace(spec.operation("DescribeJob"), validation_errors=("ClientException",),
                             not_found=Absence(errors=("ClientException",), message="does not exist"))
    ctx = CheckContext(service=spec, op=op, bound=True)

    def judged(message: str) -> Failure | None:
        try:
            CHECKS["positive_data_acceptance"].fn(_exchange(400, code="ClientException", message=message), ctx)
        except Failure as f:
            return f
        return None

    assert judged("Job j1 does not exist") is None  # not found: read_after_write_consistency's to judge
    assert judged("jobName: expected at most 128 characters") is not None  # invalid


# -- namespace_isolation on an action: another account cancels the job ---------------------------------
def _job_owner(req, result):
    return [(req.params.get("jobId"), req.account)]


CANCEL_ANY = Fault("iot-cancel-job-any-account", "namespace_isolation", "iot", "CancelJob",
                   "CancelJob cancels another account's job", lambda: _AnyAccount(
                       "iot.CancelJob", ("ResourceNotFoundException",), lambda p: p.get("jobId"),
                       {"iot.CreateJob": _job_owner}), phases=("scenarios",))


def _isolation(plant: list) -> Failure | None:
    target = EmbeddedTarget(plant=plant)
    target._session = _SESSION
    engine = Engine(target, RunConfig(services=("iot",), operations=("CancelJob",), phases=("scenarios",), seed=1))
    try:
        CHECKS["namespace_isolation"].fn(engine.ctx, engine.op_spec("iot", "CancelJob"))
    except Failure as f:
        return f
    return None


@pytest.fixture
def iot_overlay(tmp_path, monkeypatch):
    """The shipped iot overlay with CancelJob's roles entry replaced."""
    shipped = (Path(specs.overlay.__file__).parent / "overlays" / "iot.yaml").read_text()
    start = shipped.index("  CancelJob: {role: ")
    end = shipped.index("  DeleteJob: {role: delete")
    monkeypatch.setenv("JOBFUZZ_OVERLAY_PATH", str(tmp_path))
    specs.overlay._apply_cached.cache_clear()

    def write(entry: str) -> None:
        (tmp_path / "iot.yaml").write_text(shipped[:start] + entry + "\n" + shipped[end:])

    yield write
    specs.overlay._apply_cached.cache_clear()


def test_a_change_another_account_reaches_fails_unless_a_success_is_its_documented_answer(iot_overlay):
    found = _isolation([CANCEL_ANY])
    assert found is not None and found.operation == "CancelJob" and "ResourceNotFoundException" in found.message
    assert _isolation([]) is None
    # an API whose CancelJob answers 200 for ids it does not know (Batch's): a success shows nothing
    iot_overlay('  CancelJob: {role: action, not_yours: {ok: true}, source: doc, '
                'doc: "https://docs.aws.amazon.com/iot/latest/apireference/API_CancelJob.html"}')
    assert load_service("iot").operation("CancelJob").not_yours.ok
    assert _isolation([CANCEL_ANY]) is None
