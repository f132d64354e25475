"""The places of an operation's input, and how to put one value at a place of a valid call.

Boundary and invalid calls change one place of the smallest valid call. ``places`` lists every
place of the input tree (recursive shapes are entered once), with its rules and limits; ``put``
sets (or removes) the value at a place, first creating what leads there with the smallest valid
values: a missing parent structure, an item of an empty list, an entry of an empty map. Setting a
member of a ``one_of`` group (or of a union) removes the others, so the call keeps exactly one.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from specs.paths import join, split
from specs.rules import Limits
from specs.types import MemberSpec, OperationSpec, Rule, ShapeSpec
from strategies.values import Compiler, Rand, context_of

__all__ = ["REMOVE", "Place", "places", "put", "smallest"]

MAX_PLACES = 400
MAX_NESTING = 6
REMOVE = object()  # put(..., REMOVE) deletes the member


@dataclass(frozen=True, slots=True)
class Place:
    path: str
    shape: ShapeSpec
    member: MemberSpec | None  # the structure member, list member or map key/value that leads here
    context: str  # uri | header | token | any: which characters travel safely
    rules: tuple[Rule, ...]
    limits: Limits
    parent: ShapeSpec | None = None  # the containing shape (a union parent allows one member)


def smallest(c: Compiler, shape: ShapeSpec, path: str, member: MemberSpec | None, context: str) -> Any:
    return c.program(shape, path, member, context)(Rand(0, 0))


def places(c: Compiler, op: OperationSpec) -> list[Place]:
    if op.input is None:
        return []
    out: list[Place] = []
    shapes = c.service.shapes

    def visit(shape: ShapeSpec, path: str, member: MemberSpec | None, context: str, parent: ShapeSpec | None,
              stack: tuple[str, ...]) -> None:
        if len(out) >= MAX_PLACES:
            return
        if path:
            rules, lim = c.place_limits(shape, path, member)
            out.append(Place(path, shape, member, context, rules, lim, parent))
        if shape.name in stack or len(stack) >= MAX_NESTING or shape.document:
            return
        stack = stack + (shape.name,)
        if shape.type == "structure":
            for m in shape.members:
                visit(shapes[m.shape], join(path, m.name), m, context_of(m, context), shape, stack)
        elif shape.type == "list" and shape.member is not None:
            visit(shapes[shape.member.shape], path + "[]", shape.member, context, shape, stack)
        elif shape.type == "map" and shape.key is not None and shape.value is not None:
            key_context = "uri" if member is not None and member.location == "headers" else context
            visit(shapes[shape.key.shape], path + "{key}", shape.key, key_context, shape, stack)
            visit(shapes[shape.value.shape], path + "{}", shape.value, context, shape, stack)

    visit(shapes[op.input], "", None, "any", None, ())
    return out


def put(c: Compiler, op: OperationSpec, params: dict[str, Any], path: str, value: Any) -> dict[str, Any] | None:
    """A copy of ``params`` with ``value`` at ``path`` (REMOVE deletes it); None when there is no way there."""
    shapes = c.service.shapes
    root: dict[str, Any] = {"": copy.deepcopy(params)}
    holder: Any = root
    key: Any = ""
    shape = shapes[op.input]  # type: ignore[index]  # callers put only into an operation with input
    walked, context = "", "any"
    parts = split(path)
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        current = holder[key]
        if part == "[]":
            if shape.member is None or not isinstance(current, list):
                return None
            sub = shapes[shape.member.shape]
            walked = walked + "[]"
            if not current:
                current.append(smallest(c, sub, walked, shape.member, context))
            holder, key, shape = current, 0, sub
        elif part in ("{}", "{key}"):
            if shape.key is None or shape.value is None or not isinstance(current, dict):
                return None
            ksub, vsub = shapes[shape.key.shape], shapes[shape.value.shape]
            if not current:
                current[smallest(c, ksub, walked + "{key}", shape.key, context)] = \
                    smallest(c, vsub, walked + "{}", shape.value, context)
            first = next(iter(current))
            if part == "{key}":
                if not last:
                    return None
                kept = current.pop(first)
                if value is REMOVE:
                    return None
                current[value] = kept
                return root[""]
            walked = walked + "{}"
            holder, key, shape = current, first, vsub
        else:
            m = shape.member_named(part) if shape.type == "structure" else None
            if m is None or not isinstance(current, dict):
                return None
            if not (last and value is REMOVE):  # the member is set: the rest of its one_of group goes
                for group in c.groups_at(walked):
                    if part in group:
                        for other in [k for k in current if k in group and k != part]:
                            del current[other]
            walked = join(walked, part)
            context = context_of(m, context)
            sub = shapes[m.shape]
            if shape.union and value is not REMOVE:
                for other in [k for k in current if k != part]:
                    del current[other]
            if part not in current and not last:
                current[part] = smallest(c, sub, walked, m, context)
            holder, key, shape = current, part, sub
    if value is REMOVE:
        if isinstance(holder, dict):
            holder.pop(key, None)
        else:
            return None
    else:
        holder[key] = value
    return root[""]
