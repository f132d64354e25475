"""Comparing two endpoints' answers to the same call: ids mapped, times normalised, differences named.

Each endpoint makes its own ids (a JobId, a thingId, an ARN, a page token, ...). ``IdMap`` pairs
them as they appear: a string that differs between the two answers at the same place, that the
client did not send and that looks like an id, is taken to be the same id under two names (the
first answer that shows it fixes the pair). Later calls to B carry B's own ids (``IdMap.to_b``),
and B's answers are compared with A's after its ids are named as A's.

``compare`` reports, for one pair of exchanges: the HTTP status, the error code, and for two
successes the body's structure: keys present, JSON types, enum values, and every value that is not
an id or a time (members the model types as timestamps, and ISO 8601 text, are equal whatever
they say: AmplifyBackend types its times as strings). Error messages are not compared: their
wording is each endpoint's own.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from typing import Any

from harness.model import Exchange

__all__ = ["Difference", "IdMap", "compare", "jsonable", "summary"]

#: integer members an endpoint numbers on its own (executionNumber); a version number is compared
_ID_NUMBER = re.compile(r"(?<!version)(?:id|number)$", re.IGNORECASE)
#: member names whose values are made by the endpoint (ids, ARNs, tokens, signatures, links)
_ID_NAME = re.compile(r"(?:id|ids|arn|arns|token|signature|url|uri|contents|etag)$", re.IGNORECASE)
#: values that look made by an endpoint: an ARN, a UUID, or a word with a digit in it
_ID_VALUE = re.compile(r"^arn:|^[0-9a-f]{8}-[0-9a-f]{4}-|^\S*\d\S*$", re.IGNORECASE)
_ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?$")
#: ids shorter than this are replaced only as whole strings, never inside longer ones
_MIN_EMBEDDED = 5
_SHORT = 160


@dataclass(frozen=True, slots=True)
class Difference:
    """One way B's answer departs from A's, kept once by operation, kind and path. ``cause`` tells
    apart the differences of the status line: ``status`` (the two statuses and codes) and
    ``error_code`` (the same status, two codes)."""

    service: str
    operation: str
    kind: str  # answer | status | error_code | parse | missing_key | extra_key | type | enum | length | id | value
    path: str  # where in the body ("" for the status line); list items as "[]"
    detail: str  # what A and B said
    cause: str = ""

    @property
    def key(self) -> tuple[str, str, str, str, str]:
        return (self.service, self.operation, self.kind, self.path, self.cause)

    @property
    def qualified(self) -> str:
        return f"{self.service}.{self.operation}"


class IdMap:
    """A's ids and B's, paired as they appear; the values the client sent (never ids).

    Strings are paired by value; numbers (an ``executionNumber``) by member name and value, so that
    only that member is rewritten in B's calls.
    """

    def __init__(self) -> None:
        self.a_to_b: dict[str, str] = {}
        self.b_to_a: dict[str, str] = {}
        self.numbers_a_to_b: dict[tuple[str, int], int] = {}
        self.numbers_b_to_a: dict[tuple[str, int], int] = {}
        #: what the client sent each side (B's carry B's ids): every string so far, and the numbers
        #: (by member name) of the call under way only, since small numbers recur by chance
        self.sent: dict[str, set[Any]] = {"a": set(), "b": set()}
        self.sent_numbers: dict[str, set[tuple[str, int]]] = {"a": set(), "b": set()}
        self._embedded_b: list[tuple[str, str]] = []  # (a, b), longest a first
        self._embedded_a: list[tuple[str, str]] = []  # (b, a), longest b first

    def begin_call(self) -> None:
        for numbers in self.sent_numbers.values():
            numbers.clear()

    def note_sent(self, side: str, value: Any, name: str = "") -> None:
        """Keep the strings and numbers in ``value``, sent to ``side`` (``a`` or ``b``)."""
        if isinstance(value, str):
            self.sent[side].add(value)
        elif _is_int(value):
            self.sent_numbers[side].add((name, value))
        elif isinstance(value, dict):
            for k, v in value.items():
                self.note_sent(side, v, str(k))
        elif isinstance(value, (list, tuple)):
            for v in value:
                self.note_sent(side, v, name)

    def invented(self, a: Any, b: Any) -> bool:
        """Neither side was sent its value: each endpoint made its own."""
        if isinstance(a, tuple):
            return a not in self.sent_numbers["a"] and b not in self.sent_numbers["b"]
        return a not in self.sent["a"] and b not in self.sent["b"]

    def pair(self, a: str, b: str) -> None:
        self.a_to_b[a], self.b_to_a[b] = b, a
        if len(a) >= _MIN_EMBEDDED and len(b) >= _MIN_EMBEDDED:
            self._embedded_b = sorted([*self._embedded_b, (a, b)], key=lambda p: -len(p[0]))
            self._embedded_a = sorted([*self._embedded_a, (b, a)], key=lambda p: -len(p[0]))

    def pair_number(self, name: str, a: int, b: int) -> None:
        self.numbers_a_to_b[(name, a)], self.numbers_b_to_a[(name, b)] = b, a

    @property
    def paired(self) -> int:
        return len(self.a_to_b) + len(self.numbers_a_to_b)

    def to_b(self, value: Any) -> Any:
        """``value`` (params, a raw body) with every id of A replaced by B's."""
        return _replace(value, self.a_to_b, self._embedded_b, self.numbers_a_to_b)

    def to_a(self, text: str) -> str:
        return _replace(text, self.b_to_a, self._embedded_a, {})


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _replace(value: Any, whole: dict[str, str], embedded: list[tuple[str, str]],
             numbers: dict[tuple[str, int], int], name: str = "") -> Any:
    if isinstance(value, str):
        if value in whole:
            return whole[value]
        for old, new in embedded:
            if old in value:
                value = value.replace(old, new)
        return value
    if _is_int(value):
        return numbers.get((name, value), value)
    if isinstance(value, bytes):
        try:
            return _replace(value.decode("utf-8"), whole, embedded, numbers).encode("utf-8")
        except UnicodeDecodeError:
            return value
    if isinstance(value, dict):
        return {k: _replace(v, whole, embedded, numbers, str(k)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_replace(v, whole, embedded, numbers, name) for v in value]
    return value


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, _dt.datetime):
        return "timestamp"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, (list, tuple)):
        return "array"
    return "blob"


def _is_time(shape: Any, value: Any) -> bool:
    """A time by the model (a timestamp shape, parsed or as the wire's epoch or text) or, for a string
    the model cannot say more of, by its ISO 8601 form (AmplifyBackend's times are strings)."""
    if isinstance(value, _dt.datetime):
        return True
    if getattr(shape, "type_name", None) == "timestamp":
        return isinstance(value, (int, float, str)) and not isinstance(value, bool)
    return isinstance(value, str) and bool(_ISO_TIME.match(value))


def jsonable(value: Any) -> Any:
    """``value`` as JSON can hold it (times as ISO strings, bytes as text)."""
    if isinstance(value, _dt.datetime):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return repr(value)


def _short(value: Any) -> str:
    import json

    text = json.dumps(jsonable(value), ensure_ascii=False, default=str)
    return text if len(text) <= _SHORT else text[: _SHORT - 3] + "..."


def summary(ex: Exchange) -> str:
    """One side's answer in a few words: ``HTTP 404 ResourceNotFoundException``."""
    if ex.response is None:
        return f"no answer ({ex.transport_error or 'nothing came back'})"
    text = f"HTTP {ex.status}"
    if ex.error_code:
        text += f" {ex.error_code}"
    if ex.parse_error:
        text += f" (unparseable: {ex.parse_error})"
    return text


class _Walk:
    """Compares two parsed bodies, member by member, with the output shape when the model has one."""

    def __init__(self, ex: Exchange, ids: IdMap) -> None:
        self.ex, self.ids = ex, ids
        self.found: list[Difference] = []

    def diff(self, kind: str, path: str, detail: str, cause: str = "") -> None:
        self.found.append(Difference(self.ex.service, self.ex.operation, kind, path, detail, cause))

    def walk(self, a: Any, b: Any, shape: Any, path: str, name: str) -> None:
        ka, kb = _kind(a), _kind(b)
        if ka != kb:
            if _is_time(shape, a) and _is_time(shape, b) and "string" not in (ka, kb):
                return  # a datetime on one side, an epoch number on the other: both a time
            self.diff("type", path, f"A: {ka} {_short(a)}; B: {kb} {_short(b)}")
        elif ka == "object":
            self._object(a, b, shape, path)
        elif ka == "array":
            member = getattr(shape, "member", None)
            if len(a) != len(b):
                self.diff("length", path, f"A: {len(a)} items; B: {len(b)} items")
            for x, y in zip(a, b, strict=False):
                self.walk(x, y, member, f"{path}[]", name)
        elif ka == "string":
            self._string(a, b, shape, path, name)
        elif ka == "number" and _is_int(a) and _is_int(b) and _ID_NUMBER.search(name):
            self._number(a, b, path, name)
        elif ka in ("number", "boolean") and a != b and not _is_time(shape, a):
            self.diff("value", path, f"A: {_short(a)}; B: {_short(b)}")

    def _object(self, a: dict[str, Any], b: dict[str, Any], shape: Any, path: str) -> None:
        members = getattr(shape, "members", None) or {}
        value_shape = getattr(shape, "value", None)  # a map: its keys are data
        def where(key: str) -> str:
            if value_shape is not None:
                return f"{path}{{}}" if path else "{}"
            return f"{path}.{key}" if path else key

        for key, value in a.items():
            if key not in b:
                self.diff("missing_key", where(key), f"A has {key!r}: {_short(value)}; B has no such key")
            else:
                self.walk(value, b[key], members.get(key, value_shape), where(key), key)
        for key, value in b.items():
            if key not in a:
                self.diff("extra_key", where(key), f"B has {key!r}: {_short(value)}; A has no such key")

    def _number(self, a: int, b: int, path: str, name: str) -> None:
        ids = self.ids
        mapped = ids.numbers_a_to_b.get((name, a))
        if mapped is not None:
            if mapped != b:
                self.diff("id", path, f"A: {a} (B's number for it is {mapped}); B: {b}")
        elif (name, b) in ids.numbers_b_to_a and a != b:
            self.diff("id", path, f"A: {a}; B: {b}, B's number for A's {ids.numbers_b_to_a[(name, b)]}")
        elif ids.invented((name, a), (name, b)):
            ids.pair_number(name, a, b)  # the same thing under each endpoint's number (equal or not)
        elif a != b:
            self.diff("value", path, f"A: {a}; B: {b}")

    def _string(self, a: str, b: str, shape: Any, path: str, name: str) -> None:
        ids = self.ids
        if a == b:
            return
        if a in ids.a_to_b:
            if ids.a_to_b[a] != b:
                self.diff("id", path, f"A: {_short(a)} (B's name for it is {_short(ids.a_to_b[a])}); B: {_short(b)}")
            return
        if b in ids.b_to_a:
            self.diff("id", path, f"A: {_short(a)}; B: {_short(b)}, B's name for A's {_short(ids.b_to_a[b])}")
            return
        if ids.to_a(b) == a:
            return  # the same text with each side's ids in it
        enum = getattr(shape, "enum", None)
        if enum:
            self.diff("enum", path, f"A: {_short(a)}; B: {_short(b)}")
            return
        if _is_time(shape, a) and _is_time(shape, b):
            return
        if ids.invented(a, b) and (_ID_NAME.search(name) or (_ID_VALUE.search(a) and _ID_VALUE.search(b))):
            ids.pair(a, b)
            return
        self.diff("value", path, f"A: {_short(a)}; B: {_short(b)}")


def compare(ex_a: Exchange, ex_b: Exchange, ids: IdMap, output_shape: Any = None) -> list[Difference]:
    """The differences between A's and B's answers to the same call (B's ids already mapped)."""
    walk = _Walk(ex_a, ids)
    if ex_a.response is None or ex_b.response is None:
        if (ex_a.response is None) != (ex_b.response is None):
            walk.diff("answer", "", f"A: {summary(ex_a)}; B: {summary(ex_b)}",
                      "A" if ex_a.response is None else "B")
        return walk.found
    sa, sb = ex_a.status or 0, ex_b.status or 0
    ca, cb = ex_a.error_code or None, ex_b.error_code or None
    if sa != sb:  # one difference for the status line, whether or not the codes differ too
        walk.diff("status", "", f"A: {summary(ex_a)}; B: {summary(ex_b)}", f"{sa} {ca or ''}/{sb} {cb or ''}")
    elif ca != cb:
        walk.diff("error_code", "", f"A: {summary(ex_a)}; B: {summary(ex_b)}", f"{ca}/{cb}")
    if not (200 <= sa < 300 and 200 <= sb < 300):
        return walk.found
    if (ex_a.parse_error is None) != (ex_b.parse_error is None):
        walk.diff("parse", "", f"A: {summary(ex_a)}; B: {summary(ex_b)}", "A" if ex_a.parse_error else "B")
        return walk.found
    walk.walk(ex_a.parsed or {}, ex_b.parsed or {}, output_shape, "", "")
    return walk.found
