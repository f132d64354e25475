"""The emulator answers a broken model constraint as AWS does: the operation's modelled validation
error, HTTP 400, and ``N validation error(s) detected: Value '...' at '...' failed to satisfy
constraint: Member must ...``."""

from __future__ import annotations

import pytest
from botocore import xform_name
from botocore.config import Config
from botocore.exceptions import ClientError

from emulator.app import Emulator
from emulator.inprocess import embedded_client
from emulator.validate import validate

RAW = Config(parameter_validation=False, retries={"total_max_attempts": 1})
UPDATE = {"jobId": "job-1", "thingName": "thing-1", "status": "IN_PROGRESS"}
PATTERN = "failed to satisfy constraint: Member must satisfy regular expression pattern: "


def _aws(service: str, operation: str, params: dict) -> str:
    problem = validate(service, operation, params)
    assert problem is not None
    return problem.aws


@pytest.mark.parametrize(("extra", "words"), [
    ({"thingName": "thing!"}, f"Value 'thing!' at 'thingName' {PATTERN}[a-zA-Z0-9:_-]+"),
    ({"thingName": "e\u0301"}, f"Value 'e\u0301' at 'thingName' {PATTERN}[a-zA-Z0-9:_-]+"),
    ({"thingName": "t" * 129}, (f"Value '{'t' * 129}' at 'thingName' failed to satisfy constraint: "
                               "Member must have length less than or equal to 128")),
    ({"status": "BOGUS"}, ("Value 'BOGUS' at 'status' failed to satisfy constraint: Member must satisfy enum value "
                          "set: [QUEUED, IN_PROGRESS, SUCCEEDED, FAILED, TIMED_OUT, REJECTED, REMOVED, CANCELED]")),
    ({"statusDetails": {"bad key!": "v"}}, ("Value '{bad key!=v}' at 'statusDetails' failed to satisfy constraint: "
                                           "Map keys must satisfy constraint: [Member must satisfy regular "
                                           "expression pattern: [a-zA-Z0-9:_-]+]")),
    ({"statusDetails": {"k": "a\u200d"}}, ("Value '{k=a\u200d}' at 'statusDetails' failed to satisfy constraint: "
                                          "Map value must satisfy constraint: [Member must satisfy regular "
                                          "expression pattern: [^\\p{C}]+]")),
])
def test_one_constraint_in_aws_words(extra: dict, words: str) -> None:
    assert _aws("iot-jobs-data", "UpdateJobExecution", {**UPDATE, **extra}) == f"1 validation error detected: {words}"


def test_required_nested_and_list_members_use_aws_paths() -> None:
    assert _aws("iot", "CreateJob", {"targets": ["t"]}) == (
        "1 validation error detected: Value null at 'jobId' failed to satisfy constraint: Member must not be null")
    assert _aws("iot", "CreateJob", {"jobId": "j", "targets": ["t", "x" * 3000]}).endswith(
        "at 'targets.2.member' failed to satisfy constraint: Member must have length less than or equal to 2048")
    assert _aws("iot", "CreateJob", {"jobId": "j", "targets": ["t"], "jobExecutionsRolloutConfig": {
        "maximumPerMinute": 0}}) == ("1 validation error detected: Value '0' at 'jobExecutionsRolloutConfig."
                                     "maximumPerMinute' failed to satisfy constraint: Member must have value "
                                     "greater than or equal to 1")
    assert _aws("iot", "ListJobExecutionsForThing", {"thingName": "t", "maxResults": 251}) == (
        "1 validation error detected: Value '251' at 'maxResults' failed to satisfy constraint: Member must have "
        "value less than or equal to 250")


def test_several_failures_are_counted_and_joined() -> None:
    text = _aws("iot-jobs-data", "UpdateJobExecution", {**UPDATE, "thingName": "a b", "status": "BOGUS"})
    assert text.startswith("2 validation errors detected: Value 'a b' at 'thingName' " + PATTERN)
    assert "; Value 'BOGUS' at 'status' failed to satisfy constraint: Member must satisfy enum value set" in text


def _refusal(service: str, operation: str, **params) -> ClientError:
    client = embedded_client(service, Emulator(), config=RAW)
    with pytest.raises(ClientError) as info:
        getattr(client, xform_name(operation))(**params)
    return info.value


@pytest.mark.parametrize(("service", "operation", "params", "code", "at"), [
    ("iot-jobs-data", "UpdateJobExecution", {**UPDATE, "statusDetails": {"e\u0301": "v"}},
     "InvalidRequestException", "statusDetails"),
    ("iot", "CancelJob", {"jobId": "job-1", "comment": "\U0001F469\u200d\U0001F4BB"},
     "InvalidRequestException", "comment"),
    ("iot", "DeleteJob", {"jobId": "job-1", "namespaceId": "\u00e9"}, "InvalidRequestException", "namespaceId"),
    ("iot-jobs-data", "StartCommandExecution", {
        "targetArn": "arn:aws:iot:us-east-1:123456789012:thing/t", "commandArn": "arn:aws:iot:x",
        "clientToken": "tok\n"}, "ValidationException", "clientToken"),
    ("amplifybackend", "ListBackendJobs", {"AppId": "a", "BackendEnvironmentName": "e", "MaxResults": 26},
     "BadRequestException", "MaxResults"),
    ("importexport", "GetStatus", {}, "MissingParameterException", "JobId"),
])
def test_the_service_answers_its_validation_error_in_aws_words(service, operation, params, code, at) -> None:
    err = _refusal(service, operation, **params)
    assert (err.response["Error"]["Code"], err.response["ResponseMetadata"]["HTTPStatusCode"]) == (code, 400)
    message = err.response["Error"]["Message"]
    assert message.startswith("1 validation error detected: Value ")
    assert f" at '{at}' failed to satisfy constraint: Member must" in message or \
        f" at '{at}' failed to satisfy constraint: Map " in message
