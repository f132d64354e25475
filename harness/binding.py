"""A call bound to what the run made: the resources an operation names are made first by the overlay's
recipe (or reused), and the call's bound members filled with their ids, except a member the call
breaks on purpose."""

from __future__ import annotations

from typing import Any

from harness.context import RunContext
from specs.paths import split
from specs.types import OperationSpec, ServiceSpec, ShapeSpec
from strategies.calls import Call

__all__ = ["bind_call", "put_bound", "with_params"]

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
        if param == broken or (call.violation is not None and call.violation.path == param):
            # a pattern break spliced into a valid value is made on the resource's own id, so that
            # only the pattern stands between the call and success (a partial match accepts it)
            rebased = call.violation.rebased(values[binding]) if call.violation and call.violation.path == param \
                and isinstance(values[binding], str) else None
            if rebased is not None:
                params[param] = rebased
                recorded[param] = call.violation.rebased(f"{{{binding}}}")  # type: ignore[union-attr]  # rebased above
            continue
        params = put_bound(params, param, values[binding], service, op)
        recorded = put_bound(recorded, param, f"{{{binding}}}", service, op)
    return with_params(call, params), with_params(call, recorded), broken is None


def put_bound(params: dict[str, Any], place: str, value: Any, service: ServiceSpec,
              op: OperationSpec) -> dict[str, Any]:
    """``params`` with ``value`` at a binding's place (``OperationSpec.bindings``): a list member takes
    ``[value]``; a member of list items (``a[].b``) is set in each item, in one new item when the
    list has none."""
    if op.input is None:
        return params
    out: dict[str, Any] = _put(params, split(place), value, service, service.shapes[op.input])
    return out


def _put(data: Any, parts: list[str], value: Any, service: ServiceSpec, shape: ShapeSpec) -> Any:
    head, rest = parts[0], parts[1:]
    if head == "[]" and shape.member is not None:
        item = service.shapes[shape.member.shape]
        items = [i for i in data if isinstance(i, dict)] if isinstance(data, list) else []
        return [_put(i, rest, value, service, item) for i in items or [{}]]
    member = shape.member_named(head)
    if member is None:
        return data
    sub = service.shapes[member.shape]
    out = dict(data) if isinstance(data, dict) else {}
    if rest:
        out[head] = _put(out.get(head), rest, value, service, sub)
    else:
        out[head] = [value] if sub.type == "list" else value
    return out


def with_params(call: Call, params: dict[str, Any]) -> Call:
    return Call(call.service, call.operation, params, call.mode, call.violation, call.raw, call.produces)


