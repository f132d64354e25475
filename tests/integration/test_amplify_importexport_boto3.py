"""AmplifyBackend and Import/Export end to end: real boto3 clients answered by the embedded emulator
(no sockets). Covers the acceptance operations update_backend_job, get_backend_job and update_job.
"""

from __future__ import annotations

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

inprocess = pytest.importorskip("emulator.inprocess")
app_module = pytest.importorskip("emulator.app")

PRIMARY = "jobfuzz-primary-key-id"
SECOND = "jobfuzz-second-key-id"
SECRET = "jobfuzz-test-secret-not-a-real-key-000"
DAY = 86400.0


@pytest.fixture
def emulator():
    return app_module.Emulator()


def _client(service: str, emulator, key: str = PRIMARY):
    """A boto3 client answered by ``emulator``, signed with ``key`` (the key is the account)."""
    if hasattr(inprocess, "attach"):
        client = boto3.client(service, region_name="us-east-1", endpoint_url="https://embedded.jobfuzz",
                              aws_access_key_id=key, aws_secret_access_key=SECRET,
                              config=Config(retries={"total_max_attempts": 1}))
        inprocess.attach(client, emulator)
        return client
    if key != PRIMARY:
        pytest.skip("emulator.inprocess has no attach(): cannot choose the signing key")
    return inprocess.embedded_client(service, emulator)


def _access_key(client) -> str:
    return client._request_signer._credentials.access_key


@pytest.fixture
def amplify(emulator):
    return _client("amplifybackend", emulator)


@pytest.fixture
def ie(emulator):
    return _client("importexport", emulator)


def _code(info: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    err = info.value.response
    return err["Error"]["Code"], err["ResponseMetadata"]["HTTPStatusCode"]


# -- AmplifyBackend ----------------------------------------------------------------------------

def test_amplify_job_get_and_update(amplify, emulator) -> None:
    made = amplify.create_backend(AppId="app1", AppName="demo", BackendEnvironmentName="dev")
    assert made["Operation"] == "CreateBackend" and made["Status"] == "IN_PROGRESS"
    ids = {"AppId": "app1", "BackendEnvironmentName": "dev", "JobId": made["JobId"]}
    job = amplify.get_backend_job(**ids)
    assert job["JobId"] == made["JobId"] and job["Status"] == "IN_PROGRESS"
    assert isinstance(job["CreateTime"], str) and isinstance(job["UpdateTime"], str)
    emulator.clock.advance(10)
    assert amplify.get_backend_job(**ids)["Status"] == "COMPLETED"
    updated = amplify.update_backend_job(**ids, Status="FAILED", Operation="Renamed")
    assert updated["Status"] == "FAILED" and updated["Operation"] == "Renamed"
    again = amplify.get_backend_job(**ids)
    assert again["Status"] == "FAILED" and again["Operation"] == "Renamed"
    assert int(again["UpdateTime"]) >= int(again["CreateTime"])


def test_amplify_not_found_carries_resource_type(amplify) -> None:
    amplify.create_backend(AppId="app1", AppName="demo", BackendEnvironmentName="dev")
    with pytest.raises(ClientError) as info:
        amplify.get_backend_job(AppId="app1", BackendEnvironmentName="dev", JobId="no-such-job")
    assert _code(info) == ("NotFoundException", 404)
    assert info.value.response.get("ResourceType") == "job"
    with pytest.raises(ClientError) as info:
        amplify.update_backend_job(AppId="app1", BackendEnvironmentName="nope", JobId="x", Status="FAILED")
    assert _code(info) == ("NotFoundException", 404)


def test_amplify_other_account_cannot_see_the_job(amplify, emulator) -> None:
    made = amplify.create_backend(AppId="app1", AppName="demo", BackendEnvironmentName="dev")
    other = _client("amplifybackend", emulator, SECOND)
    with pytest.raises(ClientError) as info:
        other.get_backend_job(AppId="app1", BackendEnvironmentName="dev", JobId=made["JobId"])
    assert _code(info) == ("NotFoundException", 404)


def test_amplify_list_backend_jobs_pages(amplify) -> None:
    amplify.create_backend(AppId="app1", AppName="demo", BackendEnvironmentName="dev")
    made = [amplify.import_backend_storage(AppId="app1", BackendEnvironmentName="dev", ServiceName="S3",
                                           BucketName=f"bucket-{i}")["JobId"] for i in range(5)]
    pages = amplify.get_paginator("list_backend_jobs").paginate(
        AppId="app1", BackendEnvironmentName="dev", Operation="ImportBackendStorage",
        PaginationConfig={"PageSize": 2})
    seen = [job["JobId"] for page in pages for job in page["Jobs"]]
    assert seen == made
    with pytest.raises(ClientError) as info:
        amplify.list_backend_jobs(AppId="app1", BackendEnvironmentName="dev", MaxResults=26)
    assert _code(info) == ("BadRequestException", 400)


def test_amplify_resources_round_trip(amplify) -> None:
    amplify.create_backend(AppId="app1", AppName="demo", BackendEnvironmentName="dev")
    config = {"AuthResources": "USER_POOL_ONLY", "Service": "COGNITO",
              "UserPoolConfigs": {"RequiredSignUpAttributes": ["EMAIL"], "SignInMethod": "EMAIL",
                                  "UserPoolName": "pool"}}
    amplify.create_backend_auth(AppId="app1", BackendEnvironmentName="dev", ResourceName="auth",
                                ResourceConfig=config)
    got = amplify.get_backend_auth(AppId="app1", BackendEnvironmentName="dev", ResourceName="auth")
    assert got["ResourceConfig"] == config
    assert amplify.get_backend(AppId="app1")["BackendEnvironmentList"] == ["dev"]


# -- Import/Export -----------------------------------------------------------------------------

def _manifest(key: str, prefix: str = "") -> str:
    return f"""manifestVersion: 2.0
accessKeyId: {key}
deviceId: 532404500021
bucket: jobfuzz-import
eraseDevice: yes
{f"prefix: {prefix}" if prefix else ""}
returnAddress:
  name: Jane Doe
  street1: 1 Main Street
  city: Seattle
  stateOrProvince: WA
  postalCode: "98101"
  country: USA
  phoneNumber: 206-555-1000
"""


def test_importexport_update_job(ie, emulator) -> None:
    key = _access_key(ie)
    made = ie.create_job(JobType="Import", Manifest=_manifest(key), ValidateOnly=False)
    job_id = made["JobId"]
    assert len(job_id) == 5 and made["Signature"]
    status = ie.get_status(JobId=job_id)
    assert (status["LocationCode"], status["ProgressCode"]) == ("NotReceived", "Pending")
    updated = ie.update_job(JobId=job_id, JobType="Import", Manifest=_manifest(key, "updated/"),
                            ValidateOnly=False)
    assert updated["Success"] is True
    assert "prefix: updated/" in ie.get_status(JobId=job_id)["CurrentManifest"]

    with pytest.raises(ClientError) as info:
        ie.update_job(JobId=job_id, JobType="Import", Manifest="INVALID MANIFEST", ValidateOnly=False)
    assert _code(info) == ("MalformedManifestException", 400)
    assert "Your manifest is not well-formed" in info.value.response["Error"]["Message"]

    emulator.clock.advance(DAY)
    assert ie.get_status(JobId=job_id)["ProgressCode"] == "InProgress"
    with pytest.raises(ClientError) as info:
        ie.update_job(JobId=job_id, JobType="Import", Manifest=_manifest(key), ValidateOnly=False)
    assert _code(info) == ("UnableToUpdateJobIdException", 400)


def test_importexport_cancel_list_and_label(ie) -> None:
    key = _access_key(ie)
    first = ie.create_job(JobType="Import", Manifest=_manifest(key), ValidateOnly=False)["JobId"]
    second = ie.create_job(JobType="Import", Manifest=_manifest(key), ValidateOnly=False)["JobId"]
    label = ie.get_shipping_label(jobIds=[first, second])
    assert label["ShippingLabelURL"].startswith("https://")
    assert ie.cancel_job(JobId=first)["Success"] is True
    assert ie.get_status(JobId=first)["ProgressCode"] == "Canceled"
    with pytest.raises(ClientError) as info:
        ie.cancel_job(JobId=first)
    assert _code(info) == ("CanceledJobIdException", 400)
    listed = ie.list_jobs()
    assert [j["JobId"] for j in listed["Jobs"]] == [second, first]
    assert [j["IsCanceled"] for j in listed["Jobs"]] == [False, True]
    assert listed["IsTruncated"] is False
    page = ie.list_jobs(MaxJobs=1)
    assert page["IsTruncated"] is True and [j["JobId"] for j in page["Jobs"]] == [second]


def test_importexport_access_key_must_sign(ie) -> None:
    with pytest.raises(ClientError) as info:
        ie.create_job(JobType="Import", Manifest=_manifest("jobfuzz-other-key-id"), ValidateOnly=False)
    assert _code(info) == ("InvalidAccessKeyIdException", 400)


def test_importexport_unknown_job(ie) -> None:
    with pytest.raises(ClientError) as info:
        ie.get_status(JobId="NOPE1")
    assert _code(info) == ("InvalidJobIdException", 400)
