"""Generic input validation against the botocore model: required members, types, length and value
bounds, patterns (Java dialect, Smithy search semantics) and enums.

Each shape is compiled once into a checker ``(value, path) -> Problem | None``; an operation's
validator is cached, so a request costs one walk over its params and none over the model. The
first problem found is returned; paths read ``statusDetails['k']``, ``targets[0]``,
``timeoutConfig.inProgressTimeoutInMinutes``.
"""

from __future__ import annotations

import datetime as _dt
import functools
from collections.abc import Callable
from typing import Any

from botocore.model import Shape

from emulator.core import Problem
from emulator.model import operation_model
from specs.javaregex import compile_pattern

__all__ = ["Checker", "compile_shape", "validate", "validator"]

Checker = Callable[[Any, str], "Problem | None"]
_TYPE_NAMES = {
    str: "a string",
    int: "an integer",
    float: "a number",
    bool: "a boolean",
    dict: "an object",
    list: "a list",
    bytes: "bytes",
    type(None): "null",
}


def _got(value: Any) -> str:
    return _TYPE_NAMES.get(type(value), type(value).__name__)


def _show(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _sub(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _bounds(shape: Shape) -> tuple[Any, Any]:
    meta = shape.metadata
    return meta.get("min"), meta.get("max")


def _sized(kind: str, unit: str, shape: Shape, inner: Checker | None = None) -> Checker:
    lo, hi = _bounds(shape)

    def check(value: Any, path: str) -> Problem | None:
        n = len(value)
        if lo is not None and n < lo:
            return Problem(path, "min_length", f"expected at least {lo} {unit}, got {n}")
        if hi is not None and n > hi:
            return Problem(path, "max_length", f"expected at most {hi} {unit}, got {n}")
        return inner(value, path) if inner is not None else None

    return check


def _string(shape: Shape) -> Checker:
    lo, hi = _bounds(shape)
    pattern = shape.metadata.get("pattern")
    search = compile_pattern(pattern).search if pattern else None
    enum = frozenset(shape.metadata.get("enum") or ())
    enum_text = ", ".join(sorted(enum))

    def check(value: Any, path: str) -> Problem | None:
        if type(value) is not str:
            return Problem(path, "type", f"expected a string, got {_got(value)}")
        if lo is not None and len(value) < lo:
            return Problem(path, "min_length", f"expected at least {lo} characters, got {len(value)}")
        if hi is not None and len(value) > hi:
            return Problem(path, "max_length", f"expected at most {hi} characters, got {len(value)}")
        if enum and value not in enum:
            return Problem(path, "enum", f"expected one of [{enum_text}], got {_show(value)}")
        if search is not None and search(value) is None:
            return Problem(path, "pattern", f"expected to match the pattern {pattern!r}, got {_show(value)}")
        return None

    return check


def _number(shape: Shape, integral: bool) -> Checker:
    lo, hi = _bounds(shape)
    kinds: tuple[type, ...] = (int,) if integral else (int, float)
    expected = "an integer" if integral else "a number"

    def check(value: Any, path: str) -> Problem | None:
        if type(value) not in kinds:
            return Problem(path, "type", f"expected {expected}, got {_got(value)}")
        if lo is not None and value < lo:
            return Problem(path, "min", f"expected at least {lo}, got {value}")
        if hi is not None and value > hi:
            return Problem(path, "max", f"expected at most {hi}, got {value}")
        return None

    return check


def _typed(kind: type | tuple[type, ...], expected: str) -> Checker:
    def check(value: Any, path: str) -> Problem | None:
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            return Problem(path, "type", f"expected {expected}, got {_got(value)}")
        return None

    return check


def _blob(shape: Shape) -> Checker:
    sized = _sized("blob", "bytes", shape)

    def check(value: Any, path: str) -> Problem | None:
        if not isinstance(value, (bytes, bytearray)):
            return Problem(path, "type", f"expected bytes, got {_got(value)}")
        return sized(value, path)

    return check


def _list(shape: Shape, memo: dict[Any, Checker]) -> Checker:
    item = compile_shape(shape.member, memo)

    def items(value: list[Any], path: str) -> Problem | None:
        for i, v in enumerate(value):
            p = item(v, f"{path}[{i}]")
            if p is not None:
                return p
        return None

    sized = _sized("list", "items", shape, items)

    def check(value: Any, path: str) -> Problem | None:
        if type(value) is not list:
            return Problem(path, "type", f"expected a list, got {_got(value)}")
        return sized(value, path)

    return check


def _map(shape: Shape, memo: dict[Any, Checker]) -> Checker:
    key = compile_shape(shape.key, memo)
    val = compile_shape(shape.value, memo)

    def entries(value: dict[Any, Any], path: str) -> Problem | None:
        for k, v in value.items():
            sub = f"{path}[{k!r}]"
            p = key(k, sub)
            if p is not None:
                return Problem(p.path, p.rule, f"key {p.message}")
            p = val(v, sub)
            if p is not None:
                return p
        return None

    sized = _sized("map", "entries", shape, entries)

    def check(value: Any, path: str) -> Problem | None:
        if type(value) is not dict:
            return Problem(path, "type", f"expected an object, got {_got(value)}")
        return sized(value, path)

    return check


def _structure(shape: Shape, memo: dict[Any, Checker]) -> Checker:
    required = tuple(shape.required_members)
    members = tuple((name, compile_shape(m, memo)) for name, m in shape.members.items())
    union = bool(shape.metadata.get("union"))

    def check(value: Any, path: str) -> Problem | None:
        if type(value) is not dict:
            return Problem(path, "type", f"expected an object, got {_got(value)}")
        for name in required:
            if value.get(name) is None:
                return Problem(_sub(path, name), "required", "a required member is missing")
        for name, checker in members:
            v = value.get(name)
            if v is not None:
                p = checker(v, _sub(path, name))
                if p is not None:
                    return p
        if union and sum(1 for v in value.values() if v is not None) != 1:
            return Problem(path, "union", "expected exactly one member to be set")
        return None

    return check


def compile_shape(shape: Shape, memo: dict[Any, Checker] | None = None) -> Checker:
    """The checker of ``shape``; recursive shapes are resolved through ``memo``."""
    memo = {} if memo is None else memo
    meta = shape.metadata
    key = (shape.name, repr(meta.get("min")), repr(meta.get("max")), meta.get("pattern"))
    found = memo.get(key)
    if found is not None:
        return found
    cell: list[Checker] = []
    memo[key] = lambda v, p: cell[0](v, p)
    t = shape.type_name
    if t == "structure":
        checker = _structure(shape, memo)
    elif t == "list":
        checker = _list(shape, memo)
    elif t == "map":
        checker = _map(shape, memo)
    elif t in ("string", "character"):
        checker = _string(shape)
    elif t in ("integer", "long", "short", "byte", "biginteger"):
        checker = _number(shape, integral=True)
    elif t in ("float", "double", "bigdecimal"):
        checker = _number(shape, integral=False)
    elif t == "boolean":
        checker = _typed(bool, "a boolean")
    elif t == "timestamp":
        checker = _typed(_dt.datetime, "a timestamp")
    elif t == "blob":
        checker = _blob(shape)
    else:  # document and anything newer: any JSON value
        checker = _accept
    cell.append(checker)
    memo[key] = checker
    return checker


def _accept(value: Any, path: str) -> Problem | None:
    return None


@functools.cache
def validator(service: str, operation: str) -> Callable[[dict[str, Any]], Problem | None]:
    """The compiled validator of an operation's input (accepts anything when it has none)."""
    shape = operation_model(service, operation).input_shape
    if shape is None:
        return lambda params: None
    checker = compile_shape(shape)
    return lambda params: checker(params, "")


def validate(service: str, operation: str, params: dict[str, Any]) -> Problem | None:
    """The first problem of ``params`` against the input of ``service.operation``, or None."""
    return validator(service, operation)(params)
