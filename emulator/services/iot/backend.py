"""The IoT backend: the job part of the control plane (``iot``) and the Jobs data plane
(``iot-jobs-data``), over one store.

Every handler runs under one ``RLock`` and first lets the caller's expired timers fire, so a
request sees the state at the emulator clock's current time.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

import botocore.session

from emulator.core import Context, EmulatorConfig, Handler, Problem, ServiceError

from .control import ControlOps
from .data import DataOps
from .executions import ExecutionOps
from .store import Store

CONTROL, DATA = "iot", "iot-jobs-data"
#: page size of the List operations when maxResults is absent [INF]
DEFAULT_PAGE_SIZE = 50


@functools.cache
def _validation_code(service: str, operation: str) -> str:
    """InvalidRequestException, or ValidationException for operations that declare only that."""
    try:
        model = botocore.session.get_session().get_service_model(service)
        declared = {shape.name for shape in model.operation_model(operation).error_shapes}
    except Exception:  # noqa: BLE001 - an operation the model lacks: the service's usual answer
        return "InvalidRequestException"
    if "ValidationException" in declared and "InvalidRequestException" not in declared:
        return "ValidationException"
    return "InvalidRequestException"


class IotBackend(ControlOps, ExecutionOps, DataOps):
    """``allow_queued_to_terminal``: let a device move QUEUED straight to SUCCEEDED or FAILED
    (undocumented either way). ``page_size``: List page size when maxResults is absent."""

    services = (CONTROL, DATA)

    def __init__(self, config: EmulatorConfig | None = None, *,
                 allow_queued_to_terminal: bool = True,
                 page_size: int = DEFAULT_PAGE_SIZE) -> None:
        self.config = config or EmulatorConfig()
        self.page_size = page_size
        self._allow_queued_to_terminal = allow_queued_to_terminal
        self._lock = threading.RLock()
        self.store = Store(allow_queued_to_terminal=allow_queued_to_terminal)

    # -- Backend protocol --------------------------------------------------------------------
    def handlers(self) -> dict[tuple[str, str], Handler]:
        ops: dict[tuple[str, str], Callable[[Context, dict[str, Any]], dict[str, Any]]] = {
            (CONTROL, "CreateThing"): self.create_thing,
            (CONTROL, "DescribeThing"): self.describe_thing,
            (CONTROL, "DeleteThing"): self.delete_thing,
            (CONTROL, "CreateJob"): self.create_job,
            (CONTROL, "DescribeJob"): self.describe_job,
            (CONTROL, "ListJobs"): self.list_jobs,
            (CONTROL, "GetJobDocument"): self.get_job_document,
            (CONTROL, "UpdateJob"): self.update_job,
            (CONTROL, "CancelJob"): self.cancel_job,
            (CONTROL, "DeleteJob"): self.delete_job,
            (CONTROL, "DescribeJobExecution"): self.describe_execution,
            (CONTROL, "CancelJobExecution"): self.cancel_execution,
            (CONTROL, "DeleteJobExecution"): self.delete_execution,
            (CONTROL, "ListJobExecutionsForThing"): self.list_for_thing,
            (CONTROL, "ListJobExecutionsForJob"): self.list_for_job,
            (CONTROL, "CreateCommand"): self.create_command,
            (CONTROL, "GetCommand"): self.get_command,
            (DATA, "DescribeJobExecution"): self.describe,
            (DATA, "GetPendingJobExecutions"): self.pending,
            (DATA, "StartNextPendingJobExecution"): self.start_next,
            (DATA, "UpdateJobExecution"): self.update,
            (DATA, "StartCommandExecution"): self.start_command,
        }
        return {key: self._locked(fn) for key, fn in ops.items()}

    def validation_error(self, service: str, operation: str, problem: Problem) -> ServiceError:
        return ServiceError(_validation_code(service, operation), problem.answer(operation), status=400)

    def reset(self) -> None:
        with self._lock:
            self.store = Store(allow_queued_to_terminal=self._allow_queued_to_terminal)

    def _locked(self, fn: Callable[[Context, dict[str, Any]], dict[str, Any]]) -> Handler:
        def handler(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
            with self._lock:
                self.store.sweep(ctx.account, ctx.clock.now())
                return fn(ctx, params)
        handler.__name__ = fn.__name__
        return handler
