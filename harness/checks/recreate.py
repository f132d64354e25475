"""idempotency_conformance: a second create of an existing id with other content is not accepted.

For an operation of role create whose errors (the model's, or the documentation's through the
overlay) include an already-exists error (``ResourceAlreadyExistsException``), a call naming an id
that exists with other content must be refused: the model says the id is taken. The scene: the
plain valid call makes a resource under a new id; the same call with the optional members the
endpoint accepts (``written.accepted_write``, itself under another new id, the control that the
content is valid) is sent again under the first id. A success is the failure. An operation that
declares no such error, or whose call carries no new id or no other content, gives no verdict (the
same configuration twice is ``idempotency_conformance``'s other scene, in ``scenarios.py``).
"""

from __future__ import annotations

from harness.checks.registry import check
from harness.checks.scenarios import bound_call, scenario_failure, send_as
from harness.checks.written import accepted_write
from harness.context import RunContext
from specs.types import OperationSpec, Role

__all__ = ["already_exists_errors", "second_create_refused"]


def already_exists_errors(op: OperationSpec) -> tuple[str, ...]:
    """The codes ``op`` declares (model) or the documentation names for an id that exists already."""
    return tuple(e.code for e in op.errors + op.doc_errors if "AlreadyExists" in e.code)


@check("idempotency_conformance", kind="scenario",
       doc="A second create of an existing id with other content is accepted")
def second_create_refused(ctx: RunContext, op: OperationSpec) -> None:
    """A create that names an existing id with other content succeeds, where the model declares an
    already-exists error."""
    codes = already_exists_errors(op)
    if op.role is not Role.CREATE or not codes or op.input is None:
        return
    values = ctx.resources.make([b for _, b in op.bindings], service=op.service)
    base = bound_call(ctx, op, values)
    if base is None:
        return
    first = ctx.resources.fresh_names(op.service, op.name, dict(base))
    ids = {k for k, v in ctx.resources.fresh_names(op.service, op.name, dict(base)).items() if first.get(k) != v}
    if not ids:
        return  # the call names no new id: a second call makes a second resource
    made = send_as(ctx, op, first, "primary")
    if not made.ok:
        return
    rich = accepted_write(ctx, op, base)
    if rich is None:
        return
    other = {**rich.call.params, **{k: first[k] for k in ids}}
    if other == first:
        return  # no other content the endpoint accepts: nothing to tell apart
    ex = send_as(ctx, op, other, "primary")
    if ex.ok:
        named = ", ".join(f"{k}={first[k]!r}" for k in sorted(ids))
        raise scenario_failure("idempotency_conformance", op, ex, "second create of an existing id accepted",
                               f"{named} was made, and {op.name} with the same id and other content "
                               f"({', '.join(sorted(k for k in other if other[k] != first.get(k)))}) answered "
                               f"HTTP {ex.status}; the model declares {', '.join(codes)}")
