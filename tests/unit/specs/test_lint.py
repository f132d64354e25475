"""Lint: where documentation and model disagree, or the model lacks what the documentation says."""

from __future__ import annotations

import dataclasses

import pytest

from specs.lint import KINDS, Finding, lint
from specs.lint_prose import prose_findings, stated_limits
from specs.loader import botocore_model, raw_service

FOUR = ("iot-jobs-data", "iot", "amplifybackend", "importexport")


@pytest.fixture(scope="module")
def findings() -> list[Finding]:
    return lint(FOUR)


def _find(findings, **match):
    return [f for f in findings if all(getattr(f, k) == v for k, v in match.items())]


def test_findings_are_frozen_and_of_known_kinds(findings):
    assert findings
    assert {f.kind for f in findings} <= set(KINDS)
    with pytest.raises(dataclasses.FrozenInstanceError):
        findings[0].kind = "x"  # type: ignore[misc]


def test_grouped_by_service_in_the_order_given(findings):
    order = [f.service for f in findings]
    assert [s for i, s in enumerate(order) if i == 0 or order[i - 1] != s] == list(FOUR)


def test_version_mismatch_is_a_doc_error(findings):
    [f] = _find(findings, service="iot-jobs-data", operation="UpdateJobExecution", kind="doc-error")
    assert f.where == "VersionMismatch" and f.source == "doc"
    assert "409" in f.message and "does not declare" in f.message
    assert _find(findings, service="iot-jobs-data", kind="discrepancy", where="UpdateJobExecution.expectedVersion")


def test_step_timeout_range_is_stated_only_in_the_docs(findings):
    rules = _find(findings, service="iot-jobs-data", operation="UpdateJobExecution", kind="doc-rule",
                  where="stepTimeoutInMinutes")
    texts = " | ".join(f.message for f in rules)
    assert "min 1" in texts and "max 10080" in texts and "also [-1]" in texts


def test_status_details_1024_limit(findings):
    [f] = _find(findings, service="iot-jobs-data", operation="UpdateJobExecution", kind="doc-rule",
                where="statusDetails{}")
    assert "max_length 1024" in f.message and f.message.startswith("input")


def test_inferred_rules_are_listed_as_undocumented(findings):
    [f] = _find(findings, service="iot-jobs-data", operation="UpdateJobExecution", kind="inferred-rule")
    assert f.where == "statusDetails" and f.source == "inferred" and "never asserted" in f.message


def test_throttling_status_split(findings):
    splits = _find(findings, kind="status-split", where="ThrottlingException")
    assert {f.service for f in splits} == {"iot-jobs-data", "iot"}
    assert "HTTP 429 in iot-jobs-data" in splits[0].message and "HTTP 400 in iot" in splits[0].message


def test_errors_without_status(findings):
    no_status = _find(findings, kind="no-status")
    assert {f.service for f in no_status} == {"importexport"}
    [f] = [f for f in no_status if f.where == "UnableToCancelJobIdException"]
    assert "overlay assumes HTTP 400" in f.message


def test_validation_errors_the_operation_does_not_declare(findings):
    ops = {f.operation for f in _find(findings, kind="undeclared-validation-error")}
    assert ops == {"CancelJob", "GetStatus"}


def test_operation_without_a_validation_rule():
    found = lint(["braket"])  # no overlay
    assert _find(found, kind="no-validation-error", operation="CreateJob")


def test_stated_limits_reads_the_usual_phrases():
    assert stated_limits("<p>Valid values range from 1 to 10080 (1 minute to 7 days).</p>", "long") == [
        ("range from 1 to 10080", 1, 10080)]
    assert stated_limits("The maximum length of the value is 1,024 characters.", "map") == [
        ("maximum length of the value is 1,024 characters", None, 1024)]
    assert stated_limits("It can take up to 7 days.", "string") == []  # no size word: not a length
    assert stated_limits("between 1 minute and 7 days", "long") == []


def test_prose_constraints_are_found_where_no_overlay_covers_them():
    raw = raw_service("iot-jobs-data")  # without the overlay nothing covers the documented limits
    found = {(f.operation, f.where) for f in prose_findings(raw, botocore_model("iot-jobs-data"))}
    assert ("UpdateJobExecution", "stepTimeoutInMinutes") in found
    assert ("UpdateJobExecution", "statusDetails") in found


def test_prose_constraints_covered_by_the_overlay_are_not_repeated(findings):
    assert not _find(findings, service="iot-jobs-data", kind="prose-constraint")
