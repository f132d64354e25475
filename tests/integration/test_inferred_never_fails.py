"""An ``inferred`` piece of an overlay never makes a failure; the same piece as ``doc`` does.

For each kind of piece that can make a failure (an input rule, a ``format`` rule, a transition, a
version rule, a state machine's states and its delete, an output rule, a documented error), an
endpoint that breaks it is run twice: with the shipped overlay, where the piece is ``doc`` or
``model``, and with a copy (through ``JOBFUZZ_OVERLAY_PATH``) where only that piece is turned
``inferred``. The first run fails on the piece's check, the second does not. A sequence cannot be
``inferred`` at all: the overlay schema refuses it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import botocore.session
import pytest
import yaml

import specs.overlay
from harness.checks import CHECKS, CheckContext
from harness.engine import Engine, RunConfig
from harness.lifecycle import LifecycleRun
from harness.model import Exchange, Failure, RawRequest, RawResponse
from harness.session import execute
from harness.targets import EmbeddedTarget
from specs.loader import load_service
from specs.overlay import OVERLAY_DIR, OverlayError
from strategies.calls import Call

DATA, IOT, AB = "iot-jobs-data", "iot", "amplifybackend"
Edit = Callable[[dict[str, Any]], None]
_SESSION = botocore.session.get_session()


@pytest.fixture(autouse=True)
def fresh_overlays() -> Iterator[None]:
    specs.overlay._apply_cached.cache_clear()
    yield
    specs.overlay._apply_cached.cache_clear()


def _use(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, service: str, edit: Edit | None) -> None:
    """Run with the shipped overlay of ``service`` (``edit`` None), or a copy changed by ``edit``."""
    if edit is None:
        monkeypatch.delenv("JOBFUZZ_OVERLAY_PATH", raising=False)
    else:
        data = yaml.safe_load((OVERLAY_DIR / f"{service}.yaml").read_text(encoding="utf-8"))
        edit(data)
        folder = tmp_path / "overlays"
        folder.mkdir(exist_ok=True)
        (folder / f"{service}.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        monkeypatch.setenv("JOBFUZZ_OVERLAY_PATH", str(folder))
    specs.overlay._apply_cached.cache_clear()


def _target(plant: list[str]) -> EmbeddedTarget:
    target = EmbeddedTarget(plant=plant)
    if hasattr(target, "_session"):
        target._session = _SESSION
    return target


# -- the edits: one piece turned inferred ------------------------------------------------------------
def _rule(operation: str, path: str, kind: str, key: str = "rules") -> Edit:
    def edit(data: dict[str, Any]) -> None:
        hits = [r for r in data[key][operation] if r["path"] == path and r["kind"] == kind]
        assert hits, (operation, path, kind)
        for r in hits:
            r["source"] = "inferred"
            r.pop("doc", None)
    return edit


def _machine(name: str, *, transitions: tuple[str, ...] = (), version: bool = False, itself: bool = False) -> Edit:
    def edit(data: dict[str, Any]) -> None:
        sm = next(m for m in data["state_machines"] if m["name"] == name)
        pieces = [t for t in sm["transitions"] if t["name"] in transitions]
        pieces += ([sm["version"]] if version else []) + ([sm] if itself else [])
        for piece in pieces:
            piece["source"] = "inferred"
            piece.pop("doc", None)
    return edit


def _doc_error(operation: str, code: str) -> Edit:
    def edit(data: dict[str, Any]) -> None:
        for e in data["doc_errors"]:
            if (e["operation"], e["code"]) == (operation, code):
                e["source"] = "inferred"
                e.pop("doc", None)
    return edit


# -- input rules, through the engine's boundary phase -----------------------------------------------
@pytest.mark.parametrize(("fault", "service", "operation", "edit"), [
    ("iotdata-status-details-unbounded", DATA, "UpdateJobExecution",
     _rule("UpdateJobExecution", "statusDetails.*", "max_length")),
    ("iot-create-job-any-document", IOT, "CreateJob", _rule("CreateJob", "document", "format")),
])
def test_an_inferred_input_rule_is_never_broken_on_purpose(tmp_path, monkeypatch, fault, service, operation, edit):
    config = RunConfig(services=(service,), operations=(f"{service}.{operation}",), phases=("boundary",),
                       checks=("negative_data_rejection",), max_examples=3, seed=1)

    def failures() -> list[Any]:
        result = execute(_target([fault]), config)
        return [r.failure for r in result.failures if r.failure.operation == operation]

    _use(tmp_path, monkeypatch, service, None)
    assert failures(), f"{fault}: the doc rule is broken and the call accepted, yet no failure"
    _use(tmp_path, monkeypatch, service, edit)
    assert failures() == []


# -- lifecycles: transitions, version rules, a machine's states and delete ---------------------------
def _lifecycle(plant: list[str], service: str, machine: str, steps: list[str]) -> Failure | None:
    operation = {DATA: "UpdateJobExecution", IOT: "DescribeJob"}[service]
    engine = Engine(_target(plant), RunConfig(services=(service,), operations=(operation,), seed=0))
    sm = next(m for m in engine.services[service].state_machines if m.name == machine)
    try:
        LifecycleRun(engine.ctx, sm).replay(steps)
    except Failure as f:
        return f
    return None


_ALL = ("start", "succeed", "fail", "reject", "start_next", "cancel", "force_cancel")


@pytest.mark.parametrize(("fault", "service", "machine", "steps", "check", "edit"), [
    ("iotdata-terminal-restart", DATA, "job_execution", ["start", "succeed", "start"],
     "state_transition_conformance", _machine("job_execution", transitions=_ALL)),
    ("iotdata-version-not-incremented", DATA, "job_execution", ["start"],
     "state_transition_conformance", _machine("job_execution", version=True)),
    ("iotdata-expected-version-ignored", DATA, "job_execution", ["start", "stale[expectedVersion]"],
     "state_transition_conformance", _machine("job_execution", version=True)),
    ("iot-describe-job-status-enum", IOT, "job", ["cancel"],  # DescribeJob answers RUNNING
     "state_transition_conformance", _machine("job", transitions=("cancel",), itself=True)),
    ("iot-deleted-job-described", IOT, "job", ["cancel", "delete_unforced"],
     "use_after_delete", _machine("job", transitions=("delete_unforced",), itself=True)),
])
def test_an_inferred_lifecycle_piece_is_never_asserted(tmp_path, monkeypatch, fault, service, machine, steps,
                                                       check, edit):
    _use(tmp_path, monkeypatch, service, None)
    found = _lifecycle([fault], service, machine, steps)
    assert found is not None and found.check == check, found
    _use(tmp_path, monkeypatch, service, edit)
    assert _lifecycle([fault], service, machine, steps) is None


# -- one exchange: an output rule, a documented error's status ---------------------------------------
def _exchange(call: Call, status: int, body: dict[str, Any], code: str | None = None) -> Exchange:
    return Exchange(call=call, request=RawRequest("POST", "https://embedded.jobfuzz/", {}, b""),
                    response=RawResponse(status, {"Content-Type": "application/json"}, json.dumps(body).encode()),
                    parsed={}, error_code=code, error_message="m" if code else None)


def _judge(check: str, service: str, operation: str, ex: Exchange) -> Failure | None:
    spec = load_service(service)
    try:
        CHECKS[check].fn(ex, CheckContext(service=spec, op=spec.operation(operation), bound=True))
    except Failure as f:
        return f
    return None


@pytest.mark.parametrize(("check", "service", "operation", "ex", "edit"), [
    # BackendJobRespObj marks appId required (doc); an answer without it
    ("response_schema_conformance", AB, "GetBackendJob",
     _exchange(Call(AB, "GetBackendJob", {}), 200, {"jobId": "j", "backendEnvironmentName": "e"}),
     _rule("GetBackendJob", "AppId", "required", key="output_rules")),
    # VersionMismatch is documented with HTTP 409; it comes with 400
    ("status_code_conformance", DATA, "UpdateJobExecution",
     _exchange(Call(DATA, "UpdateJobExecution", {}), 400, {"message": "m"}, code="VersionMismatch"),
     _doc_error("UpdateJobExecution", "VersionMismatch")),
])
def test_an_inferred_output_rule_or_error_is_never_asserted(tmp_path, monkeypatch, check, service, operation, ex,
                                                            edit):
    _use(tmp_path, monkeypatch, service, None)
    assert _judge(check, service, operation, ex) is not None
    _use(tmp_path, monkeypatch, service, edit)
    assert _judge(check, service, operation, ex) is None


def test_a_sequence_cannot_be_inferred(tmp_path, monkeypatch):
    def edit(data: dict[str, Any]) -> None:
        data["sequences"][0]["source"] = "inferred"

    _use(tmp_path, monkeypatch, DATA, edit)
    with pytest.raises(OverlayError, match=r"sequences/0/source: 'inferred' is not one of \['model', 'doc'\]"):
        load_service(DATA)
