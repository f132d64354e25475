"""The checks of what a write sets (read-back, timestamps, ARNs, a second create) and of every
paginator of the model: each fails on its planted fault and passes on the correct emulator."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from harness.checks.arns import arn_problem, arns_name_caller
from harness.checks.filters import listing_filters_honoured
from harness.checks.flags import flags_shape_answers, no_op_flags_change_nothing
from harness.checks.orphans import parts_after_delete
from harness.checks.paginators import every_paginator
from harness.checks.readback import difference, read_back
from harness.checks.recreate import second_create_refused
from harness.checks.timestamps import timestamps_in_run
from harness.checks.versions import stale_version_refused
from harness.checks.written import write_and_read
from harness.config import RunConfig
from harness.engine import Engine
from harness.model import Failure
from harness.targets import EmbeddedTarget
from specs.loader import load_service

DATA, IOT, IE = "iot-jobs-data", "iot", "importexport"


def _run(fn: Callable[..., None], plant: list[str], service: str, operation: str,
         setup: Callable[[Engine], Any] | None = None) -> tuple[Failure | None, Engine]:
    engine = Engine(EmbeddedTarget(plant=plant), RunConfig(services=(service,), operations=(operation,), seed=0))
    if setup is not None:
        setup(engine)
    try:
        fn(engine.ctx, engine.ctx.op_spec(service, operation))
    except Failure as f:
        return f, engine
    return None, engine


def _three_jobs(engine: Engine) -> None:
    for _ in range(3):
        engine.ctx.resources.make(["jobId"], service=IOT)


@pytest.mark.parametrize(("fn", "check", "fault", "service", "operation", "setup"), [
    (read_back, "read_after_write_consistency", "iot-create-job-config-dropped", IOT, "CreateJob", None),
    (read_back, "read_after_write_consistency", "iot-update-job-rollout-ignored", IOT, "UpdateJob", None),
    (timestamps_in_run, "response_schema_conformance", "iot-describe-job-created-long-ago", IOT, "CreateJob", None),
    (arns_name_caller, "response_schema_conformance", "iot-describe-job-arn-other-region", IOT, "CreateJob", None),
    (second_create_refused, "idempotency_conformance", "iot-create-job-duplicate-accepted", IOT, "CreateJob", None),
    (every_paginator, "pagination_conformance", "iot-list-jobs-page-skips", IOT, "ListJobs", _three_jobs),
    (stale_version_refused, "state_transition_conformance", "iot-delete-thing-version-ignored", IOT, "DeleteThing",
     None),
    (flags_shape_answers, "response_schema_conformance", "iotdata-update-document-ignored", DATA,
     "UpdateJobExecution", None),
    (no_op_flags_change_nothing, "read_after_write_consistency", "ie-update-validate-only-applies", IE, "UpdateJob",
     None),
    (listing_filters_honoured, "response_schema_conformance", "iot-list-jobs-status-ignored", IOT, "ListJobs",
     _three_jobs),
    # a listing with no parent on an endpoint the run made nothing on yet: the check makes its own item
    (listing_filters_honoured, "response_schema_conformance", "iot-list-jobs-status-ignored", IOT, "ListJobs",
     None),
    (parts_after_delete, "use_after_delete", "iot-deleted-job-execution-described", IOT, "DescribeJobExecution", None),
])
def test_each_check_finds_its_fault_and_passes_on_the_correct_emulator(fn, check, fault, service, operation, setup):
    found, _ = _run(fn, [fault], service, operation, setup)
    assert found is not None and found.check == check, found
    assert (found.service, found.operation) == (service, operation)
    clean, engine = _run(fn, [], service, operation, setup)
    assert clean is None, clean
    assert engine.ctx.sequence, "the check sent nothing on the correct emulator: it judged nothing"


def test_the_write_carries_the_optional_members_the_endpoint_accepts():
    engine = Engine(EmbeddedTarget(), RunConfig(services=(IOT,), operations=("CreateJob",), seed=0))
    done = write_and_read(engine.ctx, engine.ctx.op_spec(IOT, "CreateJob"))
    assert done is not None and done.write.ok
    # the boundary calls' jobTemplateArn names no template: refused, and left out by halving
    assert {"description", "abortConfig", "timeoutConfig"} <= set(done.params)
    assert "jobTemplateArn" not in done.params
    assert {r.name for r, ex in done.reads if ex.ok} >= {"DescribeJob", "GetJobDocument"}


def test_a_read_holds_what_was_written_members_added_and_lists_in_any_order():
    spec = load_service(IOT)
    written = {"criteriaList": [{"failureType": "FAILED", "action": "CANCEL"},
                                {"failureType": "REJECTED", "action": "CANCEL"}]}
    read = {"criteriaList": [{"failureType": "REJECTED", "action": "CANCEL", "thresholdPercentage": 5},
                             {"failureType": "FAILED", "action": "CANCEL"}]}
    assert difference(spec, "AbortConfig", written, read, "abortConfig") is None
    assert "absent" in (difference(spec, "AbortConfig", written, None, "abortConfig") or "")
    assert difference(spec, "JobDescription", "a", "b", "description") == "description: wrote 'a', read 'b'"
    assert difference(spec, "JobDescription", "", None, "description") is None  # empty: not judged


def test_an_arn_names_the_callers_partition_region_and_account():
    caller = ("aws", "us-east-1", "123456789012")
    assert arn_problem("arn:aws:iot:us-east-1:123456789012:job/j", *caller) is None
    assert arn_problem("arn:aws:s3:::bucket", *caller) is None  # no region, no account: nothing to name
    assert "region" in (arn_problem("arn:aws:iot:eu-west-3:123456789012:job/j", *caller) or "")
    assert "account" in (arn_problem("arn:aws:iot:us-east-1:210987654321:job/j", *caller) or "")
    assert "partition" in (arn_problem("arn:aws-cn:iot:us-east-1:123456789012:job/j", *caller) or "")
    assert arn_problem("arn:aws:iot:us-east-1:210987654321:job/j", "aws", "us-east-1", None) is None
    assert arn_problem("not an arn", *caller) is None


def test_timestamps_follow_a_moved_clock():
    def moved(engine: Engine) -> None:
        engine.ctx.target.advance_clock(3600.0)  # the emulator's times run an hour ahead: not a fault

    found, _ = _run(timestamps_in_run, [], IOT, "CreateJob", moved)
    assert found is None, found


def test_each_enum_value_outside_a_documented_subset_is_its_own_invalid_call():
    from strategies import invalid_calls

    spec = load_service(DATA)
    tried = {c.params.get("status") for c in invalid_calls(spec.operations["UpdateJobExecution"], service=spec)
             if c.violation is not None and c.violation.path == "status" and c.violation.rule == "allowed"}
    assert tried == {"QUEUED", "TIMED_OUT", "REMOVED", "CANCELED"}  # the statuses a device may not set
