"""read_after_write_consistency: what a create or update writes reads back equal.

After a successful write (``op.role`` create or update; ``written.write_and_read``), every member
of its input that a reader of the service returns under the same name and with the same model shape
(CreateJob's ``description`` in DescribeJob's ``job.description``, UpdateJobExecution's
``statusDetails`` in DescribeJobExecution's ``execution.statusDetails``) must read back as written.
A structure reads back equal when every member written does (a service may add defaults); a list
when it holds the same items (in any order); a timestamp to the second. Only members of the body and the URI are
compared: what goes in the query string or a header (UpdateJob's ``namespaceId``, flags) selects
or shapes the call, and no page says a reader returns it as written. An empty value written is not
judged (whether it reads back empty or absent no page says). A reader that refuses the
call, or does not carry the member at all, gives no verdict on it. Off the embedded emulator the
read is repeated for a while before a difference is reported (a write may take a moment to show).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from harness.checks.registry import check
from harness.checks.scenarios import scenario_failure, send_as
from harness.checks.written import output_places, write_and_read
from harness.context import RunContext
from harness.model import Exchange
from harness.polling import poll
from specs.types import OperationSpec, ServiceSpec

__all__ = ["difference", "epoch", "read_back"]

_POLLS = 8


def epoch(value: Any) -> float | None:
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return None
    return None


def difference(service: ServiceSpec, shape_name: str, written: Any, read: Any, path: str) -> str | None:
    """Where ``read`` does not hold ``written`` (a value of shape ``shape_name``), in words; None
    when it holds it."""
    if written is None or (isinstance(written, (str, list, dict)) and not written):
        return None  # nothing written, or an empty value: whether it reads back absent no page says
    shape = service.shapes[shape_name]
    if read is None:
        return f"{path} was written and is absent"
    if shape.type == "structure":
        if not isinstance(read, dict):
            return f"{path} is not a structure"
        for m in shape.members:
            found = difference(service, m.shape, written.get(m.name), read.get(m.name), f"{path}.{m.name}") \
                if isinstance(written, dict) else None
            if found:
                return found
        return None
    if shape.type == "map" and shape.value is not None:
        if not isinstance(read, dict) or not isinstance(written, dict):
            return f"{path} is not a map"
        for key, value in written.items():
            found = difference(service, shape.value.shape, value, read.get(key), f"{path}{{{key}}}")
            if found:
                return found
        return None
    if shape.type == "list" and shape.member is not None:
        if not isinstance(read, list) or not isinstance(written, list) or len(read) != len(written):
            return f"{path} holds {len(read) if isinstance(read, list) else 'no list'} items, " \
                   f"{len(written) if isinstance(written, list) else 'no list'} written"
        item = shape.member.shape
        unmatched = list(read)
        for w in written:
            hit = next((r for r in unmatched if difference(service, item, w, r, path) is None), None)
            if hit is None:
                return f"{path}[] item {w!r} was written and is not read back"
            unmatched.remove(hit)
        return None
    if shape.type == "timestamp":
        a, b = epoch(written), epoch(read)
        same = a is not None and b is not None and abs(a - b) < 1
        return None if same else f"{path}: wrote {written!r}, read {read!r}"
    if shape.type in ("float", "double"):
        ok = isinstance(read, (int, float)) and abs(float(read) - float(written)) <= 1e-9 * max(1.0, abs(written))
        return None if ok else f"{path}: wrote {written!r}, read {read!r}"
    return None if read == written else f"{path}: wrote {written!r}, read {read!r}"


def _differences(service: ServiceSpec, op: OperationSpec, reader: OperationSpec, written: dict[str, Any],
                 parsed: dict[str, Any] | None) -> list[tuple[str, str]]:
    """(reader place, what differs) for every written member the reader returns (same name, shape)."""
    shape = service.shapes[op.input or ""]
    idem = set(op.idempotency_tokens)
    out = []
    places = output_places(service, reader.output, parsed)
    for m in shape.members:
        if m.name not in written or m.name in idem or m.location not in ("body", "uri"):
            continue  # a flag or selector in the query string or a header is not content
        for path, name, shape_name, value in places:
            if name == m.name and shape_name == m.shape:
                found = difference(service, m.shape, written[m.name], value, path)
                if found:
                    out.append((path, found))
    return out


@check("read_after_write_consistency", kind="scenario",
       doc="A member a create or update wrote does not read back equal")
def read_back(ctx: RunContext, op: OperationSpec) -> None:
    """Every member ``op`` wrote that a reader returns under the same name and shape reads back."""
    done = write_and_read(ctx, op)
    if done is None:
        return
    service = ctx.services[op.service]
    for reader, ex in done.reads:
        if not ex.ok:
            continue
        params = dict(ex.call.params)

        def read(reader: OperationSpec = reader, params: dict[str, Any] = params) -> Exchange:
            return send_as(ctx, reader, params, "primary")

        def differs(ex: Exchange, reader: OperationSpec = reader) -> list[tuple[str, str]]:
            return _differences(service, op, reader, done.params, ex.parsed) if ex.ok else []

        if differs(ex):  # a write may take a moment to show: read again (not on the embedded emulator)
            ex = poll(read, lambda e: not differs(e), polling=ctx.target.polling, tries=_POLLS)
        found = differs(ex)
        if found:
            place, what = found[0]
            raise scenario_failure("read_after_write_consistency", op, ex,
                                   f"written {place.rsplit('.', 1)[-1]} not read back by {reader.name}",
                                   f"after {op.name} succeeded, {reader.name} answered {what}")
