"""The project's own input validator: every rule of an operation's input, by source.

``validate(op, service, params, sources=...)`` checks the parameters of one call (boto3 form, member
names) against the model's rules (required, type, min/max value, min/max length, pattern (the whole
value must match, as AWS checks it), enum, union) and the operation's rules of the chosen sources
(min, max, also, min_length, max_length, pattern, allowed, required, one_of, page_token, format, absent,
exclusive, required_when).
Every problem is returned, at most one a rule kind and place: when several rules of one kind are
broken at one place (a model ``min`` and a tighter doc ``min``), the most authoritative source is
named, and a value outside the enum is not reported again for an ``allowed`` subset.

A ``one_of`` group is broken when not exactly one of its members is present, an ``exclusive`` group
when more than one is, an ``absent`` member when it is present, a ``required_when`` member when it is
missing while its condition holds (its sibling is set, or has one of the rule's values; a null
counts as absent throughout). A page token cannot be
checked by value: whether it came from an earlier page is not in the call, so any token is reported
when the rule's source is chosen (the loader's page-token rules are ``inferred``: validating the
calls of a real pagination with the model and doc sources reports nothing).

An operation is compiled once (per sources) into checkers; a call costs one walk over its params.
Problem paths are spec paths (``statusDetails{}``); messages name the concrete place:
``UpdateJobExecution.statusDetails['k']: expected at most 1024 characters, got 5000``.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from specs.javaregex import JavaRegexError, matcher
from specs.paths import join
from specs.rules import INTEGERS, NUMBERS, condition_holds, condition_words, most_authoritative, shape_rules
from specs.types import SOURCES, OperationSpec, Rule, ServiceSpec, ShapeSpec

__all__ = ["Problem", "format_problem", "validate", "validator"]


@dataclass(frozen=True, slots=True)
class Problem:
    path: str  # spec path of the place: "statusDetails{}", "targets[]", "" for the whole input
    rule: str  # required | type | enum | allowed | min | max | min_length | max_length | pattern | union |
    #            one_of | exclusive | absent | required_when | page_token | unknown
    source: str  # model | doc | inferred
    message: str

    def __str__(self) -> str:
        return self.message


Checker = Callable[[Any, str, str, list[Problem]], None]

_TYPE_WORDS = {
    "string": "a string", "character": "a string", "boolean": "a boolean", "timestamp": "a timestamp",
    "blob": "bytes", "structure": "an object", "list": "a list", "map": "an object",
}
_GOT = {str: "a string", int: "an integer", float: "a number", bool: "a boolean", dict: "an object",
        list: "a list", tuple: "a list", bytes: "bytes", type(None): "null"}
_UNITS = {"string": "characters", "character": "characters", "blob": "bytes", "list": "items", "map": "entries"}


def _got(value: Any) -> str:
    text = repr(value)
    text = text if len(text) <= 40 else text[:37] + "..."
    return f"{_GOT.get(type(value), type(value).__name__)} ({text})"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _is_json(value: Any, depth: int = 0) -> bool:
    if depth > 64:
        return False
    if value is None or isinstance(value, (bool, int, float, str)):
        return True
    if isinstance(value, (list, tuple)):
        return all(_is_json(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_json(v, depth + 1) for k, v in value.items())
    return False


def format_problem(fmt: str, text: str) -> str | None:
    """Why ``text`` is not a document of ``fmt`` (``json``: one JSON value, RFC 8259), or None."""
    if fmt != "json":
        return None
    if not text.strip():
        return "an empty string" if not text else "only white space"
    try:
        json.loads(text)
    except ValueError as exc:
        return f"text that is not JSON ({exc.args[0].split(':')[0] if exc.args else exc}): {_short(text)}"
    return None


#: shape type -> does a Python value have the type botocore's serializers expect
_TYPES: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "character": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "timestamp": lambda v: isinstance(v, (_dt.datetime, _dt.date, int, float, str)) and not isinstance(v, bool),
    "blob": lambda v: isinstance(v, (bytes, bytearray, str)) or hasattr(v, "read"),
    "structure": lambda v: isinstance(v, dict),
    "list": lambda v: isinstance(v, (list, tuple)),
    "map": lambda v: isinstance(v, dict),
}
for _t in INTEGERS:
    _TYPES[_t] = lambda v: isinstance(v, int) and not isinstance(v, bool)
for _t in NUMBERS - INTEGERS:
    _TYPES[_t] = lambda v: isinstance(v, (int, float, decimal.Decimal)) and not isinstance(v, bool)


def _concrete(cpath: str, part: str) -> str:
    return f"{cpath}.{part}" if cpath else part


class _Compiler:
    """Turns the input shape tree of one operation into checkers, for one set of sources."""

    def __init__(self, op: OperationSpec, service: ServiceSpec, sources: tuple[str, ...]) -> None:
        self.op, self.service, self.sources = op, service, sources
        self.overlay = tuple(r for r in op.rules if r.source in sources)
        self.generic: dict[str, Checker] = {}
        self.where = op.name

    def problem(self, out: list[Problem], gpath: str, cpath: str, rule: str, source: str, text: str) -> None:
        where = f"{self.where}.{cpath}" if cpath else self.where
        out.append(Problem(gpath, rule, source, f"{where}: {text}"))

    def _specific(self, gpath: str) -> bool:
        if gpath == "":
            return bool(self.overlay)
        return any(r.path == gpath or r.path.startswith((gpath + ".", gpath + "[", gpath + "{"))
                   for r in self.overlay)

    def compile(self, shape: ShapeSpec, gpath: str) -> Checker:
        if self._specific(gpath):
            return self._build(shape, gpath, True)
        found = self.generic.get(shape.name)
        if found is not None:
            return found
        cell: list[Checker] = []
        self.generic[shape.name] = lambda v, g, c, out: cell[0](v, g, c, out)
        built = self._build(shape, gpath, False)
        cell.append(built)
        self.generic[shape.name] = built
        return built

    def _rules(self, shape: ShapeSpec, gpath: str, specific: bool) -> list[Rule]:
        rules = [r for r in shape_rules(shape, gpath) if r.source in self.sources]
        if specific:
            rules += [r for r in self.overlay if r.path == gpath]
        return rules

    def _build(self, shape: ShapeSpec, gpath: str, specific: bool) -> Checker:
        if shape.document:
            return self._document()
        kind = "union" if shape.union else shape.type
        builder = _BUILDERS.get(kind, _BUILDERS["string"])
        typed = _TYPES.get(shape.type, _TYPES["string"])
        word = _TYPE_WORDS.get(shape.type, "an integer" if shape.type in INTEGERS else "a number")
        inner = builder(self, shape, gpath, self._rules(shape, gpath, specific))
        problem = self.problem

        def check(value: Any, g: str, c: str, out: list[Problem]) -> None:
            if not typed(value):
                problem(out, g, c, "type", "model", f"expected {word}, got {_got(value)}")
                return
            inner(value, g, c, out)

        return check

    def _document(self) -> Checker:
        problem = self.problem

        def check(value: Any, g: str, c: str, out: list[Problem]) -> None:
            if not _is_json(value):
                problem(out, g, c, "type", "model", f"expected a JSON value, got {_got(value)}")

        return check

    # -- scalars ----------------------------------------------------------------------------------

    def scalar(self, shape: ShapeSpec, gpath: str, rules: list[Rule]) -> Callable[[Any, str, str, list[Problem]], None]:
        problem = self.problem
        by: dict[str, list[Rule]] = {}
        for r in rules:
            by.setdefault(r.kind, []).append(r)
        mins, maxs = by.get("min", []), by.get("max", [])
        also = frozenset(v for r in by.get("also", ()) for v in r.value)
        len_mins, len_maxs = by.get("min_length", []), by.get("max_length", [])
        unit = _UNITS.get(shape.type, "characters")
        enum = by.get("enum", [None])[0]
        enum_set = frozenset(enum.value) if enum else None
        allowed = [(r, frozenset(r.value)) for r in by.get("allowed", ())]
        patterns = []
        for r in by.get("pattern", ()):
            try:
                patterns.append((r, matcher(r.value)))
            except (JavaRegexError, re.error):
                continue
        is_blob = shape.type == "blob"
        numeric = bool(mins or maxs)
        sized = bool(len_mins or len_maxs)
        token = most_authoritative(by["page_token"]) if "page_token" in by else None
        fmt = most_authoritative(by["format"]) if "format" in by else None

        def check(value: Any, g: str, c: str, out: list[Problem]) -> None:
            if token is not None:
                problem(out, g, c, "page_token", token.source,
                        f"expected a token an earlier page gave ({token.value}), got {_short(value)}")
            if enum is not None and enum_set is not None and value not in enum_set:
                problem(out, g, c, "enum", enum.source, f"expected one of {sorted(enum_set)}, got {_short(value)}")
            elif allowed:
                bad = [r for r, s in allowed if value not in s]
                if bad:
                    r = most_authoritative(bad)
                    problem(out, g, c, "allowed", r.source, f"expected one of {list(r.value)}, got {_short(value)}")
            if numeric:
                exempt = value in also and not isinstance(value, bool)
                bad = [r for r in mins if value < r.value and not (exempt and r.source != "model")]
                if bad:
                    r = most_authoritative(bad)
                    problem(out, g, c, "min", r.source, f"expected at least {r.value}, got {value}")
                bad = [r for r in maxs if value > r.value and not (exempt and r.source != "model")]
                if bad:
                    r = most_authoritative(bad)
                    problem(out, g, c, "max", r.source, f"expected at most {r.value}, got {value}")
            if sized:
                n = len(value.encode() if is_blob and isinstance(value, str) else value)
                bad = [r for r in len_mins if n < r.value]
                if bad:
                    r = most_authoritative(bad)
                    problem(out, g, c, "min_length", r.source, f"expected at least {r.value} {unit}, got {n}")
                bad = [r for r in len_maxs if n > r.value]
                if bad:
                    r = most_authoritative(bad)
                    problem(out, g, c, "max_length", r.source, f"expected at most {r.value} {unit}, got {n}")
            if patterns and isinstance(value, str):
                bad = [r for r, conforms in patterns if not conforms(value)]
                if bad:
                    r = most_authoritative(bad)
                    problem(out, g, c, "pattern", r.source,
                            f"expected the whole value to match {r.value!r}, got {_short(value)}")
            if fmt is not None and isinstance(value, str):
                why = format_problem(fmt.value, value)
                if why:
                    problem(out, g, c, "format", fmt.source, f"expected a {fmt.value.upper()} document, got {why}")

        return check

    # -- containers -------------------------------------------------------------------------------

    def structure(self, shape: ShapeSpec, gpath: str, rules: list[Rule]) -> Checker:
        problem = self.problem
        children: dict[str, tuple[str, Checker]] = {}
        required: list[tuple[str, str, str]] = []  # (member, child path, source)
        for m in shape.members:
            child = join(gpath, m.name)
            children[m.name] = (m.name, self.compile(self.service.shapes[m.shape], child))
            reqs = [r for r in self.overlay if r.path == child and r.kind == "required" and r.value]
            if m.required and "model" in self.sources:
                reqs.append(Rule(child, "required", True, "model"))
            if reqs:
                required.append((m.name, child, most_authoritative(reqs).source))
        union = shape.union
        groups = [(tuple(r.value), r.source) for r in rules if r.kind == "one_of"]
        exclusive = [(tuple(r.value), r.source) for r in rules if r.kind == "exclusive"]
        absent = [(m.name, r.source) for m in shape.members for r in self.overlay
                  if r.path == join(gpath, m.name) and r.kind == "absent" and r.value]
        when = [(m.name, r) for m in shape.members for r in self.overlay
                if r.path == join(gpath, m.name) and r.kind == "required_when"]

        def check(value: dict[str, Any], g: str, c: str, out: list[Problem]) -> None:
            for name, v in value.items():
                found = children.get(name)
                if found is None:
                    problem(out, join(g, str(name)), _concrete(c, str(name)), "unknown", "model",
                            f"unexpected member (members: {', '.join(children) or 'none'})")
                else:
                    found[1](v, join(g, name), _concrete(c, name), out)
            for name, _child_path, source in required:
                if name not in value:
                    problem(out, join(g, name), _concrete(c, name), "required", source, "missing required member")
            if union:
                n = sum(1 for v in value.values() if v is not None)
                if n != 1:
                    problem(out, g, c, "union", "model", f"expected exactly one member to be set, got {n}")
            for names, source in groups:
                present = [n for n in names if value.get(n) is not None]
                if len(present) != 1:
                    got = "neither" if not present and len(names) == 2 else "none" if not present \
                        else "both" if len(present) == 2 == len(names) else ", ".join(present)
                    problem(out, g, c, "one_of", source, f"expected exactly one of {', '.join(names)}, got {got}")
            for names, source in exclusive:
                present = [n for n in names if value.get(n) is not None]
                if len(present) > 1:
                    problem(out, g, c, "exclusive", source,
                            f"expected at most one of {', '.join(names)}, got {', '.join(present)}")
            for name, source in absent:
                if value.get(name) is not None:
                    problem(out, join(g, name), _concrete(c, name), "absent", source, "expected no value: the "
                            "member must be absent")
            for name, r in when:
                if value.get(name) is None and condition_holds(r, value):
                    problem(out, join(g, name), _concrete(c, name), "required_when", r.source,
                            f"missing: required when {condition_words(r)}")

        return check

    def list_(self, shape: ShapeSpec, gpath: str, rules: list[Rule]) -> Checker:
        size = self.scalar(shape, gpath, rules)
        item = self.compile(self.service.shapes[shape.member.shape], gpath + "[]") if shape.member else None

        def check(value: list[Any], g: str, c: str, out: list[Problem]) -> None:
            size(value, g, c, out)
            if item is not None:
                gi = g + "[]"
                for i, v in enumerate(value):
                    item(v, gi, f"{c}[{i}]", out)

        return check

    def map_(self, shape: ShapeSpec, gpath: str, rules: list[Rule]) -> Checker:
        size = self.scalar(shape, gpath, rules)
        key = self.compile(self.service.shapes[shape.key.shape], gpath + "{key}") if shape.key else None
        val = self.compile(self.service.shapes[shape.value.shape], gpath + "{}") if shape.value else None

        def check(value: dict[Any, Any], g: str, c: str, out: list[Problem]) -> None:
            size(value, g, c, out)
            gk, gv = g + "{key}", g + "{}"
            for k, v in value.items():
                if key is not None:
                    key(k, gk, f"{c} key {_short(k)}", out)
                if val is not None:
                    val(v, gv, f"{c}[{_short(k)}]", out)

        return check


_BUILDERS: dict[str, Callable[[_Compiler, ShapeSpec, str, list[Rule]], Checker]] = {
    "structure": _Compiler.structure,
    "union": _Compiler.structure,
    "list": _Compiler.list_,
    "map": _Compiler.map_,
    "string": _Compiler.scalar,
}
for _t in ("character", "boolean", "timestamp", "blob", *NUMBERS):
    _BUILDERS[_t] = _Compiler.scalar

_CACHE: dict[tuple[int, str, tuple[str, ...]],
             tuple[ServiceSpec, OperationSpec, Callable[[dict[str, Any]], list[Problem]]]] = {}


def validator(op: OperationSpec, service: ServiceSpec,
              sources: tuple[str, ...] = SOURCES) -> Callable[[dict[str, Any]], list[Problem]]:
    """The compiled validator of ``op`` (cached per service object, operation and sources)."""
    key = (id(service), op.name, tuple(sources))
    hit = _CACHE.get(key)
    if hit is not None and hit[0] is service and (hit[1] is op or hit[1] == op):
        return hit[2]
    comp = _Compiler(op, service, tuple(sources))
    root = comp.compile(service.shapes[op.input], "") if op.input else None

    def run(params: dict[str, Any]) -> list[Problem]:
        out: list[Problem] = []
        if root is None:
            if params:
                comp.problem(out, "", "", "unknown", "model", "the operation takes no input")
            return out
        root(params, "", "", out)
        return out

    _CACHE[key] = (service, op, run)
    return run


def validate(op: OperationSpec, service: ServiceSpec, params: dict[str, Any], *,
             sources: tuple[str, ...] = SOURCES) -> list[Problem]:
    """Every problem of ``params`` against the rules of ``op`` whose source is in ``sources``."""
    return validator(op, service, tuple(sources))(params)
