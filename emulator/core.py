"""The contract between the emulator's protocol layer and its service backends.

A backend holds the state and the rules of one AWS API (or of two that share state, as the IoT
control and data planes do). The protocol layer turns an HTTP request into ``(service, operation,
params)`` using the botocore model, validates the params against the model, calls the backend's
handler, and serialises what it returns (or the ``ServiceError`` it raises) back to the wire.

``params`` and the returned dict use botocore's member names (``thingName``, ``AppId``,
``Manifest``): the same dicts a boto3 user passes and receives. Values are already typed:
int for integer/long, bool for boolean, float for float/double, ``datetime`` for timestamps,
bytes for blobs, nested dicts and lists for structures, maps and lists.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol


class ServiceError(Exception):
    """An error answer. ``status`` None means: the status the model gives the error shape, else 400.

    ``fields`` are extra members put in the error body beside ``message`` (for example
    AmplifyBackend's ``resourceType``), under their wire names.
    """

    def __init__(self, code: str, message: str, *, status: int | None = None,
                 fields: dict[str, Any] | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.fields = fields or {}


@dataclass(frozen=True, slots=True)
class Problem:
    """One input rule broken, found by the generic model validator or by a backend."""

    path: str  # e.g. "statusDetails['k']" or "maxResults"
    rule: str  # required | type | min | max | min_length | max_length | pattern | enum | ...
    message: str
    #: a broken model constraint as AWS words it ("1 validation error detected: Value 'x!' at
    #: 'thingName' failed to satisfy constraint: Member must ..."); empty for other problems
    aws: str = ""

    def answer(self, operation: str) -> str:
        """The message of the service's validation error: AWS's words, else the project's."""
        return self.aws or f"{operation}.{self.path}: {self.message}"


class Clock:
    """A clock the tests can move. ``now()`` is epoch seconds (float)."""

    def __init__(self, start: float | None = None) -> None:
        self._offset = 0.0
        self._frozen = start
        self._lock = threading.Lock()

    def now(self) -> float:
        if self._frozen is not None:
            return self._frozen + self._offset
        return time.time() + self._offset

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._offset += seconds


@dataclass(frozen=True, slots=True)
class EmulatorConfig:
    """Start-up options of an emulator."""

    region: str = "us-east-1"
    #: S3 buckets that exist for Import/Export manifests; None means every bucket exists.
    buckets: frozenset[str] | None = None
    #: seconds of the emulator clock before an Import/Export job's device is received (Pending ->
    #: InProgress) and before it completes; a job never received expires after ``ie_expire_after``.
    ie_receive_after: float = 86400.0
    ie_complete_after: float = 172800.0
    ie_expire_after: float = 30 * 86400.0
    #: seconds of the emulator clock an AmplifyBackend job stays IN_PROGRESS before COMPLETED.
    amplify_job_seconds: float = 5.0


def account_id(access_key: str) -> str:
    """The 12-digit account id used in ARNs for an access key id (the key id is the account)."""
    if access_key.isdigit() and len(access_key) == 12:
        return access_key
    h = 0
    for ch in access_key:
        h = (h * 131 + ord(ch)) % 10**12
    return f"{h:012d}"


@dataclass(slots=True)
class Context:
    """What a handler knows about the request besides its params."""

    service: str  # botocore service name: "iot", "iot-jobs-data", "amplifybackend", "importexport"
    operation: str  # model operation name: "UpdateJobExecution"
    account: str  # the access key id that signed the request: the owner of what it creates
    region: str
    clock: Clock
    request_id: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


Handler = Callable[[Context, dict[str, Any]], dict[str, Any]]


class Backend(Protocol):
    """What a service module provides. One instance a running emulator."""

    #: botocore service names this backend serves, e.g. ("iot", "iot-jobs-data")
    services: tuple[str, ...]

    def handlers(self) -> dict[tuple[str, str], Handler]:
        """(service, operation) -> handler. Operations missing here answer as not implemented."""
        ...

    def validation_error(self, service: str, operation: str, problem: Problem) -> ServiceError:
        """The error this service answers for an input that breaks a model rule."""
        ...

    def reset(self) -> None:
        """Forget all state."""
        ...
