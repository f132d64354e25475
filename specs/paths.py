"""Paths: JMESPath is the overlays' one path language; a *place* is where a path lands in a shape tree.

An overlay writes every path in JMESPath. A path that names a place of a shape (a rule's ``path``, a
binding's member) uses a restricted subset, each form naming every value it can stand for:

- ``a.b`` a member of a structure; ``@`` the input itself (a ``one_of`` at the top);
- ``a[*]`` each item of a list;
- ``a.*`` each value of a map; ``keys(a)`` each key of a map (last only).

``compile_place`` walks the JMESPath syntax tree of such a path into the project's internal place,
the form the model, the strategies and the validator share: ``a.b``, ``a[]``, ``a{}``, ``a{key}``
(``split``/``join``/``resolve`` work on it). A path that reads an answer (``produces``, a state
machine's ``state_path``, a version ``field``, a list's ``id``, a sequence's ``expect``) is any of
these plus list indexes and flattening (``jobs[0].status``, ``queuedJobs[].jobId``), checked
against the output shape with ``resolve_answer`` and evaluated with ``search``.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import jmespath
from jmespath.exceptions import JMESPathError

from specs.types import ServiceSpec, ShapeSpec

__all__ = ["PathError", "compile_place", "jmespath_form", "join", "resolve", "resolve_answer", "search", "split"]

_SEGMENT = re.compile(r"([^.\[\]{}]+)((?:\[\]|\{\}|\{key\})*)")
_SUFFIX = re.compile(r"\[\]|\{\}|\{key\}")
#: the internal parts of an item, a map value, a map key
_ITEM, _VALUE, _KEY = "[]", "{}", "{key}"


class PathError(ValueError):
    pass


def split(path: str) -> list[str]:
    """An internal place into parts: ``a[].b{}`` -> ``['a', '[]', 'b', '{}']``."""
    parts: list[str] = []
    if path == "":
        return parts
    for seg in path.split("."):
        m = _SEGMENT.fullmatch(seg)
        if not m:
            raise PathError(f"bad path segment {seg!r} in {path!r}")
        parts.append(m.group(1))
        parts.extend(_SUFFIX.findall(m.group(2)))
    return parts


def join(parent: str, part: str) -> str:
    if part in (_ITEM, _VALUE, _KEY):
        return parent + part
    return f"{parent}.{part}" if parent else part


def jmespath_form(place: str) -> str:
    """An internal place written as an overlay writes it: ``a[].b{}`` -> ``a[*].b.*``."""
    out, key = "", False
    for part in split(place):
        if part == _ITEM:
            out += "[*]"
        elif part == _VALUE:
            out += ".*"
        elif part == _KEY:
            key = True
        else:
            out = f"{out}.{part}" if out else part
    return f"keys({out})" if key else (out or "@")


@functools.lru_cache(maxsize=1024)
def _parse(expr: str) -> dict[str, Any]:
    try:
        tree: dict[str, Any] = dict(jmespath.compile(expr).parsed)
        return tree
    except JMESPathError as exc:
        first = (str(exc).splitlines()[0] if str(exc) else type(exc).__name__).removesuffix(", for expression:")
        raise PathError(f"is not a JMESPath expression ({first})") from None


def _old_form(expr: str) -> str | None:
    """How to write ``expr`` now, when it is written in the old place syntax (``a[]``, ``a{}``, ``a{key}``, ``""``)."""
    if expr == "":
        return "@"
    if not _SUFFIX.search(expr):
        return None
    try:
        return jmespath_form(expr)
    except PathError:
        return None


def _parts(node: dict[str, Any], answer: bool) -> list[str]:
    """The internal parts a JMESPath node walks; PathError for what a place cannot be."""
    kind, kids = node["type"], node.get("children", [])
    if kind == "field":
        return [node["value"]]
    if kind in ("identity", "current"):
        return []
    if kind == "subexpression":
        return _parts(kids[0], answer) + _parts(kids[1], answer)
    if kind == "projection":  # over a flatten (``a[].b``), whose items the flatten already are
        items = [] if kids[0]["type"] == "flatten" else [_ITEM]
        return _parts(kids[0], answer) + items + _parts(kids[1], answer)
    if kind == "value_projection":
        return _parts(kids[0], answer) + [_VALUE] + _parts(kids[1], answer)
    if kind == "flatten" and answer:
        return _parts(kids[0], answer) + [_ITEM]
    if kind == "index_expression" and answer and kids[1]["type"] == "index":
        return _parts(kids[0], answer) + [_ITEM]
    if kind == "function_expression" and node["value"] == "keys" and len(kids) == 1 and not answer:
        return _parts(kids[0], answer) + [_KEY]
    what = {"flatten": "'[]' (write '[*]' for each item)",
            "index_expression": "an index (a place is every item: '[*]')",
            "function_expression": f"the function {node.get('value')}()"}.get(kind, f"a {kind.replace('_', ' ')}")
    raise PathError(f"uses {what}, which {'a path into an answer' if answer else 'a place'} cannot use")


def _place(expr: str, *, answer: bool) -> str:
    """The internal place JMESPath ``expr`` walks; PathError in one line, naming ``expr``."""
    now = _old_form(expr) if expr == "" or not answer or "{" in expr else None
    if now is not None:
        raise PathError(f"{expr!r} is the old path syntax: write {now!r} (JMESPath)")
    try:
        parts = _parts(_parse(expr), answer)
    except PathError as exc:
        raise PathError(f"{expr!r} {exc}") from None
    if _KEY in parts[:-1]:
        raise PathError(f"{expr!r}: keys() names map keys, which have no members: it goes last")
    place = ""
    for part in parts:
        place = join(place, part)
    return place


def compile_place(expr: str) -> str:
    """The internal place of ``expr``, a JMESPath place (``a.b``, ``a[*]``, ``a.*``, ``keys(a)``, ``@``);
    a path in the old syntax gets a PathError saying how to write it now."""
    return _place(expr, answer=False)


def resolve_answer(service: ServiceSpec, root: str | None, expr: str) -> ShapeSpec:
    """The shape ``expr``, a JMESPath path reading an answer, lands on below the shape ``root``."""
    return resolve(service, root, _place(expr, answer=True), shown=expr)


def resolve(service: ServiceSpec, root: str | None, path: str, *, shown: str | None = None) -> ShapeSpec:
    """The shape at the internal place ``path`` below the shape named ``root``; PathError names what
    is missing (``shown``: the path as the overlay wrote it)."""
    if root is None:
        raise PathError(f"{shown if shown is not None else path}: the operation has no such shape")
    shape = service.shapes[root]
    walked = ""
    for part in split(path):
        if part == _ITEM:
            if shape.type != "list" or shape.member is None:
                raise PathError(f"{jmespath_form(walked)}: is a {shape.type}, not a list")
            shape = service.shapes[shape.member.shape]
        elif part in (_VALUE, _KEY):
            if shape.type != "map" or shape.key is None or shape.value is None:
                raise PathError(f"{jmespath_form(walked)}: is a {shape.type}, not a map")
            shape = service.shapes[(shape.value if part == _VALUE else shape.key).shape]
        else:
            m = shape.member_named(part) if shape.type == "structure" else None
            if m is None:
                known = ", ".join(x.name for x in shape.members) or "none"
                raise PathError(f"{jmespath_form(join(walked, part))}: {shape.name} has no member {part!r} "
                                f"(members: {known})")
            shape = service.shapes[m.shape]
        walked = join(walked, part)
    return shape


@functools.lru_cache(maxsize=1024)
def _compiled(expr: str) -> Any:
    return jmespath.compile(expr)


def search(expr: str, data: Any) -> Any:
    """``expr`` (JMESPath, compiled once) evaluated on ``data``; None where a part is missing."""
    return _compiled(expr).search(data)
