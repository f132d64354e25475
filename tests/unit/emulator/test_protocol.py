"""The protocol layer through real boto3 clients answered in-process, with small fake backends."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from werkzeug.test import Client

from emulator import services
from emulator.app import DEFAULT_ACCOUNT, Emulator
from emulator.core import ServiceError
from emulator.inprocess import attach, embedded_client

KEY = "test-protocol-key-id"
UTC = dt.UTC
CREATED = dt.datetime(2026, 3, 1, 12, 30, tzinfo=UTC)


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str, dict]] = []
        self.resets = 0

    def reset(self) -> None:
        self.resets += 1

    def rec(self, fn):
        def handler(ctx, params):
            self.calls.append((ctx.service, ctx.operation, ctx.account, params))
            return fn(ctx, params)

        return handler

    @property
    def last(self):
        return self.calls[-1]


class FakeIot(Recorder):
    services = ("iot", "iot-jobs-data")

    def handlers(self):
        d, c = "iot-jobs-data", "iot"
        ops = {
            (d, "UpdateJobExecution"): lambda ctx, p: {
                "executionState": {
                    "status": p["status"],
                    "statusDetails": p.get("statusDetails"),
                    "versionNumber": 2,
                },
                "jobDocument": None,
            },
            (d, "DescribeJobExecution"): lambda ctx, p: {
                "execution": {
                    "jobId": p["jobId"],
                    "thingName": p["thingName"],
                    "status": "QUEUED",
                    "queuedAt": 1700000000,
                    "startedAt": None,
                    "versionNumber": 1,
                    "executionNumber": 1,
                }
            },
            (d, "StartNextPendingJobExecution"): lambda ctx, p: {},
            (d, "GetPendingJobExecutions"): self.boom,
            (c, "DescribeJob"): lambda ctx, p: {
                "job": {"jobId": p["jobId"], "createdAt": CREATED, "status": "IN_PROGRESS", "comment": None}
            },
            (c, "CancelJobExecution"): lambda ctx, p: {},
            (c, "DeleteJobExecution"): lambda ctx, p: {},
            (c, "ListPrincipalThings"): lambda ctx, p: {"things": ["t1", "t2"]},
            (c, "GetTopicRuleDestination"): lambda ctx, p: {"topicRuleDestination": {"arn": p["arn"]}},
            (c, "ListAuditTasks"): lambda ctx, p: {"tasks": []},
            (c, "DescribeThing"): self.missing,
        }
        return {k: self.rec(v) for k, v in ops.items()}

    @staticmethod
    def boom(ctx, params):
        raise KeyError("no-such-key")

    @staticmethod
    def missing(ctx, params):
        raise ServiceError(
            "ResourceNotFoundException", f"{ctx.operation}: thingName: no thing {params['thingName']!r}"
        )

    def validation_error(self, service, operation, problem):
        return ServiceError("InvalidRequestException", f"{operation}.{problem.path}: {problem.message}")


class FakeAmplify(Recorder):
    services = ("amplifybackend",)

    def handlers(self):
        s = "amplifybackend"
        return {
            (s, "GetBackendJob"): self.rec(self.not_found),
            (s, "UpdateBackendJob"): self.rec(
                lambda ctx, p: {
                    "AppId": p["AppId"],
                    "BackendEnvironmentName": p["BackendEnvironmentName"],
                    "JobId": p["JobId"],
                    "Status": p.get("Status"),
                    "Error": None,
                    "CreateTime": "1700000000",
                }
            ),
        }

    @staticmethod
    def not_found(ctx, params):
        raise ServiceError(
            "NotFoundException", f"{ctx.operation}: JobId: no job", status=404, fields={"resourceType": "job"}
        )

    def validation_error(self, service, operation, problem):
        return ServiceError(
            "BadRequestException", f"{operation}.{problem.path}: {problem.message}", status=400
        )


class FakeImportExport(Recorder):
    services = ("importexport",)

    def handlers(self):
        s = "importexport"
        return {
            (s, "GetShippingLabel"): self.rec(
                lambda ctx, p: {"ShippingLabelURL": "https://x/?a=1&b=<2>", "Warning": None}
            ),
            (s, "ListJobs"): self.rec(
                lambda ctx, p: {
                    "Jobs": [
                        {"JobId": "ABC12", "CreationDate": CREATED, "IsCanceled": False, "JobType": "Import"}
                    ],
                    "IsTruncated": True,
                }
            ),
            (s, "CancelJob"): self.rec(self.invalid_job),
            (s, "GetStatus"): self.rec(self.bad_key),
            (s, "UpdateJob"): self.rec(lambda ctx, p: {"Success": True, "WarningMessage": "a & b"}),
        }

    @staticmethod
    def invalid_job(ctx, params):
        raise ServiceError("InvalidJobIdException", f"{ctx.operation}: JobId: no job {params['JobId']!r}")

    @staticmethod
    def bad_key(ctx, params):
        raise ServiceError("InvalidClientTokenIdException", "unknown key")

    def validation_error(self, service, operation, problem):
        code = "MissingParameterException" if problem.rule == "required" else "InvalidParameterException"
        return ServiceError(code, f"{operation}: {problem.path}: {problem.message}", status=400)


class FakeBatch(Recorder):
    services = ("batch",)

    def handlers(self):
        return {("batch", "UntagResource"): self.rec(lambda ctx, p: {})}

    def validation_error(self, service, operation, problem):
        return ServiceError("ClientException", problem.message, status=400)


@pytest.fixture
def fakes():
    return {"iot": FakeIot(), "amplify": FakeAmplify(), "ie": FakeImportExport(), "batch": FakeBatch()}


@pytest.fixture
def emu(fakes):
    return Emulator(backends=list(fakes.values()))


def client(service, emu, key=KEY):
    c = boto3.client(
        service,
        region_name="us-east-1",
        endpoint_url="https://embedded.jobfuzz",
        aws_access_key_id=key,
        aws_secret_access_key="secret-not-real",
        config=Config(retries={"total_max_attempts": 1}, parameter_validation=False),
    )
    attach(c, emu)
    return c


def code_status(info):
    r = info.value.response
    return r["Error"]["Code"], r["ResponseMetadata"]["HTTPStatusCode"]


def signed(service, key=KEY, **extra):
    return {
        "Authorization": f"AWS4-HMAC-SHA256 Credential={key}/20261122/us-east-1/{service}/aws4_request, "
        f"SignedHeaders=host, Signature=00",
        **extra,
    }


# -- rest-json requests --------------------------------------------------------------------------


def test_update_job_execution_round_trip(emu, fakes) -> None:
    data = client("iot-jobs-data", emu)
    out = data.update_job_execution(
        jobId="j1",
        thingName="t1",
        status="IN_PROGRESS",
        statusDetails={"k": "v"},
        expectedVersion=1,
        includeJobExecutionState=True,
    )
    assert out["executionState"] == {"status": "IN_PROGRESS", "statusDetails": {"k": "v"}, "versionNumber": 2}
    assert "jobDocument" not in out
    service, op, account, params = fakes["iot"].last
    assert (service, op, account) == ("iot-jobs-data", "UpdateJobExecution", KEY)
    assert params == {
        "jobId": "j1",
        "thingName": "t1",
        "status": "IN_PROGRESS",
        "statusDetails": {"k": "v"},
        "expectedVersion": 1,
        "includeJobExecutionState": True,
    }


def test_next_routes_encoded_and_literal(emu, fakes) -> None:
    data = client("iot-jobs-data", emu)
    out = data.describe_job_execution(jobId="$next", thingName="t1")
    assert fakes["iot"].last[1:2] == ("DescribeJobExecution",)
    assert fakes["iot"].last[3]["jobId"] == "$next"
    assert out["execution"]["queuedAt"] == 1700000000 and "startedAt" not in out["execution"]
    out = data.start_next_pending_job_execution(thingName="t1")
    assert set(out) == {"ResponseMetadata"}
    assert fakes["iot"].last[1] == "StartNextPendingJobExecution"
    assert emu.handle("PUT", "/things/t1/jobs/$next", signed("iot-jobs-data"), b"{}").status == 200
    assert emu.handle("PUT", "/things/t1/jobs/%24next", signed("iot-jobs-data"), b"{}").status == 200
    assert fakes["iot"].calls[-1][1] == fakes["iot"].calls[-2][1] == "StartNextPendingJobExecution"


def test_labels_are_percent_decoded_and_greedy_labels_keep_slashes(emu, fakes) -> None:
    iot = client("iot", emu)
    iot.cancel_job_execution(jobId="j-1", thingName="a:b_c")  # ':' travels as %3A
    assert fakes["iot"].last[3] == {"jobId": "j-1", "thingName": "a:b_c"}
    arn = "arn:aws:iot:us-east-1:123:ruledestination/http/a b"
    assert iot.get_topic_rule_destination(arn=arn)["topicRuleDestination"]["arn"] == arn


def test_timestamps_are_epoch_seconds_on_the_wire(emu) -> None:
    resp = emu.handle("GET", "/jobs/j1", signed("iot"), b"")
    assert resp.status == 200
    assert json.loads(resp.body)["job"] == {
        "jobId": "j1",
        "createdAt": CREATED.timestamp(),
        "status": "IN_PROGRESS",
    }
    assert client("iot", emu).describe_job(jobId="j1")["job"]["createdAt"] == CREATED


def test_query_header_and_typed_label_members(emu, fakes) -> None:
    iot = client("iot", emu)
    iot.cancel_job_execution(jobId="j", thingName="t", force=True)
    assert fakes["iot"].last[3] == {"jobId": "j", "thingName": "t", "force": True}
    iot.delete_job_execution(jobId="j", thingName="t", executionNumber=7, force=False)
    assert fakes["iot"].last[3] == {"jobId": "j", "thingName": "t", "executionNumber": 7, "force": False}
    assert iot.list_principal_things(principal="arn:p")["things"] == ["t1", "t2"]
    assert fakes["iot"].last[3] == {"principal": "arn:p"}
    iot.list_audit_tasks(startTime=CREATED, endTime=CREATED, taskType="ON_DEMAND_AUDIT_TASK")
    assert fakes["iot"].last[3]["startTime"] == CREATED


def test_list_valued_query_members(emu, fakes) -> None:
    client("batch", emu).untag_resource(resourceArn="arn:aws:batch:x", tagKeys=["a", "b c"])
    assert fakes["batch"].last[3] == {"resourceArn": "arn:aws:batch:x", "tagKeys": ["a", "b c"]}


def test_validation_errors_name_operation_and_path(emu) -> None:
    data = client("iot-jobs-data", emu)
    with pytest.raises(ClientError) as info:
        data.update_job_execution(jobId="j", thingName="t", status="BOGUS")
    assert code_status(info) == ("InvalidRequestException", 400)
    assert "UpdateJobExecution.status" in info.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as info:
        data.update_job_execution(
            jobId="j", thingName="t", status="IN_PROGRESS", statusDetails={"k": "x" * 0 + "\x01"}
        )
    assert "statusDetails['k']" in info.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as info:
        data.update_job_execution(jobId="j", thingName="t", status="IN_PROGRESS", stepTimeoutInMinutes="ten")
    assert code_status(info) == ("InvalidRequestException", 400)


def test_error_status_comes_from_the_model(emu) -> None:
    with pytest.raises(ClientError) as info:
        client("iot", emu).describe_thing(thingName="t")
    assert code_status(info) == ("ResourceNotFoundException", 404)


def test_error_fields_reach_the_client(emu) -> None:
    amp = client("amplifybackend", emu)
    with pytest.raises(ClientError) as info:
        amp.get_backend_job(AppId="a", BackendEnvironmentName="e", JobId="j")
    assert code_status(info) == ("NotFoundException", 404)
    assert info.value.response["ResourceType"] == "job"
    resp = emu.handle("GET", "/backend/a/job/e/j", signed("amplifybackend"), b"")
    assert resp.headers["x-amzn-ErrorType"] == "NotFoundException"
    assert json.loads(resp.body) == {"message": "GetBackendJob: JobId: no job", "resourceType": "job"}


def test_wire_names_both_ways(emu, fakes) -> None:
    out = client("amplifybackend", emu).update_backend_job(
        AppId="a", BackendEnvironmentName="e", JobId="j", Status="COMPLETED", Operation="x"
    )
    assert fakes["amplify"].last[3] == {
        "AppId": "a",
        "BackendEnvironmentName": "e",
        "JobId": "j",
        "Status": "COMPLETED",
        "Operation": "x",
    }
    assert (out["Status"], out["CreateTime"]) == ("COMPLETED", "1700000000") and "Error" not in out
    raw = emu.handle(
        "POST",
        "/backend/a/job/e/j",
        signed("amplifybackend", **{"Content-Type": "application/json"}),
        b'{"status":"S"}',
    )
    assert json.loads(raw.body)["status"] == "S" and "Status" not in json.loads(raw.body)


def test_not_implemented_and_internal_failure(emu) -> None:
    iot = client("iot", emu)
    with pytest.raises(ClientError) as info:
        iot.delete_job(jobId="j")
    assert code_status(info) == ("NotImplemented", 501)
    assert "DeleteJob is not implemented by the jobfuzz emulator" in str(info.value)
    data = client("iot-jobs-data", emu)
    with pytest.raises(ClientError) as info:
        data.get_pending_job_executions(thingName="t")
    assert code_status(info) == ("InternalFailure", 500)
    assert "KeyError: 'no-such-key'" in info.value.response["Error"]["Message"]
    assert data.describe_job_execution(jobId="j", thingName="t")["execution"]["jobId"] == "j"


@pytest.mark.parametrize(
    "body,ctype,needle",
    [
        (b"{not json", "application/json", "not well-formed JSON"),
        (b"[1, 2]", "application/json", "expected a JSON object"),
        (b'{"status": "\xff"}', "application/json", "not valid UTF-8"),
        (b'{"status": "IN_PROGRESS"}', "text/plain", "Content-Type"),
        (b'{"a": "' + b"x" * (1024 * 1024) + b'"}', "application/json", "at most 1048576 bytes"),
    ],
)
def test_malformed_bodies_are_validation_errors(emu, body, ctype, needle) -> None:
    resp = emu.handle("POST", "/things/t/jobs/j", signed("iot-jobs-data", **{"Content-Type": ctype}), body)
    assert resp.status == 400
    assert resp.headers["x-amzn-ErrorType"] == "InvalidRequestException"
    assert needle in json.loads(resp.body)["message"]


def test_unknown_route_and_unknown_signing_service(emu) -> None:
    resp = emu.handle("GET", "/no/such/route", signed("iot"), b"")
    assert (resp.status, resp.headers["x-amzn-ErrorType"]) == (404, "UnknownOperationException")
    # a service the emulator does not serve is not implemented here (not an authentication error)
    resp = emu.handle("GET", "/things/t/jobs/j", signed("s3"), b"")
    assert (resp.status, resp.headers["x-amzn-ErrorType"]) == (501, "NotImplemented")
    assert "'s3'" in json.loads(resp.body)["message"]


def test_sigv2_query_requests_take_the_account_of_their_key(emu, fakes) -> None:
    resp = emu.handle(
        "POST",
        "/",
        {"Content-Type": "application/x-www-form-urlencoded"},
        b"Action=ListJobs&Version=2010-06-01&AWSAccessKeyId=AKIASIGV2&SignatureVersion=2&Signature=x",
    )
    assert resp.status == 200 and fakes["ie"].last[:3] == ("importexport", "ListJobs", "AKIASIGV2")
    resp = emu.handle("POST", "/?Action=ListJobs&Version=2010-06-01&Signature=x", {}, b"")
    assert resp.status == 200 and fakes["ie"].last[:3] == ("importexport", "ListJobs", DEFAULT_ACCOUNT)


def test_missing_backend_module_answers_501(monkeypatch) -> None:
    monkeypatch.setattr(
        services,
        "REGISTRY",
        [services.BackendEntry("emulator.services.no_such_module:X", ("amplifybackend",))],
    )
    emu = Emulator()
    assert emu.backends == {}
    with pytest.raises(ClientError) as info:
        embedded_client("amplifybackend", emu).get_backend_job(
            AppId="a", BackendEnvironmentName="e", JobId="j"
        )
    assert code_status(info) == ("NotImplemented", 501)


# -- query (Import/Export) -----------------------------------------------------------------------


def test_query_lists_booleans_and_escaping(emu, fakes) -> None:
    ie = client("importexport", emu)
    out = ie.get_shipping_label(jobIds=["A", "B"], name="x&y")
    assert fakes["ie"].last[3] == {"jobIds": ["A", "B"], "name": "x&y"}
    assert out["ShippingLabelURL"] == "https://x/?a=1&b=<2>" and "Warning" not in out
    ie.get_shipping_label(jobIds=[])
    assert fakes["ie"].last[3] == {"jobIds": []}
    jobs = ie.list_jobs(MaxJobs=5)
    assert fakes["ie"].last[3] == {"MaxJobs": 5}
    assert jobs["Jobs"] == [
        {"JobId": "ABC12", "CreationDate": CREATED, "IsCanceled": False, "JobType": "Import"}
    ]
    assert jobs["IsTruncated"] is True
    assert ie.update_job(JobId="A", Manifest="m", JobType="Import", ValidateOnly=False)["Success"] is True
    assert fakes["ie"].last[3]["ValidateOnly"] is False


def test_query_wire_format(emu) -> None:
    resp = emu.handle(
        "POST",
        "/",
        signed("IngestionService", **{"Content-Type": "application/x-www-form-urlencoded"}),
        b"Action=UpdateJob&Version=2010-06-01&JobId=A&Manifest=m&JobType=Import&ValidateOnly=true",
    )
    ns = "{http://importexport.amazonaws.com/doc/2010-06-01/}"
    root = ET.fromstring(resp.body)
    assert root.tag == f"{ns}UpdateJobResponse"
    assert root.find(f"{ns}UpdateJobResult/{ns}Success").text == "true"
    assert root.find(f"{ns}UpdateJobResult/{ns}WarningMessage").text == "a & b"
    assert root.find(f"{ns}ResponseMetadata/{ns}RequestId").text == resp.headers["x-amzn-RequestId"]


def test_query_errors(emu) -> None:
    ie = client("importexport", emu)
    with pytest.raises(ClientError) as info:
        ie.cancel_job(JobId="NOPE")
    assert code_status(info) == ("InvalidJobIdException", 400)
    with pytest.raises(ClientError) as info:
        ie.get_status(JobId="A")
    assert code_status(info) == ("InvalidClientTokenIdException", 403)
    with pytest.raises(ClientError) as info:
        ie.cancel_job()
    assert code_status(info) == ("MissingParameterException", 400)
    with pytest.raises(ClientError) as info:
        ie.list_jobs(MaxJobs="many")
    assert code_status(info) == ("InvalidParameterException", 400)
    assert "MaxJobs" in info.value.response["Error"]["Message"]
    ctype = {"Content-Type": "application/x-www-form-urlencoded"}
    resp = emu.handle("POST", "/", signed("IngestionService", **ctype), b"Action=ListJobs&Version=2011-01-01")
    root = ET.fromstring(resp.body)
    ns = "{http://importexport.amazonaws.com/}"
    assert root.tag == f"{ns}ErrorResponse"
    assert [root.find(f"{ns}Error/{ns}{t}").text for t in ("Type", "Code")] == [
        "Sender",
        "InvalidVersionException",
    ]
    assert resp.status == 400
    resp = emu.handle("POST", "/", signed("IngestionService", **ctype), b"Action=Explode&Version=2010-06-01")
    assert resp.status == 400 and b"<Code>InvalidAction</Code>" in resp.body
    for body in (
        b"Action=ListJobs&Version=2010-06-01&MaxJobs=\xff",
        b"Action=GetShippingLabel&Version=2010-06-01&jobIds.member.x=A",
        b"Action=ListJobs&Version=2010-06-01&Marker=a&Marker.b=c",
    ):
        resp = emu.handle("POST", "/", signed("IngestionService", **ctype), body)
        assert resp.status == 400 and b"InvalidParameterException" in resp.body, body


# -- admin, reset, WSGI --------------------------------------------------------------------------


def test_admin_routes(emu, fakes) -> None:
    health = json.loads(emu.handle("GET", "/_jobfuzz/health", {}, b"").body)
    assert health["status"] == "ok" and health["services"]["iot-jobs-data"] == "ok"
    before = emu.clock.now()
    now = json.loads(emu.handle("POST", "/_jobfuzz/clock/advance?seconds=3600", {}, b"").body)["now"]
    assert 3600 <= now - before < 3700
    assert emu.handle("POST", "/_jobfuzz/clock/advance?seconds=soon", {}, b"").status == 400
    assert emu.handle("POST", "/_jobfuzz/reset", {}, b"").status == 200
    assert fakes["iot"].resets == 1 and fakes["ie"].resets == 1


def test_wsgi(emu, fakes) -> None:
    web = Client(emu.wsgi)
    resp = web.post(
        "/things/t1/jobs/j1",
        data=b'{"status":"SUCCEEDED"}',
        headers=signed("iot-jobs-data", **{"Content-Type": "application/json"}),
    )
    assert resp.status_code == 200 and resp.headers["Content-Length"] == str(len(resp.data))
    assert fakes["iot"].last[3] == {"jobId": "j1", "thingName": "t1", "status": "SUCCEEDED"}
    resp = web.get("/things/t1/jobs/%24next", headers=signed("iot-jobs-data"))
    assert resp.json["execution"]["jobId"] == "$next"
