"""The query protocol (AWS Import/Export), driven by the model.

A request is a form: ``Action=Op&Version=2010-06-01&...``, with nested members as ``a.b``, lists
as ``x.member.N`` (an empty list as ``x=``) and maps as ``x.entry.N.key`` / ``.value``; its fields
may also come in the URL's query string. The model's ``requestUri`` (``/?Operation=X``) is not
used, as botocore does not use it. SigV2 fields (``AWSAccessKeyId``, ``Signature``, ...) are not
members and are set aside.

Answers are XML: ``<OpResponse xmlns=".../doc/2010-06-01/"><OpResult>...</OpResult>
<ResponseMetadata><RequestId/></ResponseMetadata></OpResponse>``, and errors
``<ErrorResponse xmlns="http://importexport.amazonaws.com/"><Error><Type>Sender</Type><Code/>
<Message/></Error><RequestId/></ErrorResponse>``.
"""

from __future__ import annotations

import base64
import re
from typing import Any
from urllib.parse import parse_qsl

from botocore.model import ListShape, MapShape, Shape, StructureShape

from emulator.core import Problem, ServiceError
from emulator.model import service_model
from emulator.protocol import MAX_BODY, ProtocolProblem, RawResponse
from emulator.protocol.values import format_timestamp, from_text, timestamp_format

__all__ = ["QueryProtocol"]

SIGV2_FIELDS = frozenset(
    {
        "AWSAccessKeyId",
        "Signature",
        "SignatureVersion",
        "SignatureMethod",
        "Timestamp",
        "Expires",
        "SecurityToken",
    }
)
_FORM = "application/x-www-form-urlencoded"
_INVALID_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})


def xml_text(value: str) -> str:
    """``value`` escaped for XML text; characters XML 1.0 cannot carry become U+FFFD."""
    return _INVALID_XML.sub("\ufffd", value).translate(_ESCAPES)


def _problem(path: str, rule: str, message: str) -> ProtocolProblem:
    return ProtocolProblem(Problem(path, rule, message))


def _tree(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    root: dict[str, Any] = {}
    for key, value in pairs:
        node = root
        parts = key.split(".")
        for i, part in enumerate(parts[:-1]):
            child = node.get(part)
            if child is None or child == "":
                child = node[part] = {}
            elif not isinstance(child, dict):
                raise _problem(
                    ".".join(parts[: i + 1]),
                    "type",
                    f"{'.'.join(parts[: i + 1])} is given both as a value and as a structure",
                )
            node = child
        last = parts[-1]
        if isinstance(node.get(last), dict):
            if value == "":
                continue
            raise _problem(key, "type", f"{key} is given both as a value and as a structure")
        node[last] = value
    return root


def _indexed(node: Any, path: str) -> list[Any]:
    if node == "":
        return []
    if not isinstance(node, dict):
        raise _problem(path, "type", f"expected a list (as {path}.member.N), got a value")
    try:
        items = sorted((int(k), v) for k, v in node.items())
    except ValueError:
        raise _problem(path, "type", f"expected list indexes 1, 2, ... under {path}") from None
    if items and items[0][0] < 1:
        raise _problem(path, "type", f"list indexes under {path} start at 1")
    return [v for _, v in items]


def _decode(shape: Shape, node: Any, path: str) -> Any:
    if isinstance(shape, StructureShape):
        if node == "":
            return {}
        if not isinstance(node, dict):
            raise _problem(path, "type", f"expected a structure ({path}.member), got a value")
        out = {}
        for name, m in shape.members.items():
            child = node.get(m.serialization.get("name", name))
            if child is not None:
                out[name] = _decode(m, child, f"{path}.{name}" if path else name)
        return out
    if isinstance(shape, ListShape):
        if not shape.serialization.get("flattened") and isinstance(node, dict):
            if set(node) - {"member"}:
                raise _problem(path, "type", f"expected {path}.member.N")
            node = node.get("member", "")
        return [_decode(shape.member, v, f"{path}[{i}]") for i, v in enumerate(_indexed(node, path))]
    if isinstance(shape, MapShape):
        if isinstance(node, dict) and not shape.serialization.get("flattened"):
            node = node.get("entry", "")
        out = {}
        for entry in _indexed(node, path):
            if not isinstance(entry, dict) or "key" not in entry:
                raise _problem(path, "type", f"expected {path}.entry.N.key and .value")
            key = _decode(shape.key, entry["key"], path)
            out[key] = _decode(shape.value, entry.get("value", ""), f"{path}[{key!r}]")
        return out
    if not isinstance(node, str):
        raise _problem(path, "type", f"expected a value, got a structure under {path}")
    return from_text(shape, node, path)


class QueryProtocol:
    """Parser and serialisers of one query-protocol service, built once and then only read."""

    namespace = "http://importexport.amazonaws.com/doc/2010-06-01/"
    error_namespace = "http://importexport.amazonaws.com/"

    def __init__(self, service: str) -> None:
        self.service = service
        self.model = service_model(service)
        self.version = self.model.api_version
        self.operations = frozenset(self.model.operation_names)

    def parse(
        self, headers: dict[str, str], query: str, body: bytes
    ) -> tuple[str, dict[str, Any], dict[str, str]]:
        """(operation, params, other fields) of a request. Unknown or missing Action and a bad
        Version raise ServiceError; a field that cannot be read raises ProtocolProblem."""
        if len(body) > MAX_BODY:
            raise ServiceError(
                "InvalidParameterException",
                f"expected a request of at most {MAX_BODY} bytes, got {len(body)}",
                status=400,
            )
        ctype = headers.get("content-type")
        if body and ctype is not None and ctype.split(";", 1)[0].strip().lower() != _FORM:
            raise ServiceError(
                "InvalidParameterException",
                f"expected a form body (Content-Type {_FORM}), got Content-Type {ctype!r}",
                status=400,
            )
        try:
            text = body.decode("utf-8")
            pairs = parse_qsl(query, keep_blank_values=True) + parse_qsl(
                text, keep_blank_values=True, errors="strict"
            )
        except UnicodeDecodeError:
            raise ServiceError(
                "InvalidParameterException", "the request is not valid UTF-8", status=400
            ) from None
        fields: dict[str, str] = {}
        members = []
        for k, v in pairs:
            if k in ("Action", "Version") or k in SIGV2_FIELDS:
                fields.setdefault(k, v)
            else:
                members.append((k, v))
        action = fields.get("Action")
        if not action:
            raise ServiceError("MissingAction", "the request has no Action", status=400)
        if action not in self.operations:
            raise ServiceError(
                "InvalidAction", f"{action!r} is not an action of {self.service} {self.version}", status=400
            )
        version = fields.get("Version")
        if version is None:
            raise ServiceError(
                "MissingParameterException", f"{action}.Version: a required parameter is missing", status=400
            )
        if version != self.version:
            raise ServiceError(
                "InvalidVersionException",
                f"{action}.Version: expected {self.version!r}, got {version!r}",
                status=400,
            )
        shape = self.model.operation_model(action).input_shape
        try:
            params = _decode(shape, _tree(members), "") if shape is not None else {}
        except ProtocolProblem as exc:
            exc.operation = action
            raise
        return action, params, fields

    # -- answers -----------------------------------------------------------------------------
    def success(self, operation: str, output: dict[str, Any] | None, request_id: str) -> RawResponse:
        shape = self.model.operation_model(operation).output_shape
        head = (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<{operation}Response xmlns="{self.namespace}">'
            f"<{operation}Result>"
        )
        parts: list[str] = [head]
        if shape is not None:
            _members(shape, output or {}, parts)
        parts.append(
            f"</{operation}Result><ResponseMetadata><RequestId>{xml_text(request_id)}</RequestId>"
            f"</ResponseMetadata></{operation}Response>"
        )
        return RawResponse(
            200, {"Content-Type": "text/xml", "x-amzn-RequestId": request_id}, "".join(parts).encode("utf-8")
        )

    @classmethod
    def error(
        cls, code: str, message: str, status: int, request_id: str, kind: str = "Sender"
    ) -> RawResponse:
        body = (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="{cls.error_namespace}">'
            f"<Error><Type>{kind}</Type><Code>{xml_text(code)}</Code><Message>{xml_text(message)}</Message>"
            f"</Error><RequestId>{xml_text(request_id)}</RequestId></ErrorResponse>"
        )
        return RawResponse(
            status, {"Content-Type": "text/xml", "x-amzn-RequestId": request_id}, body.encode("utf-8")
        )


def _members(shape: StructureShape, value: dict[str, Any], parts: list[str]) -> None:
    for name, m in shape.members.items():
        v = value.get(name)
        if v is None:
            continue
        tag = m.serialization.get("name", name)
        if isinstance(m, ListShape) and m.serialization.get("flattened"):
            for item in v:
                _element(m.member, tag, item, parts)
        else:
            _element(m, tag, v, parts)


def _element(shape: Shape, tag: str, value: Any, parts: list[str]) -> None:
    t = shape.type_name
    parts.append(f"<{tag}>")
    if isinstance(shape, StructureShape):
        if isinstance(value, dict):
            _members(shape, value, parts)
    elif isinstance(shape, ListShape):
        item_tag = shape.member.serialization.get("name", "member")
        for item in value:
            if item is not None:
                _element(shape.member, item_tag, item, parts)
    elif isinstance(shape, MapShape):
        for k, v in value.items():
            if v is None:
                continue
            parts.append("<entry>")
            _element(shape.key, "key", k, parts)
            _element(shape.value, "value", v, parts)
            parts.append("</entry>")
    elif t == "boolean":
        parts.append("true" if value else "false")
    elif t == "timestamp":
        parts.append(xml_text(str(format_timestamp(value, timestamp_format(shape, "iso8601")))))
    elif t == "blob":
        raw = value if isinstance(value, (bytes, bytearray)) else str(value).encode()
        parts.append(base64.b64encode(raw).decode("ascii"))
    else:
        parts.append(xml_text(str(value)))
    parts.append(f"</{tag}>")
