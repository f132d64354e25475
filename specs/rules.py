"""The rules that hold at one place of an operation's input, and the limits they add up to.

A place's rules come from two sources: the model (the shape's ``min``/``max``, ``pattern`` and
``enum`` traits, and the member's ``required`` flag) and ``op.rules`` at that path (the overlay's,
tagged ``doc`` or ``inferred``, and the page tokens the loader derives, ``inferred``). ``limits``
merges the rules of the chosen sources into the effective constraint: the tightest ``min`` and
``max`` (an overlay range narrows the model range), the values an ``also`` rule lets through beyond
an overlay range, every pattern, the enum and the ``allowed`` subsets, the ``one_of`` and
``exclusive`` groups of a structure, whether a member must be ``absent`` or is ``required_when`` a
sibling says so, whether the place takes a page token and the format of its text (``format: json``:
a JSON document).
Both the validator and the strategies read places through this module, so what is generated and
what is checked cannot drift apart.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from specs.types import SOURCES, MemberSpec, OperationSpec, Rule, ShapeSpec

__all__ = [
    "AUTHORITY",
    "INTEGERS",
    "NUMBERS",
    "SIZED",
    "Limits",
    "condition_holds",
    "condition_words",
    "limits",
    "most_authoritative",
    "place_rules",
    "shape_rules",
]

INTEGERS = frozenset({"integer", "long", "short", "byte", "biginteger"})
NUMBERS = INTEGERS | {"float", "double", "bigdecimal"}
#: shapes whose min/max traits bound a length (characters, bytes, items, entries)
SIZED = frozenset({"string", "character", "blob", "list", "map"})
#: lower is more authoritative: a model rule is certain, an inferred one is a guess
AUTHORITY = {s: i for i, s in enumerate(SOURCES)}


@functools.lru_cache(maxsize=65536)
def shape_rules(shape: ShapeSpec, path: str) -> tuple[Rule, ...]:
    """The model's rules of ``shape`` at ``path`` (not ``required``: that belongs to the member)."""
    out: list[Rule] = []
    if shape.type in NUMBERS:
        if shape.min is not None:
            out.append(Rule(path, "min", shape.min, "model"))
        if shape.max is not None:
            out.append(Rule(path, "max", shape.max, "model"))
    elif shape.type in SIZED:
        if shape.min is not None:
            out.append(Rule(path, "min_length", int(shape.min), "model"))
        if shape.max is not None:
            out.append(Rule(path, "max_length", int(shape.max), "model"))
    if shape.pattern and shape.type in ("string", "character"):
        out.append(Rule(path, "pattern", shape.pattern, "model"))
    if shape.enum:
        out.append(Rule(path, "enum", tuple(shape.enum), "model"))
    return tuple(out)


def place_rules(op: OperationSpec, shape: ShapeSpec, path: str, member: MemberSpec | None) -> tuple[Rule, ...]:
    """Every rule at ``path``: the model's, then the overlay's."""
    model = shape_rules(shape, path)
    if member is not None and member.required and member.name not in ("key", "value", "member"):
        model += (Rule(path, "required", True, "model"),)
    return model + op.rules_at(path)


def most_authoritative(rules: list[Rule]) -> Rule:
    return min(rules, key=lambda r: AUTHORITY.get(r.source, 9))


def _tightest(rules: list[Rule], lower: bool) -> Rule | None:
    if not rules:
        return None
    best = max if lower else min
    value = best(r.value for r in rules)
    return most_authoritative([r for r in rules if r.value == value])


@dataclass(frozen=True, slots=True)
class Limits:
    """The effective constraint at one place for a set of sources."""

    lo: Rule | None = None  # tightest min (numbers)
    hi: Rule | None = None  # tightest max (numbers)
    also: tuple[Any, ...] = ()  # values allowed beyond an overlay range
    model_lo: Rule | None = None  # the model's own range, which ``also`` does not widen
    model_hi: Rule | None = None
    len_lo: Rule | None = None
    len_hi: Rule | None = None
    patterns: tuple[Rule, ...] = ()
    enum: Rule | None = None
    allowed: tuple[Rule, ...] = ()
    required: Rule | None = None
    examples: tuple[Any, ...] = ()
    one_of: tuple[Rule, ...] = ()  # groups of members of which exactly one is present (a structure)
    page_token: Rule | None = None  # the place takes only a token an earlier page gave
    format: Rule | None = None  # the string is a document of this format (``json``)
    absent: Rule | None = None  # the member must be absent
    exclusive: tuple[Rule, ...] = ()  # groups of members of which at most one is present (a structure)
    required_when: tuple[Rule, ...] = ()  # the member is required when a sibling is present or has a value

    @property
    def groups(self) -> tuple[tuple[str, ...], ...]:
        """The member names of each ``one_of`` group."""
        return tuple(tuple(r.value) for r in self.one_of)

    @property
    def values(self) -> tuple[Any, ...] | None:
        """The only values allowed (enum narrowed by every ``allowed``), or None when any value may do."""
        sets = ([self.enum.value] if self.enum else []) + [r.value for r in self.allowed]
        if not sets:
            return None
        return tuple(v for v in sets[0] if all(v in s for s in sets[1:]))

    def in_range(self, value: Any) -> bool:
        """``value`` respects every min and max (an ``also`` value only needs the model's range)."""
        if value in self.also and not isinstance(value, bool):
            lo, hi = self.model_lo, self.model_hi
        else:
            lo, hi = self.lo, self.hi
        return (lo is None or value >= lo.value) and (hi is None or value <= hi.value)

    def length_ok(self, n: int) -> bool:
        return (self.len_lo is None or n >= self.len_lo.value) and (self.len_hi is None or n <= self.len_hi.value)


def limits(rules: tuple[Rule, ...], sources: tuple[str, ...] = SOURCES) -> Limits:
    by: dict[str, list[Rule]] = {}
    for r in rules:
        if r.source in sources:
            by.setdefault(r.kind, []).append(r)
    mins, maxs = by.get("min", []), by.get("max", [])
    required = by.get("required", [])
    return Limits(
        lo=_tightest(mins, True),
        hi=_tightest(maxs, False),
        also=tuple(v for r in by.get("also", ()) for v in r.value),
        model_lo=_tightest([r for r in mins if r.source == "model"], True),
        model_hi=_tightest([r for r in maxs if r.source == "model"], False),
        len_lo=_tightest(by.get("min_length", []), True),
        len_hi=_tightest(by.get("max_length", []), False),
        patterns=tuple(by.get("pattern", ())),
        enum=by["enum"][0] if "enum" in by else None,
        allowed=tuple(by.get("allowed", ())),
        required=most_authoritative(required) if required and any(r.value for r in required) else None,
        examples=tuple(v for r in by.get("examples", ()) for v in r.value),
        one_of=tuple(by.get("one_of", ())),
        page_token=most_authoritative(by["page_token"]) if "page_token" in by else None,
        format=most_authoritative(by["format"]) if "format" in by else None,
        absent=most_authoritative(by["absent"]) if "absent" in by else None,
        exclusive=tuple(by.get("exclusive", ())),
        required_when=tuple(by.get("required_when", ())),
    )


def condition_holds(rule: Rule, parent: dict[str, Any]) -> bool:
    """Whether the condition of a ``required_when`` rule holds in ``parent``, the structure holding
    the member: its sibling ``member`` is present (no ``in``) or has one of the values ``in``."""
    value = parent.get(rule.value["member"])
    if value is None:
        return False
    values = rule.value.get("in")
    return values is None or value in values


def condition_words(rule: Rule) -> str:
    """The condition of a ``required_when`` rule in words: ``type is MANAGED``, ``WorkerType is set``."""
    member, values = rule.value["member"], rule.value.get("in")
    if values is None:
        return f"{member} is set"
    return f"{member} is {values[0]!r}" if len(values) == 1 else f"{member} is one of {list(values)}"
