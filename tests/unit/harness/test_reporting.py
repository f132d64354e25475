"""The reports: console table and summary, the JSON report's format, JUnit counts, the HTML page."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from collections import Counter

import jsonschema
import pytest

from harness.model import Failure
from harness.reporting.console import ConsoleReporter
from harness.reporting.html import write_html
from harness.reporting.json_report import write_json
from harness.reporting.junit import write_junit
from harness.results import CheckCrash, FailureRecord, OperationCoverage, RunResult
from strategies.calls import Call

UJE = "iot-jobs-data.UpdateJobExecution"
GBJ = "amplifybackend.GetBackendJob"
IE_UPDATE = "importexport.UpdateJob"


def _record(check: str, service: str, operation: str, title: str, message: str, *, flaky: bool = False,
            status: int | None = 200, code: str | None = None) -> FailureRecord:
    call = Call(service, operation, {"jobId": "job-1", "thingName": "thing-1", "status": "SUCCEEDED",
                                     "expectedVersion": 1})
    failure = Failure(check, service, operation, title, message, status_code=status, error_code=code)
    return FailureRecord(failure=failure, sequence=[call, call], seed=1234, flaky=flaky,
                         case_file=f"failures/{check}-{operation}.json")


def sample_result() -> RunResult:
    result = RunResult(seed=1234, endpoint="http://127.0.0.1:4566", calls=321, duration_s=12.5,
                       checks_enabled=("not_a_server_error", "response_schema_conformance",
                                       "negative_data_rejection", "state_transition_conformance"))
    result.coverage[UJE] = OperationCoverage(
        calls=200, statuses=Counter({"200": 150, "400": 40, "409": 10}),
        errors_seen={"InvalidRequestException", "VersionConflictException"},
        errors_declared=("InvalidRequestException", "ResourceNotFoundException", "ThrottlingException",
                         "ServiceUnavailableException", "CertificateValidationException",
                         "InvalidStateTransitionException", "VersionConflictException"),
        checks={"not_a_server_error": [200, 0], "response_schema_conformance": [150, 0],
                "negative_data_rejection": [39, 1], "state_transition_conformance": [10, 1]})
    result.coverage[GBJ] = OperationCoverage(
        calls=100, statuses=Counter({"200": 90, "404": 10}), errors_seen={"NotFoundException"},
        errors_declared=("BadRequestException", "GatewayTimeoutException", "NotFoundException",
                         "TooManyRequestsException"),
        checks={"not_a_server_error": [100, 0], "response_schema_conformance": [89, 1]})
    result.coverage[IE_UPDATE] = OperationCoverage(calls=21, statuses=Counter({"501": 21}))
    result.failures = [
        _record("state_transition_conformance", "iot-jobs-data", "UpdateJobExecution",
                "a terminal execution changed status", "SUCCEEDED -> IN_PROGRESS was accepted"),
        _record("negative_data_rejection", "iot-jobs-data", "UpdateJobExecution",
                "statusDetails value too long accepted",
                "UpdateJobExecution.statusDetails[\"k\"]: expected at most 1024 characters, got 5000 "
                "<script>alert(1)</script>"),
        _record("response_schema_conformance", "amplifybackend", "GetBackendJob", "Status not a string",
                "GetBackendJob.Status: expected a string, got 3", flaky=True),
    ]
    result.unsupported[IE_UPDATE] = "HTTP 501 NotImplemented: UpdateJob is not implemented"
    result.transient["throttling"] = 3
    result.crashed_checks.append(CheckCrash("response_schema_conformance", GBJ, "KeyError: 'Status'"))
    return result


# -- JSON report ----------------------------------------------------------------------------------

_FAILURE = {
    "type": "object",
    "required": ["check", "service", "operation", "title", "message", "status_code", "error_code", "case_file"],
    "properties": {
        "check": {"type": "string"}, "service": {"type": "string"}, "operation": {"type": "string"},
        "title": {"type": "string"}, "message": {"type": "string"},
        "status_code": {"type": ["integer", "null"]}, "error_code": {"type": ["string", "null"]},
        "case_file": {"type": ["string", "null"]},
    },
}

#: the format the README fixes ("--report-json PATH"); extra keys are allowed
REPORT_SCHEMA = {
    "type": "object",
    "required": ["summary", "failures", "coverage"],
    "properties": {
        "summary": {
            "type": "object",
            "required": ["calls", "duration_s", "failures", "seed", "endpoint"],
            "properties": {"calls": {"type": "integer", "minimum": 0}, "duration_s": {"type": "number"},
                           "failures": {"type": "integer", "minimum": 0}, "seed": {"type": "integer"},
                           "endpoint": {"type": "string"}},
        },
        "failures": {"type": "array", "items": _FAILURE},
        "coverage": {
            "type": "object",
            "propertyNames": {"pattern": r"^[a-z0-9-]+\.[A-Za-z0-9]+$"},
            "additionalProperties": {
                "type": "object",
                "required": ["calls", "statuses", "errors_seen", "errors_declared"],
                "properties": {
                    "calls": {"type": "integer", "minimum": 0},
                    "statuses": {"type": "object", "propertyNames": {"pattern": r"^([1-5][0-9]{2}|none)$"},
                                 "additionalProperties": {"type": "integer", "minimum": 0}},
                    "errors_seen": {"type": "array", "items": {"type": "string"}},
                    "errors_declared": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
    },
}


def test_json_report_matches_the_design_format(tmp_path):
    result = sample_result()
    path = write_json(result, tmp_path / "out" / "report.json")
    doc = json.loads(path.read_text())
    jsonschema.validate(doc, REPORT_SCHEMA)
    assert doc["summary"] == {**doc["summary"], "calls": 321, "duration_s": 12.5, "failures": 2, "seed": 1234,
                              "endpoint": "http://127.0.0.1:4566"}
    assert [(f["check"], f["operation"]) for f in doc["failures"]] == [
        ("state_transition_conformance", "UpdateJobExecution"), ("negative_data_rejection", "UpdateJobExecution")]
    assert doc["failures"][0]["case_file"] == "failures/state_transition_conformance-UpdateJobExecution.json"
    assert [f["check"] for f in doc["flaky"]] == ["response_schema_conformance"]
    cov = doc["coverage"][UJE]
    assert cov["statuses"] == {"200": 150, "400": 40, "409": 10}
    assert cov["errors_seen"] == ["InvalidRequestException", "VersionConflictException"]
    assert "ResourceNotFoundException" in cov["errors_never_seen"]
    assert cov["checks"]["negative_data_rejection"] == {"result": "fail", "passed": 39, "failed": 1}
    assert "use_after_delete" not in cov["checks"]
    assert doc["coverage"][GBJ]["checks"]["response_schema_conformance"]["result"] == "flaky"
    assert doc["unsupported"] == {IE_UPDATE: "HTTP 501 NotImplemented: UpdateJob is not implemented"}
    assert doc["transient"] == {"throttling": 3}
    assert doc["crashed_checks"] == [{"check": "response_schema_conformance", "operation": GBJ,
                                      "error": "KeyError: 'Status'"}]


def test_json_report_of_an_empty_run_is_valid(tmp_path):
    doc = json.loads(write_json(RunResult(seed=0, endpoint="embedded"), tmp_path / "r.json").read_text())
    jsonschema.validate(doc, REPORT_SCHEMA)
    assert doc["summary"]["failures"] == 0 and doc["failures"] == [] and doc["coverage"] == {}


# -- JUnit ----------------------------------------------------------------------------------------

def test_junit_has_a_suite_a_service_and_a_case_a_pair_that_ran(tmp_path):
    root = ET.parse(write_junit(sample_result(), tmp_path / "junit.xml")).getroot()
    assert root.tag == "testsuites"
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert set(suites) == {"amplifybackend", "importexport", "iot-jobs-data"}

    iot = suites["iot-jobs-data"]
    cases = {(c.get("classname"), c.get("name")): c for c in iot.findall("testcase")}
    assert set(cases) == {(UJE, c) for c in ("not_a_server_error", "response_schema_conformance",
                                              "negative_data_rejection", "state_transition_conformance")}
    assert (iot.get("tests"), iot.get("failures"), iot.get("errors"), iot.get("skipped")) == ("4", "2", "0", "0")
    failure = cases[(UJE, "negative_data_rejection")].find("failure")
    assert failure.get("message") == "statusDetails value too long accepted"
    assert "<script>alert(1)</script>" in failure.text  # text, escaped by the XML writer
    assert "jobfuzz replay failures/negative_data_rejection-UpdateJobExecution.json" in failure.text
    assert "aws iot-jobs-data update-job-execution" in failure.text
    assert cases[(UJE, "not_a_server_error")].find("failure") is None

    amp = suites["amplifybackend"]
    assert (amp.get("tests"), amp.get("failures"), amp.get("errors")) == ("2", "0", "1")
    schema_case = next(c for c in amp.findall("testcase") if c.get("name") == "response_schema_conformance")
    assert schema_case.find("error").get("message") == "KeyError: 'Status'"
    assert "flaky" in schema_case.find("system-out").text

    ie = suites["importexport"]
    assert (ie.get("tests"), ie.get("skipped")) == ("1", "1")
    assert "does not implement" in ie.find("testcase/skipped").get("message")
    assert (root.get("tests"), root.get("failures"), root.get("errors"), root.get("skipped")) == ("7", "2", "1", "1")


# -- HTML -----------------------------------------------------------------------------------------

def test_html_has_the_matrix_and_escapes_failure_text(tmp_path):
    page = write_html(sample_result(), tmp_path / "r.html").read_text()
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page  # the failure's <script> is escaped, and the page has none of its own
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'class="matrix"' in page
    for check in ("not_a_server_error", "negative_data_rejection", "state_transition_conformance"):
        assert f">{check}</th>" in page
    assert page.count('class="cell fail"') == 2 and page.count('class="cell flaky"') == 1
    assert page.count('class="cell pass"') == 3
    assert "ResourceNotFoundException" in page  # declared, never seen
    assert "jobfuzz replay failures/state_transition_conformance-UpdateJobExecution.json" in page
    assert "update_job_execution" in page and "aws iot-jobs-data update-job-execution" in page
    assert "http://" not in page.replace("http://127.0.0.1:4566", "")  # no external resource
    assert "(unsupported)" in page


# -- console --------------------------------------------------------------------------------------

def test_console_prints_the_table_failures_and_summary():
    out = io.StringIO()
    ConsoleReporter(out).on_finish(sample_result())
    text = out.getvalue()
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 100
    header = next(line for line in lines if line.startswith("operation"))
    assert header.split()[1:] == ["NASE", "RSC", "NDR", "STC"]
    row = next(line for line in lines if line.startswith(UJE))
    assert row.split()[1:] == [".", ".", "F", "F"]
    row = next(line for line in lines if line.startswith(GBJ))
    assert row.split()[1:] == [".", "f", "-", "-"]
    assert next(line for line in lines if line.startswith(IE_UPDATE)).endswith("unsupported")
    assert "NDR negative_data_rejection" in text
    assert "Failures: 2" in text and "Flaky failures" in text
    assert "[state_transition_conformance] iot-jobs-data.UpdateJobExecution" in text
    assert "jobfuzz replay failures/negative_data_rejection-UpdateJobExecution.json" in text
    assert "aws iot-jobs-data update-job-execution" in text and "c.update_job_execution(**params)" in text
    assert "importexport.UpdateJob: HTTP 501" in text
    assert "throttling 3" in text
    assert "response_schema_conformance on amplifybackend.GetBackendJob: KeyError" in text
    assert lines[-1] == "321 calls in 12.5 s, 2 failures (1 flaky), seed 1234"


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_console_progress_rewrites_one_line_on_a_tty():
    out = _Tty()
    rep = ConsoleReporter(out)
    rep.on_progress(10, 0, 1.0)
    rep.on_progress(20, 1, 2.0)
    text = out.getvalue()
    assert "\n" not in text and text.count("\r\x1b[K") == 2 and text.endswith("20 calls, 1 failure, 2 s")
    rep.on_failure(sample_result().failures[0])
    last = out.getvalue().split("\r\x1b[K")[-1]
    assert last.startswith("FAIL [state_transition_conformance] iot-jobs-data.UpdateJobExecution: a terminal")
    assert last.endswith("\n") and last.count("\n") == 1 and len(last) <= 101


def test_console_progress_prints_a_line_every_five_seconds_otherwise():
    now = [0.0]
    out = io.StringIO()
    rep = ConsoleReporter(out, clock=lambda: now[0])
    rep.on_start("2 operations, seed 1", 2)
    rep.on_phase("boundary", "iot-jobs-data.UpdateJobExecution")
    for t in (1.0, 3.0, 5.5, 7.0, 11.0):
        now[0] = t
        rep.on_progress(int(t * 10), 0, t)
    lines = out.getvalue().splitlines()
    assert lines[0] == "jobfuzz: testing 2 operations"
    assert "phase boundary" in lines
    progress = [line for line in lines if "calls," in line]
    assert [p.split()[0] for p in progress] == ["55", "110"]
    assert "\r" not in out.getvalue()


def test_console_of_a_clean_run():
    out = io.StringIO()
    result = RunResult(seed=9, endpoint="embedded", calls=5, duration_s=0.25)
    result.coverage[UJE] = OperationCoverage(calls=5, statuses=Counter({"200": 5}),
                                             checks={"not_a_server_error": [5, 0]})
    ConsoleReporter(out).on_finish(result)
    text = out.getvalue()
    assert "Failures" not in text
    assert text.splitlines()[-1] == "5 calls in 0.2 s, 0 failures (0 flaky), seed 9"


@pytest.mark.parametrize("verbose", [False, True])
def test_console_shortens_long_sequences_unless_verbose(verbose):
    rec = sample_result().failures[0]
    rec.sequence = rec.sequence * 5  # 10 calls
    result = RunResult(seed=1, endpoint="embedded", failures=[rec])
    out = io.StringIO()
    ConsoleReporter(out, verbose=verbose).on_finish(result)
    text = out.getvalue()
    assert text.count("aws iot-jobs-data update-job-execution") == (10 if verbose else 3)
    assert ("7 earlier calls in the case file" in text) is not verbose
