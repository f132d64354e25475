"""response_schema_conformance: the items of a listing match the filter it was given.

A listing's input member is a filter when the model documents it as one (its documentation says
"filter": IoT ListJobs' ``status``, "An optional filter that lets you search for jobs that have the
specified status"; AmplifyBackend ListBackendJobs' ``Status``, "Filters the list of response
objects to include only those with the specified status") and the listing's items carry a member
of the same name and shape (``jobs[].status``, ``executionSummaries[].jobExecutionSummary.status``).
On what the run has made (the listing's parents made by the recipes, and one item of the listing
under them, where the overlay's ``lists`` names the item), the listing is called with each of a few
values (those the unfiltered first page shows, then an enum value it does not): every item of the
answer carries the value asked for. An item that lacks the member is not judged.
"""

from __future__ import annotations

import functools
from typing import Any

import jmespath

from harness.checks.registry import check
from harness.checks.scenarios import scenario_failure, send_as
from harness.context import RunContext
from specs.models import botocore_model
from specs.types import OperationSpec, Role, ServiceSpec

__all__ = ["VALUES", "filters", "listing_filters_honoured"]

#: the most filter values one listing is tried with
VALUES = 3


@functools.cache
def _documented_filters(service: str, operation: str) -> frozenset[str]:
    """Input members of ``operation`` whose model documentation calls them a filter."""
    op = botocore_model(service).operation_model(operation)
    if op.input_shape is None:
        return frozenset()
    return frozenset(name for name, shape in op.input_shape.members.items()
                     if "filter" in (shape.documentation or "").lower())


def _item_places(service: ServiceSpec, shape_name: str, depth: int = 2) -> list[tuple[str, str, str]]:
    """(path, member name, shape name) of the scalar members of an item shape, two structures deep."""
    out: list[tuple[str, str, str]] = []
    for m in service.shapes[shape_name].members:
        kind = service.shapes[m.shape].type
        if kind == "structure" and depth > 1:
            out.extend((f"{m.name}.{p}", n, s) for p, n, s in _item_places(service, m.shape, depth - 1))
        elif kind not in ("list", "map", "structure"):
            out.append((m.name, m.name, m.shape))
    return out


def filters(service: ServiceSpec, op: OperationSpec) -> list[tuple[str, str]]:
    """(input member, item path) of each documented filter of listing ``op`` its items carry."""
    pg = op.pagination
    if op.role is not Role.LIST or pg is None or not pg.result_keys or op.input is None or "." in pg.result_keys[0]:
        return []
    out_shape = service.shapes.get(op.output or "")
    listed = out_shape.member_named(pg.result_keys[0]) if out_shape else None
    items = service.shapes[listed.shape].member if listed else None
    if items is None or service.shapes[items.shape].type != "structure":
        return []
    places = _item_places(service, items.shape)
    documented = _documented_filters(op.service, op.name)
    out: list[tuple[str, str]] = []
    for m in service.shapes[op.input].members:
        if m.name in documented and m.name not in {p for p, _ in op.bindings}:
            out.extend((m.name, path) for path, name, shape in places if name == m.name and shape == m.shape)
    return out


def _values(service: ServiceSpec, op: OperationSpec, member: str, seen: list[Any]) -> list[Any]:
    shape = service.shapes[service.shapes[op.input or ""].member_named(member).shape]  # type: ignore[union-attr]
    values = list(dict.fromkeys(v for v in seen if isinstance(v, str)))
    values += [e for e in shape.enum if e not in values]
    return values[:VALUES]


@check("response_schema_conformance", kind="scenario",
       doc="A listing answers items that do not match its documented filter")
def listing_filters_honoured(ctx: RunContext, op: OperationSpec) -> None:
    """Every item a listing answers with a documented filter carries the filtered value."""
    service = ctx.services[op.service]
    found = filters(service, op)
    if not found:
        return
    values = ctx.resources.make([b for _, b in op.bindings], service=op.service)
    listed = service.listed_by(op.name)
    if listed is not None:  # one item of the listing, under those parents: a first page with nothing to filter
        ctx.resources.make([listed.binding], reuse=values, service=op.service)  # judges nothing
    params = {param: values[b] for param, b in op.bindings}
    assert op.pagination is not None
    key = op.pagination.result_keys[0]
    plain = send_as(ctx, op, dict(params), "primary")
    items = (jmespath.search(key, plain.parsed) or []) if plain.ok else []
    for member, path in found:
        seen = [jmespath.search(path, i) for i in items if isinstance(i, dict)]
        for value in _values(service, op, member, seen):
            ex = send_as(ctx, op, {**params, member: value}, "primary")
            if not ex.ok:
                continue  # refused: the exchange checks judge the answer
            for item in jmespath.search(key, ex.parsed) or []:
                got = jmespath.search(path, item) if isinstance(item, dict) else None
                if got is not None and got != value:
                    raise scenario_failure(
                        "response_schema_conformance", op, ex, f"listing filter {member} not honoured",
                        f"with {member}={value!r} an item has {path}={got!r} (the model documents {member} "
                        f"as a filter)")
