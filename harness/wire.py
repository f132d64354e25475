"""Decode a raw success body into the wire-form object the output schema describes.

rest-json and json: the JSON body (empty means ``{}``). query: the ``<OpResult>`` element turned
into dicts keyed by wire name, lists of items and scalar texts, as ``specs.schema`` expects.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

from specs.types import OperationSpec, ServiceSpec, ShapeSpec

__all__ = ["BodyError", "decode_success_body"]


class BodyError(ValueError):
    pass


def decode_success_body(op: OperationSpec, service: ServiceSpec, body: bytes) -> Any:
    if op.protocol in ("rest-json", "json"):
        if not body.strip():
            return {}
        try:
            return json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise BodyError(f"the body is not JSON ({exc})") from None
    if op.protocol == "query":
        return _query(op, service, body)
    raise BodyError(f"protocol {op.protocol} is not decoded")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _query(op: OperationSpec, service: ServiceSpec, body: bytes) -> Any:
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise BodyError(f"the body is not XML ({exc})") from None
    if _local(root.tag) != f"{op.name}Response":
        raise BodyError(f"the root element is <{_local(root.tag)}>, expected <{op.name}Response>")
    result = next((c for c in root if _local(c.tag) == f"{op.name}Result"), None)
    if result is None:
        raise BodyError(f"<{op.name}Response> has no <{op.name}Result>")
    if op.output is None:
        return {}
    return _element(result, service.shapes[op.output], service)


def _element(el: ET.Element, shape: ShapeSpec, service: ServiceSpec) -> Any:
    if shape.type == "structure":
        out: dict[str, Any] = {}
        by_name = {_local(c.tag): c for c in el}
        for m in shape.members:
            child = by_name.get(m.wire_name)
            if child is not None:
                out[m.wire_name] = _element(child, service.shapes[m.shape], service)
        return out
    if shape.type == "list" and shape.member is not None:
        # a list element holds its items only (structures may grow members, lists have none to add):
        # an item under another tag is one a strict XML reader (not botocore, which takes any child)
        # never sees
        item, tag = service.shapes[shape.member.shape], shape.member.xml_member_name
        other = next((_local(c.tag) for c in el if _local(c.tag) != tag), None)
        if other is not None:
            raise BodyError(f"<{_local(el.tag)}> holds a <{other}> element: its items are <{tag}> elements")
        return [_element(c, item, service) for c in el]
    if shape.type == "map" and shape.key is not None and shape.value is not None:
        out = {}
        for entry in el:
            k = next((c for c in entry if _local(c.tag) == "key"), None)
            v = next((c for c in entry if _local(c.tag) == "value"), None)
            if k is not None and v is not None:
                out[k.text or ""] = _element(v, service.shapes[shape.value.shape], service)
        return out
    return el.text or ""
