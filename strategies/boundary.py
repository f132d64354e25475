"""Boundary values: the edges of every constrained place, one call each, the rest of the call valid.

Edges come from the effective limits of all sources, so a boundary never steps past an inferred
rule: shortest and longest strings (matching their pattern), smallest and largest numbers (and the
``also`` values, ``-1`` and ``0`` where allowed, the 64-bit edges of an unconstrained long), empty
and largest lists and maps, every enum or allowed value, both booleans, and Unicode edge cases
(a combining mark, right-to-left text, an astral-plane character, a zero-width-joiner sequence)
where the place takes any text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from specs.rules import INTEGERS, NUMBERS
from strategies.places import Place, smallest
from strategies.regex import INF, MAXCP, char_pool, pattern_for
from strategies.values import Compiler, Rand

__all__ = ["UNICODE_EDGES", "boundary_values"]

MAX_TEXT = 65536  # longer maxima are not sent as boundary values
MAX_ITEMS = 1000
MAX_VALUES = 16
UNICODE_EDGES = ("e\u0301", "\u05e9\u05dc\u05d5\u05dd", "\U0001F600", "\U0001F469\u200d\U0001F4BB")
_INT_BITS = {"byte": 7, "short": 15, "integer": 31, "long": 63, "biginteger": 63}


def _string(c: Compiler, p: Place) -> list[Any]:
    lim = p.limits
    if lim.values is not None:
        return list(lim.values[:MAX_VALUES])
    lo = lim.len_lo.value if lim.len_lo else 0
    hi = lim.len_hi.value if lim.len_hi else INF
    token = bool(p.member and p.member.idempotency_token)
    context = "token" if token and p.context == "any" else p.context
    if context == "uri":
        lo = max(lo, 1)
    if token:
        lo, hi = max(lo, 1), min(hi, 64)
    patterns = []
    for rule in lim.patterns:
        try:
            patterns.append(pattern_for(rule.value, context))
        except Exception:  # noqa: BLE001 - untranslatable: no boundary values for it
            return []
    main = patterns[0] if patterns else None
    if main is not None:
        lo, hi = main.widths(lo, hi)
    out: list[Any] = []
    pool = char_pool([(0, MAXCP)], context)
    for n in dict.fromkeys((lo, hi)):
        if n > MAX_TEXT or n > hi:
            continue
        r = Rand(0, 1)
        value = main.near(r, n, lo, hi) if main is not None else "".join(r.choices(pool, k=n))
        if value is not None and all(p.conforms(value) for p in patterns):
            out.append(value)
    if context == "any":
        for edge in UNICODE_EDGES:
            if lo <= len(edge) <= hi and all(p.conforms(edge) for p in patterns):
                out.append(edge)
    return out


def _integer(c: Compiler, p: Place) -> list[Any]:
    lim = p.limits
    if lim.values is not None:
        return list(lim.values[:MAX_VALUES])
    bits = _INT_BITS.get(p.shape.type, 63)
    lo = lim.lo.value if lim.lo else -(2**bits)
    hi = lim.hi.value if lim.hi else 2**bits - 1
    candidates = [lo, hi, *lim.also, -1, 0]
    return [v for v in dict.fromkeys(candidates) if isinstance(v, int) and lim.in_range(v)]


def _float(c: Compiler, p: Place) -> list[Any]:
    lim = p.limits
    candidates = [lim.lo.value if lim.lo else None, lim.hi.value if lim.hi else None, *lim.also, -1.5, 0.0]
    return [v for v in dict.fromkeys(candidates) if v is not None and lim.in_range(v)]


def _boolean(c: Compiler, p: Place) -> list[Any]:
    return [True, False]


def _blob(c: Compiler, p: Place) -> list[Any]:
    lim = p.limits
    lo = lim.len_lo.value if lim.len_lo else 0
    hi = lim.len_hi.value if lim.len_hi else INF
    return [b"\x00\xff" * (n // 2) + b"a" * (n % 2) for n in dict.fromkeys((lo, hi)) if n <= MAX_TEXT]


def _sizes(p: Place) -> list[int]:
    lim = p.limits
    lo = lim.len_lo.value if lim.len_lo else 0
    hi = lim.len_hi.value if lim.len_hi else INF
    return [n for n in dict.fromkeys((lo, hi)) if n <= MAX_ITEMS and n <= hi]


def _list(c: Compiler, p: Place) -> list[Any]:
    if p.shape.member is None:
        return []
    item_shape = c.service.shapes[p.shape.member.shape]
    item = smallest(c, item_shape, p.path + "[]", p.shape.member, p.context)
    return [[item] * n for n in _sizes(p)]


def _map(c: Compiler, p: Place) -> list[Any]:
    shape = p.shape
    if shape.key is None or shape.value is None:
        return []
    kshape, vshape = c.service.shapes[shape.key.shape], c.service.shapes[shape.value.shape]
    key_prog = c.program(kshape, p.path + "{key}", shape.key, p.context)
    value = smallest(c, vshape, p.path + "{}", shape.value, p.context)
    out = []
    for n in _sizes(p):
        keys: dict[Any, None] = {}
        for i in range(n * 3):
            if len(keys) >= n:
                break
            keys[key_prog(Rand(i, 0 if i == 0 else 1))] = None
        if len(keys) == n:
            out.append({k: value for k in keys})
    return out


#: shape type -> boundary values of a place of that type
_EDGES: dict[str, Callable[[Compiler, Place], list[Any]]] = {
    "string": _string, "character": _string, "boolean": _boolean, "blob": _blob, "list": _list, "map": _map,
}
for _t in INTEGERS:
    _EDGES[_t] = _integer
for _t in NUMBERS - INTEGERS:
    _EDGES[_t] = _float


def boundary_values(c: Compiler, p: Place) -> list[Any]:
    if p.limits.examples:
        return list(p.limits.examples[:MAX_VALUES])
    if p.shape.document:
        return []
    edges = _EDGES.get(p.shape.type)
    return edges(c, p) if edges is not None else []
