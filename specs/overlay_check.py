"""The parts of an overlay's check that look into the model and across its pieces.

``specs.overlay`` reads an overlay and checks each piece where it reads it; these functions are the
checks that need the model's shapes (a step's params and ``produces``, a path into an answer, a
rule's value against its place) or every piece at once (which ``{template}`` a call can fill, which
resource a ``needs`` names). Each reports a problem through ``fail(where, problem)``, which raises.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

from specs import paths
from specs.models import raw_service
from specs.templates import BUILT_IN, names, whole
from specs.types import OperationSpec, Resource, Rule, SequenceSpec, ServiceSpec, ShapeSpec, StateMachineSpec, Step

__all__ = ["Catalog", "Fail", "check_answer", "check_references", "check_step", "check_value", "operation_of"]

Fail = Callable[[str, str], NoReturn]

_NUMBERS = ("integer", "long", "float", "double")
#: the shape types each value-kind's place may have
_PLACES = {"min": _NUMBERS, "max": _NUMBERS, "also": _NUMBERS, "pattern": ("string",),
           "min_length": ("string", "blob", "list", "map"), "max_length": ("string", "blob", "list", "map")}
_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,), "blob": (str,), "timestamp": (str, int, float), "boolean": (bool,),
    "integer": (int,), "long": (int,), "float": (int, float), "double": (int, float),
    "list": (list, tuple), "map": (dict,), "structure": (dict,)}


def operation_of(home: ServiceSpec, step: Step) -> tuple[ServiceSpec, OperationSpec]:
    """The service and operation a step calls (a step may call another service's operation)."""
    service = home if step.service == home.name else raw_service(step.service)
    return service, service.operations[step.operation]


def _members(shape: ShapeSpec) -> str:
    return ", ".join(m.name for m in shape.members) or "none"


def check_answer(fail: Fail, where: str, service: ServiceSpec, op: OperationSpec, expr: str) -> ShapeSpec:
    """``expr`` reads ``op``'s answer: it must land on a place of the output shape."""
    try:
        return paths.resolve_answer(service, op.output, expr)
    except paths.PathError as exc:
        fail(where, f"{op.name} output: {exc}")


def check_step(fail: Fail, where: str, home: ServiceSpec, step: Step) -> None:
    """Every param a step sets is a member of its operation's input; every ``produces`` path reads its answer."""
    service, op = operation_of(home, step)
    shape = service.shapes[op.input] if op.input else None
    for param in step.params:
        if shape is None or shape.member_named(param) is None:
            known = [m.name for m in shape.members] if shape else []
            close = difflib.get_close_matches(param, known, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f" (members: {', '.join(known) or 'none'})"
            fail(f"{where}/params/{param}", f"{op.name} has no input member {param!r}{hint}")
    for binding, expr in step.produces.items():
        check_answer(fail, f"{where}/produces/{binding}", service, op, expr)


def _fits(shape: ShapeSpec, value: Any) -> bool:
    if whole(value) is not None:
        return True  # a template takes the bound value with its type
    if isinstance(value, bool) and shape.type != "boolean":
        return False
    return isinstance(value, _TYPES.get(shape.type, (object,)))


def check_value(fail: Fail, where: str, op: OperationSpec, raw: dict[str, Any], shape: ShapeSpec) -> None:
    """A rule's value fits its place: a number kind at a number, an ``allowed`` value in the enum and of
    the place's type, an ``examples`` value of the place's type."""
    kind, path = raw["kind"], raw["path"]
    if kind in _PLACES and shape.type not in _PLACES[kind]:
        fail(f"{where}/kind", f"{op.name}.{path}: {kind} needs a place of type {' or '.join(_PLACES[kind])}, "
                              f"and {shape.name} is a {shape.type}")
    if kind not in ("allowed", "examples"):
        return
    for j, value in enumerate(raw["value"]):
        if not _fits(shape, value):
            fail(f"{where}/value/{j}", f"{op.name}.{path}: {value!r} is not a {shape.type} ({shape.name})")
        if kind == "allowed" and shape.enum and value not in shape.enum:
            fail(f"{where}/value/{j}", f"{op.name}.{path}: {value!r} is not in the enum of {shape.name} "
                                       f"({', '.join(shape.enum)})")


@dataclass(frozen=True, slots=True)
class Catalog:
    """Every resource a piece may name: ``needs`` and ``produces`` by resource name (this overlay's and
    the other overlays' on the overlay path)."""

    needs: Mapping[str, tuple[str, ...]]
    produces: Mapping[str, tuple[str, ...]]

    def closure(self, names_: Iterable[str]) -> set[str]:
        """What making ``names_`` (and what they need) defines: their produces and the built-in names."""
        seen: set[str] = set()
        todo = list(names_)
        while todo:
            name = todo.pop()
            if name not in seen and name in self.needs:
                seen.add(name)
                todo.extend(self.needs[name])
        return set(BUILT_IN).union(*(self.produces[n] for n in seen))

    def known(self, fail: Fail, where: str, name: str) -> None:
        if name not in self.needs:
            close = difflib.get_close_matches(name, list(self.needs), n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"resources: {', '.join(sorted(self.needs)) or 'none'}"
            fail(where, f"no overlay has a resource {name!r} ({hint})")


def _templates(fail: Fail, where: str, value: Any, defined: set[str], what: str) -> None:
    missing = sorted(names(value) - defined)
    if missing:
        fail(where, f"{{{missing[0]}}} is not defined here: {what} define {', '.join(sorted(defined))}")


def _step_templates(fail: Fail, where: str, step: Step, defined: set[str], what: str) -> None:
    for param, value in step.params.items():
        _templates(fail, f"{where}/params/{param}", value, defined, what)


def check_references(fail: Fail, catalog: Catalog, resources: Mapping[str, Resource],
                     machines: Iterable[StateMachineSpec], sequences: Iterable[SequenceSpec],
                     rules: Mapping[str, list[Rule]], bindings: Mapping[str, tuple[tuple[str, str], ...]]) -> None:
    """Every ``needs`` and resource names a resource; every ``{template}`` is defined where it is used."""
    for name, res in resources.items():
        for j, need in enumerate(res.needs):
            catalog.known(fail, f"resources/{name}/needs/{j}", need)
        defined = catalog.closure(res.needs)
        for j, step in enumerate(res.create):
            _step_templates(fail, f"resources/{name}/create/{j}", step, defined, "its needs and earlier steps")
            defined |= set(step.produces)
        for j, step in enumerate(res.delete):
            _step_templates(fail, f"resources/{name}/delete/{j}", step, defined, "the resource and its needs")
    for i, sm in enumerate(machines):
        catalog.known(fail, f"state_machines/{i}/resource", sm.resource)
        defined = catalog.closure([sm.resource])
        steps = [("read", sm.read)] + [(f"transitions/{j}/step", t.step) for j, t in enumerate(sm.transitions)]
        for place, step in steps + ([("delete", sm.delete)] if sm.delete else []):
            _step_templates(fail, f"state_machines/{i}/{place}", step, defined, f"the resource {sm.resource!r}")
    for i, seq in enumerate(sequences):
        for j, need in enumerate(seq.needs):
            catalog.known(fail, f"sequences/{i}/needs/{j}", need)
        defined = catalog.closure(seq.needs)
        for j, (step, expect) in enumerate(seq.steps):
            _step_templates(fail, f"sequences/{i}/steps/{j}", step, defined, "its needs and earlier steps")
            if expect is not None:
                for path, value in expect.equals + expect.includes:
                    _templates(fail, f"sequences/{i}/steps/{j}/expect/{path}", value, defined,
                               "its needs and earlier steps")
            defined |= set(step.produces)
    for op_name, items in rules.items():
        bound = {b for _, b in bindings.get(op_name, ())}
        makers = [n for n, p in catalog.produces.items() if bound & set(p)]
        defined = catalog.closure(makers) if bound else {"access_key"}
        for k, rule in enumerate(items):
            if rule.kind in ("examples", "invalid"):
                _templates(fail, f"rules/{op_name}/{k}/value", rule.value, defined,
                           f"the resources {op_name}'s bindings make" if bound else f"{op_name} binds nothing and")
