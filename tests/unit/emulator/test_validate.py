"""The generic model validator: one problem, with its rule and path, or None."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from emulator.model import service_model
from emulator.validate import validate, validator

UPDATE = {"jobId": "job-1", "thingName": "thing-1", "status": "IN_PROGRESS"}


def _update(**extra):
    return validate("iot-jobs-data", "UpdateJobExecution", {**UPDATE, **extra})


def test_a_valid_call_has_no_problem() -> None:
    assert (
        _update(
            statusDetails={"step": "1", "a:b_c-d": "x"},
            expectedVersion=3,
            stepTimeoutInMinutes=10,
            includeJobExecutionState=True,
        )
        is None
    )


def test_required_member() -> None:
    p = validate("iot-jobs-data", "UpdateJobExecution", {"thingName": "t", "status": "QUEUED"})
    assert (p.path, p.rule) == ("jobId", "required")


@pytest.mark.parametrize(
    "extra,path,rule,text",
    [
        ({"status": "BOGUS"}, "status", "enum", "got 'BOGUS'"),
        ({"status": 3}, "status", "type", "expected a string, got an integer"),
        ({"expectedVersion": "7"}, "expectedVersion", "type", "expected an integer, got a string"),
        ({"expectedVersion": True}, "expectedVersion", "type", "expected an integer, got a boolean"),
        ({"includeJobDocument": "true"}, "includeJobDocument", "type", "expected a boolean"),
        ({"statusDetails": ["k"]}, "statusDetails", "type", "expected an object, got a list"),
        ({"statusDetails": {"k": "\x00"}}, "statusDetails['k']", "pattern", "[^\\\\p{C}]+"),
        (
            {"statusDetails": {"k": ""}},
            "statusDetails['k']",
            "min_length",
            "expected at least 1 characters, got 0",
        ),
        ({"statusDetails": {"": "v"}}, "statusDetails['']", "min_length", "key expected at least 1"),
        (
            {"statusDetails": {"k" * 200: "v"}},
            f"statusDetails[{'k' * 200!r}]",
            "max_length",
            "key expected at most 128",
        ),
        ({"statusDetails": {"k": 5}}, "statusDetails['k']", "type", "expected a string"),
    ],
)
def test_rules_and_paths(extra, path, rule, text) -> None:
    p = _update(**extra)
    assert p is not None
    assert (p.path, p.rule) == (path, rule)
    assert text in p.message


def test_nested_structure_and_list_paths() -> None:
    base = {"jobId": "j", "targets": ["arn:aws:iot:us-east-1:1:thing/t"]}
    p = validate("iot", "CreateJob", {**base, "timeoutConfig": {"inProgressTimeoutInMinutes": "x"}})
    assert (p.path, p.rule) == ("timeoutConfig.inProgressTimeoutInMinutes", "type")
    p = validate("iot", "CreateJob", {**base, "targets": ["a", 5]})
    assert (p.path, p.rule) == ("targets[1]", "type")
    p = validate("iot", "CreateJob", {**base, "targets": []})
    assert (p.path, p.rule) == ("targets", "min_length")
    assert validate("iot", "CreateJob", base) is None


def test_numeric_bounds() -> None:
    base = {"thingName": "t"}
    p = validate("iot", "ListJobExecutionsForThing", {**base, "maxResults": 0})
    assert (p.path, p.rule, p.message) == ("maxResults", "min", "expected at least 1, got 0")
    p = validate("iot", "ListJobExecutionsForThing", {**base, "maxResults": 251})
    assert (p.path, p.rule, p.message) == ("maxResults", "max", "expected at most 250, got 251")
    assert validate("iot", "ListJobExecutionsForThing", {**base, "maxResults": 250}) is None


def test_a_pattern_must_match_the_whole_value() -> None:
    # thingName is [a-zA-Z0-9:_-]+: AWS refuses a value only a part of which matches
    for bad in ("ok name!", "e\u0301", "\u00e9", "!!!"):
        p = validate("iot-jobs-data", "DescribeJobExecution", {"jobId": "j", "thingName": bad})
        assert (p.path, p.rule) == ("thingName", "pattern")
    assert validate("iot-jobs-data", "DescribeJobExecution", {"jobId": "j", "thingName": "ok:name_1-2"}) is None


def test_timestamps_and_blobs_are_typed() -> None:
    when = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    assert validate("iot", "ListAuditTasks", {"startTime": when, "endTime": when}) is None
    p = validate("iot", "ListAuditTasks", {"startTime": "2026-01-01", "endTime": when})
    assert (p.path, p.rule) == ("startTime", "type")


def test_strings_for_amplify_and_importexport() -> None:
    p = validate(
        "amplifybackend", "ListBackendJobs", {"AppId": "a", "BackendEnvironmentName": "e", "MaxResults": 26}
    )
    assert (p.path, p.rule) == ("MaxResults", "max")
    p = validate("importexport", "GetShippingLabel", {"jobIds": ["A", 1]})
    assert (p.path, p.rule) == ("jobIds[1]", "type")
    p = validate("importexport", "CreateJob", {"JobType": "Import", "Manifest": "m"})
    assert (p.path, p.rule) == ("ValidateOnly", "required")


@pytest.mark.parametrize("service", ["iot", "iot-jobs-data", "amplifybackend", "importexport"])
def test_every_operation_compiles(service: str) -> None:
    model = service_model(service)
    for name in model.operation_names:
        check = validator(service, name)
        assert check is validator(service, name)
        shape = model.operation_model(name).input_shape
        if shape is not None and shape.required_members:
            assert check({}).rule == "required"


def test_validation_is_fast() -> None:
    params = {**UPDATE, "statusDetails": {"a": "b", "c": "d"}, "expectedVersion": 3}
    check = validator("iot-jobs-data", "UpdateJobExecution")
    start = time.perf_counter()
    for _ in range(2000):
        assert check(params) is None
    assert (time.perf_counter() - start) / 2000 < 100e-6
