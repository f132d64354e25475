"""Validate a decoded success body against its output schema and say what is wrong, in words.

Each problem names the operation and the place with botocore member names (``a.b``, ``a[2]``,
``a["key"]``), then what was expected and what came:
``UpdateJobExecution.executionState.versionNumber: expected integer, got "7"``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jsonschema
from jsonschema.exceptions import ValidationError

from specs.schema import output_schema
from specs.schema_check import Check, compile_check
from specs.types import OperationSpec, ServiceSpec, ShapeSpec

__all__ = ["Problem", "describe", "problems", "shape_problems", "validator"]

_LOCK = threading.Lock()
#: (id(service), id(op)) -> (service, op, validator, compiled check); the objects are kept so their
#: ids stay unique
_CACHE: dict[tuple[int, int], tuple[ServiceSpec, OperationSpec, Any, Check | None]] = {}
_CACHE_LIMIT = 4096
_MISSING = object()


def validator(op: OperationSpec, service: ServiceSpec) -> jsonschema.Draft202012Validator | None:
    """A cached ``Draft202012Validator`` of ``output_schema`` (format checking off), or None."""
    return _compiled(op, service)[0]


def _compiled(op: OperationSpec, service: ServiceSpec) -> tuple[Any, Check | None]:
    """jsonschema's validator of ``op``'s output and the compiled yes/no check (None: not compilable)."""
    key = (id(service), id(op))
    hit = _CACHE.get(key)
    if hit is not None and hit[0] is service and hit[1] is op:
        return hit[2], hit[3]
    schema = output_schema(op, service)
    v = fast = None
    if schema is not None:
        v = jsonschema.Draft202012Validator(schema)  # no format_checker: formats are not asserted
        fast = compile_check(schema)
    with _LOCK:
        if len(_CACHE) >= _CACHE_LIMIT:
            _CACHE.clear()
        _CACHE[key] = (service, op, v, fast)
    return v, fast


def _drop_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_nulls(v) for v in value]
    return value


@dataclass(frozen=True, slots=True)
class Problem:
    """One way a body breaks its output shape: where (``Op.a.b[2]``), what was expected there (from
    the model alone) and what came; ``key`` is the map key a key rule concerns."""

    place: str
    expected: str  # "expected integer", "expected a value (required member)"
    got: str
    key: str | None = None

    def __str__(self) -> str:
        where = self.place if self.key is None else f"{self.place} (key {self.key})"
        return f"{where}: {self.expected}, got {self.got}"


def problems(op: OperationSpec, service: ServiceSpec, body: Any) -> list[str]:
    """Every way ``body`` (the decoded raw success body) breaks ``op``'s output, one message each.

    Messages read ``UpdateJobExecution.executionState.versionNumber: expected integer, got "7"``.
    As botocore does, a JSON member whose value is null counts as absent.
    """
    return [str(p) for p in shape_problems(op, service, body)]


def shape_problems(op: OperationSpec, service: ServiceSpec, body: Any) -> list[Problem]:
    """``problems`` as values: the place and expectation apart from what came."""
    v, fast = _compiled(op, service)
    if v is None:
        return []
    if op.protocol in ("rest-json", "json"):
        body = _drop_nulls(body)
    if fast is not None and fast(body):
        return []
    out: list[Problem] = []
    seen: set[Problem] = set()
    errors = sorted(v.iter_errors(body), key=lambda e: [str(p) for p in e.absolute_path])
    for e in errors:
        for problem in _messages(op, service, e):
            if problem not in seen:
                seen.add(problem)
                out.append(problem)
    return out


# -- places -------------------------------------------------------------------------------------

def _place(op: OperationSpec, service: ServiceSpec, parts: list[Any]) -> str:
    """``Op.a.b[2]["k"]`` for the instance path ``parts``, using member names where known."""
    text = op.name
    shape: ShapeSpec | None = service.shapes.get(op.output) if op.output else None
    for part in parts:
        if shape is not None and shape.type == "structure" and isinstance(part, str):
            m = next((m for m in shape.members if m.wire_name == part), None)
            text += f".{m.name if m else part}"
            shape = service.shapes.get(m.shape) if m else None
        elif shape is not None and shape.type == "map" and shape.value is not None:
            text += f"[{json.dumps(part)}]"
            shape = service.shapes.get(shape.value.shape)
        elif shape is not None and shape.type == "list" and shape.member is not None:
            text += f"[{part}]"
            shape = service.shapes.get(shape.member.shape)
        else:
            text += f"[{part}]" if isinstance(part, int) else f".{part}"
            shape = None
    return text


def _got(value: Any) -> str:
    if value is _MISSING:
        return "nothing"
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


# -- expectations -------------------------------------------------------------------------------

_SIZED = {
    "minLength": ("at least", "characters", len), "maxLength": ("at most", "characters", len),
    "minItems": ("at least", "items", len), "maxItems": ("at most", "items", len),
    "minProperties": ("at least", "entries", len), "maxProperties": ("at most", "entries", len),
}


def _list(values: list[Any], limit: int = 12) -> str:
    shown = ", ".join(json.dumps(v) if not isinstance(v, str) else v for v in values[:limit])
    return f"[{shown}{', ...' if len(values) > limit else ''}]"


#: ``x-timestamp-format`` (a timestamp's wire format, asserted by its pattern) -> how to say it
_TIMESTAMPS = {"iso8601": "an ISO 8601 timestamp like 2026-12-04T21:12:33Z",
               "rfc822": "an RFC 822 timestamp like Fri, 04 Dec 2026 21:12:33 GMT",
               "unixTimestamp": "epoch seconds as decimal text like 1796418753"}


def describe(schema: dict[str, Any]) -> str:
    """A short reading of a (sub)schema: ``integer between 1 and 10080``, ``one of [-1]``."""
    if schema.get("x-timestamp-format") in _TIMESTAMPS:
        return _TIMESTAMPS[schema["x-timestamp-format"]]
    if "enum" in schema:
        return f"one of {_list(schema['enum'])}"
    if "anyOf" in schema:
        return " or ".join(describe(s) for s in schema["anyOf"])
    words = [str(schema.get("type", "a value"))]
    lo, hi = schema.get("minimum"), schema.get("maximum")
    if lo is not None and hi is not None:
        words.append(f"between {lo} and {hi}")
    elif lo is not None:
        words.append(f"at least {lo}")
    elif hi is not None:
        words.append(f"at most {hi}")
    if "pattern" in schema:
        words.append(f"matching {schema.get('x-java-pattern', schema['pattern'])}")
    return " ".join(words)


def _expected(e: ValidationError) -> tuple[str, Any]:
    """What the failing keyword expected, and what to show as what came."""
    kw = e.validator
    # the keyword's JSON value and the value it failed on (unset only on an error made by hand)
    val: Any = e.validator_value
    inst: Any = e.instance
    schema = e.schema if isinstance(e.schema, Mapping) else {}
    if kw in _SIZED:
        side, unit, measure = _SIZED[kw]
        return f"expected {side} {val} {unit}", measure(inst)
    if kw == "type":
        return f"expected {' or '.join(val) if isinstance(val, list) else val}", inst
    if kw == "enum":
        return f"expected one of {_list(list(val))}", inst
    if kw == "const":
        return f"expected {json.dumps(val)}", inst
    if kw == "pattern":
        fmt = schema.get("x-timestamp-format")
        if fmt in _TIMESTAMPS:
            return f"expected {_TIMESTAMPS[fmt]}", inst
        return f"expected a string matching {schema.get('x-java-pattern', val)}", inst
    if kw == "minimum":
        return f"expected at least {val}", inst
    if kw == "maximum":
        return f"expected at most {val}", inst
    if kw in ("anyOf", "oneOf"):
        return f"expected {' or '.join(describe(s) for s in val)}", inst
    return f"expected {kw} {json.dumps(val, default=str)[:60]}", inst


def _messages(op: OperationSpec, service: ServiceSpec, e: ValidationError) -> list[Problem]:
    parts = list(e.absolute_path)
    if e.validator == "required":
        present = e.instance if isinstance(e.instance, dict) else {}
        required: Any = e.validator_value  # the list of required names
        missing = [name for name in required if name not in present]
        return [Problem(_place(op, service, parts + [name]), "expected a value (required member)", "nothing")
                for name in missing]
    expected, got = _expected(e)
    key = json.dumps(e.instance) if "propertyNames" in e.absolute_schema_path else None
    return [Problem(_place(op, service, parts), expected, _got(got), key)]
