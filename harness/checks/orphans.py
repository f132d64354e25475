"""use_after_delete: what belongs to a deleted resource is not read after it.

``use_after_delete`` in ``scenarios.py`` reads a resource after its own delete; an operation bound
to several resources (IoT DescribeJobExecution: the thing and the job; an execution belongs to the
job on the thing) is left to this one. The resource the others do not need (the job: it needs the
thing) is the one the operation reads a part of; when the overlay documents its delete as removing
it for good (``deletes: true``, IoT DeleteJob: "Deletes a job and its related job executions"), the
run makes every resource, deletes that one, and reads: a success is the failure (polled off the
embedded emulator, a delete may take a moment). The other resources are not deleted: what becomes of
an execution when its thing is deleted no page says.
"""

from __future__ import annotations

from harness.checks.registry import check
from harness.checks.scenarios import read_after_delete, scenario_failure
from harness.context import RunContext
from specs.types import OperationSpec, Role

__all__ = ["parts_after_delete"]


@check("use_after_delete", kind="scenario")
def parts_after_delete(ctx: RunContext, op: OperationSpec) -> None:
    """What belongs to a deleted resource (a job's execution) is still read after the delete."""
    if op.role is not Role.READ or op.pagination is not None or len(op.bindings) < 2:
        return
    names = [b for _, b in op.bindings]
    maker = ctx.resources
    producers = {maker.producer_of(n, op.service) for n in names}
    if None in producers or len(producers) < 2:
        return  # one resource: scenarios.use_after_delete reads it after its own delete
    needed = {d for p in producers for d in maker.with_needs([p or ""]) if d != p}
    leaves = [p for p in producers if p not in needed]
    if len(leaves) != 1:
        return
    res = maker.resources[leaves[0] or ""]
    if not res.deletes or not res.delete:
        return
    ex = read_after_delete(ctx, op, res, names)
    if ex is not None:
        raise scenario_failure("use_after_delete", op, ex, f"read after its {res.name} was deleted",
                               f"{res.name} was deleted, and {op.name} of what belongs to it still answers "
                               f"HTTP {ex.status}")
