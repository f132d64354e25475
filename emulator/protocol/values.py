"""Scalar conversions shared by the protocols: text (labels, query strings, headers, form fields)
to typed values, wire timestamps to ``datetime`` and back, base64 blobs.
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import email.utils
import math
from typing import Any

from botocore.model import Shape

from emulator.core import Problem
from emulator.protocol import ProtocolProblem

__all__ = [
    "format_timestamp",
    "from_text",
    "parse_blob",
    "parse_timestamp",
    "timestamp_format",
]

UTC = _dt.UTC
_INTEGRAL = frozenset({"integer", "long", "short", "byte", "biginteger"})
_FLOATING = frozenset({"float", "double", "bigdecimal"})
_SPECIAL_FLOATS = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def _bad(path: str, expected: str, value: Any) -> ProtocolProblem:
    shown = repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return ProtocolProblem(Problem(path, "type", f"expected {expected}, got {shown}"))


def timestamp_format(shape: Shape, default: str) -> str:
    return shape.serialization.get("timestampFormat") or shape.metadata.get("timestampFormat") or default


def parse_timestamp(value: Any, path: str) -> _dt.datetime:
    """Epoch seconds (number or numeric text), ISO 8601 or RFC 822 -> an aware UTC datetime."""
    try:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return _dt.datetime.fromtimestamp(value, UTC)
        if isinstance(value, str):
            text = value.strip()
            try:
                return _dt.datetime.fromtimestamp(float(text), UTC)
            except ValueError:
                pass
            try:
                parsed = _dt.datetime.fromisoformat(text)
            except ValueError:
                parsed = email.utils.parsedate_to_datetime(text)
            return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (ValueError, OverflowError, OSError, TypeError, IndexError):
        pass
    raise _bad(path, "a timestamp (epoch seconds or ISO 8601)", value)


def format_timestamp(value: Any, fmt: str) -> Any:
    """A timestamp for the wire: epoch seconds (a number), ISO 8601 or RFC 822 text."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if fmt == "unixTimestamp":
            return value
        value = _dt.datetime.fromtimestamp(value, UTC)
    if not isinstance(value, _dt.datetime):
        return value
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    if fmt == "unixTimestamp":
        epoch = value.timestamp()
        return int(epoch) if epoch == int(epoch) else round(epoch, 3)
    if fmt == "rfc822":
        return email.utils.format_datetime(value.astimezone(UTC), usegmt=True)
    value = value.astimezone(UTC)
    if value.microsecond:
        return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_blob(value: Any, path: str) -> bytes:
    if isinstance(value, str):
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            pass
    raise _bad(path, "base64 text", value)


def from_text(shape: Shape, text: str, path: str) -> Any:
    """A scalar sent as text (label, query string, header, form field) -> its typed value."""
    t = shape.type_name
    if t in ("string", "character"):
        return text
    if t in _INTEGRAL:
        try:
            return int(text)
        except ValueError:
            raise _bad(path, "an integer", text) from None
    if t in _FLOATING:
        if text in _SPECIAL_FLOATS:
            return _SPECIAL_FLOATS[text]
        try:
            return float(text)
        except ValueError:
            raise _bad(path, "a number", text) from None
    if t == "boolean":
        if text == "true":
            return True
        if text == "false":
            return False
        raise _bad(path, "true or false", text)
    if t == "timestamp":
        return parse_timestamp(text, path)
    if t == "blob":
        return parse_blob(text, path)
    raise _bad(path, f"a {t} (not sendable as text)", text)
