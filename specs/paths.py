"""Paths into a shape tree: ``a.b``, ``a[]`` (list items), ``a{}`` (map values), ``a{key}`` (map keys)."""

from __future__ import annotations

import re

from specs.types import ServiceSpec, ShapeSpec

__all__ = ["PathError", "join", "resolve", "split"]

_SEGMENT = re.compile(r"([^.\[\]{}]+)((?:\[\]|\{\}|\{key\})*)")
_SUFFIX = re.compile(r"\[\]|\{\}|\{key\}")


class PathError(ValueError):
    pass


def split(path: str) -> list[str]:
    """``a[].b{}`` -> ``['a', '[]', 'b', '{}']``."""
    parts: list[str] = []
    if path == "":
        return parts
    for seg in path.split("."):
        m = _SEGMENT.fullmatch(seg)
        if not m:
            raise PathError(f"bad path segment {seg!r} in {path!r}")
        parts.append(m.group(1))
        parts.extend(_SUFFIX.findall(m.group(2)))
    return parts


def join(parent: str, part: str) -> str:
    if part in ("[]", "{}", "{key}"):
        return parent + part
    return f"{parent}.{part}" if parent else part


def resolve(service: ServiceSpec, root: str | None, path: str) -> ShapeSpec:
    """The shape at ``path`` below the shape named ``root``; PathError names what is missing."""
    if root is None:
        raise PathError(f"{path}: the operation has no such shape")
    shape = service.shapes[root]
    walked = ""
    for part in split(path):
        if part == "[]":
            if shape.type != "list" or shape.member is None:
                raise PathError(f"{walked}: is a {shape.type}, not a list")
            shape = service.shapes[shape.member.shape]
        elif part in ("{}", "{key}"):
            if shape.type != "map" or shape.key is None or shape.value is None:
                raise PathError(f"{walked}: is a {shape.type}, not a map")
            shape = service.shapes[(shape.value if part == "{}" else shape.key).shape]
        else:
            m = shape.member_named(part) if shape.type == "structure" else None
            if m is None:
                known = ", ".join(x.name for x in shape.members) or "none"
                raise PathError(f"{join(walked, part)}: {shape.name} has no member {part!r} (members: {known})")
            shape = service.shapes[m.shape]
        walked = join(walked, part)
    return shape
