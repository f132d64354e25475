"""AmplifyBackend state: apps, backend environments, their resources, and jobs.

Everything is keyed by the account (the access key id that signed the request), so one identity
never sees what another made. The backend holds one lock around all of it.

Jobs. A job's ``Status`` and ``Operation`` are plain strings in the model; nothing documents the
value a running job shows, only that clients poll until ``COMPLETED`` or ``FAILED`` (semantics
sec. 2). The emulator shows ``IN_PROGRESS`` [INF] until ``amplify_job_seconds`` of the emulator
clock have passed, then ``COMPLETED``, unless ``UpdateBackendJob`` set a status: a set status stays.
``CreateTime``/``UpdateTime`` are strings in an undocumented format; the emulator writes epoch
milliseconds [INF].
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

IN_PROGRESS = "IN_PROGRESS"
COMPLETED = "COMPLETED"


def epoch_ms(t: float) -> str:
    """The emulator's time format for job timestamps: epoch milliseconds as a string [INF]."""
    return str(int(t * 1000))


@dataclass(slots=True)
class Job:
    account: str
    app_id: str
    env: str
    job_id: str
    operation: str
    created: float
    updated: float
    seq: int
    error: str | None = None
    #: a status set by UpdateBackendJob; None means the clock drives it
    status_set: str | None = None
    #: further environment names the job is reachable under (RemoveAllBackends spans every env)
    also_envs: frozenset[str] = frozenset()

    def status(self, now: float, run_seconds: float) -> str:
        if self.status_set is not None:
            return self.status_set
        return COMPLETED if now >= self.created + run_seconds else IN_PROGRESS

    def update_time(self, now: float, run_seconds: float) -> float:
        """The last change: an update, or the moment the clock completed the job."""
        if self.status_set is None and now >= self.created + run_seconds:
            return max(self.updated, self.created + run_seconds)
        return self.updated

    def reachable_as(self, app_id: str, env: str) -> bool:
        return self.app_id == app_id and (self.env == env or env in self.also_envs)

    def view(self, now: float, run_seconds: float) -> dict[str, Any]:
        out: dict[str, Any] = {
            "AppId": self.app_id,
            "BackendEnvironmentName": self.env,
            "JobId": self.job_id,
            "Operation": self.operation,
            "Status": self.status(now, run_seconds),
            "CreateTime": epoch_ms(self.created),
            "UpdateTime": epoch_ms(self.update_time(now, run_seconds)),
        }
        if self.error is not None:
            out["Error"] = self.error
        return out


@dataclass(slots=True)
class Env:
    name: str
    created: float
    resource_name: str | None = None
    resource_config: dict[str, Any] = field(default_factory=dict)
    auth: dict[str, dict[str, Any]] = field(default_factory=dict)
    api: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: API resource name -> whether its models were generated since its last change
    api_models_fresh: dict[str, bool] = field(default_factory=dict)
    storage: dict[str, dict[str, Any]] = field(default_factory=dict)

    def clone(self, name: str, now: float) -> Env:
        return Env(name=name, created=now, resource_name=self.resource_name,
                   resource_config=json.loads(json.dumps(self.resource_config)),
                   auth=json.loads(json.dumps(self.auth)), api=json.loads(json.dumps(self.api)),
                   api_models_fresh=dict(self.api_models_fresh),
                   storage=json.loads(json.dumps(self.storage)))


@dataclass(slots=True)
class Token:
    session_id: str
    challenge_code: str
    expires: float
    ttl: int


@dataclass(slots=True)
class App:
    account: str
    app_id: str
    app_name: str
    envs: dict[str, Env] = field(default_factory=dict)  # insertion (creation) order
    #: the Admin UI config (CreateBackendConfig / UpdateBackendConfig); None until created
    config: dict[str, Any] | None = None
    tokens: dict[str, Token] = field(default_factory=dict)


class Store:
    """All AmplifyBackend state. Not locked itself: the backend locks around every handler."""

    def __init__(self) -> None:
        self.apps: dict[tuple[str, str], App] = {}
        self.jobs: dict[tuple[str, str], Job] = {}  # (account, job id) -> job, in creation order
        self._seq = 0

    def new_job(self, account: str, app_id: str, env: str, operation: str, now: float,
                also_envs: frozenset[str] = frozenset()) -> Job:
        self._seq += 1
        job = Job(account=account, app_id=app_id, env=env, job_id=str(uuid.uuid4()),
                  operation=operation, created=now, updated=now, seq=self._seq, also_envs=also_envs)
        self.jobs[(account, job.job_id)] = job
        return job

    def jobs_under(self, account: str, app_id: str, env: str) -> list[Job]:
        return [j for (acct, _), j in self.jobs.items() if acct == account and j.reachable_as(app_id, env)]


# -- ListBackendJobs tokens ------------------------------------------------------------------
# A token names the sequence number of the last job returned and the (app, env) it pages: the next
# page is the filtered jobs made after it, so pages neither overlap nor miss a job, even when jobs
# are created between two pages.

def make_token(app_id: str, env: str, last_seq: int) -> str:
    raw = json.dumps({"a": app_id, "e": env, "s": last_seq}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def read_token(token: str, app_id: str, env: str) -> int | None:
    """The sequence number in a token made for this (app, env); None when it is not one."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        data = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict) or data.get("a") != app_id or data.get("e") != env:
        return None
    seq = data.get("s")
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
        return None
    return seq
