"""What a write sets and what its readers answer: the scene of the read-back, timestamp and ARN checks.

``write_and_read(ctx, op)`` makes what an operation of role create or update names, sends its valid
call with as many optional top-level members as the model and the overlay rules allow (taken from
its boundary calls: the plain valid call, then one member at a time, each kept only where the whole
call still validates), then calls every reader of the service (role read, not paginated) that the
ids the run holds can bind. Nothing here judges: the checks that use it do
(``readback.py``, ``timestamps.py``, ``arns.py``). Roles come from ``op.role``, never from names.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from harness.checks.scenarios import bound_call, send_as, valid_call
from harness.context import RunContext
from harness.model import Exchange
from specs.paths import search
from specs.types import OperationSpec, Role, ServiceSpec
from specs.validator import validator
from strategies import boundary_calls

__all__ = ["TRIES", "WRITES", "WriteRead", "accepted_write", "optional_members", "output_places", "read_with",
           "readers", "write_and_read"]

#: the roles whose calls write what a reader may return
WRITES = (Role.CREATE, Role.UPDATE)
#: the most writes one operation's scene sends to find the optional members the endpoint accepts
TRIES = 10


@dataclass(frozen=True, slots=True)
class WriteRead:
    """One write and the reads after it, with the wall-clock window they happened in."""

    params: dict[str, Any]  # what the write sent
    write: Exchange  # its (successful) answer
    reads: tuple[tuple[OperationSpec, Exchange], ...]  # every reader's answer (successful or not)
    values: dict[str, Any]  # the ids the run held for the write and its readers
    started: float  # time.time() when the run started (its recipes' resources were made since)
    ended: float  # time.time() after the last read


def optional_members(ctx: RunContext, op: OperationSpec, base: dict[str, Any]) -> dict[str, Any]:
    """Each optional top-level member the boundary calls set that ``base`` lacks, with its first
    value, kept only where ``base`` with every member kept so far still keeps every model and
    documented rule (``specs.validator``)."""
    service = ctx.services[op.service]
    check = validator(op, service)
    merged = dict(base)
    for call in boundary_calls(op, service=service)[1:]:
        if call.violation is not None or call.raw is not None:
            continue
        for key, value in call.params.items():
            if key not in merged and not check({**merged, key: value}):
                merged[key] = value
    return {k: v for k, v in merged.items() if k not in base}


def accepted_write(ctx: RunContext, op: OperationSpec, base: dict[str, Any]) -> Exchange | None:
    """The accepted write that carries the most optional members: all of them, else the groups of
    them the endpoint accepts, found by halving a refused group (at most ``TRIES`` calls)."""
    extra = optional_members(ctx, op, base)
    kept: dict[str, Any] = {}
    last = None
    queue, tries = [list(extra)], 0
    while queue and tries < TRIES:
        group = queue.pop(0)
        params = {**base, **kept, **{k: extra[k] for k in group}}
        if op.role is Role.CREATE:
            params = ctx.resources.fresh_names(op.service, op.name, params)
        ex = send_as(ctx, op, params, "primary")
        tries += 1
        if ex.ok:
            kept.update({k: extra[k] for k in group})
            last = ex
        elif len(group) > 1:
            queue[:0] = [group[:len(group) // 2], group[len(group) // 2:]]
    if last is None and extra:  # every group refused: the plain valid call alone
        ex = send_as(ctx, op, ctx.resources.fresh_names(op.service, op.name, dict(base))
                     if op.role is Role.CREATE else dict(base), "primary")
        last = ex if ex.ok else None
    return last


def readers(service: ServiceSpec, op: OperationSpec) -> list[OperationSpec]:
    """The service's operations that read one resource (role read, not paginated, bound to ids)."""
    return [r for r in service.in_scope()
            if r.role is Role.READ and r.pagination is None and r.bindings and r.name != op.name]


def _produced(ctx: RunContext, op: OperationSpec, answer: dict[str, Any] | None) -> dict[str, Any]:
    """The ids a recipe step of ``op`` takes from its answer (``produces``), read from ``answer``."""
    out: dict[str, Any] = {}
    for res in ctx.services[op.service].resources.values():
        for step in res.create:
            if step.service == op.service and step.operation == op.name:
                for binding, path in step.produces.items():
                    value = search(path, answer or {})
                    if value is not None:
                        out[binding] = value
    return out


def read_with(ctx: RunContext, reader: OperationSpec, written: dict[str, Any],
          values: dict[str, Any]) -> Exchange | None:
    """``reader``'s valid call on what was written: a bound member the write sent under the same name
    takes the written value, the others the ids the run holds; None when one is missing."""
    bind: dict[str, Any] = dict(values)
    for param, binding in reader.bindings:
        if param in written and not isinstance(written[param], (dict, list)):
            bind[binding] = written[param]
        elif binding not in values:
            return None
    params = bound_call(ctx, reader, bind)
    return None if params is None else send_as(ctx, reader, params, "primary")


def write_and_read(ctx: RunContext, op: OperationSpec) -> WriteRead | None:
    """The write of ``op`` (create or update) on what the run made, and every reader's answer after
    it; None when ``op`` writes nothing, has no valid call or its write is refused (the exchange
    checks judge that answer)."""
    if op.role not in WRITES or op.input is None or valid_call(ctx, op) is None:
        return None
    started = time.time() - ctx.elapsed()  # the run's start: what the recipes reuse was made since
    values = ctx.resources.make([b for _, b in op.bindings], service=op.service)
    base = bound_call(ctx, op, values)
    if base is None:
        return None
    write = accepted_write(ctx, op, base)
    if write is None:
        return None
    params = dict(write.call.params)
    values = {**values, **_produced(ctx, op, write.parsed)}
    reads = []
    for reader in readers(ctx.services[op.service], op):
        ex = read_with(ctx, reader, params, values)
        if ex is not None:
            reads.append((reader, ex))
    return WriteRead(params, write, tuple(reads), values, started, time.time())


def output_places(service: ServiceSpec, shape_name: str | None, parsed: dict[str, Any] | None,
                  depth: int = 2) -> list[tuple[str, str, str, Any]]:
    """(path, member name, shape name, value) of every member of the model's output shape, down to
    ``depth`` structures deep where ``parsed`` holds them (a read's ``job.description``); the value
    is None where ``parsed`` lacks the member."""
    out: list[tuple[str, str, str, Any]] = []
    if shape_name is None or not isinstance(parsed, dict):
        return out
    shape = service.shapes[shape_name]
    for m in shape.members:
        if m.location in ("header", "headers", "statusCode"):
            continue
        value = parsed.get(m.name)
        out.append((m.name, m.name, m.shape, value))
        if depth > 1 and isinstance(value, dict) and service.shapes[m.shape].type == "structure":
            out.extend((f"{m.name}.{p}", n, s, v) for p, n, s, v in output_places(service, m.shape, value, depth - 1))
    return out
