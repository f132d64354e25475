"""A call bound to what the run made: the resources an operation names are made first by the overlay's
recipe (or reused), and the call's bound members filled with their ids, except a member the call
breaks on purpose."""

from __future__ import annotations

from typing import Any

from harness.context import RunContext
from specs.types import OperationSpec
from strategies.calls import Call

__all__ = ["bind_call", "with_params"]

def _fresh(ctx: RunContext, op: OperationSpec, call: Call) -> Call:
    """An invalid call that would make a resource names it afresh (as the recipe does), unless the
    name is the member it breaks: it must be refused for the rule it breaks, not because an earlier
    call of the run took its fixed name (CreateJob's jobId)."""
    if call.violation is None:
        return call
    broken = _top(call.violation.path)
    fresh = {k: v for k, v in ctx.resources.fresh_names(op.service, op.name, {}).items() if k != broken}
    return with_params(call, {**call.params, **fresh}) if fresh else call


def _top(path: str) -> str:
    return path.split(".")[0].split("[")[0].split("{")[0]


def bind_call(ctx: RunContext, op: OperationSpec, call: Call, pool: dict[str, Any]) -> tuple[Call, Call, bool]:
    """The call to send, the call to record (with templates) and whether every binding was filled."""
    call = _fresh(ctx, op, call)
    names = [b for _, b in op.bindings]
    if not names or not ctx.resources.can_bind(names):
        values = {"access_key": ctx.target.access_key()}
        params = ctx.fill_templates(op, call.params, values)
        return with_params(call, params), call, False
    # an operation that changes what it names (its role: specs.roles) gets resources of its own
    fresh = op.role.mutating or not pool.get(op.qualified)
    if fresh:
        start = len(ctx.sequence)
        made = ctx.resources.make(names, service=op.service)
        pool[op.qualified] = (made, ctx.sequence[start:], ctx.identities[start:])
    else:  # reused: the calls that made the resources belong to this example's case file too
        ctx.sequence.extend(pool[op.qualified][1])
        ctx.identities.extend(pool[op.qualified][2])
    values = pool[op.qualified][0]
    broken = _top(call.violation.path) if call.violation else None
    params = ctx.fill_templates(op, call.params, values)
    recorded = dict(call.params)
    service = ctx.services[op.service]
    for param, binding in op.bindings:
        if param == broken:
            # a pattern break spliced into a valid value is made on the resource's own id, so that
            # only the pattern stands between the call and success (a partial match accepts it)
            rebased = call.violation.rebased(values[binding]) if call.violation and call.violation.path == param \
                and isinstance(values[binding], str) else None
            if rebased is not None:
                params[param] = rebased
                recorded[param] = call.violation.rebased(f"{{{binding}}}")  # type: ignore[union-attr]  # rebased above
            continue
        member = service.shapes[op.input].member_named(param) if op.input else None
        is_list = member is not None and service.shapes[member.shape].type == "list"
        params[param] = [values[binding]] if is_list else values[binding]
        recorded[param] = [f"{{{binding}}}"] if is_list else f"{{{binding}}}"
    return with_params(call, params), with_params(call, recorded), broken is None


def with_params(call: Call, params: dict[str, Any]) -> Call:
    return Call(call.service, call.operation, params, call.mode, call.violation, call.raw, call.produces)


