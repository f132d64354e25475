"""specs.validator: every rule of the model and the overlay, by source, with readable messages."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from specs.loader import load_service, raw_service
from specs.types import Rule
from specs.validator import Problem, validate

OK = {"thingName": "t1", "jobId": "j1", "status": "IN_PROGRESS"}


@pytest.fixture(scope="module")
def jobs():
    service = load_service("iot-jobs-data")
    return service, service.operation("UpdateJobExecution")


def rules_of(problems: list[Problem]) -> list[tuple[str, str, str]]:
    return [(p.path, p.rule, p.source) for p in problems]


def test_a_valid_call_has_no_problem(jobs):
    service, op = jobs
    assert validate(op, service, OK) == []
    assert validate(op, service, {**OK, "stepTimeoutInMinutes": -1, "statusDetails": {"k": "v"}}) == []


def test_message_names_operation_field_expectation_and_value(jobs):
    service, op = jobs
    [p] = validate(op, service, {**OK, "statusDetails": {"k": "x" * 5000}})
    assert p == Problem("statusDetails{}", "max_length", "doc",
                        "UpdateJobExecution.statusDetails['k']: expected at most 1024 characters, got 5000")


def test_doc_range_narrows_the_model_and_also_widens_it(jobs):
    service, op = jobs
    assert rules_of(validate(op, service, {**OK, "stepTimeoutInMinutes": 0})) == [
        ("stepTimeoutInMinutes", "min", "doc")]
    assert rules_of(validate(op, service, {**OK, "stepTimeoutInMinutes": 10081})) == [
        ("stepTimeoutInMinutes", "max", "doc")]
    assert validate(op, service, {**OK, "stepTimeoutInMinutes": -1}) == []
    assert validate(op, service, {**OK, "stepTimeoutInMinutes": 0}, sources=("model",)) == []


def test_enum_then_allowed_subset(jobs):
    service, op = jobs
    assert rules_of(validate(op, service, {**OK, "status": "BOGUS"})) == [("status", "enum", "model")]
    assert rules_of(validate(op, service, {**OK, "status": "QUEUED"})) == [("status", "allowed", "doc")]
    assert validate(op, service, {**OK, "status": "QUEUED"}, sources=("model",)) == []


def test_inferred_rules_only_when_asked(jobs):
    service, op = jobs
    many = {f"k{i}": "v" for i in range(11)}
    assert rules_of(validate(op, service, {**OK, "statusDetails": many})) == [
        ("statusDetails", "max_length", "inferred")]
    assert validate(op, service, {**OK, "statusDetails": many}, sources=("model", "doc")) == []


def test_a_pattern_must_match_the_whole_value(jobs):
    service, op = jobs
    for bad in ("has space", "thing!", "!thing", "e\u0301", "\u00e9"):  # a part matches; the whole does not
        [p] = validate(op, service, {**OK, "thingName": bad})
        assert (p.path, p.rule) == ("thingName", "pattern")
        assert "whole value" in p.message
    [p] = validate(op, service, {**OK, "thingName": "   "})
    assert (p.path, p.rule) == ("thingName", "pattern")
    [p] = validate(op, service, {**OK, "statusDetails": {"!!": "v"}})
    assert (p.path, p.rule) == ("statusDetails{key}", "pattern")
    assert "statusDetails key '!!'" in p.message
    assert validate(op, service, {**OK, "thingName": "thing-1:a_b"}) == []


@pytest.mark.parametrize(("member", "value"), [
    ("thingName", 5), ("expectedVersion", True), ("expectedVersion", "7"), ("includeJobDocument", 1),
    ("statusDetails", ["k"]), ("status", None),
])
def test_wrong_types(jobs, member, value):
    service, op = jobs
    assert rules_of(validate(op, service, {**OK, member: value})) == [(member, "type", "model")]


def test_required_and_unknown(jobs):
    service, op = jobs
    problems = validate(op, service, {"jobId": "j", "status": "IN_PROGRESS", "bogus": 1})
    assert rules_of(problems) == [("bogus", "unknown", "model"), ("thingName", "required", "model")]
    assert problems[1].message == "UpdateJobExecution.thingName: missing required member"


def test_overlay_required_rule(jobs):
    service, op = jobs
    op2 = dataclasses.replace(op, rules=op.rules + (Rule("expectedVersion", "required", True, "doc"),))
    assert rules_of(validate(op2, service, OK)) == [("expectedVersion", "required", "doc")]


def test_nested_paths_and_list_items():
    service = load_service("iot")
    op = service.operation("CreateJob")
    params = {"jobId": "j", "targets": ["arn:aws:iot:us-east-1:1:thing/t"], "document": "{}",
              "timeoutConfig": {"inProgressTimeoutInMinutes": 20000}}
    [p] = validate(op, service, params)
    assert (p.path, p.rule, p.source) == ("timeoutConfig.inProgressTimeoutInMinutes", "max", "doc")
    assert p.message.startswith("CreateJob.timeoutConfig.inProgressTimeoutInMinutes: expected at most 10080")
    [p] = validate(op, service, {**params, "timeoutConfig": {}, "targets": ["t", "a" * 3000]}, sources=("model", "doc"))
    assert (p.path, p.rule) == ("targets[]", "max_length") and "CreateJob.targets[1]:" in p.message


def test_timestamps_blobs_and_floats():
    service = raw_service("iot")
    op = service.operation("ListJobs")
    assert validate(op, service, {"maxResults": 5}) == []
    assert rules_of(validate(op, service, {"maxResults": 0})) == [("maxResults", "min", "model")]
    op = service.operation("CreateJob")
    rollout = {"exponentialRate": {"baseRatePerMinute": 5, "incrementFactor": 2,
                                   "rateIncreaseCriteria": {"numberOfNotifiedThings": 1}}}
    assert validate(op, service, {"jobId": "j", "targets": ["t"], "jobExecutionsRolloutConfig": rollout}) == []
    rollout["exponentialRate"]["incrementFactor"] = "2"
    assert rules_of(validate(op, service, {"jobId": "j", "targets": ["t"], "jobExecutionsRolloutConfig": rollout})) \
        == [("jobExecutionsRolloutConfig.exponentialRate.incrementFactor", "type", "model")]
    sched = {"startTime": "2030-01-01T00:00", "endTime": "x"}
    assert validate(op, service, {"jobId": "j", "targets": ["t"], "schedulingConfig": sched}) == []
    when = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    op = raw_service("iot").operation("ListAuditFindings")
    assert validate(op, raw_service("iot"), {"startTime": when, "endTime": 1.5}) == []
    assert rules_of(validate(op, raw_service("iot"), {"startTime": True})) == [("startTime", "type", "model")]


def test_documents_and_unions():
    service = raw_service("bedrock-agent-runtime")
    op = service.operation("Retrieve")
    ok = {"knowledgeBaseId": "ABCDEFGHIJ", "retrievalQuery": {"text": "q"}}
    assert validate(op, service, ok) == []
    filt = {"equals": {"key": "k", "value": {"a": [1, None, "x"]}}}
    cfg = {"vectorSearchConfiguration": {"filter": filt}}
    assert validate(op, service, {**ok, "retrievalConfiguration": cfg}) == []
    cfg = {"vectorSearchConfiguration": {"filter": {"equals": {"key": "k", "value": {1, 2}}}}}
    assert [p.rule for p in validate(op, service, {**ok, "retrievalConfiguration": cfg})] == ["type"]
    two = {"equals": filt["equals"], "notEquals": filt["equals"]}
    cfg = {"vectorSearchConfiguration": {"filter": two}}
    assert [p.rule for p in validate(op, service, {**ok, "retrievalConfiguration": cfg})] == ["union"]


def test_most_authoritative_source_is_named(jobs):
    service, op = jobs
    op2 = dataclasses.replace(op, rules=op.rules + (Rule("jobId", "max_length", 10, "doc"),))
    assert rules_of(validate(op2, service, {**OK, "jobId": "j" * 11})) == [("jobId", "max_length", "doc")]
    assert rules_of(validate(op2, service, {**OK, "jobId": "j" * 65})) == [("jobId", "max_length", "model")]
