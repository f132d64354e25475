"""Documented flags, checked both ways (overlay ``flags``, each with its page).

- ``shows`` (``response_schema_conformance``): a flag that decides whether an answer carries a
  place (IoT UpdateJobExecution's ``includeJobDocument`` and ``jobDocument``): the operation's valid
  call on what the run made, with the flag true, carries the place; with the flag false, it does not.
- ``no_op`` (``read_after_write_consistency``): a flag that makes a call change nothing
  (Import/Export's ``ValidateOnly``): what the service's readers answer on the resource, and its
  listings that need no parent, is the same before and after the call with the flag true. The same
  call with the flag false is the control: when it changes nothing either, the scene could not
  tell, and there is no verdict.

A flag whose basis is ``inferred`` is never asserted. A call refused gives no verdict (its answer is
judged by the exchange checks).
"""

from __future__ import annotations

from typing import Any

from harness.checks.registry import check
from harness.checks.scenarios import bound_call, scenario_failure, send_as
from harness.checks.written import output_places, read_with, readers
from harness.config import Untestable
from harness.context import RunContext
from specs.paths import search
from specs.types import Flag, OperationSpec, Role
from strategies import boundary_calls

__all__ = ["VARIANTS", "flags_shape_answers", "no_op_flags_change_nothing"]

#: the most calls a no-op flag is tried with (the valid call, then others that change one member)
VARIANTS = 3


def _flags(ctx: RunContext, op: OperationSpec, kind: str) -> list[Flag]:
    return [f for f in ctx.services[op.service].flags
            if f.operation == op.name and f.kind == kind and f.source != "inferred"]


def _scene(ctx: RunContext, op: OperationSpec,
           kind: str) -> tuple[list[Flag], dict[str, Any], dict[str, Any]] | None:
    """(``op``'s documented flags of ``kind``, the ids the run made for it, its valid call bound to
    them); None when it has no such flag or no valid call."""
    flags = _flags(ctx, op, kind)
    if not flags:
        return None
    values = ctx.resources.make([b for _, b in op.bindings], service=op.service)
    params = bound_call(ctx, op, values)
    return None if params is None else (flags, values, params)


def _variants(ctx: RunContext, op: OperationSpec, values: dict[str, Any], params: dict[str, Any],
              member: str) -> list[dict[str, Any]]:
    """``params``, then ``params`` with another value of one unbound member that a valid boundary
    call gives (another manifest, say): writes that would change something. At most ``VARIANTS``."""
    bound = {p for p, _ in op.bindings} | {member}
    out = [params]
    for call in boundary_calls(op, service=ctx.services[op.service])[1:]:
        if len(out) >= VARIANTS:
            break
        if call.violation is None and call.raw is None:
            moved = ctx.fill_templates(op, {k: v for k, v in call.params.items() if k not in bound}, values)
            moved = {k: v for k, v in moved.items() if k in params and params[k] != v}
            if moved:
                out.append({**params, **moved})
    return out


def _call(ctx: RunContext, op: OperationSpec, params: dict[str, Any], member: str, on: bool) -> Any:
    sent = {**params, member: on}
    if op.role is Role.CREATE:
        sent = ctx.resources.fresh_names(op.service, op.name, sent)
    return send_as(ctx, op, sent, "primary")


@check("response_schema_conformance", kind="scenario",
       doc="A documented answer-shaping flag does not decide what the answer carries")
def flags_shape_answers(ctx: RunContext, op: OperationSpec) -> None:
    """With a documented ``shows`` flag true the answer carries its place, with it false it does not."""
    scene = _scene(ctx, op, "shows")
    if scene is None:
        return
    flags, _, params = scene
    for flag in flags:
        for on in (True, False):
            ex = _call(ctx, op, params, flag.member, on)
            if not ex.ok:
                raise Untestable(f"{op.name} with {flag.member}={str(on).lower()} was refused "
                                 f"({ex.error_code or ex.status})")
            carried = search(flag.path, ex.parsed) is not None
            if carried != on:
                raise scenario_failure(
                    "response_schema_conformance", op, ex,
                    f"{flag.member}={str(on).lower()} {'left out' if on else 'kept'} {flag.path}",
                    f"with {flag.member}={str(on).lower()} the answer {'lacks' if on else 'carries'} "
                    f"{flag.path}; documented ({flag.doc}): {flag.note or flag.member}")


def _snapshot(ctx: RunContext, op: OperationSpec, values: dict[str, Any]) -> dict[str, Any]:
    """What the service's readers bound to ``values`` and its listings without a parent answer."""
    service = ctx.services[op.service]
    out: dict[str, Any] = {}
    for reader in readers(service, op):
        ex = read_with(ctx, reader, {}, values)
        if ex is not None and ex.ok:
            out[reader.name] = {n: v for _, n, _, v in output_places(service, reader.output, ex.parsed, 1)}
    for lister in service.in_scope():
        if lister.role is Role.LIST and not lister.bindings and lister.name != op.name:
            params = bound_call(ctx, lister, {})
            ex = send_as(ctx, lister, params, "primary") if params is not None else None
            if ex is not None and ex.ok:
                out[lister.name] = {n: v for _, n, _, v in output_places(service, lister.output, ex.parsed, 1)}
    return out


@check("read_after_write_consistency", kind="scenario",
       doc="A call with a documented no-op flag (validate-only) changes what is read")
def no_op_flags_change_nothing(ctx: RunContext, op: OperationSpec) -> None:
    """A call with a documented ``no_op`` flag true changes nothing any reader or listing shows."""
    scene = _scene(ctx, op, "no_op")
    if scene is None:
        return
    flags, values, params = scene
    for flag in flags:
        for sent in _variants(ctx, op, values, params, flag.member):
            before = _snapshot(ctx, op, values)
            ex = _call(ctx, op, sent, flag.member, True)
            if not ex.ok:
                continue  # refused: judged by the exchange checks; another variant may be accepted
            after = _snapshot(ctx, op, values)
            changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
            if changed:
                raise scenario_failure(
                    "read_after_write_consistency", op, ex, f"{flag.member}=true changed what is read",
                    f"after {op.name} with {flag.member}=true, {', '.join(changed)} answered otherwise than "
                    f"before; documented ({flag.doc}): {flag.note or flag.member}")
            control = _call(ctx, op, sent, flag.member, False)
            if control.ok and _snapshot(ctx, op, values) != after:
                break  # the same call without the flag changes what is read: the scene told them apart
        else:
            raise Untestable(f"no call of {op.name} with {flag.member}=false changed what is read: the scene "
                             f"cannot tell a no-op")
