"""JSON bodies <-> params, compiled once a shape.

Decoding renames wire names to member names and types timestamps and blobs; a subtree with
nothing to rename or convert is passed through untouched (the validator checks its types).
Encoding keeps only modelled members, drops ``None``, writes wire names, timestamps (epoch seconds
unless the model says otherwise) and base64 blobs.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Callable
from typing import Any

from botocore.model import ListShape, MapShape, Shape, StructureShape

from emulator.protocol.values import format_timestamp, parse_blob, parse_timestamp, timestamp_format

__all__ = ["body_decoder", "encoder"]

Decoder = Callable[[Any, str], Any]
Encoder = Callable[[Any], Any]
_SPECIAL_FLOATS = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def _float(value: Any, path: str) -> Any:
    return _SPECIAL_FLOATS.get(value, value) if isinstance(value, str) else value


def _wire(name: str, shape: Shape) -> str:
    return shape.serialization.get("name", name)


def _decoder(shape: Shape, memo: dict[str, Any]) -> Decoder | None:
    t = shape.type_name
    if t == "timestamp":
        return parse_timestamp
    if t == "blob":
        return parse_blob
    if t in ("float", "double"):
        return _float
    if isinstance(shape, ListShape):
        item = _decoder(shape.member, memo)
        if item is None:
            return None

        def dec_list(value: Any, path: str) -> Any:
            if type(value) is not list:
                return value
            return [v if v is None else item(v, f"{path}[{i}]") for i, v in enumerate(value)]

        return dec_list
    if isinstance(shape, MapShape):
        val = _decoder(shape.value, memo)
        if val is None:
            return None

        def dec_map(value: Any, path: str) -> Any:
            if type(value) is not dict:
                return value
            return {k: v if v is None else val(v, f"{path}[{k!r}]") for k, v in value.items()}

        return dec_map
    if not isinstance(shape, StructureShape):
        return None
    if shape.name in memo:
        return memo[shape.name]
    cell: list[Decoder] = []
    memo[shape.name] = lambda v, p: cell[0](v, p)
    members = tuple((name, _wire(name, m), _decoder(m, memo)) for name, m in shape.members.items())
    if all(wire == name and dec is None for name, wire, dec in members):
        memo[shape.name] = None
        cell.append(lambda v, p: v)
        return None
    fn = _structure_decoder(members)
    cell.append(fn)
    memo[shape.name] = fn
    return fn


def _structure_decoder(members: tuple[tuple[str, str, Decoder | None], ...]) -> Decoder:
    def dec_struct(value: Any, path: str) -> Any:
        if type(value) is not dict:
            return value
        out = {}
        for name, wire, dec in members:
            v = value.get(wire)
            if v is not None:
                out[name] = dec(v, f"{path}.{name}" if path else name) if dec is not None else v
        return out

    return dec_struct


def body_decoder(members: dict[str, Shape]) -> Callable[[dict[str, Any], str], dict[str, Any]]:
    """``(json_object, path_prefix) -> params`` for the body members ``members``."""
    memo: dict[str, Any] = {}
    return _structure_decoder(tuple((name, _wire(name, m), _decoder(m, memo)) for name, m in members.items()))


def _blob(value: Any) -> str:
    raw = value if isinstance(value, (bytes, bytearray)) else str(value).encode()
    return base64.b64encode(raw).decode("ascii")


def _encoder(shape: Shape, memo: dict[str, Any]) -> Encoder | None:
    t = shape.type_name
    if t == "timestamp":
        fmt = timestamp_format(shape, "unixTimestamp")
        return lambda v: format_timestamp(v, fmt)
    if t == "blob":
        return _blob
    if isinstance(shape, ListShape):
        item = _encoder(shape.member, memo)
        if item is None:
            return None
        return lambda v: [item(x) for x in v if x is not None] if type(v) is list else v
    if isinstance(shape, MapShape):
        val = _encoder(shape.value, memo)
        if val is None:
            return None
        return lambda v: {k: val(x) for k, x in v.items() if x is not None} if type(v) is dict else v
    if not isinstance(shape, StructureShape):
        return None
    if shape.name in memo:
        return memo[shape.name]
    cell: list[Encoder] = []
    memo[shape.name] = lambda v: cell[0](v)
    fn = _structure_encoder(
        tuple((name, _wire(name, m), _encoder(m, memo)) for name, m in shape.members.items())
    )
    cell.append(fn)
    memo[shape.name] = fn
    return fn


def _structure_encoder(members: tuple[tuple[str, str, Encoder | None], ...]) -> Encoder:
    def enc_struct(value: Any) -> Any:
        if type(value) is not dict:
            return value
        out = {}
        for name, wire, enc in members:
            v = value.get(name)
            if v is not None:
                out[wire] = enc(v) if enc is not None else v
        return out

    return enc_struct


def encoder(members: dict[str, Shape]) -> Encoder:
    """``output -> wire object`` for the body members ``members``."""
    memo: dict[str, Any] = {}
    return _structure_encoder(tuple((name, _wire(name, m), _encoder(m, memo)) for name, m in members.items()))
