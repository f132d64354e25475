"""Java-style regular expressions (as found in botocore models) translated to Python ``re``.

botocore copies the Smithy ``@pattern`` trait, whose dialect is ECMA 262 / Java: ``\\p{C}``,
``\\p{Upper}``, ``\\p{L}``, POSIX names, ``\\Q..\\E``, nested and intersected classes
(``[a-z&&[^e]]``). Python's ``re`` knows none of these, and its ``\\s``, ``\\d``, ``\\w`` and ``.``
mean more than Java's (Java's are ASCII-only; Java's ``.`` also stops at ``\\r``, ``\\u0085``,
``\\u2028`` and ``\\u2029``). ``to_python`` rewrites every such construct into explicit code-point
ranges, so the translated pattern accepts exactly what the Java one does. Unicode categories come
from ``unicodedata`` (the Python build's Unicode version), through a table kept beside this module
when it was made from the same Unicode version.

A value conforms to a model pattern when the pattern matches the *whole* value, as Java's
``String.matches`` does on the services' side (docs/checks.md, "Patterns", gives the public
evidence). The Smithy specification calls ``@pattern`` unanchored, but the services behind these
models refuse ``thing!`` for ``[a-zA-Z0-9:_-]+`` although ``thing`` matches a part of it. ``matches``
(or ``matcher``, its cached predicate) is the one place that decides; everything that validates or
generates a value goes through it. A model pattern that carries ``^`` or ``$`` keeps its meaning
(in a whole-value match they change nothing but what Java's own ``$`` would change).
``anchored`` is the same decision as regular-expression text for a ``re.search`` consumer (the JSON
Schema ``pattern`` keyword).

Possessive quantifiers (``*+``, ``++``, ``?+``, ``{n,m}+``) and atomic groups are kept as they are:
Python 3.11 supports both.
"""

from __future__ import annotations

import functools
import json
import re
import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path

__all__ = ["JavaRegexError", "anchored", "compile_pattern", "matcher", "matches", "to_python"]

MAX = sys.maxunicode
Ranges = list[tuple[int, int]]


class JavaRegexError(ValueError):
    """The pattern uses a construct that has no faithful Python translation."""


# -- range sets ---------------------------------------------------------------------------------


def _norm(ranges: Ranges) -> Ranges:
    out: Ranges = []
    for lo, hi in sorted(ranges):
        if out and lo <= out[-1][1] + 1:
            if hi > out[-1][1]:
                out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return out


def _invert(ranges: Ranges) -> Ranges:
    out: Ranges = []
    nxt = 0
    for lo, hi in _norm(ranges):
        if lo > nxt:
            out.append((nxt, lo - 1))
        nxt = hi + 1
    if nxt <= MAX:
        out.append((nxt, MAX))
    return out


def _intersect(a: Ranges, b: Ranges) -> Ranges:
    return _invert(_invert(a) + _invert(b))


def _chars(s: str) -> Ranges:
    return _norm([(ord(c), ord(c)) for c in s])


#: general category -> ranges, made by ``write_category_table`` from one Python's ``unicodedata``;
#: read when this Python has the same Unicode version (scanning every code point costs about 0.5 s)
CATEGORY_TABLE = Path(__file__).with_name("unicode_categories.json")


@functools.lru_cache(maxsize=1)
def _categories() -> dict[str, Ranges]:
    """General category (two letters) -> ranges, for every code point; computed once."""
    try:
        data = json.loads(CATEGORY_TABLE.read_text(encoding="utf-8"))
        if data["unidata_version"] == unicodedata.unidata_version:
            return {cat: list(zip(flat[::2], flat[1::2], strict=True)) for cat, flat in data["categories"].items()}
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return scan_categories()


def scan_categories() -> dict[str, Ranges]:
    """General category -> ranges, from ``unicodedata`` code point by code point."""
    cats: dict[str, Ranges] = {}
    category = unicodedata.category
    start, current = 0, category("\x00")
    for cp in range(1, MAX + 2):
        cat = category(chr(cp)) if cp <= MAX else None
        if cat != current:
            cats.setdefault(current, []).append((start, cp - 1))
            start, current = cp, cat  # type: ignore[assignment]  # None only past the last code point
    return cats


def write_category_table(path: Path = CATEGORY_TABLE) -> None:
    """Write the table ``_categories`` reads (``python -m specs.javaregex`` after a Python upgrade)."""
    cats = {cat: [x for r in ranges for x in r] for cat, ranges in sorted(scan_categories().items())}
    path.write_text(json.dumps({"unidata_version": unicodedata.unidata_version, "categories": cats},
                               separators=(",", ":")) + "\n", encoding="utf-8")


def _category(name: str) -> Ranges:
    cats = _categories()
    if len(name) == 2:
        if name in cats or name in ("Cn", "Cs", "Co", "Cc", "Cf"):
            return cats.get(name, [])
    elif len(name) == 1:
        found = [r for cat, rs in cats.items() if cat[0] == name for r in rs]
        if found:
            return _norm(found)
    raise JavaRegexError(f"unknown Unicode category \\p{{{name}}}")


_PUNCT = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
_POSIX: dict[str, Ranges] = {
    "Lower": [(0x61, 0x7A)],
    "Upper": [(0x41, 0x5A)],
    "ASCII": [(0, 0x7F)],
    "Alpha": [(0x41, 0x5A), (0x61, 0x7A)],
    "Digit": [(0x30, 0x39)],
    "Alnum": [(0x30, 0x39), (0x41, 0x5A), (0x61, 0x7A)],
    "Punct": _chars(_PUNCT),
    "Graph": [(0x21, 0x7E)],
    "Print": [(0x20, 0x7E)],
    "Blank": [(0x20, 0x20), (0x09, 0x09)],
    "Cntrl": [(0, 0x1F), (0x7F, 0x7F)],
    "XDigit": [(0x30, 0x39), (0x41, 0x46), (0x61, 0x66)],
    "Space": _chars(" \t\n\x0b\f\r"),
}
_SHORTHAND: dict[str, Ranges] = {
    "d": _POSIX["Digit"],
    "s": _POSIX["Space"],
    "w": _norm(_POSIX["Alnum"] + [(0x5F, 0x5F)]),
    "h": _chars(
        " \t\xa0\u1680\u180e\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
        "\u202f\u205f\u3000"
    ),
    "v": _chars("\n\x0b\f\r\x85\u2028\u2029"),
}
_LINE_TERMINATORS = _chars("\n\r\x85\u2028\u2029")
_SIMPLE_ESCAPES = {"t": 0x09, "n": 0x0A, "r": 0x0D, "f": 0x0C, "a": 0x07, "e": 0x1B}


@functools.cache
def _property(name: str) -> tuple[tuple[int, int], ...]:
    if name in _POSIX:
        return tuple(_POSIX[name])
    if name.startswith("Is") and len(name) > 2:
        name = name[2:]
    if name.startswith(("general_category=", "gc=")):
        name = name.split("=", 1)[1]
    if name in ("L&", "LC"):
        return tuple(_norm(_category("Lu") + _category("Ll") + _category("Lt")))
    if name in ("Alphabetic", "Letter"):
        name = "L"
    if name == "javaLowerCase":
        return tuple(_category("Ll"))
    if name == "javaUpperCase":
        return tuple(_category("Lu"))
    if name in ("WhiteSpace", "White_Space", "javaWhitespace"):
        return tuple(_chars("".join(chr(c) for c in range(0x3000 + 1) if chr(c).isspace())))
    return tuple(_category(name))


def _emit_cp(cp: int) -> str:
    if cp < 0x80 and (chr(cp).isalnum() or chr(cp) == "_"):
        return chr(cp)
    return f"\\u{cp:04x}" if cp <= 0xFFFF else f"\\U{cp:08x}"


def _emit_class(ranges: Ranges, negate: bool = False) -> str:
    body = "".join(_emit_cp(lo) if lo == hi else f"{_emit_cp(lo)}-{_emit_cp(hi)}" for lo, hi in _norm(ranges))
    if not body:  # an empty class matches nothing; its negation matches anything
        return "(?s:.)" if negate else "(?!)"
    return f"[^{body}]" if negate else f"[{body}]"


# -- the translator -----------------------------------------------------------------------------


class _Translator:
    def __init__(self, pattern: str) -> None:
        self.p = pattern
        self.i = 0

    def fail(self, what: str) -> JavaRegexError:
        return JavaRegexError(f"{what} at offset {self.i} in pattern {self.p!r}")

    def peek(self, k: int = 0) -> str:
        j = self.i + k
        return self.p[j] if j < len(self.p) else ""

    def take(self) -> str:
        if self.i >= len(self.p):
            raise self.fail("unexpected end")
        c = self.p[self.i]
        self.i += 1
        return c

    def read_until(self, end: str) -> str:
        j = self.p.find(end, self.i)
        if j < 0:
            raise self.fail(f"missing {end!r}")
        s = self.p[self.i : j]
        self.i = j + len(end)
        return s

    # an escape after the backslash: (ranges, negated) for a class-like escape, else (None, text)
    def escape(self, in_class: bool) -> tuple[Ranges | None, str]:
        c = self.take()
        if c in "pP":
            name = self.read_until("}") if self.peek() == "{" and self.take() else self.take()
            ranges = list(_property(name))
            return (_invert(ranges) if c == "P" else ranges), ""
        if c.lower() in _SHORTHAND:
            ranges = _SHORTHAND[c.lower()]
            return (_invert(ranges) if c.isupper() else ranges), ""
        if c in _SIMPLE_ESCAPES:
            return [(_SIMPLE_ESCAPES[c],) * 2], ""
        if c == "x":
            if self.peek() == "{":
                self.take()
                cp = int(self.read_until("}"), 16)
            else:
                cp = int(self.take() + self.take(), 16)
            return [(cp, cp)], ""
        if c == "u":
            cp = int("".join(self.take() for _ in range(4)), 16)
            return [(cp, cp)], ""
        if c == "0":
            digits = ""
            while len(digits) < 3 and self.peek() in "01234567" and self.peek():
                digits += self.take()
            cp = int(digits or "0", 8)
            return [(cp, cp)], ""
        if c == "c":
            cp = ord(self.take()) ^ 64
            return [(cp, cp)], ""
        if not in_class:
            if c in "bB":
                return None, "\\" + c
            if c == "A":
                return None, "\\A"
            if c == "z":
                return None, "\\Z"
            if c == "Z":
                return None, "(?=(?:\\r\\n|[\\n\\r\\u0085\\u2028\\u2029])?\\Z)"
            if c == "R":
                return None, "(?:\\r\\n|[\\n\\x0b\\f\\r\\u0085\\u2028\\u2029])"
            if c.isdigit():
                digits = c
                while self.peek().isdigit():
                    digits += self.take()
                return None, f"(?:\\{digits})"
            if c == "k":
                if self.take() != "<":
                    raise self.fail("bad \\k")
                return None, f"(?P={self.read_until('>')})"
            if c == "G":
                raise self.fail("\\G is not supported")
        if c.isalnum():
            raise self.fail(f"unknown escape \\{c}")
        return [(ord(c), ord(c))], ""

    def char_class(self) -> Ranges:
        """Parse after '[' up to the matching ']'; returns the class as ranges."""
        negate = False
        if self.peek() == "^":
            self.take()
            negate = True
        acc: Ranges = []
        inter: Ranges | None = None
        first = True
        while True:
            c = self.take()
            if c == "]" and not first:
                break
            first = False
            if c == "[":
                acc += self.char_class()
                continue
            if c == "&" and self.peek() == "&":
                self.take()
                inter = acc if inter is None else _intersect(inter, acc)
                acc = []
                continue
            if c == "\\":
                if self.peek() == "Q":
                    self.take()
                    acc += _chars(self.read_until("\\E"))
                    continue
                ranges, _ = self.escape(in_class=True)
                assert ranges is not None
            else:
                ranges = [(ord(c), ord(c))]
            if (
                len(ranges) == 1
                and ranges[0][0] == ranges[0][1]
                and self.peek() == "-"
                and self.peek(1) not in ("]", "")
            ):
                self.take()
                hc = self.take()
                if hc == "[":
                    raise self.fail("bad range")
                if hc == "\\":
                    hr, _ = self.escape(in_class=True)
                    if not hr or len(hr) != 1 or hr[0][0] != hr[0][1]:
                        raise self.fail("bad range end")
                    hi = hr[0][0]
                else:
                    hi = ord(hc)
                if hi < ranges[0][0]:
                    raise self.fail("reversed range")
                ranges = [(ranges[0][0], hi)]
            acc += ranges
        result = _norm(acc) if inter is None else _intersect(inter, _norm(acc))
        return _invert(result) if negate else result

    def translate(self) -> str:
        out: list[str] = []
        # one entry a group: how many extra ')' close it (scoped inline flags)
        closes: list[int] = [0]
        while self.i < len(self.p):
            c = self.take()
            if c == "\\":
                if self.peek() == "Q":
                    self.take()
                    j = self.p.find("\\E", self.i)
                    text = self.p[self.i :] if j < 0 else self.p[self.i : j]
                    self.i = len(self.p) if j < 0 else j + 2
                    out.append(re.escape(text))
                    continue
                ranges, text = self.escape(in_class=False)
                out.append(text if ranges is None else _emit_class(ranges))
            elif c == "[":
                out.append(_emit_class(self.char_class()))
            elif c == ".":
                out.append(_emit_class(_LINE_TERMINATORS, negate=True))
            elif c == "(":
                if self.peek() == "?":
                    self.take()
                    nxt = self.peek()
                    if nxt == "<" and self.peek(1) not in "=!":
                        self.take()
                        out.append(f"(?P<{self.read_until('>')}>")
                        closes.append(0)
                        continue
                    m = re.match(r"([a-zA-Z]*)(?:-([a-zA-Z]*))?([:)])", self.p[self.i :])
                    if m and (m.group(1) or m.group(2) is not None):
                        self.i += m.end()
                        on, off = m.group(1), m.group(2) or ""
                        flags = f"{on}-{off}" if off else on
                        if m.group(3) == ":":
                            out.append(f"(?{flags}:")
                            closes.append(0)
                        else:  # (?i) to the end of the enclosing group
                            out.append(f"(?{flags}:")
                            closes[-1] += 1
                        continue
                    out.append("(?")
                    closes.append(0)
                else:
                    out.append("(")
                    closes.append(0)
            elif c == ")":
                out.append(")" * closes.pop() + ")")
                if not closes:
                    raise self.fail("unbalanced ')'")
            elif c == "|" and closes[-1]:
                # an inline flag group covers one alternative only: close it and reopen after '|'
                raise self.fail("inline flags before '|' are not supported")
            else:
                out.append(c)
        if len(closes) != 1:
            raise self.fail("unbalanced '('")
        out.append(")" * closes[0])
        return "".join(out)


@functools.lru_cache(maxsize=4096)
def to_python(pattern: str) -> str:
    """The Python ``re`` pattern equivalent to the Java pattern ``pattern``."""
    return _Translator(pattern).translate()


@functools.lru_cache(maxsize=4096)
def compile_pattern(pattern: str) -> re.Pattern[str]:
    """``re.compile(to_python(pattern))``, cached: the translation itself, unanchored. To decide
    whether a value conforms use ``matches`` / ``matcher`` (a whole-value match), never ``.search``."""
    try:
        return re.compile(to_python(pattern))
    except re.error as exc:
        raise JavaRegexError(f"pattern {pattern!r} does not compile: {exc}") from None


@functools.lru_cache(maxsize=4096)
def matcher(pattern: str) -> Callable[[str], bool]:
    """The predicate "``value`` conforms to ``pattern``": the whole value matches (Java
    ``String.matches``). Raises ``JavaRegexError`` for a pattern with no faithful translation."""
    fullmatch = compile_pattern(pattern).fullmatch
    return lambda value: fullmatch(value) is not None


def matches(pattern: str, value: str) -> bool:
    """Whether ``value`` conforms to the model pattern ``pattern``: the whole value matches."""
    return matcher(pattern)(value)


def anchored(pattern: str) -> str:
    """The Python ``re`` text that a ``re.search`` finds exactly in the values ``matches`` accepts:
    ``^(?:...)\\Z`` around the translation (``\\Z``: Python's ``$`` would also match before a
    final newline)."""
    return f"^(?:{compile_pattern(pattern).pattern})\\Z"


if __name__ == "__main__":
    write_category_table()
    print(f"wrote {CATEGORY_TABLE} (Unicode {unicodedata.unidata_version})")
