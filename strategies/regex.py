"""Strings that match a (translated) pattern at a chosen length, drawn from a ``random.Random``.

``hypothesis.strategies.from_regex`` is faithful but costs hundreds of microseconds a draw and
cannot aim at a length: a ``min_length`` of 20 on ``arn:.*`` makes a length filter stall. This
module walks the ``re`` parse tree of the Python translation (``specs.javaregex.to_python``) once,
knows the shortest and longest match of every node, and generates a match of exactly ``n``
characters by sharing ``n`` out among the nodes. A value conforms when the whole of it matches
(``specs.javaregex.matcher``), so nothing is ever padded around a match. Every result is checked
with that matcher, so a construct it only approximates (lookarounds, ``\\b``) costs a retry, never a wrong
value. Back-references are not supported (``Unsupported``); callers fall back to ``from_regex``.

Characters come from pools that favour printable ASCII with some other scripts (accented Latin,
Cyrillic, CJK, Hebrew and Arabic, combining marks, astral-plane symbols) where the class allows
them; ``context`` narrows a pool further: ``uri`` (unreserved path characters), ``host``
(letters, digits and '-'), ``header`` (visible ASCII), ``token`` (visible ASCII).
"""

from __future__ import annotations

import functools
import random
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # typeshed types the parser under its old public names, the same modules
    import sre_constants as C
    import sre_parse as sre
else:  # the old names warn of their deprecation since Python 3.11
    import re._constants as C
    import re._parser as sre

from specs.javaregex import matcher, to_python

__all__ = ["CONTEXTS", "Pattern", "Unsupported", "char_pool", "pattern_for"]

INF = 10**9
MAXCP = 0x10FFFF
CONTEXTS = ("any", "uri", "host", "header", "token")
_ASCII = "".join(chr(c) for c in range(0x20, 0x7F))
_VISIBLE = _ASCII[1:]
_SAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
#: other scripts and edge cases: accented Latin, Cyrillic, Greek, CJK, Hangul, Hebrew and Arabic
#: (right to left), a combining acute, a no-break space, astral-plane symbols, a zero-width joiner
UNICODE_SAMPLE = "éßñжΩ中日한\u05d0\u05d1\u0627\u0301\u00a0\U0001F600\U0001D518\u200d"
_CONTEXT_CHARS = {"uri": _SAFE, "host": _SAFE[:-1], "header": _VISIBLE, "token": _VISIBLE}
_REPEATS = {C.MAX_REPEAT, C.MIN_REPEAT} | ({C.POSSESSIVE_REPEAT} if hasattr(C, "POSSESSIVE_REPEAT") else set())


class Unsupported(ValueError):
    """The pattern uses a construct this generator does not handle."""


Ranges = list[tuple[int, int]]


def _invert(ranges: Ranges) -> Ranges:
    out, nxt = [], 0
    for lo, hi in sorted(ranges):
        if lo > nxt:
            out.append((nxt, lo - 1))
        nxt = max(nxt, hi + 1)
    if nxt <= MAXCP:
        out.append((nxt, MAXCP))
    return out


_CATEGORIES: dict[Any, Ranges] = {
    C.CATEGORY_DIGIT: [(48, 57)],
    C.CATEGORY_SPACE: [(9, 13), (32, 32)],
    C.CATEGORY_WORD: [(48, 57), (65, 90), (95, 95), (97, 122)],
}
for _pos, _neg in ((C.CATEGORY_DIGIT, C.CATEGORY_NOT_DIGIT), (C.CATEGORY_SPACE, C.CATEGORY_NOT_SPACE),
                   (C.CATEGORY_WORD, C.CATEGORY_NOT_WORD)):
    _CATEGORIES[_neg] = _invert(_CATEGORIES[_pos])


def _class_ranges(items: list[tuple[Any, Any]]) -> Ranges:
    ranges: Ranges = []
    negate = False
    for op, av in items:
        if op is C.NEGATE:
            negate = True
        elif op is C.LITERAL:
            ranges.append((av, av))
        elif op is C.RANGE:
            ranges.append(av)
        elif op is C.CATEGORY:
            ranges.extend(_CATEGORIES.get(av, []))
        else:
            raise Unsupported(f"class item {op}")
    return _invert(ranges) if negate else ranges


def _inside(ranges: Ranges, ch: str) -> bool:
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in ranges)


@functools.lru_cache(maxsize=4096)
def _pool_cached(ranges: tuple[tuple[int, int], ...], context: str) -> str:
    rs = list(ranges)
    narrow = _CONTEXT_CHARS.get(context)
    if narrow is not None:
        picked = "".join(c for c in narrow if _inside(rs, c))
        if picked:
            return picked
    ascii_in = "".join(c for c in _ASCII if _inside(rs, c))
    uni_in = "".join(c for c in UNICODE_SAMPLE if _inside(rs, c)) if context == "any" else ""
    if not ascii_in and not uni_in:  # a class of controls or rare code points: take what it has
        cps = [cp for lo, hi in rs for cp in range(lo, min(hi, lo + 8) + 1) if not 0xD800 <= cp <= 0xDFFF]
        return "".join(chr(cp) for cp in cps[:64])
    if not ascii_in:
        return uni_in
    weight = max(1, -(-6 * len(uni_in) // len(ascii_in)))  # printable ASCII about 6 in 7 characters
    return ascii_in * weight + uni_in


def char_pool(ranges: Ranges, context: str = "any") -> str:
    return _pool_cached(tuple(ranges), context)


def _allocate(rnd: random.Random, los: list[int], his: list[int], n: int) -> list[int] | None:
    """Share ``n`` among parts bounded by ``los``/``his``, at random; None when impossible."""
    extra = n - sum(los)
    if extra < 0 or extra > sum(min(h - lo, INF) for lo, h in zip(los, his, strict=True)):
        return None
    sizes = list(los)
    order = list(range(len(los)))
    rnd.shuffle(order)
    for i in order:
        room = min(his[i] - sizes[i], extra)
        if room > 0:
            take = rnd.randint(0, room)
            sizes[i] += take
            extra -= take
    for i in order:
        if extra == 0:
            break
        room = min(his[i] - sizes[i], extra)
        sizes[i] += room
        extra -= room
    return sizes


class _Node:
    lo = hi = 0

    def gen(self, rnd: random.Random, n: int) -> str | None:
        raise NotImplementedError


class _Chars(_Node):
    def __init__(self, pool: str) -> None:
        self.pool, self.lo, self.hi = pool, 1, 1

    def gen(self, rnd: random.Random, n: int) -> str | None:
        return rnd.choice(self.pool) if n == 1 and self.pool else None


class _Empty(_Node):
    def gen(self, rnd: random.Random, n: int) -> str | None:
        return "" if n == 0 else None


class _Seq(_Node):
    def __init__(self, items: list[_Node]) -> None:
        self.items = [i for i in items if not isinstance(i, _Empty)]
        self.lo = sum(i.lo for i in self.items)
        self.hi = min(INF, sum(i.hi for i in self.items))

    def gen(self, rnd: random.Random, n: int) -> str | None:
        if len(self.items) == 1:
            return self.items[0].gen(rnd, n)
        for _ in range(3):
            sizes = _allocate(rnd, [i.lo for i in self.items], [i.hi for i in self.items], n)
            if sizes is None:
                return None
            parts = [i.gen(rnd, k) for i, k in zip(self.items, sizes, strict=True)]
            if None not in parts:
                return "".join(parts)  # type: ignore[arg-type]  # None not in parts
        return None


class _Repeat(_Node):
    def __init__(self, lo: int, hi: int, sub: _Node) -> None:
        while isinstance(sub, _Seq) and len(sub.items) == 1:  # (?:[a-z])+ repeats the class itself
            sub = sub.items[0]
        self.min, self.max, self.sub = lo, (INF if hi >= C.MAXREPEAT else hi), sub
        self.lo = lo * sub.lo
        self.hi = min(INF, self.max * sub.hi)

    def gen(self, rnd: random.Random, n: int) -> str | None:
        sub = self.sub
        if isinstance(sub, _Chars):
            return "".join(rnd.choices(sub.pool, k=n)) if self.min <= n <= self.max else None
        if sub.hi == 0:
            return "" if n == 0 else None
        kmin = max(self.min, -(-n // sub.hi))
        kmax = min(self.max, n // sub.lo if sub.lo else kmin + 3)
        if kmin > kmax:
            return None
        for _ in range(3):
            k = rnd.randint(kmin, min(kmax, kmin + 3))
            sizes = _allocate(rnd, [sub.lo] * k, [sub.hi] * k, n)
            if sizes is None:
                continue
            parts = [sub.gen(rnd, s) for s in sizes]
            if None not in parts:
                return "".join(parts)  # type: ignore[arg-type]  # None not in parts
        return None


class _Alt(_Node):
    def __init__(self, alts: list[_Node]) -> None:
        self.alts = alts
        self.lo = min(a.lo for a in alts)
        self.hi = max(a.hi for a in alts)

    def gen(self, rnd: random.Random, n: int) -> str | None:
        fits = [a for a in self.alts if a.lo <= n <= a.hi]
        rnd.shuffle(fits)
        for a in fits:
            out = a.gen(rnd, n)
            if out is not None:
                return out
        return None


def _build(parsed: Any, context: str) -> _Node:
    items: list[_Node] = []
    for op, av in parsed:
        if op is C.LITERAL:
            items.append(_Chars(chr(av)))
        elif op is C.NOT_LITERAL:
            items.append(_Chars(char_pool(_invert([(av, av)]), context)))
        elif op is C.ANY:
            items.append(_Chars(char_pool(_invert([(10, 10)]), context)))
        elif op is C.IN:
            items.append(_Chars(char_pool(_class_ranges(av), context)))
        elif op in _REPEATS:
            lo, hi, sub = av
            items.append(_Repeat(lo, hi, _build(sub, context)))
        elif op is C.SUBPATTERN:
            items.append(_build(av[-1], context))
        elif op is getattr(C, "ATOMIC_GROUP", None):
            items.append(_build(av, context))
        elif op is C.BRANCH:
            items.append(_Alt([_build(b, context) for b in av[1]]))
        elif op in (C.AT, C.ASSERT, C.ASSERT_NOT):
            items.append(_Empty())  # checked on the result
        else:
            raise Unsupported(f"{op} is not supported")
    return _Seq(items)


class Pattern:
    """One Java pattern, ready to generate values it accepts: the whole value matches."""

    def __init__(self, java: str, context: str = "any") -> None:
        self.java = java
        self.conforms = matcher(java)
        self.root = _build(sre.parse(to_python(java)), context)

    def widths(self, lo: int, hi: int) -> tuple[int, int]:
        """The lengths in ``[lo, hi]`` a match can have (``lo > hi`` when none)."""
        return max(lo, self.root.lo), min(hi, self.root.hi)

    def sample(self, rnd: random.Random, n: int, tries: int = 6) -> str | None:
        """A string of exactly ``n`` characters the pattern accepts, or None."""
        root = self.root
        if not root.lo <= n <= root.hi:
            return None
        for _ in range(tries):
            out = root.gen(rnd, n)
            if out is not None and len(out) == n and self.conforms(out):
                return out
        return None

    def near(self, rnd: random.Random, n: int, lo: int, hi: int) -> str | None:
        """A match of length ``n``, else of the nearest length in ``[lo, hi]`` that has one."""
        for k in (n, *range(n + 1, min(hi, n + 8) + 1), *range(n - 1, max(lo, n - 8) - 1, -1)):
            if lo <= k <= hi:
                out = self.sample(rnd, k, tries=4 if k == n else 2)
                if out is not None:
                    return out
        return None


@functools.lru_cache(maxsize=4096)
def pattern_for(java: str, context: str = "any") -> Pattern:
    return Pattern(java, context)
