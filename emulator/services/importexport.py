"""AWS Import/Export (``importexport``): jobs, their manifests and their lifecycle.

A job's progress is driven by the emulator clock and evaluated lazily whenever it is read:

    Pending / NotReceived  --ie_receive_after-->  InProgress / AtAWS  --ie_complete_after-->
    Complete / Returned (with Carrier and TrackingNumber)

A job whose device is not received before ``ie_expire_after`` (that is, when ``ie_expire_after``
is not later than ``ie_receive_after``) becomes Expired / NotReceived. CancelJob freezes the job as
Canceled where its device was.

Choices where the documentation is silent or disagrees [INF]:

- CancelJob of a started job (InProgress): the model says UnableToCancelJobIdException, the
  developer guide says it can be cancelled (D10). ``cancel_started`` picks; the model by default.
- A canceled or expired job still answers GetStatus, with ProgressCode Canceled or Expired (D11);
  the job-id errors are for the operations that would change or ship it.
- CreateJob with ValidateOnly=true checks everything a create checks except the daily quota and
  stores nothing: the answer has JobType (and WarningMessage) but no JobId, no signature and no
  artifacts. UpdateJob with ValidateOnly=true checks the job and the manifest, changes nothing
  and answers Success=true ("the update is valid").
- UpdateJob keeps the job's type: a JobType other than the job's is an InvalidParameterException.
- APIVersion, when given, must be one of ``api_versions`` ("2.0" by default), else
  InvalidVersionException.
- ListJobs: MaxJobs defaults to 1000 and must be at least 1; a Marker that is not one of the
  caller's job ids is an InvalidParameterException.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import string
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from emulator.core import Context, EmulatorConfig, Handler, Problem, ServiceError
from emulator.services.ie_manifest import Manifest, validate_manifest

SERVICE = "importexport"
JOB_ID_ALPHABET = string.ascii_uppercase + string.digits
PENDING, IN_PROGRESS, COMPLETE, CANCELED, EXPIRED = "Pending", "InProgress", "Complete", "Canceled", "Expired"
NOT_RECEIVED, AT_AWS, RETURNED = "NotReceived", "AtAWS", "Returned"
PROGRESS_MESSAGES = {
    PENDING: "The specified job has not started.",
    IN_PROGRESS: "Data transfer is in progress.",
    COMPLETE: "The specified job has completed successfully.",
    CANCELED: "The specified job has been canceled.",
    EXPIRED: "The device was not received before the job expired.",
}
LOCATION_MESSAGES = {
    NOT_RECEIVED: "The specified job has not been received.",
    AT_AWS: "The device is at AWS.",
    RETURNED: "The device has been returned.",
}
DEFAULT_MAX_JOBS = 1000


def _error(code: str, operation: str, message: str) -> ServiceError:
    return ServiceError(code, f"{operation}: {message}", status=400)


@dataclass(slots=True)
class IEJob:
    account: str
    job_id: str
    job_type: str
    manifest_text: str
    manifest: Manifest
    created: float
    seq: int
    signature: str
    canceled_at: float | None = None

    def phase(self, now: float, cfg: EmulatorConfig) -> tuple[str, str]:
        """(LocationCode, ProgressCode) at ``now``."""
        if self.canceled_at is not None:
            location, _ = self._flow(self.canceled_at, cfg)
            return location, CANCELED
        return self._flow(now, cfg)

    def _flow(self, t: float, cfg: EmulatorConfig) -> tuple[str, str]:
        age = t - self.created
        if cfg.ie_expire_after <= cfg.ie_receive_after and age >= cfg.ie_expire_after:
            return NOT_RECEIVED, EXPIRED
        if age < cfg.ie_receive_after:
            return NOT_RECEIVED, PENDING
        if age < cfg.ie_complete_after:
            return AT_AWS, IN_PROGRESS
        return RETURNED, COMPLETE


class ImportExportBackend:
    services = (SERVICE,)

    def __init__(self, config: EmulatorConfig | None = None, *, cancel_started: bool = False,
                 daily_job_quota: int = 1000, api_versions: frozenset[str] = frozenset({"2.0"})) -> None:
        self.config = config or EmulatorConfig()
        #: CancelJob of an InProgress job succeeds (developer guide) instead of failing (model), D10
        self.cancel_started = cancel_started
        #: jobs an account may create a clock day (UTC) before CreateJobQuotaExceededException
        self.daily_job_quota = daily_job_quota
        #: accepted APIVersion values
        self.api_versions = api_versions
        self._lock = threading.RLock()
        self.reset()

    # -- Backend protocol --------------------------------------------------------------------
    def handlers(self) -> dict[tuple[str, str], Handler]:
        ops: dict[str, Callable[[Context, dict[str, Any]], dict[str, Any]]] = {
            "CreateJob": self.create_job, "UpdateJob": self.update_job, "CancelJob": self.cancel_job,
            "GetStatus": self.get_status, "ListJobs": self.list_jobs,
            "GetShippingLabel": self.get_shipping_label,
        }
        return {(SERVICE, name): self._locked(fn) for name, fn in ops.items()}

    def validation_error(self, service: str, operation: str, problem: Problem) -> ServiceError:
        code = "MissingParameterException" if problem.rule == "required" else "InvalidParameterException"
        if problem.aws:
            return ServiceError(code, problem.aws, status=400)
        return _error(code, operation, f"{problem.path}: {problem.message}")

    def reset(self) -> None:
        with self._lock:
            self.jobs: dict[str, IEJob] = {}
            self._seq = 0

    def _locked(self, fn: Callable[[Context, dict[str, Any]], dict[str, Any]]) -> Handler:
        def handler(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
            with self._lock:
                return fn(ctx, params)
        handler.__name__ = fn.__name__
        return handler

    # -- shared ------------------------------------------------------------------------------
    def _check_version(self, ctx: Context, p: dict[str, Any]) -> None:
        version = p.get("APIVersion")
        if version is not None and version not in self.api_versions:
            raise _error("InvalidVersionException", ctx.operation,
                         f"APIVersion: expected one of {', '.join(sorted(self.api_versions))}, "
                         f"got {version!r}")

    def _manifest(self, ctx: Context, p: dict[str, Any]) -> Manifest:
        if p.get("JobType") not in ("Import", "Export"):
            raise _error("InvalidParameterException", ctx.operation,
                         f"JobType: expected Import or Export, got {p.get('JobType')!r}")
        return validate_manifest(p["Manifest"], job_type=p["JobType"], access_key=ctx.account,
                                 operation=ctx.operation, buckets=self.config.buckets)

    def _job(self, ctx: Context, job_id: Any) -> IEJob:
        job = self.jobs.get(job_id) if isinstance(job_id, str) else None
        if job is None or job.account != ctx.account:
            raise _error("InvalidJobIdException", ctx.operation,
                         f"JobId: expected the id of one of your jobs, got {job_id!r}")
        return job

    def _usable(self, ctx: Context, job: IEJob, field: str = "JobId") -> str:
        """The job's progress code, after refusing a canceled or expired job."""
        _, progress = job.phase(ctx.clock.now(), self.config)
        if progress == CANCELED:
            raise _error("CanceledJobIdException", ctx.operation,
                         f"{field}: job {job.job_id} has been canceled and is no longer valid")
        if progress == EXPIRED:
            raise _error("ExpiredJobIdException", ctx.operation,
                         f"{field}: job {job.job_id} has expired (its device was never received)")
        return progress

    @staticmethod
    def _artifacts(job_id: str) -> list[dict[str, str]]:
        base = f"https://importexport-artifacts.s3.amazonaws.com/{job_id}"
        return [{"Description": "Signature file", "URL": f"{base}/SIGNATURE"},
                {"Description": "Shipping instructions", "URL": f"{base}/shipping-instructions.pdf"}]

    @staticmethod
    def _signature_file(job: IEJob) -> str:
        return (f"version:2.0\nsigningMethod:HmacSHA1\njobId:{job.job_id}\n"
                f"signature:{job.signature}\n")

    @staticmethod
    def _warning(manifest: Manifest) -> dict[str, str]:
        return {"WarningMessage": "; ".join(manifest.warnings)} if manifest.warnings else {}

    def _new_id(self) -> str:
        while True:
            job_id = "".join(secrets.choice(JOB_ID_ALPHABET) for _ in range(5))
            if job_id not in self.jobs:
                return job_id

    # -- operations --------------------------------------------------------------------------
    def create_job(self, ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
        self._check_version(ctx, p)
        manifest = self._manifest(ctx, p)
        if p.get("ValidateOnly"):
            return {"JobType": p["JobType"], **self._warning(manifest)}
        now = ctx.clock.now()
        day = int(now // 86400)
        made_today = sum(1 for j in self.jobs.values()
                         if j.account == ctx.account and int(j.created // 86400) == day)
        if made_today >= self.daily_job_quota:
            raise _error("CreateJobQuotaExceededException", ctx.operation,
                         f"account {ctx.account} has created {made_today} jobs today: expected at most "
                         f"{self.daily_job_quota} a day")
        job_id = self._new_id()
        digest = hashlib.sha1(f"{ctx.account}:{job_id}:{now}".encode()).digest()
        self._seq += 1
        job = IEJob(account=ctx.account, job_id=job_id, job_type=p["JobType"], manifest_text=p["Manifest"],
                    manifest=manifest, created=now, seq=self._seq,
                    signature=base64.b64encode(digest).decode())
        self.jobs[job_id] = job
        return {"JobId": job_id, "JobType": job.job_type, "Signature": job.signature,
                "SignatureFileContents": self._signature_file(job), "ArtifactList": self._artifacts(job_id),
                **self._warning(manifest)}

    def update_job(self, ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
        self._check_version(ctx, p)
        job = self._job(ctx, p.get("JobId"))
        progress = self._usable(ctx, job)
        if progress != PENDING:
            raise _error("UnableToUpdateJobIdException", ctx.operation,
                         f"JobId: job {job.job_id} is {progress}: expected Pending (a manifest can be "
                         f"replaced only before the data transfer starts)")
        if p.get("JobType") != job.job_type:
            raise _error("InvalidParameterException", ctx.operation,
                         f"JobType: expected {job.job_type} (the job's type), got {p.get('JobType')!r}")
        manifest = self._manifest(ctx, p)
        if not p.get("ValidateOnly"):
            job.manifest, job.manifest_text = manifest, p["Manifest"]
        return {"Success": True, "ArtifactList": self._artifacts(job.job_id), **self._warning(manifest)}

    def cancel_job(self, ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
        self._check_version(ctx, p)
        job = self._job(ctx, p.get("JobId"))
        progress = self._usable(ctx, job)
        if (progress == IN_PROGRESS and not self.cancel_started) or progress == COMPLETE:
            raise _error("UnableToCancelJobIdException", ctx.operation,
                         f"JobId: job {job.job_id} is {progress}: expected Pending (a job that has "
                         f"{'completed' if progress == COMPLETE else 'started'} cannot be canceled)")
        job.canceled_at = ctx.clock.now()
        return {"Success": True}

    def get_status(self, ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
        self._check_version(ctx, p)
        job = self._job(ctx, p.get("JobId"))
        location, progress = job.phase(ctx.clock.now(), self.config)
        out: dict[str, Any] = {
            "JobId": job.job_id, "JobType": job.job_type,
            "LocationCode": location, "LocationMessage": LOCATION_MESSAGES[location],
            "ProgressCode": progress, "ProgressMessage": PROGRESS_MESSAGES[progress],
            "LogBucket": job.manifest.log_bucket,
            "LogKey": f"{job.manifest.log_prefix}{job.job_type.lower()}-log-{job.job_id}",
            "ErrorCount": 0, "Signature": job.signature, "SignatureFileContents": self._signature_file(job),
            "CurrentManifest": job.manifest_text,
            "CreationDate": datetime.fromtimestamp(job.created, tz=UTC),
            "ArtifactList": self._artifacts(job.job_id),
        }
        if location == RETURNED:
            out["Carrier"] = "UPS"
            out["TrackingNumber"] = "1Z" + hashlib.sha1(job.job_id.encode()).hexdigest()[:16].upper()
        return out

    def list_jobs(self, ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
        self._check_version(ctx, p)
        mine = sorted((j for j in self.jobs.values() if j.account == ctx.account),
                      key=lambda j: (j.created, j.seq), reverse=True)
        limit = p.get("MaxJobs")
        if limit is None:
            limit = DEFAULT_MAX_JOBS
        elif limit < 1:
            raise _error("InvalidParameterException", ctx.operation,
                         f"MaxJobs: expected at least 1, got {limit}")
        start = 0
        marker = p.get("Marker")
        if marker is not None:
            ids = [j.job_id for j in mine]
            if marker not in ids:
                raise _error("InvalidParameterException", ctx.operation,
                             f"Marker: expected the JobId of one of your jobs to start after, got {marker!r}")
            start = ids.index(marker) + 1
        page = mine[start:start + limit]
        now = ctx.clock.now()
        return {
            "Jobs": [{"JobId": j.job_id, "CreationDate": datetime.fromtimestamp(j.created, tz=UTC),
                      "IsCanceled": j.phase(now, self.config)[1] == CANCELED, "JobType": j.job_type}
                     for j in page],
            "IsTruncated": start + limit < len(mine),
        }

    def get_shipping_label(self, ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
        self._check_version(ctx, p)
        ids = p.get("jobIds") or []
        if not ids:
            raise _error("InvalidParameterException", ctx.operation,
                         "jobIds: expected at least one job id, got an empty list")
        jobs, started = [], []
        for i, job_id in enumerate(ids):
            job = self._job(ctx, job_id)
            if self._usable(ctx, job, f"jobIds[{i}]") != PENDING:
                started.append(job.job_id)
            jobs.append(job)
        address = dict(jobs[0].manifest.return_address)
        for name in ("name", "company", "phoneNumber", "country", "stateOrProvince", "city", "postalCode",
                     "street1", "street2", "street3"):
            if p.get(name) is not None:
                address[name] = p[name]
        for name in ("name", "street1", "city", "stateOrProvince", "postalCode", "country", "phoneNumber"):
            if not str(address.get(name) or "").strip():
                raise _error("InvalidAddressException", ctx.operation,
                             f"{name}: expected a non-empty return address field, got {address.get(name)!r}")
        label = "-".join(dict.fromkeys(j.job_id for j in jobs))
        out: dict[str, Any] = {
            "ShippingLabelURL": f"https://importexport-labels.s3.amazonaws.com/{label}/shipping-label.pdf"}
        if started:
            out["Warning"] = f"the device of job(s) {', '.join(started)} has already been received"
        return out
