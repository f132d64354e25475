"""Output and input schemas: real-looking bodies pass; wrong type, enum, pattern, length, range and
missing required members are named with the operation, the place, what was expected and what came."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import jsonschema
import pytest

from specs.loader import load_service, raw_service
from specs.schema import SchemaBuilder, input_schema, output_schema
from specs.schema_problems import problems as output_problems
from specs.schema_problems import validator as compiled_output_validator

FOUR = ("iot-jobs-data", "iot", "amplifybackend", "importexport")


def _op(service: str, name: str):
    spec = load_service(service)
    return spec.operation(name), spec


def problems(service: str, name: str, body):
    op, spec = _op(service, name)
    return output_problems(op, spec, body)


@pytest.mark.parametrize("service", FOUR)
def test_every_in_scope_schema_is_valid_draft_2020_12(service):
    spec = load_service(service)
    for op in spec.in_scope():
        for schema in (output_schema(op, spec), input_schema(op, spec)):
            if schema is not None:
                jsonschema.Draft202012Validator.check_schema(schema)
                assert schema["$schema"].endswith("2020-12/schema")


# -- iot-jobs-data ------------------------------------------------------------------------------

GOOD_UPDATE = {"executionState": {"status": "IN_PROGRESS", "statusDetails": {"progress": "50%"},
                                  "versionNumber": 2},
               "jobDocument": '{"operation":"install"}'}


def test_real_looking_update_response_passes():
    assert problems("iot-jobs-data", "UpdateJobExecution", GOOD_UPDATE) == []
    assert problems("iot-jobs-data", "UpdateJobExecution", {}) == []


def test_unknown_fields_are_allowed():
    body = {**GOOD_UPDATE, "newField": {"x": 1}, "executionState": {**GOOD_UPDATE["executionState"], "y": 2}}
    assert problems("iot-jobs-data", "UpdateJobExecution", body) == []


def test_wrong_type_is_named_with_the_place():
    body = {"executionState": {"versionNumber": "7"}}
    assert problems("iot-jobs-data", "UpdateJobExecution", body) == [
        'UpdateJobExecution.executionState.versionNumber: expected integer, got "7"']


def test_wrong_enum():
    [msg] = problems("iot-jobs-data", "UpdateJobExecution", {"executionState": {"status": "WEIRD"}})
    assert msg.startswith("UpdateJobExecution.executionState.status: expected one of [QUEUED, IN_PROGRESS")
    assert msg.endswith('got "WEIRD"')


def test_doc_output_rule_limits_status_details_values():
    body = {"executionState": {"statusDetails": {"k": "v" * 5000}}}
    assert problems("iot-jobs-data", "UpdateJobExecution", body) == [
        'UpdateJobExecution.executionState.statusDetails["k"]: expected at most 1024 characters, got 5000']
    ok = {"executionState": {"statusDetails": {"k": "v" * 1024}}}
    assert problems("iot-jobs-data", "UpdateJobExecution", ok) == []


def test_pattern_is_the_model_pattern_translated_from_java():
    body = {"execution": {"statusDetails": {"k": "\x07"}}}
    [msg] = problems("iot-jobs-data", "DescribeJobExecution", body)
    assert msg == ('DescribeJobExecution.execution.statusDetails["k"]: '
                   'expected a string matching [^\\p{C}]+, got "\\u0007"')


@pytest.mark.parametrize("value", ["ok\u200d", "\u200dok", "o\u200dk"])
def test_a_pattern_must_match_the_whole_value(value):
    # a part of each value matches [^\p{C}]+; AWS matches the whole value, and so does the schema
    body = {"execution": {"statusDetails": {"k": value}}}
    [msg] = problems("iot-jobs-data", "DescribeJobExecution", body)
    assert "expected a string matching [^\\p{C}]+" in msg
    assert problems("iot-jobs-data", "DescribeJobExecution", {"execution": {"statusDetails": {"k": "ok"}}}) == []


def test_length_from_the_model():
    [msg] = problems("iot-jobs-data", "DescribeJobExecution", {"execution": {"jobId": "j" * 65}})
    assert msg == "DescribeJobExecution.execution.jobId: expected at most 64 characters, got 65"


def test_null_counts_as_absent_like_botocore():
    assert problems("iot-jobs-data", "DescribeJobExecution", {"execution": {"startedAt": None}}) == []


def test_list_items_are_named_by_index():
    body = {"queuedJobs": [{"jobId": "a", "versionNumber": 1}, {"jobId": "b", "versionNumber": 1.5}]}
    assert problems("iot-jobs-data", "GetPendingJobExecutions", body) == [
        "GetPendingJobExecutions.queuedJobs[1].versionNumber: expected integer, got 1.5"]


def test_only_body_members_are_in_the_output_schema():
    op, spec = _op("iot-jobs-data", "UpdateJobExecution")
    schema = input_schema(op, spec)
    assert "thingName" not in schema["properties"] and "jobId" not in schema["properties"]
    assert "status" in schema["required"]


# -- iot: timestamps and an output rule with source model ----------------------------------------

def test_rest_json_timestamps_are_epoch_seconds():
    body = {"job": {"jobId": "j", "status": "IN_PROGRESS", "createdAt": 1700000000.5}}
    assert problems("iot", "DescribeJob", body) == []
    [msg] = problems("iot", "DescribeJob", {"job": {"createdAt": "2024-01-01T00:00:00Z"}})
    assert msg == 'DescribeJob.job.createdAt: expected number, got "2024-01-01T00:00:00Z"'


@pytest.mark.parametrize("stamp", [1700000000, 1700000000.5, 0, 1.7e9])
def test_rest_json_timestamp_without_format_takes_an_epoch_number(stamp):
    op, spec = _op("iot", "DescribeJob")
    job = spec.shapes[spec.shapes[op.output].member_named("job").shape]
    assert spec.shapes[job.member_named("createdAt").shape].timestamp_format is None  # botocore's default
    assert job.member_named("createdAt").timestamp_format is None
    assert problems("iot", "DescribeJob", {"job": {"createdAt": stamp}}) == []


@pytest.mark.parametrize("text", ["2024-01-01T00:00:00Z", "1700000000", "Fri, 04 Dec 2026 21:12:33 GMT"])
def test_rest_json_timestamp_without_format_refuses_text(text):
    assert problems("iot", "DescribeJob", {"job": {"createdAt": text}}) == [
        f'DescribeJob.job.createdAt: expected number, got "{text}"']


def test_allowed_output_rule_becomes_an_enum():
    [msg] = problems("iot", "DescribeJob", {"job": {"status": "SUCCEEDED"}})
    assert msg.startswith("DescribeJob.job.status: expected one of [IN_PROGRESS, CANCELED, COMPLETED")


def test_missing_required_member_in_a_nested_structure():
    body = {"job": {"jobExecutionsRetryConfig": {"criteriaList": [{"failureType": "FAILED"}]}}}
    assert problems("iot", "DescribeJob", body) == [
        ("DescribeJob.job.jobExecutionsRetryConfig.criteriaList[0].numberOfRetries: "
         "expected a value (required member), got nothing")]


# -- amplifybackend: camelCase wire names -----------------------------------------------------------

def test_amplify_uses_wire_names_and_required_members():
    good = {"jobs": [{"appId": "a", "backendEnvironmentName": "dev", "jobId": "j", "status": "COMPLETED",
                      "createTime": "1700000000", "operation": "CreateBackend"}], "nextToken": "t"}
    assert problems("amplifybackend", "ListBackendJobs", good) == []
    msgs = problems("amplifybackend", "ListBackendJobs", {"jobs": [{"jobId": 3}]})
    assert msgs == [
        "ListBackendJobs.Jobs[0].AppId: expected a value (required member), got nothing",
        "ListBackendJobs.Jobs[0].BackendEnvironmentName: expected a value (required member), got nothing",
        "ListBackendJobs.Jobs[0].JobId: expected string, got 3",
    ]


def test_amplify_job_status_is_any_string():
    body = {"appId": "a", "backendEnvironmentName": "e", "jobId": "j", "status": "WHATEVER", "operation": "X"}
    assert problems("amplifybackend", "GetBackendJob", body) == []
    assert problems("amplifybackend", "GetBackendJob", {**body, "status": 1}) == [
        "GetBackendJob.Status: expected string, got 1"]


def test_amplify_job_answers_carry_their_app_and_environment():
    # AB-REF's BackendJobRespObj marks both required (the overlay), as the model does for list items
    assert problems("amplifybackend", "GetBackendJob", {"jobId": "j"}) == [
        "GetBackendJob.AppId: expected a value (required member), got nothing",
        "GetBackendJob.BackendEnvironmentName: expected a value (required member), got nothing"]


# -- importexport: the parsed-XML dict form -------------------------------------------------------

def test_query_form_scalars_are_strings():
    good = {"JobId": "ABC12", "JobType": "Import", "LocationCode": "NotReceived", "ProgressCode": "Pending",
            "ErrorCount": "0", "CreationDate": "2024-01-01T00:00:00Z",
            "ArtifactList": [{"Description": "label", "URL": "http://x"}]}
    assert problems("importexport", "GetStatus", good) == []
    msgs = problems("importexport", "GetStatus", {"ErrorCount": "zero", "JobType": "Imports"})
    assert msgs[0].startswith('GetStatus.ErrorCount: expected a string matching')
    assert msgs[0].endswith('got "zero"')
    assert msgs[1] == 'GetStatus.JobType: expected one of [Import, Export], got "Imports"'


@pytest.mark.parametrize("stamp", ["2026-12-04T21:12:33Z", "2026-12-04T21:12:33.390Z", "2026-12-04T21:12:33.123456Z",
                                   "2026-12-04T21:12:33+00:00", "2026-12-04T23:12:33.5-02:00", "2016-12-31T23:59:60Z"])
def test_query_timestamp_is_iso_8601_text(stamp):
    assert problems("importexport", "GetStatus", {"JobId": "ABC12", "CreationDate": stamp}) == []
    assert problems("importexport", "ListJobs", {"Jobs": [{"JobId": "ABC12", "CreationDate": stamp}]}) == []


@pytest.mark.parametrize("stamp", ["26-12-04tDec:12:1733z", "2026-12-04", "2026-12-04T21:12:33", "2026-12-04 21:12:33Z",
                                   "2026-13-04T21:12:33Z", "2026-12-04T24:12:33Z", "2026-12-04T21:12:33.Z",
                                   "1796418753", "Fri, 04 Dec 2026 21:12:33 GMT", "", "\u0662026-12-04T21:12:33Z"])
def test_query_timestamp_in_another_format_is_refused(stamp):
    assert problems("importexport", "GetStatus", {"JobId": "ABC12", "CreationDate": stamp}) == [
        "GetStatus.CreationDate: expected an ISO 8601 timestamp like 2026-12-04T21:12:33Z, "
        f"got {json.dumps(stamp, ensure_ascii=False)}"]
    [msg] = problems("importexport", "ListJobs", {"Jobs": [{"JobId": "ABC12", "CreationDate": stamp}]})
    assert msg.startswith("ListJobs.Jobs[0].CreationDate: expected an ISO 8601 timestamp")


def _with_timestamp_format(spec, shape_name: str, member: str, fmt: str):
    """``spec`` with an explicit ``timestampFormat`` on one member (no model in scope has one)."""
    shape = spec.shapes[shape_name]
    members = tuple(replace(m, timestamp_format=fmt) if m.name == member else m for m in shape.members)
    return replace(spec, shapes={**spec.shapes, shape_name: replace(shape, members=members)})


def test_explicit_timestamp_format_on_a_member_wins_over_the_protocol_default():
    op, spec = _op("iot", "DescribeJob")
    iso = _with_timestamp_format(spec, "Job", "createdAt", "iso8601")
    assert output_problems(op, iso, {"job": {"createdAt": "2026-12-04T21:12:33.390Z"}}) == []
    assert output_problems(op, iso, {"job": {"createdAt": 1796418753}}) == [
        "DescribeJob.job.createdAt: expected string, got 1796418753"]
    rfc = _with_timestamp_format(spec, "Job", "createdAt", "rfc822")
    assert output_problems(op, rfc, {"job": {"createdAt": "Fri, 04 Dec 2026 21:12:33 GMT"}}) == []
    assert output_problems(op, rfc, {"job": {"createdAt": "2026-12-04T21:12:33Z"}}) == [
        ('DescribeJob.job.createdAt: expected an RFC 822 timestamp like Fri, 04 Dec 2026 21:12:33 GMT, '
         'got "2026-12-04T21:12:33Z"')]
    assert output_problems(op, rfc, {"job": {"lastUpdatedAt": 1796418753}}) == []  # its neighbour keeps the default


def test_explicit_unix_timestamp_in_a_query_body_is_epoch_text():
    op, spec = _op("importexport", "GetStatus")
    unix = _with_timestamp_format(spec, "GetStatusOutput", "CreationDate", "unixTimestamp")
    for ok in ("1796418753", "1796418753.39"):
        assert output_problems(op, unix, {"CreationDate": ok}) == []
    assert output_problems(op, unix, {"CreationDate": "2026-12-04T21:12:33Z"}) == [
        'GetStatus.CreationDate: expected epoch seconds as decimal text like 1796418753, got "2026-12-04T21:12:33Z"']


def test_explicit_timestamp_format_on_a_shape_is_honoured():
    # the models in scope reach none: AccessAnalyzer's Timestamp shape is iso8601 in a rest-json body
    spec = raw_service("accessanalyzer")
    op = spec.operation("GetAnalyzer")
    assert spec.shapes["Timestamp"].timestamp_format == "iso8601"
    analyzer = {"arn": "arn:aws:access-analyzer:us-east-1:123456789012:analyzer/a", "name": "a",
                "type": "ACCOUNT", "status": "ACTIVE"}
    assert output_problems(op, spec, {"analyzer": {**analyzer, "createdAt": "2026-12-04T21:12:33Z"}}) == []
    assert output_problems(op, spec, {"analyzer": {**analyzer, "createdAt": 1796418753}}) == [
        "GetAnalyzer.analyzer.createdAt: expected string, got 1796418753"]
    [msg] = output_problems(op, spec, {"analyzer": {**analyzer, "createdAt": "26-12-04tDec:12:1733z"}})
    assert msg.startswith("GetAnalyzer.analyzer.createdAt: expected an ISO 8601 timestamp")


def test_timestamps_outside_a_body_take_botocores_defaults():
    s3 = raw_service("s3")
    header = s3.shapes[s3.operation("HeadObject").input].member_named("IfModifiedSince")
    assert header.location == "header"
    schema = SchemaBuilder(s3).member(header)
    assert schema["x-timestamp-format"] == "rfc822"
    assert re.search(schema["pattern"], "Fri, 04 Dec 2026 21:12:33 GMT")
    assert not re.search(schema["pattern"], "2026-12-04T21:12:33Z")
    iot = raw_service("iot")
    query = iot.shapes[iot.operation("ListAuditTasks").input].member_named("startTime")
    assert query.location == "querystring"
    assert SchemaBuilder(iot).member(query)["x-timestamp-format"] == "iso8601"


def test_query_form_booleans_are_true_or_false_text():
    assert problems("importexport", "ListJobs", {"IsTruncated": "false", "Jobs": []}) == []
    assert problems("importexport", "ListJobs", {"IsTruncated": "yes"}) == [
        'ListJobs.IsTruncated: expected one of [true, false], got "yes"']


# -- input schemas carry model and doc rules, never inferred ones -----------------------------------

def test_input_schema_applies_doc_rules_but_not_inferred_ones():
    op, spec = _op("iot-jobs-data", "UpdateJobExecution")
    v = jsonschema.Draft202012Validator(input_schema(op, spec))
    base = {"status": "IN_PROGRESS"}
    for ok in (1, 10080, -1):
        assert v.is_valid({**base, "stepTimeoutInMinutes": ok}), ok
    for bad in (0, 10081, -2):
        assert not v.is_valid({**base, "stepTimeoutInMinutes": bad}), bad
    assert not v.is_valid({"status": "QUEUED"})  # doc: a device sets only four statuses
    assert not v.is_valid({**base, "statusDetails": {"k": "x" * 1025}})
    eleven = {f"k{i}": "v" for i in range(11)}
    assert v.is_valid({**base, "statusDetails": eleven})  # the 10-pair limit is only inferred here


def test_structure_payload_is_the_whole_body():
    op, spec = _op("iot", "CreateTopicRule")
    schema = input_schema(op, spec)
    assert schema["$ref"] == "#/$defs/TopicRulePayload"
    body = schema["$defs"]["TopicRulePayload"]
    assert "sql" in body["properties"] and "ruleName" not in body["properties"]
    v = jsonschema.Draft202012Validator(schema)
    assert v.is_valid({"sql": "SELECT * FROM 't'", "actions": []})
    assert not v.is_valid({"actions": []})  # sql is required


def test_recursive_shapes_use_defs_and_refs():
    spec = raw_service("dynamodb")
    op = spec.operation("GetItem")
    schema = output_schema(op, spec)
    assert "AttributeValue" in schema["$defs"]
    ok = {"Item": {"a": {"M": {"b": {"L": [{"S": "x"}, {"N": "3"}]}}}}}
    assert output_problems(op, spec, ok) == []
    assert output_problems(op, spec, {"Item": {"a": {"M": {"b": {"L": [{"N": 3}]}}}}}) == [
        'GetItem.Item["a"].M["b"].L[0].N: expected string, got 3']


def test_rest_xml_has_no_schema_and_no_problems():
    spec = raw_service("s3")
    op = spec.operation("ListBuckets")
    assert output_schema(op, spec) is None
    assert output_problems(op, spec, {"anything": 1}) == []


def test_validator_is_compiled_once():
    op, spec = _op("iot-jobs-data", "DescribeJobExecution")
    first = compiled_output_validator(op, spec)
    assert isinstance(first, jsonschema.Draft202012Validator)
    assert compiled_output_validator(op, spec) is first
    assert first.format_checker is None


@pytest.mark.parametrize(("text", "ok"), [("", True), ("QQ==", True), ("QUI=", True), ("QUJD", True),
                                          ("QUJDRA==", True), ("Q", False), ("QQ", False), ("QQ=", False),
                                          ("a=b", False), ("QQ==QQ==", False)])
def test_a_blob_is_padded_base64_as_botocore_reads_it(text: str, ok: bool) -> None:
    import base64
    import binascii
    import re

    from specs.schema import BASE64

    assert bool(re.search(BASE64, text)) is ok
    try:
        base64.b64decode(text, validate=True)
        decodes = True
    except binascii.Error:
        decodes = False
    assert decodes is ok
