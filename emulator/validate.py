"""Generic input validation against the botocore model: required members, types, length and value
bounds, patterns (Java dialect; the whole value must match, as AWS checks it) and enums.

Each shape is compiled once into a checker ``(value, path, aws_path, out)`` that appends every
problem it finds; an operation's validator is cached, so a request costs one walk over its params
and none over the model. Paths read ``statusDetails['k']``, ``targets[0]``,
``timeoutConfig.inProgressTimeoutInMinutes``.

A broken constraint is also worded as AWS words it (``Problem.aws``): ``Value 'x!' at 'thingName'
failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9:_-]+``, the
member path in AWS's form (``targets.1.member``; a map's key or value is reported at the map, as
``Map keys must satisfy constraint: [...]``). ``validator`` returns every problem of a request as
one ``Problem`` whose ``aws`` reads ``N validation errors detected: ...; ...``, the answer the
services give (docs/checks.md, "Validation errors").
"""

from __future__ import annotations

import datetime as _dt
import functools
from collections.abc import Callable
from typing import Any

from botocore.model import ListShape, MapShape, Shape, StructureShape

from emulator.core import Problem
from emulator.model import operation_model
from specs.javaregex import matcher

__all__ = ["Checker", "aws_failure", "aws_value", "compile_shape", "summarise", "validate", "validator"]

Checker = Callable[[Any, str, str, list[Problem]], None]
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


def aws_value(value: Any) -> str:
    """A value as AWS's messages print it (Java's ``toString``): ``x``, ``5``, ``[a, b]``, ``{k=v}``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{aws_value(k)}={aws_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(aws_value(v) for v in value) + "]"
    if isinstance(value, (bytes, bytearray)):
        return "java.nio.HeapByteBuffer"
    return str(value)


def _aws(value: Any, at: str, constraint: str) -> str:
    shown = "null" if value is None else f"'{aws_value(value)}'"
    return f"Value {shown} at '{at}' failed to satisfy constraint: {constraint}"


def aws_failure(value: Any, at: str, constraint: str) -> str:
    """One broken constraint as the whole message AWS answers: ``1 validation error detected:
    Value '...' at 'at' failed to satisfy constraint: constraint`` (for a rule a backend checks)."""
    return f"1 validation error detected: {_aws(value, at, constraint)}"


def _length_words(lo: Any, hi: Any, n: int) -> tuple[str, str] | None:
    if lo is not None and n < lo:
        return "min_length", f"Member must have length greater than or equal to {lo}"
    if hi is not None and n > hi:
        return "max_length", f"Member must have length less than or equal to {hi}"
    return None


def _sized(unit: str, shape: Shape, inner: Checker | None = None) -> Checker:
    lo, hi = shape.metadata.get("min"), shape.metadata.get("max")

    def check(value: Any, path: str, at: str, out: list[Problem]) -> None:
        n = len(value)
        broken = _length_words(lo, hi, n)
        if broken is not None:
            rule, words = broken
            side, bound = ("at least", lo) if rule == "min_length" else ("at most", hi)
            out.append(Problem(path, rule, f"expected {side} {bound} {unit}, got {n}", _aws(value, at, words)))
        if inner is not None:
            inner(value, path, at, out)

    return check


def _string(shape: Shape) -> Checker:
    meta = shape.metadata
    lo, hi = meta.get("min"), meta.get("max")
    pattern = meta.get("pattern")
    conforms = matcher(pattern) if pattern else None
    enum = tuple(meta.get("enum") or ())
    enum_set = frozenset(enum)
    enum_text = ", ".join(sorted(enum))

    def check(value: Any, path: str, at: str, out: list[Problem]) -> None:
        if type(value) is not str:
            out.append(Problem(path, "type", f"expected a string, got {_got(value)}"))
            return
        broken = _length_words(lo, hi, len(value))
        if broken is not None:
            rule, words = broken
            side, bound = ("at least", lo) if rule == "min_length" else ("at most", hi)
            out.append(Problem(path, rule, f"expected {side} {bound} characters, got {len(value)}",
                               _aws(value, at, words)))
        if enum and value not in enum_set:
            out.append(Problem(path, "enum", f"expected one of [{enum_text}], got {_show(value)}",
                               _aws(value, at, f"Member must satisfy enum value set: [{', '.join(enum)}]")))
        if conforms is not None and not conforms(value):
            out.append(Problem(path, "pattern", f"expected the whole value to match the pattern {pattern!r}, "
                                                f"got {_show(value)}",
                               _aws(value, at, f"Member must satisfy regular expression pattern: {pattern}")))

    return check


def _number(shape: Shape, integral: bool) -> Checker:
    lo, hi = shape.metadata.get("min"), shape.metadata.get("max")
    kinds: tuple[type, ...] = (int,) if integral else (int, float)
    expected = "an integer" if integral else "a number"

    def check(value: Any, path: str, at: str, out: list[Problem]) -> None:
        if type(value) not in kinds:
            out.append(Problem(path, "type", f"expected {expected}, got {_got(value)}"))
        elif lo is not None and value < lo:
            out.append(Problem(path, "min", f"expected at least {lo}, got {value}",
                               _aws(value, at, f"Member must have value greater than or equal to {lo}")))
        elif hi is not None and value > hi:
            out.append(Problem(path, "max", f"expected at most {hi}, got {value}",
                               _aws(value, at, f"Member must have value less than or equal to {hi}")))

    return check


def _typed(kind: type | tuple[type, ...], expected: str) -> Checker:
    def check(value: Any, path: str, at: str, out: list[Problem]) -> None:
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            out.append(Problem(path, "type", f"expected {expected}, got {_got(value)}"))

    return check


def _blob(shape: Shape) -> Checker:
    sized = _sized("bytes", shape)

    def check(value: Any, path: str, at: str, out: list[Problem]) -> None:
        if not isinstance(value, (bytes, bytearray)):
            out.append(Problem(path, "type", f"expected bytes, got {_got(value)}"))
        else:
            sized(value, path, at, out)

    return check


def _list(shape: ListShape, memo: dict[Any, Checker]) -> Checker:
    item = compile_shape(shape.member, memo)

    def items(value: list[Any], path: str, at: str, out: list[Problem]) -> None:
        for i, v in enumerate(value):
            item(v, f"{path}[{i}]", f"{at}.{i + 1}.member", out)

    sized = _sized("items", shape, items)

    def check(value: Any, path: str, at: str, out: list[Problem]) -> None:
        if type(value) is not list:
            out.append(Problem(path, "type", f"expected a list, got {_got(value)}"))
        else:
            sized(value, path, at, out)

    return check


def _map(shape: MapShape, memo: dict[Any, Checker]) -> Checker:
    key = compile_shape(shape.key, memo)
    val = compile_shape(shape.value, memo)

    def entries(value: dict[Any, Any], path: str, at: str, out: list[Problem]) -> None:
        keys: list[Problem] = []
        values: list[Problem] = []
        for k, v in value.items():
            sub = f"{path}[{k!r}]"
            found: list[Problem] = []
            key(k, sub, at, found)
            keys += [Problem(p.path, p.rule, f"key {p.message}", p.aws) for p in found]
            val(v, sub, at, values)
        for side, found in (("Map keys", keys), ("Map value", values)):
            if found and all(p.aws for p in found):  # AWS reports a map's keys (values) once, at the map
                words = dict.fromkeys(p.aws.split("failed to satisfy constraint: ", 1)[1] for p in found)
                first = found[0]
                out.append(Problem(first.path, first.rule, first.message,
                                   _aws(value, at, f"{side} must satisfy constraint: [{', '.join(words)}]")))
            else:
                out.extend(found)

    sized = _sized("entries", shape, entries)

    def check(value: Any, path: str, at: str, out: list[Problem]) -> None:
        if type(value) is not dict:
            out.append(Problem(path, "type", f"expected an object, got {_got(value)}"))
        else:
            sized(value, path, at, out)

    return check


def _structure(shape: StructureShape, memo: dict[Any, Checker]) -> Checker:
    required = tuple(shape.required_members)
    members = tuple((name, compile_shape(m, memo)) for name, m in shape.members.items())
    union = bool(shape.metadata.get("union"))

    def check(value: Any, path: str, at: str, out: list[Problem]) -> None:
        if type(value) is not dict:
            out.append(Problem(path, "type", f"expected an object, got {_got(value)}"))
            return
        for name in required:
            if value.get(name) is None:
                out.append(Problem(_sub(path, name), "required", "a required member is missing",
                                   _aws(None, _sub(at, name), "Member must not be null")))
        for name, checker in members:
            v = value.get(name)
            if v is not None:
                checker(v, _sub(path, name), _sub(at, name), out)
        if union and sum(1 for v in value.values() if v is not None) != 1:
            out.append(Problem(path, "union", "expected exactly one member to be set"))

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
    memo[key] = lambda v, p, a, o: cell[0](v, p, a, o)
    t = shape.type_name
    if isinstance(shape, StructureShape):
        checker = _structure(shape, memo)
    elif isinstance(shape, ListShape):
        checker = _list(shape, memo)
    elif isinstance(shape, MapShape):
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


def _accept(value: Any, path: str, at: str, out: list[Problem]) -> None:
    return None


def summarise(problems: list[Problem]) -> Problem | None:
    """The problems of one request as one: the first's path, rule and message, and, when every
    one is a broken constraint, AWS's whole answer: ``N validation error(s) detected: a; b``."""
    if not problems:
        return None
    first = problems[0]
    worded = [p.aws for p in problems if p.aws]
    if len(worded) != len(problems):  # a wrong type or a union: the project's own words
        bad = next(p for p in problems if not p.aws)
        return Problem(bad.path, bad.rule, bad.message)
    n = len(worded)
    return Problem(first.path, first.rule, first.message,
                   f"{n} validation error{'' if n == 1 else 's'} detected: {'; '.join(worded)}")


@functools.cache
def validator(service: str, operation: str) -> Callable[[dict[str, Any]], Problem | None]:
    """The compiled validator of an operation's input: every problem of a call as one
    (``summarise``), or None (it accepts anything when the operation has no input)."""
    shape = operation_model(service, operation).input_shape
    if shape is None:
        return lambda params: None
    checker = compile_shape(shape)

    def check(params: dict[str, Any]) -> Problem | None:
        out: list[Problem] = []
        checker(params, "", "", out)
        return summarise(out)

    return check


def validate(service: str, operation: str, params: dict[str, Any]) -> Problem | None:
    """The problems of ``params`` against the input of ``service.operation`` (``summarise``), or None."""
    return validator(service, operation)(params)
