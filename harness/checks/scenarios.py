"""Scenario checks: short deterministic call sequences driven by the overlays, run once per
operation by the scenarios phase (``harness.scenarios``) through the run context.

- ``pagination_conformance``: make N items (overlay ``pagination``), page through with a small
  limit: no page over the limit, no item twice, none of the N missing, the token ends.
- ``idempotency_conformance``: the same call twice with the same client token (model) or the same
  configuration (overlay ``idempotent``) gives the same answer.
- ``namespace_isolation``: what the primary identity made, the second identity cannot read or change.
- ``resource_hierarchy``: a child reached through a parent it does not belong to is not found.
- ``use_after_delete``: after a resource documented as deleted (overlay ``deletes``) is deleted,
  the operations on it answer not found (the lifecycles check the same after their delete).
- ``read_after_write_consistency``: right after the run made what an operation names, the owner's
  call on it is not answered not found (the control the scenarios above rely on: an endpoint that
  never finds anything would pass them all).
"""

from __future__ import annotations

from typing import Any

from harness.binding import bind_call, put_bound
from harness.checks.absence import not_there
from harness.checks.registry import check
from harness.context import RunContext
from harness.model import Cause, Exchange, Failure
from harness.polling import poll
from specs.paths import search, split
from specs.types import OperationSpec, Resource, Role, ServiceSpec
from strategies import boundary_calls
from strategies.calls import Call

__all__ = ["bound_call", "idempotency_conformance", "made_is_found", "namespace_isolation",
           "pagination_conformance", "read_after_delete", "resource_hierarchy", "scenario_failure", "send_as",
           "use_after_delete",
           "valid_call"]

PAGE_ITEMS = 5
PAGE_LIMIT = 2
MAX_PAGES = 5000


def scenario_failure(check_name: str, op: OperationSpec, ex: Exchange | None, title: str, message: str) -> Failure:
    """The failure of a scenario on ``op``: ``title`` (which names no drawn value) is its cause."""
    return Failure(check=check_name, service=op.service, operation=op.name, title=title,
                   message=f"{op.name}: {message}", cause=Cause(title),
                   status_code=ex.status if ex else None, error_code=ex.error_code if ex else None)


def valid_call(ctx: RunContext, op: OperationSpec) -> Call | None:
    """A deterministic valid call: the first boundary call (the plain valid call leads that list)."""
    for call in boundary_calls(op, service=ctx.services[op.service]):
        if call.violation is None and call.raw is None:
            return call
    return None


def send_as(ctx: RunContext, op: OperationSpec, params: dict[str, Any], identity: str) -> Exchange:
    """Send a scenario's call; one that got no answer, or whose operation the endpoint does not
    implement, ends the scenario without a verdict (``Untestable``)."""
    return ctx.judgeable(ctx.send_and_record(Call(op.service, op.name, params), identity=identity))


# -- pagination ------------------------------------------------------------------------------
@check("pagination_conformance", kind="scenario")
def pagination_conformance(ctx: RunContext, op: OperationSpec) -> None:
    """Pages overlap or miss items, a token does not end, a page size limit is not honoured."""
    spec = ctx.services[op.service]
    items = spec.listed_by(op.name)
    pg = op.pagination
    if items is None or pg is None or pg.limit_key is None or not pg.result_keys:
        return
    parent_names = [b for _, b in op.bindings]
    base = ctx.resources.make(parent_names, service=op.service) if parent_names else {}
    # the items share the parents the list is scoped to (every binding of those parents' resources)
    maker = ctx.resources
    reuse = {k: base[k] for dep in maker.resources_for(parent_names, op.service) for k in maker.resources[dep].produces
             if k in base}
    made = []
    for _ in range(PAGE_ITEMS):
        values = maker.make([items.binding], reuse=reuse, service=op.service)
        made.append(values[items.binding])
    params = {**dict(op.list_params), **{param: base[b] for param, b in op.bindings}}
    params[pg.limit_key] = PAGE_LIMIT
    seen: set[Any] = set()
    tokens: set[str] = set()
    token: Any = None
    # the list may be account-wide (IoT ListJobs): it holds everything the run made so far, so the
    # page cap is generous and a token that comes back is the loop it would otherwise wait for
    for page in range(MAX_PAGES):
        if token is not None:
            params[pg.input_token[0]] = token
        ex = send_as(ctx, op, dict(params), "primary")
        if not ex.ok:
            raise scenario_failure("pagination_conformance", op, ex, f"page {page + 1} refused",
                                   f"page {page + 1} with {pg.limit_key}={PAGE_LIMIT} got HTTP {ex.status} "
                                   f"{ex.error_code}: {ex.error_message}")
        page_items = search(pg.result_keys[0], ex.parsed) or []
        if len(page_items) > PAGE_LIMIT:
            raise scenario_failure("pagination_conformance", op, ex, "page size limit not honoured",
                                   f"{pg.limit_key}={PAGE_LIMIT} returned {len(page_items)} items")
        ids = [search(items.id, i) for i in page_items]
        dup = [i for i in ids if i in seen]
        if dup:
            raise scenario_failure("pagination_conformance", op, ex, "pages overlap",
                                   f"{items.id} {dup[0]!r} came again on page {page + 1}")
        seen.update(ids)
        more = bool(search(pg.more_results, ex.parsed)) if pg.more_results else True
        token = search(pg.output_token[0], ex.parsed)
        if not token or not more:
            break
        if str(token) in tokens:
            raise scenario_failure("pagination_conformance", op, ex, "the token does not end",
                                   f"page {page + 1} returned {pg.output_token[0]} {token!r} a second time")
        tokens.add(str(token))
    else:
        raise scenario_failure("pagination_conformance", op, None, "the token does not end",
                               f"{MAX_PAGES} pages and the token still goes on")
    missing = [m for m in made if m not in seen]
    if missing:
        raise scenario_failure("pagination_conformance", op, None, "pages miss items",
                               f"{len(missing)} of the {len(made)} items made were never listed (e.g. {missing[0]!r})")


# -- idempotency -----------------------------------------------------------------------------
def _stable(service: ServiceSpec, shape_name: str | None, value: Any) -> Any:
    """``value`` (an answer of shape ``shape_name``) without what differs between two equal answers:
    the members the model types as timestamps, and request ids."""
    shape = service.shapes.get(shape_name) if shape_name else None
    if shape is None:
        return value
    if isinstance(value, dict) and shape.type == "structure":
        out = {}
        for k, v in value.items():
            m = shape.member_named(k)
            if k.lower() == "requestid" or (m is not None and service.shapes[m.shape].type == "timestamp"):
                continue
            out[k] = _stable(service, m.shape if m else None, v)
        return out
    if isinstance(value, dict) and shape.type == "map" and shape.value is not None:
        return {k: _stable(service, shape.value.shape, v) for k, v in value.items()}
    if isinstance(value, list) and shape.member is not None:
        return [_stable(service, shape.member.shape, v) for v in value]
    return value


@check("idempotency_conformance", kind="scenario")
def idempotency_conformance(ctx: RunContext, op: OperationSpec) -> None:
    """A repeated call with the same client token or configuration does not give the same result."""
    documented = op.name in ctx.services[op.service].idempotent
    if not op.idempotency_tokens and not documented:
        return
    call = valid_call(ctx, op)
    if call is None:
        return
    # a fresh name for what the call makes: the boundary call's fixed name may exist already
    params = ctx.resources.fresh_names(op.service, op.name, dict(call.params))
    for token in op.idempotency_tokens:
        params[token] = f"jobfuzz-{ctx.resources.uid()}"
    sent, _, _ = bind_call(ctx, op, Call(op.service, op.name, params), {})
    first = send_as(ctx, op, dict(sent.params), "primary")
    if not first.ok:
        return  # nothing to repeat (a state the spec does not model); other checks judge the answer
    second = send_as(ctx, op, dict(sent.params), "primary")
    what = "client token" if op.idempotency_tokens else "configuration"
    if not second.ok:
        raise scenario_failure("idempotency_conformance", op, second, f"repeat with the same {what} refused",
                               f"the first call succeeded, the same call again got HTTP {second.status} "
                               f"{second.error_code}: {second.error_message}")
    service = ctx.services[op.service]
    one, two = _stable(service, op.output, first.parsed), _stable(service, op.output, second.parsed)
    if one != two:
        raise scenario_failure("idempotency_conformance", op, second, f"repeat with the same {what} differs",
                               f"first answer {one!r}, second {two!r}")


# -- identities and hierarchy ----------------------------------------------------------------
def bound_call(ctx: RunContext, op: OperationSpec, values: dict[str, Any]) -> dict[str, Any] | None:
    """The parameters of ``op``'s valid call with its bound members set from ``values`` (what the run
    made); None when ``op`` has no valid call."""
    call = valid_call(ctx, op)
    if call is None:
        return None
    params = ctx.fill_templates(op, dict(call.params), values)
    service = ctx.services[op.service]
    for param, binding in op.bindings:
        params = put_bound(params, param, values[binding], service, op)
    return params


def _isolated_names(ctx: RunContext, op: OperationSpec) -> list[str]:
    """What the primary identity makes for ``op``: the resources it names, and for a list with an
    overlay ``pagination`` entry the kind of item it lists (an account-wide list names nothing)."""
    names = [b for _, b in op.bindings]
    items = ctx.services[op.service].listed_by(op.name)
    if op.role is Role.LIST and items is not None and items.binding not in names:
        names.append(items.binding)
    return names


@check("namespace_isolation", kind="scenario")
def namespace_isolation(ctx: RunContext, op: OperationSpec) -> None:
    """One identity reads or changes a resource another identity created: its answer is not what the
    operation's ``not_yours`` says another account's resource looks like (a not-found refusal, an
    empty list, a list without it; overlay ``roles``)."""
    names = _isolated_names(ctx, op)
    if not names or "second" not in ctx.target.identities:
        return
    values = ctx.resources.make(names, service=op.service)
    params = bound_call(ctx, op, {**values, "access_key": ctx.target.access_key("second")})
    if params is None:
        return
    ex = send_as(ctx, op, params, "second")
    if not ex.ok or op.role is Role.CREATE:
        return  # refused (other checks judge the code), or a create that made the second identity's own
    what = "the primary identity's " + ", ".join(f"{b}={values[b]!r}" for b in names)
    if op.role is Role.DELETE:
        # deletes may succeed on what is not there (IoT DeleteThing's doc): a leak only if the
        # primary identity's resource is gone afterwards
        read = _reader(ctx, op, values)
        if read is None or read.ok or read.status is None or read.status >= 500:
            return
        raise scenario_failure("namespace_isolation", op, ex, "another identity deleted the resource",
                               f"the second identity called {op.name} on {what}, got HTTP {ex.status}, and the "
                               f"primary identity's {read.operation} then answered {read.error_code or read.status}")
    if not_there(op.not_yours, ex, values.values()) is not False or op.not_yours.source == "inferred":
        return
    raise scenario_failure("namespace_isolation", op, ex, "another identity reached the resource",
                           f"the second identity called {op.name} ({op.role}) on {what} and got HTTP {ex.status}; "
                           f"another account's resource answers {op.not_yours.describe()}")


def _reader(ctx: RunContext, op: OperationSpec, values: dict[str, Any]) -> Exchange | None:
    """Read the resource ``op`` names as the primary identity, with an operation of the same service
    whose role reads and that is bound to the same names; None when the service has no such one."""
    names = {b for _, b in op.bindings}
    for other in ctx.services[op.service].in_scope():
        if (other.role is Role.READ and other.bindings and {b for _, b in other.bindings} == names):
            params = bound_call(ctx, other, values)
            if params is not None:
                return send_as(ctx, other, params, "primary")
    return None


@check("resource_hierarchy", kind="scenario")
def resource_hierarchy(ctx: RunContext, op: OperationSpec) -> None:
    """A child is reached through a parent it does not belong to."""
    if len(op.bindings) < 2 or op.role not in (Role.READ, Role.LIST, Role.UPDATE):
        return
    names = [b for _, b in op.bindings]
    a = ctx.resources.make(names, service=op.service)
    b = ctx.resources.make(names, service=op.service)
    child = names[-1]
    if a[child] == b[child] or all(a[n] == b[n] for n in names[:-1]):
        return  # the two children carry the same id: a mix would name a real child
    mixed = {**a, child: b[child]}
    params = bound_call(ctx, op, mixed)
    if params is None:
        return
    ex = send_as(ctx, op, params, "primary")
    if op.role is not Role.LIST and not_there(op.not_found, ex, [b[child]]) is False:
        raise scenario_failure("resource_hierarchy", op, ex, "child reached through another parent",
                               f"{child}={b[child]!r} belongs to {', '.join(f'{n}={b[n]!r}' for n in names[:-1])}, "
                               f"and was reached through {', '.join(f'{n}={a[n]!r}' for n in names[:-1])}")


# -- deletion --------------------------------------------------------------------------------
@check("use_after_delete", kind="scenario")
def use_after_delete(ctx: RunContext, op: OperationSpec) -> None:
    """A deleted resource (or one whose parent was deleted) is still read, listed or changed."""
    if not op.bindings or op.role is not Role.READ:
        return
    names = [b for _, b in op.bindings]
    producers = {ctx.resources.producer_of(n, op.service) for n in names}
    if len(producers) != 1:
        return
    res = ctx.resources.resources[producers.pop() or ""]
    if not res.deletes or not res.delete:
        return
    ex = read_after_delete(ctx, op, res, names)
    if ex is not None:
        raise scenario_failure("use_after_delete", op, ex, "read after delete",
                               f"{res.name} was deleted, and {op.name} still answers HTTP {ex.status}")


def read_after_delete(ctx: RunContext, op: OperationSpec, res: Resource, names: list[str]) -> Exchange | None:
    """Make what ``names`` need, delete ``res`` by its recipe, then read with ``op`` (polled off the
    embedded emulator: a delete may take a moment): the read's answer when it still shows the
    resource (by the operation's not-found answer), else None (also when the delete was refused)."""
    values = ctx.resources.make(names, service=op.service)
    for step in res.delete:
        if not ctx.judgeable(ctx.resources.run_step(step, values)).ok:
            return None  # not deleted (the delete's answer was judged)
    params = bound_call(ctx, op, values)
    if params is None:
        return None

    def gone(e: Exchange) -> bool:  # refused, a success that shows it gone (an empty list), or can't tell
        return not_there(op.not_found, e, values.values()) is not False

    # deletion may take a moment to show: read again a few times (not on the embedded emulator)
    ex = poll(lambda: send_as(ctx, op, params, "primary"), gone, polling=ctx.target.polling, tries=10)
    return None if gone(ex) else ex


# -- what was made is found ----------------------------------------------------------------
@check("read_after_write_consistency", kind="scenario",
       doc="A read after a write does not show it: what the run just made is not found")
def made_is_found(ctx: RunContext, op: OperationSpec) -> None:
    """Right after the run made the resources ``op`` names, the owner's call on them answers
    something other than the operation's not-found answer (``op.not_found``: overlay ``roles`` or
    ``errors.not_found``; a refusal whose message says invalid is not one). The call
    keeps the bound members, the required ones and the overlay's templated ones; an operation with
    a required URI member the run does not make (CreateJob's new jobId) is not judged."""
    if not op.bindings or not (op.not_found.errors or op.not_found.answers_ok) or op.input is None:
        return
    shape = ctx.services[op.service].shapes[op.input]
    bound = {split(p)[0] for p, _ in op.bindings}
    if any(m.location == "uri" and m.name in shape.required and m.name not in bound for m in shape.members):
        return
    values = ctx.resources.make([b for _, b in op.bindings], service=op.service)
    params = bound_call(ctx, op, values)
    if params is None:
        return
    keep = bound | set(shape.required) | {r.path for r in op.rules if r.kind in ("examples", "invalid")}
    params = {k: v for k, v in params.items() if k in keep}
    # a new resource may take a moment to show: read again a few times (not on the embedded emulator)
    ex = poll(lambda: send_as(ctx, op, params, "primary"), lambda e: not not_there(op.not_found, e, values.values()),
              polling=ctx.target.polling, tries=10)
    if not not_there(op.not_found, ex, values.values()):
        return
    made = ", ".join(f"{p}={values[b]!r}" for p, b in op.bindings)
    answer = f"{ex.error_code}: {ex.error_message or ''}" if ex.error_code else \
        f"without it ({op.not_found.describe()})"
    raise scenario_failure("read_after_write_consistency", op, ex, "what the run made is not found",
                           f"the run had just made {made}, and {op.name} on it answered HTTP {ex.status} {answer}")
