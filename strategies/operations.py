"""Calls of one operation: valid (a strategy), boundary and invalid (deterministic lists).

Everything an operation needs is built once and cached by (service, operation): the programs of its
input tree, its places, its smallest valid call, its boundary and invalid calls. A draw runs a
compiled program and walks no model.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from specs.loader import load_service
from specs.paths import join, resolve, split
from specs.rules import limits, place_rules
from specs.types import OperationSpec, Rule, ServiceSpec, ShapeSpec
from specs.validator import Problem, validator
from strategies.boundary import boundary_values
from strategies.calls import Call, RawMutation, Violation
from strategies.invalid import BREAKABLE, Spliced, breaks, type_candidates
from strategies.places import REMOVE, Place, places, put, smallest
from strategies.values import Compiler, Rand, context_of, program_strategy
from strategies.wire import carries, serialise, wire_breaks

__all__ = ["boundary_calls", "from_operation", "from_shape", "has_calls", "invalid_calls", "valid_calls"]

_MODES = ("valid", "boundary", "invalid")


class _Plan:
    """What one operation's calls are made of (built once)."""

    def __init__(self, op: OperationSpec, service: ServiceSpec) -> None:
        self.op, self.service = op, service
        self.compiler = Compiler(service, op)
        self.program = (self.compiler.program(service.shapes[op.input]) if op.input else (lambda r: {}))
        self.base: dict[str, Any] = self.program(Rand(0, 0))
        self._places: list[Place] | None = None
        self.strategies: dict[str, SearchStrategy[Call]] = {}
        self.boundary: list[Call] | None = None
        self.invalid: list[Call] | None = None
        self.flags_on: dict[str, Any] | None = None  # see _flags_on
        #: how a violation other than a value at a place is made again in another valid call
        self.remakes: dict[Violation, Callable[[dict[str, Any]], dict[str, Any] | None]] = {}

    @property
    def places(self) -> list[Place]:
        if self._places is None:
            self._places = places(self.compiler, self.op)
        return self._places

    def call(self, params: dict[str, Any], mode: str = "valid", violation: Violation | None = None,
             raw: RawMutation | None = None) -> Call:
        return Call(self.op.service, self.op.name, params, mode, violation, raw)


_PLANS: dict[tuple[int, str], _Plan] = {}


def _plan(op: OperationSpec, service: ServiceSpec | None) -> _Plan:
    service = service if service is not None else load_service(op.service)
    key = (id(service), op.name)
    plan = _PLANS.get(key)
    if plan is None or plan.service is not service or not (plan.op is op or plan.op == op):
        plan = _PLANS[key] = _Plan(op, service)
    return plan


def valid_calls(op: OperationSpec, *, service: ServiceSpec | None = None) -> SearchStrategy[Call]:
    """Calls that keep every rule of every source."""
    plan = _plan(op, service)
    found = plan.strategies.get("valid")
    if found is None:
        service_name, name = op.service, op.name
        found = plan.strategies["valid"] = program_strategy(
            plan.program, lambda params: Call(service_name, name, params, "valid"))
    return found


def boundary_calls(op: OperationSpec, *, service: ServiceSpec | None = None) -> list[Call]:
    """The smallest valid call, then one call for each boundary value of each place."""
    plan = _plan(op, service)
    if plan.boundary is None:
        check = validator(plan.op, plan.service)
        out, seen = [plan.call(plan.base, "boundary")], {repr(plan.base)}
        for p in plan.places:
            if p.limits.page_token is not None:
                continue  # only a token an earlier page gave is valid
            for value in boundary_values(plan.compiler, p):
                params = put(plan.compiler, plan.op, plan.base, p.path, value)
                if params is None or repr(params) in seen or check(params) or serialise(plan.op, params) is None:
                    continue
                seen.add(repr(params))
                out.append(plan.call(params, "boundary"))
        plan.boundary = out
    return list(plan.boundary)


def _detail(problem: Problem) -> str:
    return problem.message.split(": ", 1)[-1]


def _accepts(plan: _Plan, params: dict[str, Any] | None, path: str, rule: str, source: str | None,
             marker: bool = False) -> Problem | None:
    if params is None:
        return None
    problems = validator(plan.op, plan.service, BREAKABLE)(params)
    if len(problems) != 1:
        return None
    got = problems[0]
    if got.path != path or got.rule != rule or (source is not None and got.source != source):
        return None
    request = serialise(plan.op, params)
    if request is None or (marker and not carries(request, "notavalue")):
        return None
    return got


def _flags_on(plan: _Plan) -> dict[str, Any]:
    """The smallest valid call with every optional boolean member of the input set to true, when
    that call is still valid: the base of a pattern break. The job APIs' flags are permissions and
    inclusions (``force``, ``includeJobDocument``), so with them on only the broken pattern stands
    between the call and success (DeleteJobExecution of a queued execution needs ``force``), and an
    endpoint that lets the pattern break through answers 2xx."""
    if plan.flags_on is None:
        shape = plan.service.shapes[plan.op.input] if plan.op.input else None
        flags = {m.name: True for m in (shape.members if shape is not None else ())
                 if plan.service.shapes[m.shape].type == "boolean" and m.name not in plan.base}
        params = {**plan.base, **flags}
        ok = flags and not validator(plan.op, plan.service, BREAKABLE)(params) and serialise(plan.op, params)
        plan.flags_on = params if ok else plan.base
    return plan.flags_on


def _structural(plan: _Plan) -> list[Call]:
    """The wire-level breaks of the smallest valid call, each labelled with what it breaks."""
    return [plan.call(plan.base, "invalid", Violation("", b.rule, b.source, b.detail, b.errors), b.mutation)
            for b in wire_breaks(plan.op, plan.service, plan.base)]


def invalid_calls(op: OperationSpec, *, service: ServiceSpec | None = None) -> list[Call]:
    """One call for each breakable rule of each place (three for a pattern: a valid value with one
    character outside it at the end, the start and the middle; one for each enum value outside an
    ``allowed`` subset, and one for a value outside the enum), then one for each breakable ``one_of``
    group (none of its members: the documentation says one is required; that all of them together
    are refused is not documented, so it is never asserted), ``exclusive`` group (all of its
    members), ``absent`` member (set) and ``required_when`` member (its condition met, the member
    left out), the overlay's invalid examples and the wire-level breaks (``strategies.wire``)."""
    plan = _plan(op, service)
    if plan.invalid is not None:
        return list(plan.invalid)
    c, out = plan.compiler, []
    for p in plan.places:
        done: set[tuple[str, str, str]] = set()
        for value, marker in type_candidates(p, plan.op.protocol):
            got = _accepts(plan, put(c, plan.op, plan.base, p.path, value), p.path, "type", "model", marker)
            if got is not None:
                params = put(c, plan.op, plan.base, p.path, value)
                violation = Violation(p.path, "type", "model", _detail(got))
                out.append(plan.call(params, "invalid", violation))  # type: ignore[arg-type]  # _accepts: not None
                break
        for rule, value in breaks(c, p):
            spliced = value if isinstance(value, Spliced) else None
            key = (rule.kind, rule.source, spliced.where if spliced else "")
            if rule.kind == "allowed" and p.limits.enum and value in p.limits.enum.value:
                key = (rule.kind, rule.source, f"outside {value}")  # each enum value outside the subset
            if key in done or (rule.kind == "pattern" and spliced is None and any(
                    k[:2] == key[:2] for k in done)):  # no part matches: only when no splice could be made
                continue
            base = _flags_on(plan) if spliced else plan.base
            params = put(c, plan.op, base, p.path, spliced.value if spliced else value)
            got = _accepts(plan, params, p.path, rule.kind, rule.source)
            if got is not None:
                if rule.kind != "format":  # every format break is its own call (empty, not JSON)
                    done.add(key)
                detail = f"{spliced.describe()}: {_detail(got)}" if spliced else _detail(got)
                where = (spliced.where, spliced.char) if spliced else None
                out.append(plan.call(params, "invalid",  # type: ignore[arg-type]  # _accepts: not None
                                     Violation(p.path, rule.kind, rule.source, detail, spliced=where)))
    for rule in plan.op.rules:
        maker = _MEMBER_BREAKS.get(rule.kind)
        if maker is None or rule.source not in BREAKABLE:
            continue
        params = maker(plan, plan.base, rule=rule)
        got = _accepts(plan, params, rule.path, rule.kind, rule.source)
        if got is not None:
            violation = Violation(rule.path, rule.kind, rule.source, _detail(got))
            plan.remakes[violation] = functools.partial(maker, plan, rule=rule)
            out.append(plan.call(params, "invalid", violation))  # type: ignore[arg-type]  # _accepts: not None
    for rule in plan.op.rules:
        if rule.kind == "invalid" and rule.source in BREAKABLE and isinstance(rule.value, dict):
            params = put(c, plan.op, plan.base, rule.path, rule.value.get("value"))
            if params is not None:
                errors = tuple(rule.value.get("errors", ()))
                detail = rule.note or f"breaks {rule.value.get('rule', 'a documented rule')}"
                out.append(plan.call(params, "invalid", Violation(rule.path, "example", rule.source, detail, errors)))
    out.extend(_structural(plan))
    plan.invalid = out
    return list(out)


def _invalid_strategy(plan: _Plan) -> SearchStrategy[Call]:
    calls = invalid_calls(plan.op, service=plan.service)
    if not calls:
        return st.nothing()
    fixed = st.sampled_from(calls)
    c, op = plan.compiler, plan.op
    values = [(call.violation, plan.remakes.get(call.violation)
               or functools.partial(put, c, op, path=call.violation.path, value=_value_at(plan, call)))
              for call in calls if call.violation is not None and call.raw is None and call.violation.rule != "example"]
    if not values:
        return fixed

    def variant(pick: tuple[int, int, int]) -> Call:
        """The same break in a richer valid call, when it still breaks only that rule."""
        index, level, seed = pick
        violation, remake = values[index % len(values)]
        params = remake(plan.program(Rand(seed, level)))
        if _accepts(plan, params, violation.path, violation.rule, violation.source) is None:
            return next(call for call in calls if call.violation is violation)
        return plan.call(params, "invalid", violation)  # type: ignore[arg-type]  # _accepts: not None

    richer = st.tuples(st.integers(0, len(values) - 1), st.integers(1, 3), st.integers(0, 2**32)).map(variant)
    return st.one_of(fixed, richer)


def _group_break(plan: _Plan, params: dict[str, Any], rule: Rule, present: str) -> dict[str, Any] | None:
    """``params`` with ``none`` or ``all`` of the members of ``rule``'s one_of group (smallest
    values for the members it adds), the rest of the structure as it was."""
    c, op, path = plan.compiler, plan.op, rule.path
    shape = resolve(plan.service, op.input, path)
    current = _value_in(params, path)
    if not isinstance(current, dict):
        place = next((p for p in plan.places if p.path == path), None)
        current = smallest(c, shape, path, place.member if place else None, place.context if place else "any")
    group = tuple(rule.value)
    if present == "none":
        new = {k: v for k, v in current.items() if k not in group}
    else:
        context = next((p.context for p in plan.places if p.path == path), "any")
        new = dict(current)
        for name in group:
            m = shape.member_named(name)
            if new.get(name) is None and m is not None:
                new[name] = smallest(c, plan.service.shapes[m.shape], join(path, name), m, context_of(m, context))
    return copy.deepcopy(new) if path == "" else put(c, op, params, path, new)


def _absent_break(plan: _Plan, params: dict[str, Any], rule: Rule) -> dict[str, Any] | None:
    """``params`` with the member an ``absent`` rule keeps out set to its smallest value."""
    place = next((p for p in plan.places if p.path == rule.path), None)
    if place is None:
        return None
    value = smallest(plan.compiler, place.shape, place.path, place.member, place.context)
    return put(plan.compiler, plan.op, params, rule.path, value)


def _condition_break(plan: _Plan, params: dict[str, Any], rule: Rule) -> dict[str, Any] | None:
    """``params`` with the condition of a ``required_when`` rule met (its sibling set to the first
    of its values, or to its smallest value) and the member it requires left out."""
    parent, _, _ = rule.path.rpartition(".")
    sibling = join(parent, rule.value["member"])
    values = rule.value.get("in")
    value = values[0] if values else _value_in(params, sibling)
    if value is REMOVE:
        place = next((p for p in plan.places if p.path == sibling), None)
        if place is None:
            return None
        value = smallest(plan.compiler, place.shape, sibling, place.member, place.context)
    met = put(plan.compiler, plan.op, params, sibling, value)
    return put(plan.compiler, plan.op, met, rule.path, REMOVE) if met is not None else None


#: how a rule that is no value at one place is broken, in a valid call's params
_MEMBER_BREAKS: dict[str, Callable[..., dict[str, Any] | None]] = {
    "one_of": functools.partial(_group_break, present="none"),
    "exclusive": functools.partial(_group_break, present="all"),
    "absent": _absent_break,
    "required_when": _condition_break,
}


def _value_at(plan: _Plan, call: Call) -> Any:
    """The value a deterministic invalid call carries at its violation's place (REMOVE if absent)."""
    return _value_in(call.params, call.violation.path)  # type: ignore[union-attr]  # an invalid call has one


def _value_in(params: dict[str, Any], path: str) -> Any:
    """The value at ``path`` of ``params`` (the first item or entry of a list or map; REMOVE if absent)."""
    value: Any = params
    for part in split(path):
        if part == "[]":
            value = value[0] if isinstance(value, list) and value else REMOVE
        elif part in ("{}", "{key}"):
            if not isinstance(value, dict) or not value:
                return REMOVE
            first = next(iter(value))
            value = first if part == "{key}" else value[first]
        else:
            value = value.get(part, REMOVE) if isinstance(value, dict) else REMOVE
        if value is REMOVE:
            return REMOVE
    return value


def _check_mode(op: OperationSpec, mode: str) -> None:
    if mode not in _MODES:
        raise ValueError(f"{op.qualified}: mode must be one of {', '.join(_MODES)}, got {mode!r}")


def has_calls(op: OperationSpec, *, service: ServiceSpec | None = None, mode: str = "valid") -> bool:
    """Whether ``mode`` has any call of ``op`` to draw.

    Every operation has valid and boundary calls (the smallest valid call is one). An operation
    may have no invalid call: when no rule of its input can be broken on purpose (e.g. its only
    members are unconstrained URI labels) and its protocol has no wire-level break for it (a
    rest-xml operation without a body; a rest-json one gets a body where none belongs). ``from_operation`` then
    gives an empty strategy, which a test should skip rather than draw from.
    """
    _check_mode(op, mode)
    if mode == "valid":
        return True
    calls = boundary_calls(op, service=service) if mode == "boundary" else invalid_calls(op, service=service)
    return bool(calls)


def from_operation(
    op: OperationSpec, *, service: ServiceSpec | None = None, mode: str = "valid"
) -> SearchStrategy[Call]:
    """Calls of ``op``: ``valid`` (drawn), ``boundary`` (from the list) or ``invalid`` (the list
    and the same breaks inside richer valid calls).

    A mode with nothing to draw for ``op`` (see ``has_calls``) gives ``st.nothing()``."""
    _check_mode(op, mode)
    if mode == "valid":
        return valid_calls(op, service=service)
    plan = _plan(op, service)
    found = plan.strategies.get(mode)
    if found is None:
        if mode == "boundary":
            calls = boundary_calls(op, service=service)
            found = st.sampled_from(calls) if calls else st.nothing()
        else:
            found = _invalid_strategy(plan)
        plan.strategies[mode] = found
    return found


@functools.lru_cache(maxsize=1024)
def _shape_program(service: ServiceSpec, shape: ShapeSpec, path: str, rules: tuple[Rule, ...]) -> Any:
    return Compiler(service, None, rules).program(shape, path)


def from_shape(shape: ShapeSpec, *, service: ServiceSpec, path: str = "", rules: tuple[Rule, ...] = (),
               mode: str = "valid") -> SearchStrategy[Any]:
    """Values of ``shape`` (at ``path`` of an input, under overlay ``rules`` with paths from the
    same root): ``valid`` values, or the ``boundary`` values of the place itself."""
    if mode == "valid":
        return program_strategy(_shape_program(service, shape, path, tuple(rules)))
    if mode == "boundary":
        c = Compiler(service, None, tuple(rules))
        rs = place_rules(c.op or _EMPTY, shape, path, None) + tuple(r for r in rules if r.path == path)
        values = boundary_values(c, Place(path, shape, None, "any", rs, limits(rs)))
        return st.sampled_from(values) if values else st.nothing()
    raise ValueError(f"{shape.name}: from_shape supports mode 'valid' and 'boundary', got {mode!r}")


_EMPTY = OperationSpec("", "", "", "", "", "", None, None, ())
