"""Invalid values: each breaks exactly one model or doc rule of one place, and nothing else.

For every rule that may be broken on purpose (source ``model`` or ``doc``; never ``inferred``),
``breaks`` proposes a few candidate values (or the removal of a member); the caller keeps the first
candidate that, put into the smallest valid call, makes the validator report exactly that rule at
that place and that botocore can still serialise. So a too-long string still matches its pattern,
a value below a doc minimum stays within the model's, and a wrong type is only offered where it
stays a wrong type on the wire (a number for a URI label would travel as valid digits).

A pattern is broken the way an endpoint that matches patterns partly (``re.match``, ``re.search``)
lets through: a valid value with one character outside the pattern put at its end, at its start
and in its middle (``Spliced``), three calls, each labelled with the one rule it breaks. AWS
refuses all three: a value conforms only when the whole of it matches. A value none of whose
characters match comes last, for a pattern no valid value of an allowed length can be found for.

Some kinds of rule are not a value at one place and have no candidates here: a ``one_of`` group
(none of its members), an ``exclusive`` group (all of them), an ``absent`` member (set) and a
``required_when`` member (its condition met, the member left out) are broken by the operation's
calls (``strategies.operations``), and a page token's rule (a token must come from an earlier page)
is inferred, so a made-up token is never labelled as a break.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from specs.javaregex import JavaRegexError, to_python
from specs.rules import INTEGERS, NUMBERS
from specs.types import Rule
from strategies.calls import splice
from strategies.places import REMOVE, Place, smallest
from strategies.regex import INF, MAXCP, char_pool, pattern_for
from strategies.values import Compiler, Rand, json_text

__all__ = ["BREAKABLE", "MARKER", "SPLICES", "Spliced", "breaks", "type_candidates"]

BREAKABLE = ("model", "doc")
MAX_TEXT = 1_000_001
MAX_ITEMS = 10_001
MARKER = "notavalue"
#: characters tried, one repeated, for a value no pattern match can be found in
_ODD = (" ", "!", "#", "~", "%", "/", "*", "\u00e9", "\u4e2d", "\U0001F600", "\t")
#: characters tried, in order, as the one character outside a pattern put into a valid value: the
#: first that makes the whole value fail the pattern (and nothing else) is kept
_OUTSIDE = ("!", " ", "#", "~", "%", "*", "/", "\u00e9", "\u4e2d", "\U0001F600", "\u200d", "\t", "\x7f", "\n")
#: where the character goes: after, before and inside a valid value. A prefix match (``re.match``)
#: accepts the first and the third, a search (``re.search``) all three; AWS none
SPLICES = ("end", "start", "middle")
_BASE = 6  # the length of the valid value a character is put into, where the limits allow it


@dataclass(frozen=True, slots=True)
class Spliced:
    """A pattern break: a valid value with one character outside the pattern put at ``where``."""

    value: str
    where: str  # end | start | middle
    char: str

    def describe(self) -> str:
        return f"a valid value with {self.char!r} put {'in' if self.where == 'middle' else 'at'} the {self.where}"


_JSON_BODY = ("rest-json", "json")
#: texts that are not a document of a format: the empty string, and text of another kind
FORMAT_BREAKS: dict[str, tuple[str, ...]] = {"json": ("", "not a JSON document")}


def type_candidates(p: Place, protocol: str) -> list[tuple[Any, bool]]:
    """Wrong-typed values for ``p`` as ``(value, must_show_marker_on_wire)``."""
    t = p.shape.type
    if p.shape.document or p.path.endswith("{key}"):
        return []  # map keys travel as text (JSON object keys are always strings)
    text = p.context in ("uri", "header") or (p.member is not None and p.member.location == "querystring") \
        or protocol not in _JSON_BODY
    if text:  # everything travels as text: only a text that no value of the type reads as is wrong
        return [(MARKER, True)] if t in NUMBERS or t == "boolean" else []
    # in a JSON body: a number for a string, a non-numeric string for a number or a boolean
    # (not 1.5 for an integer nor 1 for a boolean: lenient JSON readers coerce those)
    if t in ("string", "character"):
        return [(12345, False)]
    if t in NUMBERS or t == "boolean":
        return [(MARKER, False)]
    return []


def _strings(c: Compiler, p: Place, n: int, avoid: frozenset[Any] = frozenset()) -> Iterator[str]:
    """Strings of length ``n`` that keep every pattern of ``p`` (or any text when it has none)."""
    pats = []
    for rule in p.limits.patterns:
        try:
            pats.append(pattern_for(rule.value, p.context))
        except Exception:  # noqa: BLE001 - untranslatable: no pattern breaks for it
            return
    if n > MAX_TEXT:
        return
    pool = char_pool([(0, MAXCP)], "uri" if p.context in ("uri", "header") else p.context)
    for seed in range(6):
        r = Rand(seed, 1)
        value = pats[0].sample(r, n) if pats else "".join(r.choices(pool, k=n))
        if value is not None and value not in avoid and all(q.conforms(value) for q in pats[1:]):
            yield value


def _length_value(c: Compiler, p: Place, n: int) -> Iterator[Any]:
    t = p.shape.type
    if n < 0:
        return
    if t in ("string", "character") and p.limits.format is not None:
        text = json_text(n)  # a document of the right format, only too long or too short
        if text is not None and n <= MAX_TEXT:
            yield text
    elif t in ("string", "character"):
        yield from _strings(c, p, n)
    elif t == "blob" and n <= MAX_TEXT:
        yield b"a" * n
    elif t == "list" and p.shape.member is not None and n <= MAX_ITEMS:
        item = smallest(c, c.service.shapes[p.shape.member.shape], p.path + "[]", p.shape.member, p.context)
        yield [item] * n
    elif t == "map" and p.shape.key is not None and p.shape.value is not None and n <= MAX_ITEMS:
        kshape = c.service.shapes[p.shape.key.shape]
        key_prog = c.program(kshape, p.path + "{key}", p.shape.key, p.context)
        value = smallest(c, c.service.shapes[p.shape.value.shape], p.path + "{}", p.shape.value, p.context)
        keys: dict[Any, None] = {}
        for i in range(n * 3 + 10):
            if len(keys) >= n:
                break
            keys[key_prog(Rand(i, 0 if i == 0 else 2))] = None
        if len(keys) == n:
            yield {k: value for k in keys}


def _spliced(c: Compiler, p: Place) -> Iterator[Spliced]:
    """For each place in ``SPLICES``, candidates best first: a valid value (every pattern of ``p``
    kept, one character shorter than the maximum) with one character put in it. The caller keeps
    the first that the validator finds breaking only the pattern. A pattern anchored with ``$``
    tries a final newline first at the end: Python's ``$`` (and so a prefix match or a search)
    accepts one there, Java's ``String.matches`` does not."""
    lim = p.limits
    lo = lim.len_lo.value if lim.len_lo else 0
    hi = lim.len_hi.value if lim.len_hi else INF
    try:
        ends_anchored = any(to_python(r.value).endswith("$") for r in lim.patterns)
    except JavaRegexError:
        return
    chars = _OUTSIDE if p.context == "any" else tuple(ch for ch in _OUTSIDE if ch.isprintable())
    for where in SPLICES:
        # six characters or more where the maximum allows: a part of the value is then unlike the
        # short values of other calls (a resource the part names is not one they made)
        shortest = max(lo - 1, min(hi - 1, _BASE), 2 if where == "middle" else 1)
        lengths = [*range(shortest, min(hi - 1, shortest + 8) + 1), *range(shortest - 1, max(lo - 1, 1) - 1, -1)]
        bases = list(islice((b for n in lengths for b in _strings(c, p, n)), 2))
        order = ("\n", *chars) if where == "end" and ends_anchored and p.context == "any" else chars
        for base in bases:
            for ch in order:
                yield Spliced(splice(base, where, ch), where, ch)


def _unmatched(c: Compiler, p: Place) -> Iterator[str]:
    lim = p.limits
    lo = lim.len_lo.value if lim.len_lo else 0
    hi = lim.len_hi.value if lim.len_hi else INF
    n = max(lo, 1 if p.context == "uri" else lo, 3 if hi >= 3 else lo)
    if n > hi:
        return
    for ch in _ODD:
        yield ch * n
    if lo == 0:
        yield ""


def _candidates(c: Compiler, p: Place, rule: Rule) -> Iterator[Any]:
    kind, v = rule.kind, rule.value
    lim = p.limits
    if kind == "required":
        if not (p.member and (p.member.idempotency_token or p.member.location == "uri")):
            yield REMOVE
    elif kind in ("min", "max"):
        step = -1 if kind == "min" else 1
        integer = p.shape.type in INTEGERS
        for delta in ((1, 2, 10) if integer else (1, 0.5, 2)):
            value = v + step * delta
            if integer:
                value = int(value)
            if value not in lim.also:
                yield value
    elif kind == "min_length":
        yield from _length_value(c, p, v - 1)
        if v - 2 >= 0:
            yield from _length_value(c, p, v - 2)
    elif kind == "max_length":
        yield from _length_value(c, p, v + 1)
    elif kind == "pattern":
        yield from _spliced(c, p)
        yield from _unmatched(c, p)  # when no valid value can take one more character
    elif kind == "format":  # each is its own break (the caller keeps every one the validator labels)
        yield from FORMAT_BREAKS.get(v, ())
    elif kind in ("enum", "allowed"):
        enum = lim.enum.value if lim.enum else ()
        if kind == "allowed":
            yield from (e for e in enum if e not in v)
        lo = lim.len_lo.value if lim.len_lo else 0
        hi = lim.len_hi.value if lim.len_hi else INF
        word = "NOT_A_VALUE"
        if lo <= len(word) <= hi:
            yield word
        n = max(lo, 1)
        if n <= hi:
            yield from _strings(c, p, n, frozenset(enum) | frozenset(v if kind == "allowed" else ()))


#: kinds that are no value at one place: the operation's calls break them (strategies.operations), or
#: nothing does (a page token, an example, an output relaxation)
_NOT_A_VALUE = ("also", "examples", "invalid", "one_of", "exclusive", "absent", "required_when", "page_token",
                "relax")


def breaks(c: Compiler, p: Place) -> Iterator[tuple[Rule, Any]]:
    """``(rule, candidate)`` for every breakable rule of ``p``, candidates best first."""
    for rule in p.rules:
        if rule.source not in BREAKABLE or rule.kind in _NOT_A_VALUE:
            continue
        if rule.kind == "required" and not rule.value:
            continue
        for value in _candidates(c, p, rule):
            yield rule, value
