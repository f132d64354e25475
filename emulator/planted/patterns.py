"""Planted faults of every service: model patterns checked on a part of the value.

AWS checks a model pattern against the whole value (Java ``String.matches``). A common emulator
mistake is to check it with Python's ``re.match`` (a prefix of the value matches) or ``re.search``
(some part of it matches). These faults make that mistake on every operation of every service: a
value whose whole fails its pattern, but a part of which the faulty check finds, is accepted and
read as the part that matched (``thing!`` is taken as ``thing``, as an endpoint does whose
routing or parsing regular expression is not anchored). A value no part of which matches is still
refused, so only an invalid value with a valid part finds these faults.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from botocore.model import ListShape, MapShape, Shape, StructureShape

from emulator.model import operation_model
from emulator.planted.base import DATA, Breaker, Fault, Proceed, Request
from specs.javaregex import JavaRegexError, compile_pattern, matches

#: a faulty check: the part of ``value`` it takes as conforming to the compiled pattern, or None
Partial = Callable[[re.Pattern[str], str], "re.Match[str] | None"]


def _part(shape: Shape, value: str, partial: Partial) -> str:
    """``value`` as the faulty check reads it: unchanged unless its whole fails the pattern and
    the faulty check finds a part that matches."""
    pattern = shape.metadata.get("pattern")
    if not pattern or matches(pattern, value):
        return value
    try:
        found = partial(compile_pattern(pattern), value)
    except JavaRegexError:
        return value
    return found.group(0) if found is not None else value


def _read(shape: Shape, value: Any, partial: Partial, depth: int = 0) -> Any:
    """``value`` (of ``shape``) with every pattern-constrained string read by the faulty check."""
    if depth > 32:
        return value
    t = shape.type_name
    if t == "string" and isinstance(value, str):
        return _part(shape, value, partial)
    if isinstance(shape, StructureShape) and isinstance(value, dict):
        members = shape.members
        return {k: (_read(members[k], v, partial, depth + 1) if k in members else v) for k, v in value.items()}
    if isinstance(shape, ListShape) and isinstance(value, list):
        return [_read(shape.member, v, partial, depth + 1) for v in value]
    if isinstance(shape, MapShape) and isinstance(value, dict):
        return {_read(shape.key, k, partial, depth + 1): _read(shape.value, v, partial, depth + 1)
                for k, v in value.items()}
    return value


@functools.cache
def _input(service: str, operation: str) -> Shape | None:
    try:
        return operation_model(service, operation).input_shape
    except Exception:  # noqa: BLE001 - an operation the model lacks: nothing to read
        return None


class _PartialPatterns(Breaker):
    """Every operation: pattern-constrained values are checked (and read) with ``partial``."""

    def __init__(self, partial: Partial) -> None:
        self.partial = partial

    def call(self, req: Request, proceed: Proceed) -> dict[str, Any]:
        shape = _input(req.service, req.operation)
        if shape is None:
            return proceed()
        read = _read(shape, req.params, self.partial)
        return proceed(params=read) if read != req.params else proceed()


def _prefix(pattern: re.Pattern[str], value: str) -> re.Match[str] | None:
    return pattern.match(value)


def _anywhere(pattern: re.Pattern[str], value: str) -> re.Match[str] | None:
    return pattern.search(value)


_WHOLE = ("; AWS matches a model pattern against the whole value (Java String.matches), so "
          "thing! is refused for [a-zA-Z0-9:_-]+")
FAULTS: tuple[Fault, ...] = (
    Fault("pattern-prefix-match", "negative_data_rejection", DATA, "UpdateJobExecution",
          "every operation checks model patterns with a prefix match (re.match) and reads the value as "
          "the prefix that matched, so a valid value followed by a bad character is accepted" + _WHOLE,
          lambda: _PartialPatterns(_prefix), phases=("boundary",)),
    Fault("pattern-search-match", "negative_data_rejection", DATA, "UpdateJobExecution",
          "every operation checks model patterns with a search (re.search) and reads the value as the "
          "part that matched, so a bad character before, inside or after a valid value is accepted" + _WHOLE,
          lambda: _PartialPatterns(_anywhere), phases=("boundary",)),
)
