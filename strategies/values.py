"""Valid values of shapes, compiled once into programs that draw from a ``random.Random``.

A Hypothesis draw costs about 10 µs a primitive choice here, so drawing a call member by member (and
a string character by character) would cost milliseconds. Instead each place of an input tree is
compiled once into a *program*: a closure that builds a value from a ``Rand`` (a seeded
``random.Random`` with a richness ``level`` from 0 to 3). ``program_strategy`` draws the level and
the seed from Hypothesis — one choice of 9 bytes a call, through public strategies — so Hypothesis
still drives generation, replays from its database and shrinks: the level shrinks to 0, where a
program gives its smallest value (required members only, shortest strings, numbers nearest zero),
and the seed to 0.

Every rule of every source holds for the values drawn: model rules, doc rules and inferred rules
(an inferred rule marks the zone where validity is uncertain, so valid values stay out of it).
So a structure gets exactly one member of each ``one_of`` group (the first at level 0), at most one
of each ``exclusive`` group, every ``required_when`` member whose condition holds, and no ``absent``
member; a member that takes a page token is never drawn: only a token an earlier page gave is valid.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from specs.paths import join
from specs.rules import INTEGERS, NUMBERS, Limits, condition_holds, limits, place_rules
from specs.types import MemberSpec, OperationSpec, Rule, ServiceSpec, ShapeSpec
from strategies.regex import INF, MAXCP, char_pool, pattern_for

__all__ = ["Compiler", "Program", "Rand", "context_of", "program_strategy"]

#: recursion: past this many re-entries of shapes already on the path from the root, optional
#: members are left out; absolute nesting is capped too
MAX_REPEAT = 3
MAX_NESTING = 12
_STRING_SPAN = {1: 8, 2: 32, 3: 128}  # how far past the minimum a drawn length usually goes
_SIZE_SPAN = {1: 2, 2: 3, 3: 5}
_OPTIONAL = {1: 0.3, 2: 0.6, 3: 0.9}  # chance of an optional member
_INT_RANGE = {"byte": 7, "short": 15, "integer": 31, "long": 63, "biginteger": 63}
_EPOCH_RANGE = (946684800, 4102444800)  # 2000-01-01 .. 2100-01-01
_ZONES = (dt.UTC, dt.timezone(dt.timedelta(hours=5, minutes=30)), dt.timezone(dt.timedelta(hours=-8)))
_ANY = [(0, MAXCP)]


class Rand(random.Random):
    """The randomness of one draw, with how rich the drawn value should be (0: smallest)."""

    level: int = 2

    def __init__(self, seed: int = 0, level: int = 2) -> None:
        super().__init__(seed)
        self.level = level


Program = Callable[[Rand], Any]


def context_of(member: MemberSpec | None, parent: str = "any") -> str:
    """Which characters a string at this member may safely use on the wire."""
    if member is None:
        return parent
    if member.location == "uri":
        return "uri"
    if member.location in ("header", "headers"):
        return "header"
    return parent


def _length(r: Rand, lo: int, hi: int, spans: dict[int, int]) -> int:
    if r.level <= 0 or hi <= lo:
        return lo
    x = r.random()
    if x < 0.1:
        return lo
    if x < 0.15 and hi - lo <= 64:
        return hi
    top = min(hi, lo + spans.get(r.level, 8))
    return lo + int((top - lo + 1) * r.random() ** 2) if top > lo else lo


def _closest_to_zero(lo: float | None, hi: float | None) -> float:
    if (lo is None or lo <= 0) and (hi is None or hi >= 0):
        return 0
    return lo if lo is not None and lo > 0 else hi  # type: ignore[return-value]  # here hi < 0


class Compiler:
    """Compiles the places of one operation's input (or one shape) into programs."""

    def __init__(self, service: ServiceSpec, op: OperationSpec | None = None, rules: tuple[Rule, ...] = ()) -> None:
        self.service, self.op = service, op
        self.rules = (op.rules if op is not None else ()) + tuple(rules)
        self.by_path: dict[str, list[Rule]] = {}
        for r in self.rules:
            self.by_path.setdefault(r.path, []).append(r)
        self.cache: dict[tuple[str, str, str, int, bool, bool], Program] = {}
        #: members bound into the host name (botocore requires letters, digits, '-' and '.')
        self.host_labels = _host_labels(op) if op is not None else frozenset()
        self.name = op.name if op else "value"

    def place_limits(self, shape: ShapeSpec, path: str, member: MemberSpec | None) -> tuple[tuple[Rule, ...], Limits]:
        rules = place_rules(_NO_RULES, shape, path, member) + tuple(self.by_path.get(path, ()))
        return rules, limits(rules)

    def groups_at(self, path: str) -> tuple[tuple[str, ...], ...]:
        """The ``one_of`` and ``exclusive`` groups of the structure at ``path``: member names of which
        one (at most one) is present."""
        return tuple(tuple(r.value) for r in self.by_path.get(path, ()) if r.kind in ("one_of", "exclusive"))

    def _rules_below(self, path: str) -> bool:
        return any(p == path or p.startswith((path + ".", path + "[", path + "{")) for p in self.by_path) \
            if path else bool(self.by_path)

    def program(self, shape: ShapeSpec, path: str = "", member: MemberSpec | None = None, context: str = "any",
                stack: tuple[str, ...] = ()) -> Program:
        repeats = len(stack) - len(set(stack)) + (shape.name in stack)  # how deep into recursion
        capped = repeats >= MAX_REPEAT or len(stack) >= MAX_NESTING
        if (repeats > MAX_REPEAT + 2 or len(stack) > 3 * MAX_NESTING) and shape.type in _GIVE_UP \
                and not shape.union:
            return _GIVE_UP[shape.type]  # a chain of required members that never ends
        token = bool(member and member.idempotency_token)
        if member is not None and path and "." not in path and member.name in self.host_labels:
            context = "host"
        key = (shape.name, path if self._rules_below(path) else "", context, repeats, capped, token)
        found = self.cache.get(key)
        if found is not None:
            return found
        cell: list[Program] = []
        self.cache[key] = lambda r: cell[0](r)  # recursive shapes refer to themselves
        _, lim = self.place_limits(shape, path, member)
        if lim.examples:
            built = _from_examples(lim.examples)
        elif shape.document:
            built = _document
        elif lim.format is not None and shape.type == "string":
            built = _formatted(lim)
        else:
            maker = _MAKERS.get("union" if shape.union else shape.type, _string)
            built = maker(self, shape, path, member, context, stack + (shape.name,), lim, capped)
        cell.append(built)
        self.cache[key] = built
        return built


_NO_RULES = OperationSpec("", "", "", "", "", "", None, None, ())


_GIVE_UP: dict[str, Program] = {"structure": lambda r: {}, "map": lambda r: {}, "list": lambda r: []}


def _host_labels(op: OperationSpec) -> frozenset[str]:
    from strategies.wire import operation_model

    try:
        shape = operation_model(op.service, op.name).input_shape
    except Exception:  # noqa: BLE001 - a spec without a botocore model has no host labels
        return frozenset()
    if shape is None:
        return frozenset()
    return frozenset(n for n, m in shape.members.items() if m.serialization.get("hostLabel"))


def _string(c: Compiler, shape: ShapeSpec, path: str, member: MemberSpec | None, context: str,
            stack: tuple[str, ...], lim: Limits, capped: bool) -> Program:
    token = bool(member and member.idempotency_token)
    if token and context == "any":
        context = "token"
    lo = lim.len_lo.value if lim.len_lo else 0
    hi = lim.len_hi.value if lim.len_hi else INF
    if context in ("uri", "host"):
        lo = max(lo, 1)
    if token:
        lo, hi = max(lo, 1), min(hi, 64)
    patterns = []
    for r in lim.patterns:
        try:
            patterns.append(pattern_for(r.value, context))
        except Exception:  # noqa: BLE001, S112 - untranslatable: generate as if it had none
            continue
    values = lim.values
    if values is not None:
        ok = tuple(v for v in values if lo <= len(v) <= hi and all(p.conforms(v) for p in patterns)) or values
        return lambda r: ok[0] if r.level <= 0 else r.choice(ok)
    main = patterns[0] if patterns else None
    others = patterns[1:]
    lo0, hi0 = lo, hi
    if main is not None:
        lo, hi = main.widths(lo, hi)
    pool = char_pool(_ANY, context)

    def make(r: Rand, n: int) -> str | None:
        if main is None:
            return "".join(r.choices(pool, k=n))
        out = main.near(r, n, lo, hi)
        if out is not None and all(p.conforms(out) for p in others):
            return out
        return None

    smallest = make(Rand(0), lo) if lo <= hi else None
    if smallest is None and main is not None and lo <= hi:  # lookarounds: keep trying, cheaply
        for seed in range(1, 60):
            smallest = main.sample(Rand(seed), min(hi, lo + seed % 40), tries=1)
            if smallest is not None and all(p.conforms(smallest) for p in others):
                break
            smallest = None
    if smallest is None:
        smallest = _fallback(main.java if main else "", lo0, hi0) or ("a" * lo0)

    def draw(r: Rand) -> str:
        if r.level <= 0:
            return smallest
        return make(r, _length(r, lo, hi, _STRING_SPAN)) or smallest

    return draw


def _fallback(java: str, lo: int, hi: int, budget: float = 0.25) -> str | None:
    """A match from ``hypothesis.strategies.from_regex`` when the pattern is beyond ``regex``
    (lookarounds that constrain the rest): the first of a few seeded draws (within a small time
    budget) whose length is in ``lo..hi``."""
    if not java or "(?=" in java or "(?!" in java or "(?<" in java:
        return None  # from_regex filters lookarounds by rejection: far too slow to wait for
    import time

    from hypothesis import Phase, find, settings

    from specs.javaregex import to_python

    try:
        strat = st.from_regex(to_python(java), fullmatch=True)
        strat.validate()
    except Exception:  # noqa: BLE001 - a pattern Hypothesis cannot generate from: none
        return None
    end = time.monotonic() + budget

    def fits(value: str) -> bool:
        if time.monotonic() > end:
            raise _OutOfTime
        return lo <= len(value) <= hi

    # generate only: the first fitting value of the same seeded sequence, not a shrunk one (inside a
    # Hypothesis test, find() needs the test to suppress HealthCheck.nested_given, as the harness does)
    try:
        return find(strat, fits, random=random.Random(0), settings=settings(
            database=None, max_examples=1000, phases=[Phase.generate], deadline=None))
    except Exception:  # noqa: BLE001 - no fitting value, out of time, or a failed draw: no fallback
        return None


class _OutOfTime(Exception):
    """The fallback's time budget is spent."""


def _integer(c: Compiler, shape: ShapeSpec, path: str, member: MemberSpec | None, context: str,
             stack: tuple[str, ...], lim: Limits, capped: bool) -> Program:
    bits = _INT_RANGE.get(shape.type, 63)
    floor, ceil = -(2**bits), 2**bits - 1
    lo = max(floor, lim.lo.value) if lim.lo else floor
    hi = min(ceil, lim.hi.value) if lim.hi else ceil
    lo, hi = int(-(-lo // 1)), int(hi // 1)
    also = tuple(v for v in lim.also if isinstance(v, int) and lim.in_range(v))
    values = lim.values
    if values is not None:
        return lambda r: values[0] if r.level <= 0 else r.choice(values)
    zero = int(_closest_to_zero(lo, hi))
    small_lo, small_hi = max(lo, -10), min(hi, 1000)

    def draw(r: Rand) -> int:
        if r.level <= 0:
            return zero
        x = r.random()
        if x < 0.08:
            return lo
        if x < 0.16:
            return hi
        if also and x < 0.24:
            return r.choice(also)
        if small_lo <= small_hi and x < 0.7:
            return r.randint(small_lo, small_hi)
        return r.randint(lo, hi)

    return draw


def _float(c: Compiler, shape: ShapeSpec, path: str, member: MemberSpec | None, context: str,
           stack: tuple[str, ...], lim: Limits, capped: bool) -> Program:
    lo = lim.lo.value if lim.lo else -1e6
    hi = lim.hi.value if lim.hi else 1e6
    zero = _closest_to_zero(lo, hi)

    def draw(r: Rand) -> float:
        if r.level <= 0:
            return zero
        x = r.random()
        if x < 0.1:
            return lo
        if x < 0.2:
            return hi
        return min(hi, max(lo, round(r.uniform(lo, hi), 3)))

    return draw


def _boolean(c: Compiler, shape: ShapeSpec, path: str, member: MemberSpec | None, context: str,
             stack: tuple[str, ...], lim: Limits, capped: bool) -> Program:
    return lambda r: r.level > 0 and r.random() < 0.5


def _timestamp(c: Compiler, shape: ShapeSpec, path: str, member: MemberSpec | None, context: str,
               stack: tuple[str, ...], lim: Limits, capped: bool) -> Program:
    fixed = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)

    def draw(r: Rand) -> dt.datetime:
        if r.level <= 0:
            return fixed
        return dt.datetime.fromtimestamp(r.randint(*_EPOCH_RANGE), tz=r.choice(_ZONES))

    return draw


def _blob(c: Compiler, shape: ShapeSpec, path: str, member: MemberSpec | None, context: str,
          stack: tuple[str, ...], lim: Limits, capped: bool) -> Program:
    lo = lim.len_lo.value if lim.len_lo else 0
    hi = lim.len_hi.value if lim.len_hi else INF
    return lambda r: b"a" * lo if r.level <= 0 else r.randbytes(_length(r, lo, hi, _STRING_SPAN))


def _document(r: Rand, depth: int = 0) -> Any:
    if r.level <= 0:
        return {}
    x = r.random()
    if depth < 2 and x < 0.3:
        return {f"k{i}": _document(r, depth + 1) for i in range(r.randint(0, 3))}
    if depth < 2 and x < 0.45:
        return [_document(r, depth + 1) for _ in range(r.randint(0, 3))]
    scalars = (True, False, r.randint(-(2**53), 2**53), round(r.uniform(-1e6, 1e6), 3), "text", "é中")
    # null only inside: a null document leaves its member unset (a union with no member set)
    return r.choice(((None,) if depth else ()) + scalars)


def json_text(n: int) -> str | None:
    """A JSON object of exactly ``n`` characters (None below 2, the shortest: ``{}``)."""
    if n < 2:
        return None
    if n < 8:
        return "{" + " " * (n - 2) + "}"
    return '{"a":"' + "x" * (n - 8) + '"}'


def _from_examples(examples: tuple[Any, ...]) -> Program:
    """An overlay's examples: the first at level 0, any of them above."""
    return lambda r: examples[0] if r.level <= 0 else r.choice(examples)


def _formatted(lim: Limits) -> Program:
    """Valid documents for a ``format`` rule: JSON objects (a bare JSON scalar may be a JSON text,
    but no page says a job document can be one), within the place's length limits."""
    lo = max(lim.len_lo.value if lim.len_lo else 0, 2)
    hi = lim.len_hi.value if lim.len_hi else INF
    smallest = json_text(lo) or "{}"

    def draw(r: Rand) -> str:
        if r.level <= 0:
            return smallest
        doc = {f"k{i}": _document(r, 1) for i in range(r.randint(0, 3))}
        text = json.dumps(doc, ensure_ascii=r.random() < 0.5)
        return text if lo <= len(text) <= hi else smallest

    return draw


def _structure(c: Compiler, shape: ShapeSpec, path: str, member: MemberSpec | None, context: str,
               stack: tuple[str, ...], lim: Limits, capped: bool) -> Program:
    required: list[tuple[str, Program]] = []
    optional: list[tuple[str, Program, bool]] = []
    members = shape.members
    if shape.union and capped:  # past the recursion cap: only members that end the recursion
        kinds = [(m, c.service.shapes[m.shape]) for m in members]
        plain = [m for m, s in kinds if s.type not in ("structure", "list", "map")]
        fresh = [m for m, s in kinds if s.name not in stack]
        members = tuple(plain or fresh[:1] or members[:1])
    grouped = {n for g in lim.groups for n in g}
    picks: dict[str, Program] = {}
    conditional: list[tuple[str, Program, tuple[Rule, ...]]] = []  # required_when members
    for m in members:
        child = join(path, m.name)
        sub = c.service.shapes[m.shape]
        _, mlim = c.place_limits(sub, child, m)
        if mlim.page_token is not None or mlim.absent is not None:
            continue  # only a token an earlier page gave is valid: none is drawn; an absent member never is
        if mlim.required_when:
            conditional.append((m.name, c.program(sub, child, m, context_of(m, context), stack), mlim.required_when))
        if m.name in grouped:  # exactly one of its group is drawn
            picks[m.name] = c.program(sub, child, m, context_of(m, context), stack)
            continue
        must = m.required or mlim.required is not None
        if not must and capped and not shape.union:
            continue  # past the recursion cap
        prog = c.program(sub, child, m, context_of(m, context), stack)
        if must:
            required.append((m.name, prog))
        else:
            optional.append((m.name, prog, m.idempotency_token))
    if shape.union:
        choices = required + [(n, p) for n, p, _ in optional]

        def union(r: Rand) -> dict[str, Any]:
            if not choices:
                return {}
            name, prog = choices[0] if r.level <= 0 else r.choice(choices)
            return {name: prog(r)}

        return union
    groups = [g for g in (tuple((n, picks[n]) for n in names if n in picks) for names in lim.groups) if g]
    exclusive = tuple(tuple(r.value) for r in lim.exclusive)

    def draw(r: Rand) -> dict[str, Any]:
        out = {name: prog(r) for name, prog in required}
        for group in groups:  # the first member of each one_of group at level 0
            name, prog = group[0] if r.level <= 0 else r.choice(group)
            out[name] = prog(r)
        level = r.level
        if level > 0:
            chance = _OPTIONAL.get(level, 0.6)
            for name, prog, token in optional:
                if r.random() < (0.5 if token else chance):
                    out[name] = prog(r)
        if exclusive or conditional:
            _keep_rules(r, out, exclusive, conditional)
        return out

    return draw


def _keep_rules(r: Rand, out: dict[str, Any], exclusive: tuple[tuple[str, ...], ...],
                conditional: list[tuple[str, Program, tuple[Rule, ...]]]) -> None:
    """``out`` with at most one member of each ``exclusive`` group (the first drawn), then every
    ``required_when`` member whose condition holds (kept over the others of an exclusive group)."""
    forced: set[str] = set()
    for _ in range(2):
        for names in exclusive:
            present = [n for n in names if n in out]
            keep = next((n for n in present if n in forced), present[0] if present else None)
            for name in present:
                if name != keep:
                    del out[name]
        added = False
        for name, prog, rules in conditional:
            if name not in out and any(condition_holds(rule, out) for rule in rules):
                out[name] = prog(r)
                forced.add(name)
                added = True
        if not added:
            break


def _list(c: Compiler, shape: ShapeSpec, path: str, member: MemberSpec | None, context: str,
          stack: tuple[str, ...], lim: Limits, capped: bool) -> Program:
    lo = lim.len_lo.value if lim.len_lo else 0
    hi = lim.len_hi.value if lim.len_hi else INF
    if shape.member is None:
        return lambda r: []
    item = c.program(c.service.shapes[shape.member.shape], path + "[]", shape.member, context, stack)
    return lambda r: [item(r) for _ in range(_length(r, lo, hi, _SIZE_SPAN))]


def _map(c: Compiler, shape: ShapeSpec, path: str, member: MemberSpec | None, context: str,
         stack: tuple[str, ...], lim: Limits, capped: bool) -> Program:
    lo = lim.len_lo.value if lim.len_lo else 0
    hi = lim.len_hi.value if lim.len_hi else INF
    if shape.key is None or shape.value is None:
        return lambda r: {}
    key_context = "uri" if member is not None and member.location == "headers" else context
    key = c.program(c.service.shapes[shape.key.shape], path + "{key}", shape.key, key_context, stack)
    value = c.program(c.service.shapes[shape.value.shape], path + "{}", shape.value, context, stack)

    def draw(r: Rand) -> dict[Any, Any]:
        n = _length(r, lo, hi, _SIZE_SPAN)
        level = r.level
        out: dict[Any, Any] = {}
        for _ in range(n * 4):
            if len(out) >= n:
                break
            k = key(r)
            if k not in out:
                out[k] = value(r)
            r.level = max(level, 1)  # later keys must differ from the first, smallest one
        r.level = level
        return out

    return draw


#: shape type -> program maker
_MAKERS: dict[str, Callable[..., Program]] = {
    "structure": _structure, "union": _structure, "list": _list, "map": _map,
    "string": _string, "character": _string, "boolean": _boolean, "timestamp": _timestamp, "blob": _blob,
}
for _t in INTEGERS:
    _MAKERS[_t] = _integer
for _t in NUMBERS - INTEGERS:
    _MAKERS[_t] = _float


def program_strategy(program: Program, finish: Callable[[Any], Any] | None = None) -> st.SearchStrategy[Any]:
    """Draws a richness level and a seed from Hypothesis, then runs ``program`` (and ``finish`` on
    what it gives).

    One choice of 9 bytes: the first gives the level (its two low bits), the other 8 the seed. It
    shrinks to all zero bytes (level 0, seed 0), the first byte first. One choice costs a third of
    a tuple of two (``st.integers`` over 64 bits would also favour the ends of its range).
    """

    def run(choice: bytes) -> Any:
        value = program(Rand(int.from_bytes(choice[1:], "big"), choice[0] % 4))
        return finish(value) if finish is not None else value

    return st.binary(min_size=9, max_size=9).map(run)
