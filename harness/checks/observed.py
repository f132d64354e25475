"""The check that compares an answer with what the service was observed to answer (warnings)."""

from __future__ import annotations

from dataclasses import dataclass

from harness.checks.registry import CheckContext, check
from harness.model import Cause, Exchange, Failure
from harness.observations import Observed, ShapeSeen, structures
from harness.wire import BodyError

#: the key under which the run context hands the check what was observed (``CheckContext.extra``)
OBSERVED = "observed"


@dataclass(frozen=True, slots=True)
class Departure:
    kind: str  # missing | null | unmodelled
    path: str  # the member's place in the answer
    words: str
    seen: ShapeSeen


def departures(observed: Observed, ctx: CheckContext, body: object) -> list[Departure]:
    """Where ``body``, a success answer of ``ctx.op``, departs from what was observed."""
    out: list[Departure] = []
    spec = ctx.service
    for shape_name, value, path in structures(spec, ctx.op.output or "", body, ""):
        seen = observed.seen(spec.name, shape_name)
        if seen is None:
            continue
        members = {m.wire_name: m for m in spec.shapes[shape_name].members if m.location == "body"}
        here = {members[k].name for k, v in value.items() if k in members and v is not None}

        def at(name: str, path: str = path) -> str:
            return f"{path}.{name}" if path else name

        for key, v in value.items():
            m = members.get(key)
            if m is None and seen.wire and key not in seen.unmodelled:
                out.append(Departure("unmodelled", at(key), f"{shape_name} has no member {key!r} in the model, and "
                                     f"none of the {seen.wire} observed answers of it carried one", seen))
            elif m is not None and v is None and seen.wire and m.name not in seen.nulls:
                out.append(Departure("null", at(m.name), f"JSON null; the {seen.wire} observed answers of "
                                     f"{shape_name} leave an absent member out, never null", seen))
        for name in sorted(seen.always() - here):
            if not any(d.path == at(name) for d in out):
                out.append(Departure("missing", at(name), f"absent; it was in every one of the {seen.instances} "
                                     f"observed answers of {shape_name}", seen))
    return out


@check("observed_conformance")
def observed_conformance(ex: Exchange, ctx: CheckContext) -> None:
    """A success answer departs from what the service was observed to answer (a warning): a member it
    always returned is missing, a member is JSON null, a member the model lacks."""
    observed = ctx.extra.get(OBSERVED)
    if not isinstance(observed, Observed) or not ex.ok or ex.response is None or ctx.op.output is None:
        return
    try:
        body = ctx.success_body(ex.response.body)
    except BodyError:
        return  # response_schema_conformance says so
    found = departures(observed, ctx, body)
    if not found:
        return
    first = found[0]
    more = f" (+{len(found) - 1} more: {', '.join(d.path for d in found[1:4])})" if len(found) > 1 else ""
    where = first.seen.places(wire=first.kind != "missing")  # nulls and unmodelled members: wire answers only
    raise Failure(check="observed_conformance", service=ex.service, operation=ex.operation,
                  title=f"{first.path}: {_TITLES[first.kind]}",
                  message=f"{ex.operation}: {first.path}: {first.words} (seen at {where}){more}",
                  cause=Cause(first.kind, first.path), status_code=ex.status, error_code=ex.error_code,
                  basis="observation", reference=where)


_TITLES = {"missing": "a member always observed is missing", "null": "null for an absent member",
           "unmodelled": "a member the model lacks"}
