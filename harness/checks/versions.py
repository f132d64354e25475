"""state_transition_conformance: a stale ``expectedVersion`` is refused wherever the model has one.

Wherever an operation's input has a member ``expectedVersion`` (the model: IoT's DeleteThing,
CancelJobExecution, UpdateJobExecution), its documentation says a version that does not match the
resource's current one rejects the call (``VersionConflictException``). The scene: make the
resource, read its current version from a reader of the service (a member ``version`` or
``versionNumber`` of its answer: DescribeThing's ``version``, DescribeJobExecution's
``execution.versionNumber``), send the operation's valid call with ``expectedVersion`` one more
than that: a success is the failure. Then the same call with the current version, the control: if
that one is refused too, the refusal said nothing about versions, and there is no verdict. An
operation whose resource no reader gives a version of is not judged.
"""

from __future__ import annotations

from typing import Any

from harness.checks.registry import check
from harness.checks.scenarios import bound_call, scenario_failure, send_as
from harness.checks.written import output_places, read_with, readers
from harness.config import Untestable
from harness.context import RunContext
from specs.types import OperationSpec

__all__ = ["MEMBER", "stale_version_refused"]

MEMBER = "expectedVersion"
_VERSION = ("version", "versionNumber")


def _current(ctx: RunContext, op: OperationSpec, values: dict[str, Any]) -> int | None:
    """The resource's version as a reader bound to the same ids answers it; None when none does."""
    service = ctx.services[op.service]
    names = {b for _, b in op.bindings}
    for reader in readers(service, op):
        if not {b for _, b in reader.bindings} <= names:
            continue
        ex = read_with(ctx, reader, {}, values)
        if ex is None or not ex.ok:
            continue
        for _, name, shape, value in output_places(service, reader.output, ex.parsed):
            if name in _VERSION and service.shapes[shape].type in ("long", "integer") and isinstance(value, int):
                return value
    return None


@check("state_transition_conformance", kind="scenario",
       doc="A stale expectedVersion is accepted (every operation whose input has one)")
def stale_version_refused(ctx: RunContext, op: OperationSpec) -> None:
    """A call with an ``expectedVersion`` other than the resource's current version succeeds."""
    member = ctx.services[op.service].shapes[op.input].member_named(MEMBER) if op.input else None
    if member is None or not op.bindings:
        return
    values = ctx.resources.make([b for _, b in op.bindings], service=op.service)
    current = _current(ctx, op, values)
    params = bound_call(ctx, op, values)
    if current is None or params is None:
        return
    stale = send_as(ctx, op, {**params, MEMBER: current + 1}, "primary")
    if stale.ok:
        raise scenario_failure("state_transition_conformance", op, stale, "stale expectedVersion accepted",
                               f"the resource's version was {current}, and {op.name} with {MEMBER}={current + 1} "
                               f"answered HTTP {stale.status}")
    matching = send_as(ctx, op, {**params, MEMBER: current}, "primary")
    if not matching.ok:  # refused with the current version too: the refusal said nothing about versions
        raise Untestable(f"{op.name} refused the current {MEMBER} too ({matching.error_code or matching.status})")
