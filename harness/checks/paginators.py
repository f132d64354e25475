"""pagination_conformance: every paginator of the model, on whatever its listing holds.

The model's paginators (``op.pagination``) name every paginated operation, whether or not an
overlay says how to fill its listing (``pagination.py``'s scene, in ``scenarios.py``, makes N items
first). Here, on what the run has made so far (the listing's parents made by the recipes):

- the listing in small pages (``SMALL`` items, more where the listing is long: about ``PAGES``
  pages, within the model's page size range): no page over the limit, no item twice (pages disjoint),
  a token that ends (a token given twice, or more than ``MAX_PAGES`` pages, fails);
- the listing in pages of the model's largest limit, before and after: an item both of those hold
  that the small pages never gave is a failure (pages complete; an item that came or went between
  the listings is not judged).

An item is told by its members that name it (those whose name ends in ``Id``, ``Arn`` or ``Name``,
from the model's item shape), else by the whole item. A listing refused, or one of more than
``MAX_PAGES`` small pages, gives no verdict on completeness.
"""

from __future__ import annotations

import json
from typing import Any

import jmespath

from harness.checks.registry import check
from harness.checks.scenarios import scenario_failure, send_as
from harness.context import RunContext
from harness.model import Exchange
from specs.types import OperationSpec, ServiceSpec

__all__ = ["MAX_PAGES", "PAGES", "SMALL", "every_paginator"]

SMALL = 1  # the smallest page asked for
PAGES = 20  # about how many small pages a listing is cut into
MAX_PAGES = 60
_NAMING = ("id", "arn", "name")


def _identity_members(service: ServiceSpec, op: OperationSpec) -> tuple[str, ...]:
    """The members of the listing's item shape that name an item (``jobId``, ``thingArn``)."""
    shape = service.shapes.get(op.output or "")
    pg = op.pagination
    if shape is None or pg is None or "." in pg.result_keys[0]:
        return ()
    member = shape.member_named(pg.result_keys[0])
    listed = service.shapes[member.shape] if member else None
    item = service.shapes[listed.member.shape] if listed and listed.member else None
    if item is None or item.type != "structure":
        return ()
    return tuple(m.name for m in item.members
                 if service.shapes[m.shape].type == "string" and m.name.lower().endswith(_NAMING))


def _key(item: Any, names: tuple[str, ...]) -> str:
    if names and isinstance(item, dict) and any(item.get(n) is not None for n in names):
        return json.dumps([item.get(n) for n in names], default=str)
    return json.dumps(item, sort_keys=True, default=str)


def _pages(ctx: RunContext, op: OperationSpec, params: dict[str, Any], limit: int | None,
           names: tuple[str, ...]) -> tuple[list[str], Exchange | None, str | None]:
    """(item keys in order, the last answer, what went wrong) of the listing in pages of ``limit``;
    ``what`` is None when it ended well, ``"refused"`` or ``"too long"`` when there is no verdict."""
    pg = op.pagination
    assert pg is not None and pg.limit_key is not None
    params = dict(params)
    if limit is not None:
        params[pg.limit_key] = limit
    keys: list[str] = []
    tokens: set[str] = set()
    ex = None
    for page in range(MAX_PAGES):
        ex = send_as(ctx, op, dict(params), "primary")
        if not ex.ok:
            return keys, ex, "refused"
        items = jmespath.search(pg.result_keys[0], ex.parsed) or []
        if limit is not None and len(items) > limit:
            return keys, ex, f"page {page + 1} holds {len(items)} items over {pg.limit_key}={limit}"
        for item in items:
            key = _key(item, names)
            if key in keys:
                return keys, ex, f"the item {key} came again on page {page + 1}"
            keys.append(key)
        more = bool(jmespath.search(pg.more_results, ex.parsed)) if pg.more_results else True
        token = jmespath.search(pg.output_token[0], ex.parsed)
        if not token or not more:
            return keys, ex, None
        if str(token) in tokens:
            return keys, ex, f"page {page + 1} gave a {pg.output_token[0]} it had given before"
        tokens.add(str(token))
        params[pg.input_token[0]] = token
    return keys, ex, "too long"


def _limits(service: ServiceSpec, op: OperationSpec) -> tuple[int, int | None]:
    """The smallest and the largest page size the model allows (None: no largest)."""
    pg = op.pagination
    member = service.shapes[op.input].member_named(pg.limit_key) if op.input and pg and pg.limit_key else None
    shape = service.shapes[member.shape] if member else None
    low = int(shape.min) if shape is not None and shape.min is not None and shape.min > 0 else 1
    return low, (int(shape.max) if shape is not None and shape.max is not None else None)


@check("pagination_conformance", kind="scenario",
       doc="A paginator of the model gives pages over their limit, an item twice, or misses an item")
def every_paginator(ctx: RunContext, op: OperationSpec) -> None:
    """Every paginated operation: pages within their limit, disjoint, complete, with a token that ends."""
    pg = op.pagination
    if pg is None or pg.limit_key is None or not pg.result_keys or op.input is None:
        return
    service = ctx.services[op.service]
    names = _identity_members(service, op)
    values = ctx.resources.make([b for _, b in op.bindings], service=op.service)
    params = {param: values[b] for param, b in op.bindings}
    lowest, largest = _limits(service, op)
    before, _, why = _pages(ctx, op, params, largest, names)
    if why is not None:
        return  # the large pages are judged by the small ones below only when they list well
    size = max(lowest, SMALL, -(-len(before) // PAGES))  # about PAGES small pages, whatever the listing holds
    if largest is not None and size >= largest:
        return
    small, ex, why = _pages(ctx, op, params, size, names)
    if why in ("refused", "too long"):
        return
    if why is not None:
        raise scenario_failure("pagination_conformance", op, ex, "pages of a model paginator break",
                               f"listing in pages of {pg.limit_key}={size}: {why}")
    after, _, why = _pages(ctx, op, params, largest, names)
    missing = [k for k in before if k in after and k not in small] if why is None else []
    if missing:
        raise scenario_failure("pagination_conformance", op, ex, "pages of a model paginator miss items",
                               f"{len(missing)} item(s) listed in pages of "
                               f"{f'{pg.limit_key}={largest}' if largest else 'the default size'} before and after "
                               f"never came in pages of {size} (e.g. {missing[0]})")
