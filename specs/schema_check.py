"""A plain-Python yes/no check compiled from one of our JSON Schemas: the fast path of
``schema_problems.problems``.

jsonschema walks the schema anew for every instance (about 200 µs for an IoT DescribeJobExecution
body); the check compiled here, once per schema, answers whether the instance is valid in a few
microseconds. ``problems`` asks it first and runs jsonschema only when it says no, to word what is
wrong, so the answer is jsonschema's either way. The compiler knows the keywords
``specs.schema`` writes, with jsonschema's Draft 2020-12 meaning (no format assertion); a schema
with any other keyword gets no compiled check (``compile_check`` returns None) and always goes
through jsonschema.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

__all__ = ["Check", "compile_check"]

Check = Callable[[Any], bool]

#: keywords that only annotate: no effect on validity (formats are not asserted; a timestamp's wire
#: format is, by its ``pattern``; ``x-timestamp-format`` only names it)
_ANNOTATIONS = frozenset({"$schema", "title", "description", "format", "contentEncoding", "x-java-pattern",
                          "x-timestamp-format", "$defs", "$comment", "examples", "default", "deprecated",
                          "readOnly", "writeOnly"})
_KNOWN = _ANNOTATIONS | {"$ref", "type", "enum", "pattern", "minLength", "maxLength", "minimum", "maximum",
                         "required", "properties", "additionalProperties", "items", "minItems", "maxItems",
                         "minProperties", "maxProperties", "propertyNames"}


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


_TYPES: dict[str, Check] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "number": _is_number,
    "integer": lambda v: _is_number(v) and (isinstance(v, int) or v.is_integer()),
}


class _Unsupported(Exception):
    """The schema uses something this compiler does not know."""


def compile_check(schema: dict[str, Any]) -> Check | None:
    """A function telling whether an instance is valid against ``schema``; None if not compilable."""
    defs = schema.get("$defs", {})
    compiled: dict[str, Check] = {}

    def ref(target: str) -> Check:
        if not target.startswith("#/$defs/") or target[8:] not in defs:
            raise _Unsupported(target)
        name = target[8:]
        if name not in compiled:
            compiled[name] = lambda v: compiled[name](v)  # a placeholder while recursing
            compiled[name] = node(defs[name])
        return lambda v: compiled[name](v)

    def node(s: Any) -> Check:
        if s is True or s == {}:
            return lambda v: True
        if s is False:
            return lambda v: False
        if not isinstance(s, dict) or set(s) - _KNOWN:
            raise _Unsupported(s)
        parts: list[Check] = []
        if "$ref" in s:
            parts.append(ref(s["$ref"]))
        if "type" in s:
            types = s["type"] if isinstance(s["type"], list) else [s["type"]]
            tests = [_TYPES[t] for t in types]
            parts.append(tests[0] if len(tests) == 1 else lambda v: any(t(v) for t in tests))
        if "enum" in s:
            values = s["enum"]
            if not all(isinstance(e, str) for e in values):
                raise _Unsupported(values)
            allowed = frozenset(values)
            parts.append(lambda v: isinstance(v, str) and v in allowed)
        parts += _bounds(s) + _members(s, node)
        if len(parts) == 1:
            return parts[0]
        checks = tuple(parts)

        def every(v: Any) -> bool:
            return all(check(v) for check in checks)
        return every

    try:
        return node(schema)
    except (_Unsupported, KeyError, re.error):
        return None


#: keyword -> (the instances it applies to, what it measures, whether the measure may be above the
#: bound (a minimum) or below it (a maximum))
_BOUNDS: dict[str, tuple[Check, Callable[[Any], Any], bool]] = {
    "minLength": (_TYPES["string"], len, True), "maxLength": (_TYPES["string"], len, False),
    "minimum": (_is_number, lambda v: v, True), "maximum": (_is_number, lambda v: v, False),
    "minItems": (_TYPES["array"], len, True), "maxItems": (_TYPES["array"], len, False),
    "minProperties": (_TYPES["object"], len, True), "maxProperties": (_TYPES["object"], len, False),
}


def _bound(applies: Check, measure: Callable[[Any], Any], is_min: bool, limit: Any) -> Check:
    if is_min:
        return lambda v: not applies(v) or measure(v) >= limit
    return lambda v: not applies(v) or measure(v) <= limit


def _bounds(s: dict[str, Any]) -> list[Check]:
    out = [_bound(*_BOUNDS[k], s[k]) for k in _BOUNDS if k in s]
    if "pattern" in s:
        search = re.compile(s["pattern"]).search
        out.append(lambda v: not isinstance(v, str) or search(v) is not None)
    if "required" in s:
        required = tuple(s["required"])
        out.append(lambda v: not isinstance(v, dict) or all(k in v for k in required))
    return out


def _members(s: dict[str, Any], node: Callable[[Any], Check]) -> list[Check]:
    """``properties``, ``additionalProperties``, ``propertyNames`` and ``items``."""
    out: list[Check] = []
    props = {k: node(sub) for k, sub in s.get("properties", {}).items()}
    extra = node(s["additionalProperties"]) if "additionalProperties" in s else None
    names = node(s["propertyNames"]) if "propertyNames" in s else None
    if props or extra is not None or names is not None:
        def members(v: Any) -> bool:
            if not isinstance(v, dict):
                return True
            for k, item in v.items():
                if names is not None and not names(k):
                    return False
                check = props.get(k, extra)
                if check is not None and not check(item):
                    return False
            return True
        out.append(members)
    if "items" in s:
        item = node(s["items"])
        out.append(lambda v: not isinstance(v, list) or all(item(x) for x in v))
    return out
