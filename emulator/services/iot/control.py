"""Control plane (``iot``): things, jobs and commands.

Choices where the documentation is silent [INF]:

- A target ARN that names no thing of the caller's account (unknown name, another account, another
  region, or a thing group: this emulator has none) answers ResourceNotFoundException; a string that
  is not a thing or thing group ARN answers InvalidRequestException.
- Thing types and billing groups are not modelled: CreateThing accepts any name and stores it.
- ``jobTemplateArn`` answers ResourceNotFoundException (no job templates exist here); a job needs
  exactly one of ``document`` and ``documentSource``. A document must be JSON (the developer guide:
  "Job documents are UTF-8 encoded JSON documents"): empty or other text is InvalidRequestException.
- Scheduling, rollout, abort and retry configurations are stored and echoed, not acted on: a job
  is IN_PROGRESS from creation.
- DeleteJob completes at once (no observable DELETION_IN_PROGRESS), so the jobId is free again.
- CancelJob on a COMPLETED job answers InvalidRequestException; on a CANCELED job it is accepted
  again (with ``force`` it then cancels the executions still IN_PROGRESS).
- ListJobs with ``thingGroupName``/``thingGroupId`` lists nothing (no job targets a group).
"""

from __future__ import annotations

from typing import Any

from emulator.core import Context, ServiceError, account_id

from .lookup import Lookups
from .rules import (
    already_exists,
    arn,
    bad_transition,
    check_json_document,
    check_timeout,
    compact,
    invalid,
    not_found,
    page,
    parse_arn,
    stamp,
)
from .store import Command, Job, Thing, counts

#: CreateJob/UpdateJob members stored as given and echoed by DescribeJob under the same name
JOB_CONFIG = ("presignedUrlConfig", "jobExecutionsRolloutConfig", "abortConfig", "timeoutConfig",
              "jobExecutionsRetryConfig", "documentParameters", "schedulingConfig",
              "destinationPackageVersions")
UPDATABLE = ("presignedUrlConfig", "jobExecutionsRolloutConfig", "abortConfig", "timeoutConfig",
             "jobExecutionsRetryConfig")
#: destinationPackageVersions: at most 25 (model member doc)
PACKAGE_VERSIONS_MAX = 25
COMMAND_FIELDS = ("namespace", "displayName", "description", "payload", "payloadTemplate",
                  "preprocessor", "mandatoryParameters", "roleArn")


class ControlOps(Lookups):
    page_size: int

    # -- things ------------------------------------------------------------------------------
    def create_thing(self, ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
        name = p["thingName"]
        attributes = dict((p.get("attributePayload") or {}).get("attributes") or {})
        type_name, billing = p.get("thingTypeName"), p.get("billingGroupName")
        thing = self.store.account(ctx.account).things.get(name)
        if thing is not None:
            same = (thing.type_name, thing.attributes, thing.billing_group) == \
                (type_name, attributes, billing)
            if not same:
                raise already_exists(ctx, "thingName", f"expected a new name or the configuration "
                                     f"of the existing thing {name!r}, got a different one",
                                     name, thing.arn)
        else:
            thing = self.store.add_thing(ctx.account, name, arn(ctx, f"thing/{name}"), type_name,
                                         attributes, billing)
        return {"thingName": thing.name, "thingArn": thing.arn, "thingId": thing.thing_id}

    def describe_thing(self, ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
        thing = self.thing(ctx, p["thingName"])
        return compact({"defaultClientId": thing.name, "thingName": thing.name,
                        "thingId": thing.thing_id, "thingArn": thing.arn,
                        "thingTypeName": thing.type_name, "attributes": dict(thing.attributes),
                        "version": thing.version, "billingGroupName": thing.billing_group})

    def delete_thing(self, ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
        thing = self.store.account(ctx.account).things.get(p["thingName"])
        if thing is None:
            return {}  # documented: deleting a thing that does not exist succeeds
        expected = p.get("expectedVersion")
        if expected is not None and expected != thing.version:
            raise ServiceError("VersionConflictException",
                               f"{ctx.operation}.expectedVersion: expected {thing.version} (the "
                               f"version of thing {thing.name!r}), got {expected}", status=409)
        self.store.remove_thing(thing, ctx.clock.now())
        return {}

    # -- jobs --------------------------------------------------------------------------------
    def _targets(self, ctx: Context, arns: list[str]) -> list[Thing]:
        things: dict[str, Thing] = {}
        owner = account_id(ctx.account)
        for i, value in enumerate(arns):
            path = f"targets[{i}]"
            parsed = parse_arn(value)
            if parsed is None or parsed[0] == "command":
                raise invalid(ctx, path, f"expected a thing or thing group ARN, got {value!r}")
            kind, _, acct, name = parsed
            thing = self.store.account(ctx.account).things.get(name) if kind == "thing" and \
                acct == owner else None
            if thing is None or thing.arn != value:
                # [INF] unknown target: ResourceNotFoundException rather than InvalidRequest
                raise not_found(ctx, path, f"expected the ARN of an existing {kind} of this "
                                           f"account, got {value!r}")
            things.setdefault(thing.name, thing)
        return list(things.values())

    def create_job(self, ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
        job_id, now = p["jobId"], ctx.clock.now()
        existing = self.store.account(ctx.account).jobs.get(job_id)
        if existing is not None:
            raise already_exists(ctx, "jobId", f"expected a job id not in use, got {job_id!r} "
                                 f"(a job that is {existing.status})", job_id, existing.arn)
        if p.get("jobTemplateArn") is not None:
            raise not_found(ctx, "jobTemplateArn", f"expected an existing job template, got "
                                                   f"{p['jobTemplateArn']!r}")
        document, source = p.get("document"), p.get("documentSource")
        if (document is None) == (source is None):
            got = "both" if document is not None else "neither"
            raise invalid(ctx, "document", f"expected exactly one of document and documentSource, "
                                           f"got {got}")
        check_json_document(ctx, "document", document)
        self._check_job_config(ctx, p)
        packages = p.get("destinationPackageVersions") or []
        if len(packages) > PACKAGE_VERSIONS_MAX:
            raise invalid(ctx, "destinationPackageVersions",
                          f"expected at most {PACKAGE_VERSIONS_MAX} package versions, got "
                          f"{len(packages)}")
        things = self._targets(ctx, p["targets"])
        job = Job(ctx.account, job_id, arn(ctx, f"job/{job_id}"), self.store.next_seq(), now,
                  document, source, p.get("targetSelection") or "SNAPSHOT", list(p["targets"]),
                  last_updated_at=now, description=p.get("description"),
                  namespace_id=p.get("namespaceId"),
                  config={k: p[k] for k in JOB_CONFIG if p.get(k) is not None})
        self.store.add_job(job, things, now)
        return compact({"jobArn": job.arn, "jobId": job.job_id, "description": job.description})

    def _check_job_config(self, ctx: Context, p: dict[str, Any]) -> None:
        minutes = (p.get("timeoutConfig") or {}).get("inProgressTimeoutInMinutes")
        check_timeout(ctx, "timeoutConfig.inProgressTimeoutInMinutes", minutes)

    def describe_job(self, ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
        job = self.job(ctx, p["jobId"])
        view = compact({
            "jobArn": job.arn, "jobId": job.job_id, "targetSelection": job.target_selection,
            "status": job.status, "forceCanceled": job.force_canceled,
            "reasonCode": job.reason_code, "comment": job.comment, "targets": list(job.targets),
            "description": job.description, "createdAt": stamp(job.created_at),
            "lastUpdatedAt": stamp(job.last_updated_at), "completedAt": stamp(job.completed_at),
            "jobProcessDetails": counts(job), "namespaceId": job.namespace_id,
            "isConcurrent": False})
        view.update(job.config)
        return compact({"documentSource": job.document_source, "job": view})

    def get_job_document(self, ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
        # a documentSource job's document lives in S3, which this emulator does not reach
        return compact({"document": self.job(ctx, p["jobId"]).document})

    def list_jobs(self, ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
        jobs = list(self.store.account(ctx.account).jobs.values())
        if p.get("thingGroupName") is not None or p.get("thingGroupId") is not None:
            jobs = []
        for member, attr in (("status", "status"), ("targetSelection", "target_selection"),
                             ("namespaceId", "namespace_id")):
            if p.get(member) is not None:
                jobs = [j for j in jobs if getattr(j, attr) == p[member]]
        jobs.sort(key=lambda j: j.seq)
        chosen, token = page(ctx, jobs, p, self.page_size, lambda j: j.seq)
        summaries = [compact({"jobArn": j.arn, "jobId": j.job_id,
                              "targetSelection": j.target_selection, "status": j.status,
                              "createdAt": stamp(j.created_at),
                              "lastUpdatedAt": stamp(j.last_updated_at),
                              "completedAt": stamp(j.completed_at), "isConcurrent": False})
                     for j in chosen]
        return compact({"jobs": summaries, "nextToken": token})

    def update_job(self, ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
        job = self.job(ctx, p["jobId"])
        self._check_job_config(ctx, p)
        if p.get("description") is not None:
            job.description = p["description"]
        for key in UPDATABLE:
            if p.get(key) is not None:
                # a new timeoutConfig applies to executions that start later; a running
                # in-progress timer keeps its deadline
                job.config[key] = p[key]
        job.last_updated_at = ctx.clock.now()
        return {}

    def cancel_job(self, ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
        job, now, force = self.job(ctx, p["jobId"]), ctx.clock.now(), bool(p.get("force"))
        if job.status == "COMPLETED":
            raise invalid(ctx, "jobId", f"expected a job that is IN_PROGRESS or CANCELED, got "
                                        f"{job.job_id!r}, which is COMPLETED")
        job.status = "CANCELED"
        job.force_canceled = bool(job.force_canceled) or force
        for member, attr in (("reasonCode", "reason_code"), ("comment", "comment")):
            if p.get(member) is not None:
                setattr(job, attr, p[member])
        for execution in list(job.executions.values()):
            if execution.status == "QUEUED" or (force and execution.status == "IN_PROGRESS"):
                execution.force_canceled = force
                self.store.finish(execution, "CANCELED", now)
        job.last_updated_at = now
        return compact({"jobArn": job.arn, "jobId": job.job_id, "description": job.description})

    def delete_job(self, ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
        job = self.job(ctx, p["jobId"])
        if job.status not in ("COMPLETED", "CANCELED") and not p.get("force"):
            raise bad_transition(ctx, "jobId", f"expected a COMPLETED or CANCELED job (or "
                                 f"force=true), got {job.job_id!r}, which is {job.status}")
        self.store.remove_job(job)
        return {}

    # -- commands ----------------------------------------------------------------------------
    def create_command(self, ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
        command_id = p["commandId"]
        commands = self.store.account(ctx.account).commands
        if command_id in commands:
            raise ServiceError("ConflictException", f"{ctx.operation}.commandId: expected a "
                               f"command id not in use, got {command_id!r}", status=409,
                               fields={"resourceId": command_id})
        fields = {k: p[k] for k in COMMAND_FIELDS if p.get(k) is not None}
        fields.setdefault("namespace", "AWS-IoT")
        command = Command(ctx.account, command_id, arn(ctx, f"command/{command_id}"),
                          ctx.clock.now(), fields)
        commands[command_id] = command
        return {"commandId": command.command_id, "commandArn": command.arn}

    def get_command(self, ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
        command = self.store.account(ctx.account).commands.get(p["commandId"])
        if command is None:
            raise not_found(ctx, "commandId", f"expected an existing command, got "
                                              f"{p['commandId']!r}")
        return {"commandId": command.command_id, "commandArn": command.arn, **command.fields,
                "createdAt": stamp(command.created_at),
                "lastUpdatedAt": stamp(command.created_at), "deprecated": False,
                "pendingDeletion": False}
