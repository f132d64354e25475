"""The one check registry, and a failure's typed cause.

A fresh ``from harness.checks import CHECKS`` holds every fixed check with the functions that run
it and where; the scenarios phase runs what the registry holds; failures of one cause are one
failure whatever value came, and failures of two causes are two.
"""

from __future__ import annotations

import json
import subprocess
import sys

from harness.checks import CHECKS, KINDS, CheckContext, registered
from harness.checks.lifecycle import LifecycleRun
from harness.model import CHECK_NAMES, Cause, Exchange, Failure, RawRequest, RawResponse
from harness.scenarios import SCENARIOS
from specs.loader import load_service
from strategies.calls import Call

#: where each check runs: (kind, function name) of its registrations
WHERE = {
    "not_a_server_error": {("exchange", "not_a_server_error")},
    "status_code_conformance": {("exchange", "status_code_conformance")},
    "error_class_conformance": {("exchange", "error_class_conformance")},
    "response_schema_conformance": {("exchange", "response_schema_conformance"), ("scenario", "timestamps_in_run"),
                                    ("scenario", "arns_name_caller"), ("scenario", "flags_shape_answers"),
                                    ("scenario", "listing_filters_honoured")},
    "negative_data_rejection": {("exchange", "negative_data_rejection")},
    "positive_data_acceptance": {("exchange", "positive_data_acceptance")},
    "state_transition_conformance": {("lifecycle", "LifecycleRun"), ("scenario", "stale_version_refused")},
    "read_after_write_consistency": {("lifecycle", "LifecycleRun"), ("recipe", "recheck_recipe_step"),
                                     ("scenario", "made_is_found"), ("scenario", "read_back"),
                                     ("scenario", "no_op_flags_change_nothing")},
    "use_after_delete": {("lifecycle", "LifecycleRun"), ("scenario", "use_after_delete"),
                         ("scenario", "parts_after_delete")},
    "resource_hierarchy": {("scenario", "resource_hierarchy")},
    "namespace_isolation": {("scenario", "namespace_isolation")},
    "pagination_conformance": {("scenario", "pagination_conformance"), ("scenario", "every_paginator")},
    "idempotency_conformance": {("scenario", "idempotency_conformance"), ("scenario", "second_create_refused")},
    "observed_conformance": {("exchange", "observed_conformance")},
}


def test_a_fresh_import_of_the_registry_holds_every_check_and_where_it_runs():
    code = ("import json; from harness.checks import CHECKS\n"
            "print(json.dumps({n: sorted([[r.kind, r.fn.__name__, r.fn.__module__, bool(r.doc)]] + "
            "[[k, f.__name__, f.__module__, True] for k, f in r.also]) for n, r in CHECKS.items()}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    found = json.loads(out.stdout)
    assert list(found) == list(CHECK_NAMES)
    for name, rows in found.items():
        assert {(kind, fn) for kind, fn, _, _ in rows} == WHERE[name], name
        assert all(module.startswith("harness.checks.") and has_doc for _, _, module, has_doc in rows), rows


def test_the_places_that_run_checks_take_them_from_the_registry():
    assert set(KINDS) == {"exchange", "scenario", "lifecycle", "recipe"}
    assert [(n, f) for n, fns in SCENARIOS.items() for f in fns] == sorted(
        registered("scenario"), key=lambda row: list(SCENARIOS).index(row[0]))
    assert {name for name, reg in CHECKS.items() if reg.runners("lifecycle") == [LifecycleRun]} == {
        "state_transition_conformance", "read_after_write_consistency", "use_after_delete"}


def _schema_failure(body: dict) -> Failure:
    spec = load_service("iot-jobs-data")
    call = Call("iot-jobs-data", "UpdateJobExecution", {"thingName": "t", "jobId": "j", "status": "IN_PROGRESS"})
    ex = Exchange(call=call, request=RawRequest("POST", "https://embedded.jobfuzz/", {}, b""),
                  response=RawResponse(200, {"Content-Type": "application/json"}, json.dumps(body).encode()),
                  parsed={})
    try:
        ctx = CheckContext(service=spec, op=spec.operation("UpdateJobExecution"))
        CHECKS["response_schema_conformance"].fn(ex, ctx)
    except Failure as f:
        return f
    raise AssertionError(f"no failure on {body}")


def test_one_cause_is_one_failure_whatever_value_came():
    running = _schema_failure({"executionState": {"status": "RUNNING", "versionNumber": 2}})
    waiting = _schema_failure({"executionState": {"status": "WAITING", "versionNumber": 7}})
    assert running.key == waiting.key
    assert running.cause == Cause("schema", "UpdateJobExecution.executionState.status", running.cause.expected)
    assert running.cause.expected.startswith("expected one of [")
    assert "RUNNING" not in str(running.cause) and "RUNNING" not in running.title
    # another place, or the same place breaking another rule of the model, is another failure
    version = _schema_failure({"executionState": {"status": "IN_PROGRESS", "versionNumber": "2"}})
    assert version.key != running.key and version.cause.path.endswith("executionState.versionNumber")


def test_a_failure_without_a_cause_is_told_apart_by_its_title():
    a = Failure("not_a_server_error", "iot", "CreateJob", "t1", "m")
    b = Failure("not_a_server_error", "iot", "CreateJob", "t1", "another message")
    c = Failure("not_a_server_error", "iot", "CreateJob", "t2", "m")
    assert a.key == b.key != c.key
