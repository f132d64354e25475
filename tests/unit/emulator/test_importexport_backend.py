"""Import/Export backend, called directly with a Context and botocore-named params."""

from __future__ import annotations

import base64
import threading
from datetime import UTC, datetime

import botocore.session
import pytest

from emulator.core import Clock, Context, EmulatorConfig, Problem, ServiceError
from emulator.services.importexport import ImportExportBackend

ACCOUNT, OTHER = "test-primary-key-id", "test-second-key-id"
START = 1_732_300_000.0
DAY = 86400.0


def manifest(key: str = ACCOUNT, bucket: str = "jobfuzz-import", extra: str = "") -> str:
    return f"""manifestVersion: 2.0
accessKeyId: {key}
deviceId: 532404500021
bucket: {bucket}
eraseDevice: yes
{extra}returnAddress:
  name: Jane Doe
  street1: 1 Main Street
  city: Seattle
  stateOrProvince: WA
  postalCode: "98101"
  country: USA
  phoneNumber: 206-555-1000
"""


EXPORT = f"""manifestVersion: 2.0
accessKeyId: {ACCOUNT}
deviceId: DEV9
fileSystem: EXT4
logBucket: logs
operations:
  - exportBucket: data
returnAddress:
  name: Jane Doe
  street1: 1 Main Street
  city: Seattle
  stateOrProvince: WA
  postalCode: "98101"
  country: USA
  phoneNumber: 206-555-1000
"""


class IE:
    def __init__(self, config: EmulatorConfig | None = None, **options) -> None:
        self.backend = ImportExportBackend(config or EmulatorConfig(), **options)
        self.handlers = self.backend.handlers()
        self.clock = Clock(start=START)

    def call(self, op: str, account: str = ACCOUNT, **params):
        ctx = Context(service="importexport", operation=op, account=account, region="us-east-1",
                      clock=self.clock)
        return self.handlers[("importexport", op)](ctx, params)

    def error(self, op: str, account: str = ACCOUNT, **params) -> ServiceError:
        with pytest.raises(ServiceError) as info:
            self.call(op, account, **params)
        assert info.value.status == 400 and info.value.message.startswith(f"{op}: ")
        return info.value

    def create(self, account: str = ACCOUNT, **params) -> str:
        params = {"JobType": "Import", "Manifest": manifest(account), "ValidateOnly": False} | params
        return self.call("CreateJob", account, **params)["JobId"]

    def status(self, job_id: str, account: str = ACCOUNT) -> dict:
        return self.call("GetStatus", account, JobId=job_id)

    def update(self, job_id: str, account: str = ACCOUNT, **params) -> dict:
        params = {"JobId": job_id, "JobType": "Import", "ValidateOnly": False,
                  "Manifest": manifest(account, extra="prefix: updated/\n")} | params
        return self.call("UpdateJob", account, **params)


@pytest.fixture
def ie() -> IE:
    return IE()


def test_handlers_cover_every_model_operation(ie: IE) -> None:
    model = botocore.session.get_session().get_service_model("importexport")
    assert {op for _, op in ie.handlers} == set(model.operation_names)


def test_create_job(ie: IE) -> None:
    out = ie.call("CreateJob", JobType="Import", Manifest=manifest(), ValidateOnly=False)
    assert len(out["JobId"]) == 5 and out["JobId"].isalnum() and out["JobId"].upper() == out["JobId"]
    assert out["JobType"] == "Import"
    assert len(base64.b64decode(out["Signature"])) == 20
    assert f"jobId:{out['JobId']}" in out["SignatureFileContents"]
    assert out["ArtifactList"] and all(a["URL"].startswith("https://") and a["Description"]
                                       for a in out["ArtifactList"])
    assert "WarningMessage" not in out


def test_create_job_ids_are_unique(ie: IE) -> None:
    ids = {ie.create() for _ in range(200)}
    assert len(ids) == 200


def test_validate_only_stores_nothing(ie: IE) -> None:
    out = ie.call("CreateJob", JobType="Import", Manifest=manifest(), ValidateOnly=True)
    assert out == {"JobType": "Import"}
    assert ie.call("ListJobs")["Jobs"] == []
    err = ie.error("CreateJob", JobType="Import", Manifest="INVALID MANIFEST", ValidateOnly=True)
    assert err.code == "MalformedManifestException" and "Your manifest is not well-formed" in err.message


def test_create_job_warning_for_incompatible_bucket_name(ie: IE) -> None:
    out = ie.call("CreateJob", JobType="Import", Manifest=manifest(bucket="Bad_Bucket"), ValidateOnly=False)
    assert "Bad_Bucket" in out["WarningMessage"]


def test_create_export_job(ie: IE) -> None:
    job_id = ie.call("CreateJob", JobType="Export", Manifest=EXPORT, ValidateOnly=False)["JobId"]
    st = ie.status(job_id)
    assert st["JobType"] == "Export" and st["LogBucket"] == "logs" and st["LogKey"] == f"export-log-{job_id}"
    err = ie.error("CreateJob", JobType="Import", Manifest=EXPORT, ValidateOnly=False)
    assert err.code == "MissingManifestFieldException" and "bucket" in err.message


def test_create_job_manifest_errors(ie: IE) -> None:
    cases = {
        "MalformedManifestException": "INVALID MANIFEST",
        "InvalidAccessKeyIdException": manifest(key="jobfuzz-other-key-id"),
        "InvalidManifestFieldException": manifest(extra="acl: everyone-may-write\n"),
        "MissingManifestFieldException": manifest().replace("bucket: jobfuzz-import\n", ""),
    }
    for code, text in cases.items():
        assert ie.error("CreateJob", JobType="Import", Manifest=text, ValidateOnly=False).code == code
    assert ie.call("ListJobs")["Jobs"] == []


def test_create_job_missing_bucket_with_bucket_list() -> None:
    ie = IE(EmulatorConfig(buckets=frozenset({"exists"})))
    err = ie.error("CreateJob", JobType="Import", Manifest=manifest(), ValidateOnly=False)
    assert err.code == "NoSuchBucketException"
    assert ie.create(Manifest=manifest(bucket="exists"))


def test_api_version(ie: IE) -> None:
    assert ie.create(APIVersion="2.0")
    err = ie.error("CreateJob", JobType="Import", Manifest=manifest(), ValidateOnly=False, APIVersion="9.9")
    assert err.code == "InvalidVersionException" and "'9.9'" in err.message
    job_id = ie.create()
    for op in ("GetStatus", "CancelJob"):
        assert ie.error(op, JobId=job_id, APIVersion="1").code == "InvalidVersionException"
    assert ie.error("ListJobs", APIVersion="x").code == "InvalidVersionException"
    relaxed = IE(api_versions=frozenset({"2.0", "1.4"}))
    assert relaxed.create(APIVersion="1.4")


def test_daily_quota() -> None:
    ie = IE(daily_job_quota=2)
    ie.create()
    ie.create()
    err = ie.error("CreateJob", JobType="Import", Manifest=manifest(), ValidateOnly=False)
    assert err.code == "CreateJobQuotaExceededException" and "at most 2" in err.message
    checked = ie.call("CreateJob", JobType="Import", Manifest=manifest(), ValidateOnly=True)
    assert checked == {"JobType": "Import"}
    assert ie.create(OTHER)  # another account has its own quota
    ie.clock.advance(DAY)
    assert ie.create()


def test_get_status_new_job(ie: IE) -> None:
    job_id = ie.create()
    st = ie.status(job_id)
    assert st["LocationCode"] == "NotReceived" and st["ProgressCode"] == "Pending" and st["ErrorCount"] == 0
    assert st["CurrentManifest"] == manifest() and st["JobType"] == "Import"
    assert st["CreationDate"] == datetime.fromtimestamp(START, tz=UTC)
    assert st["LogBucket"] == "jobfuzz-import" and st["LogKey"] == f"import-log-{job_id}"
    assert "Carrier" not in st and "TrackingNumber" not in st
    model = botocore.session.get_session().get_service_model("importexport")
    members = set(model.operation_model("GetStatus").output_shape.members)
    assert set(st) == members - {"Carrier", "TrackingNumber"}


def test_lifecycle_follows_the_clock(ie: IE) -> None:
    job_id = ie.create()
    ie.clock.advance(DAY - 1)
    assert ie.status(job_id)["ProgressCode"] == "Pending"
    ie.clock.advance(1)
    st = ie.status(job_id)
    assert (st["LocationCode"], st["ProgressCode"]) == ("AtAWS", "InProgress")
    ie.clock.advance(DAY)
    st = ie.status(job_id)
    assert (st["LocationCode"], st["ProgressCode"]) == ("Returned", "Complete")
    assert st["Carrier"] == "UPS" and st["TrackingNumber"].startswith("1Z")


def test_job_expires_when_never_received() -> None:
    ie = IE(EmulatorConfig(ie_receive_after=float("inf"), ie_expire_after=10 * DAY))
    job_id = ie.create()
    ie.clock.advance(10 * DAY)
    st = ie.status(job_id)
    assert (st["LocationCode"], st["ProgressCode"]) == ("NotReceived", "Expired")
    assert ie.error("UpdateJob", JobId=job_id, JobType="Import", Manifest=manifest(),
                    ValidateOnly=False).code == "ExpiredJobIdException"
    assert ie.error("CancelJob", JobId=job_id).code == "ExpiredJobIdException"
    assert ie.error("GetShippingLabel", jobIds=[job_id]).code == "ExpiredJobIdException"


def test_update_job_replaces_manifest(ie: IE) -> None:
    job_id = ie.create()
    out = ie.update(job_id)
    assert out["Success"] is True and out["ArtifactList"]
    assert "prefix: updated/" in ie.status(job_id)["CurrentManifest"]


def test_update_job_validate_only_keeps_manifest(ie: IE) -> None:
    job_id = ie.create()
    assert ie.update(job_id, ValidateOnly=True)["Success"] is True
    assert ie.status(job_id)["CurrentManifest"] == manifest()
    err = ie.error("UpdateJob", JobId=job_id, JobType="Import", Manifest="INVALID MANIFEST",
                   ValidateOnly=True)
    assert err.code == "MalformedManifestException"


def test_update_job_manifest_errors_leave_the_job(ie: IE) -> None:
    job_id = ie.create()
    for text, code in [("INVALID MANIFEST", "MalformedManifestException"),
                       (manifest(key="jobfuzz-other-key-id"), "InvalidAccessKeyIdException"),
                       (manifest().replace("  city: Seattle\n", ""), "InvalidAddressException")]:
        assert ie.error("UpdateJob", JobId=job_id, JobType="Import", Manifest=text,
                        ValidateOnly=False).code == code
    assert ie.status(job_id)["CurrentManifest"] == manifest()


def test_update_job_refusals(ie: IE) -> None:
    job_id = ie.create()
    err = ie.error("UpdateJob", JobId=job_id, JobType="Export", Manifest=EXPORT, ValidateOnly=False)
    assert err.code == "InvalidParameterException" and "JobType" in err.message
    assert ie.error("UpdateJob", JobId="ZZZZZ", JobType="Import", Manifest=manifest(),
                    ValidateOnly=False).code == "InvalidJobIdException"
    assert ie.error("UpdateJob", OTHER, JobId=job_id, JobType="Import", Manifest=manifest(OTHER),
                    ValidateOnly=False).code == "InvalidJobIdException"
    ie.clock.advance(DAY)  # received: the transfer has started
    err = ie.error("UpdateJob", JobId=job_id, JobType="Import", Manifest=manifest(), ValidateOnly=False)
    assert err.code == "UnableToUpdateJobIdException" and "InProgress" in err.message
    ie.clock.advance(DAY)
    err = ie.error("UpdateJob", JobId=job_id, JobType="Import", Manifest=manifest(), ValidateOnly=False)
    assert err.code == "UnableToUpdateJobIdException" and "Complete" in err.message


def test_cancel_pending_job(ie: IE) -> None:
    job_id = ie.create()
    assert ie.call("CancelJob", JobId=job_id) == {"Success": True}
    st = ie.status(job_id)  # D11: still readable
    assert (st["LocationCode"], st["ProgressCode"]) == ("NotReceived", "Canceled")
    ie.clock.advance(5 * DAY)  # a canceled job stays canceled
    assert ie.status(job_id)["ProgressCode"] == "Canceled"
    assert ie.error("CancelJob", JobId=job_id).code == "CanceledJobIdException"
    assert ie.error("UpdateJob", JobId=job_id, JobType="Import", Manifest=manifest(),
                    ValidateOnly=False).code == "CanceledJobIdException"
    assert ie.error("GetShippingLabel", jobIds=[job_id]).code == "CanceledJobIdException"
    assert ie.call("ListJobs")["Jobs"][0]["IsCanceled"] is True


def test_cancel_started_job_follows_the_model_by_default(ie: IE) -> None:
    job_id = ie.create()
    ie.clock.advance(DAY)
    err = ie.error("CancelJob", JobId=job_id)
    assert err.code == "UnableToCancelJobIdException" and "InProgress" in err.message
    ie.clock.advance(DAY)
    assert ie.error("CancelJob", JobId=job_id).code == "UnableToCancelJobIdException"


def test_cancel_started_job_when_configured() -> None:
    ie = IE(cancel_started=True)
    job_id = ie.create()
    ie.clock.advance(DAY)
    assert ie.call("CancelJob", JobId=job_id)["Success"] is True
    st = ie.status(job_id)
    assert (st["LocationCode"], st["ProgressCode"]) == ("AtAWS", "Canceled")
    done = ie.create()
    ie.clock.advance(2 * DAY)
    assert ie.error("CancelJob", JobId=done).code == "UnableToCancelJobIdException"


def test_job_ops_unknown_or_foreign_job(ie: IE) -> None:
    job_id = ie.create()
    for op in ("GetStatus", "CancelJob"):
        for account, jid in [(ACCOUNT, "NOPE1"), (OTHER, job_id)]:
            err = ie.error(op, account, JobId=jid)
            assert err.code == "InvalidJobIdException" and jid in err.message
    assert ie.error("GetShippingLabel", OTHER, jobIds=[job_id]).code == "InvalidJobIdException"
    assert ie.status(job_id)["ProgressCode"] == "Pending"  # the foreign cancel changed nothing


def test_list_jobs_reverse_chronological_with_marker(ie: IE) -> None:
    made = []
    for _ in range(5):
        made.append(ie.create())
        ie.clock.advance(1)
    ie.create(OTHER)
    everything = ie.call("ListJobs")
    assert [j["JobId"] for j in everything["Jobs"]] == made[::-1] and everything["IsTruncated"] is False
    seen, marker = [], None
    while True:
        page = ie.call("ListJobs", MaxJobs=2, **({"Marker": marker} if marker else {}))
        assert len(page["Jobs"]) <= 2
        seen += [j["JobId"] for j in page["Jobs"]]
        if not page["IsTruncated"]:
            break
        marker = page["Jobs"][-1]["JobId"]
    assert seen == made[::-1]
    entry = everything["Jobs"][0]
    assert set(entry) == {"JobId", "CreationDate", "IsCanceled", "JobType"}
    assert entry["IsCanceled"] is False and entry["JobType"] == "Import"
    assert entry["CreationDate"] == datetime.fromtimestamp(START + 4, tz=UTC)


def test_list_jobs_same_second_keeps_creation_order(ie: IE) -> None:
    made = [ie.create() for _ in range(4)]
    assert [j["JobId"] for j in ie.call("ListJobs")["Jobs"]] == made[::-1]


def test_list_jobs_errors(ie: IE) -> None:
    foreign = ie.create(OTHER)
    for marker in ("NOPE1", foreign):
        err = ie.error("ListJobs", Marker=marker)
        assert err.code == "InvalidParameterException" and "Marker" in err.message
    err = ie.error("ListJobs", MaxJobs=0)
    assert err.code == "InvalidParameterException" and "MaxJobs" in err.message
    assert ie.call("ListJobs") == {"Jobs": [], "IsTruncated": False}


def test_get_shipping_label(ie: IE) -> None:
    a, b = ie.create(), ie.create()
    out = ie.call("GetShippingLabel", jobIds=[a, b])
    assert out["ShippingLabelURL"].startswith("https://") and a in out["ShippingLabelURL"]
    assert "Warning" not in out
    out = ie.call("GetShippingLabel", jobIds=[a], name="John Roe", city="Portland", stateOrProvince="OR")
    assert out["ShippingLabelURL"].startswith("https://")
    ie.clock.advance(DAY)
    assert a in ie.call("GetShippingLabel", jobIds=[a])["Warning"]


def test_get_shipping_label_errors(ie: IE) -> None:
    job_id = ie.create()
    err = ie.error("GetShippingLabel", jobIds=[])
    assert err.code == "InvalidParameterException" and "jobIds" in err.message
    err = ie.error("GetShippingLabel", jobIds=[job_id, "NOPE1"])
    assert err.code == "InvalidJobIdException" and "NOPE1" in err.message
    err = ie.error("GetShippingLabel", jobIds=[job_id], city="  ")
    assert err.code == "InvalidAddressException" and "city" in err.message


def test_validation_error_codes(ie: IE) -> None:
    missing = ie.backend.validation_error("importexport", "CreateJob",
                                          Problem("Manifest", "required", "missing"))
    assert (missing.code, missing.status) == ("MissingParameterException", 400)
    assert missing.message == "CreateJob: Manifest: missing"
    bad = ie.backend.validation_error("importexport", "CreateJob",
                                      Problem("JobType", "enum", "expected Import"))
    assert (bad.code, bad.status) == ("InvalidParameterException", 400)


def test_create_job_bad_job_type_defensive(ie: IE) -> None:
    err = ie.error("CreateJob", JobType="Teleport", Manifest=manifest(), ValidateOnly=False)
    assert err.code == "InvalidParameterException" and "Teleport" in err.message


def test_reset(ie: IE) -> None:
    job_id = ie.create()
    ie.backend.reset()
    assert ie.error("GetStatus", JobId=job_id).code == "InvalidJobIdException"


def test_concurrent_creates_are_all_listed(ie: IE) -> None:
    def work() -> None:
        for _ in range(25):
            ie.create()
    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({j["JobId"] for j in ie.call("ListJobs")["Jobs"]}) == 100


def test_every_output_matches_its_model_shape(ie: IE) -> None:
    from botocore.validate import ParamValidator
    model = botocore.session.get_session().get_service_model("importexport")

    def check(op: str, out: dict) -> None:
        report = ParamValidator().validate(out, model.operation_model(op).output_shape)
        assert not report.has_errors(), f"{op}: {report.generate_report()}"
    made = ie.call("CreateJob", JobType="Import", Manifest=manifest(bucket="Odd_Name"), ValidateOnly=False)
    check("CreateJob", made)
    check("CreateJob", ie.call("CreateJob", JobType="Import", Manifest=manifest(), ValidateOnly=True))
    job_id = made["JobId"]
    check("UpdateJob", ie.update(job_id))
    check("GetShippingLabel", ie.call("GetShippingLabel", jobIds=[job_id]))
    check("GetStatus", ie.status(job_id))
    check("ListJobs", ie.call("ListJobs", MaxJobs=5))
    check("CancelJob", ie.call("CancelJob", JobId=job_id))
    other = ie.create()
    ie.clock.advance(3 * DAY)
    check("GetStatus", ie.status(other))
