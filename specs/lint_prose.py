"""A conservative scan of member documentation for numeric limits the model does not carry.

It looks for "between X and Y", "from X to Y", "(X to Y ...)", "maximum ... of/is N", "up to N",
"at most N", "no more than N" in the docs of every input member of an operation in scope. A
finding is made only when the member's shape lacks the bound the phrase states (a numeric range on
a number, a maximum length or size on a string, list or map) and no ``model``/``doc`` overlay rule
constrains the member. For strings, lists and maps the number must be followed by a size word
(characters, items, pairs, ...), so "up to 7 days" on a string is not taken for a length.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

from botocore.model import ListShape, MapShape, ServiceModel, Shape, StructureShape

from specs.finding import Finding
from specs.paths import join
from specs.types import OperationSpec, ServiceSpec

__all__ = ["prose_findings", "stated_limits"]

_NUM = r"(-?\d[\d,]*)"
_RANGE = re.compile(rf"(?:\bbetween|\bfrom|\branges? from|\()\s*{_NUM}\s+(?:and|to|-)\s+{_NUM}\b(\s+\w+)?",
                    re.IGNORECASE)
_MAX = re.compile(
    rf"(?:\bmaximum(?:\s+[\w/-]+){{0,8}}?\s+(?:of|is)|\bup to|\bat most|\bno more than|\bcannot exceed|"
    rf"\bmust not exceed)\s+{_NUM}\b(\s+\w+)?", re.IGNORECASE)
_SIZE_WORDS = {"character", "characters", "byte", "bytes", "item", "items", "element", "elements",
               "entry", "entries", "pair", "pairs", "value", "values", "key", "keys", "tag", "tags",
               "string", "strings", "object", "objects", "member", "members"}
_NUMERIC = ("integer", "long", "float", "double", "short", "byte", "bigdecimal", "biginteger")
_SIZED = ("string", "list", "map", "blob")
_CONSTRAINING = ("min", "max", "also", "min_length", "max_length", "allowed")


def _plain(doc: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", doc or ""))).strip()


def _int(text: str) -> int:
    return int(text.replace(",", ""))


def stated_limits(doc: str, shape_type: str) -> list[tuple[str, int | None, int | None]]:
    """``(phrase, low, high)`` for each limit ``doc`` states that fits a shape of ``shape_type``."""
    text = _plain(doc)
    numeric = shape_type in _NUMERIC
    out: list[tuple[str, int | None, int | None]] = []
    for m in _RANGE.finditer(text):
        unit = (m.group(3) or "").strip().lower()
        lo, hi = _int(m.group(1)), _int(m.group(2))
        if lo < hi and (numeric or unit in _SIZE_WORDS):
            out.append((m.group(0).strip("( "), lo, hi))
    for m in _MAX.finditer(text):
        unit = (m.group(2) or "").strip().lower()
        if numeric or unit in _SIZE_WORDS:
            out.append((m.group(0).strip(), None, _int(m.group(1))))
    return out


def _covered(op: OperationSpec, path: str) -> bool:
    return any(r.source in ("model", "doc") and r.kind in _CONSTRAINING
               and (r.path == path or r.path.startswith(path) and r.path[len(path):][:1] in ".[{")
               for r in op.rules)


def _walk(shape: Shape, path: str, stack: tuple[str, ...]) -> Iterator[tuple[str, Shape]]:
    """Every member below ``shape`` with its path (each recursive shape entered once a branch)."""
    if shape.name in stack:
        return
    stack = stack + (shape.name,)
    if isinstance(shape, StructureShape):
        for name, member in shape.members.items():
            sub = join(path, name)
            yield sub, member
            yield from _walk(member, sub, stack)
    elif isinstance(shape, ListShape):
        yield from _walk(shape.member, path + "[]", stack)
    elif isinstance(shape, MapShape):
        yield from _walk(shape.value, path + "{}", stack)


def _lacks(shape: Shape, lo: int | None, hi: int | None) -> str | None:
    meta = shape.metadata
    missing = [w for w, v, have in (("minimum", lo, meta.get("min")), ("maximum", hi, meta.get("max")))
               if v is not None and have is None]
    if not missing:
        return None
    what = "value" if shape.type_name in _NUMERIC else "length" if shape.type_name in ("string", "blob") else "size"
    return f"{' or '.join(missing)} {what}"


def prose_findings(svc: ServiceSpec, model: ServiceModel) -> Iterator[Finding]:
    for op in svc.in_scope():
        op_model = model.operation_model(op.name)
        if op_model.input_shape is None:
            continue
        seen: set[str] = set()
        for path, member in _walk(op_model.input_shape, "", ()):
            if member.type_name not in _NUMERIC + _SIZED or not member.documentation or path in seen:
                continue
            for phrase, lo, hi in stated_limits(member.documentation, member.type_name):
                lacking = _lacks(member, lo, hi)
                if lacking is None or _covered(op, path):
                    continue
                seen.add(path)
                yield Finding(svc.name, op.name, path, "prose-constraint",
                              f"the member documentation says \"{phrase}\" but the model has no {lacking} "
                              f"and no overlay rule states it", "doc")
                break
