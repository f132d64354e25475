"""The rest-json protocol (IoT, IoT Jobs data plane, AmplifyBackend), driven by the model.

Requests are routed by each operation's ``requestUri`` template: literal segments, ``{label}``,
greedy ``{label+}`` and literal query parts (``?force``). Path segments are percent-decoded one by
one before they are compared, so ``/things/t/jobs/%24next`` and ``/things/t/jobs/$next`` route
alike, and an encoded ``/`` stays inside its label. Members are read from labels, the query
string, headers and the JSON body under their wire names and typed from the model; answers are
written back the same way (timestamps as epoch seconds unless the model says otherwise, ``None``
omitted). An error is ``x-amzn-ErrorType: Code`` plus ``{"message": ..., **fields}``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import parse_qsl, unquote

from botocore.model import ListShape, MapShape, OperationModel, Shape, StructureShape

from emulator.core import Problem
from emulator.model import service_model
from emulator.protocol import MAX_BODY, ProtocolProblem, RawResponse
from emulator.protocol.jsoncodec import body_decoder, encoder
from emulator.protocol.values import format_timestamp, from_text, timestamp_format

__all__ = ["RestJsonProtocol", "Route"]

_JSON_TYPES = ("application/json", "application/x-amz-json-1.0", "application/x-amz-json-1.1")
#: what ``json.dumps(v, separators=(",", ":"))`` builds on every call, built once
_COMPACT = json.JSONEncoder(separators=(",", ":")).encode
_COMPACT_STR = json.JSONEncoder(separators=(",", ":"), default=str).encode
_LITERAL, _LABEL, _GREEDY = 0, 1, 2


@dataclass(frozen=True, slots=True)
class Route:
    operation: str
    method: str
    #: (kind, literal text or label name) a path segment
    segments: tuple[tuple[int, str], ...]
    #: (key, value or "") the query must carry
    query: tuple[tuple[str, str], ...]
    literals: int

    def match(self, parts: list[str]) -> tuple[dict[str, str], int] | None:
        """Labels and the number of empty labels, or None."""
        labels: dict[str, str] = {}
        empties = 0
        n = len(parts)
        for i, (kind, text) in enumerate(self.segments):
            if kind == _GREEDY:
                rest = "/".join(parts[i:])
                if not rest:
                    return None
                labels[text] = rest
                return labels, empties
            if i >= n:
                return None
            if kind == _LITERAL:
                if parts[i] != text:
                    return None
            else:
                if not parts[i]:
                    empties += 1
                labels[text] = parts[i]
        return (labels, empties) if n == len(self.segments) else None


def _route(op: OperationModel) -> Route:
    uri = op.http["requestUri"]
    path, _, query = uri.partition("?")
    segments: list[tuple[int, str]] = []
    for seg in path.strip("/").split("/") if path.strip("/") else []:
        if seg.startswith("{") and seg.endswith("+}"):
            segments.append((_GREEDY, seg[1:-2]))
        elif seg.startswith("{") and seg.endswith("}"):
            segments.append((_LABEL, seg[1:-1]))
        else:
            segments.append((_LITERAL, unquote(seg)))
    q = tuple(parse_qsl(query, keep_blank_values=True)) if query else ()
    literals = sum(1 for k, _ in segments if k == _LITERAL)
    return Route(op.name, op.http["method"].upper(), tuple(segments), q, literals)


@dataclass(frozen=True, slots=True)
class _OpCodec:
    labels: tuple[tuple[str, str, Shape], ...]  # (member, label, shape)
    query: tuple[tuple[str, str, Shape], ...]  # (member, key, shape)
    query_map: tuple[str, MapShape] | None
    headers: tuple[tuple[str, str, Shape], ...]  # (member, lowercase header, shape)
    header_maps: tuple[tuple[str, str], ...]  # (member, lowercase prefix)
    has_body: bool
    payload: tuple[str, Shape] | None
    decode_body: Callable[[dict[str, Any], str], dict[str, Any]] | None
    # output
    status: int
    out_headers: tuple[tuple[str, str, Shape], ...]
    out_status: str | None
    out_payload: tuple[str, Shape] | None
    encode_body: Callable[[dict[str, Any]], dict[str, Any]] | None


def _codec(op: OperationModel) -> _OpCodec:
    labels, query, headers, header_maps = [], [], [], []
    query_map = payload = out_payload = out_status = None
    has_body = False
    decode = None
    shape = op.input_shape
    if shape is not None:
        payload_name = shape.serialization.get("payload")
        body_members = {}
        for name, m in shape.members.items():
            loc = m.serialization.get("location")
            wire = m.serialization.get("name", name)
            if loc == "uri":
                labels.append((name, wire, m))
            elif loc == "querystring":
                if isinstance(m, MapShape):
                    query_map = (name, m)
                else:
                    query.append((name, wire, m))
            elif loc == "header":
                headers.append((name, wire.lower(), m))
            elif loc == "headers":
                header_maps.append((name, wire.lower()))
            elif name == payload_name:
                payload = (name, m)
                has_body = m.type_name == "structure"
            else:
                body_members[name] = m
                has_body = True
        if body_members and payload is None:
            decode = body_decoder(body_members)
    out_headers = []
    encode = None
    out = op.output_shape
    if out is not None:
        payload_name = out.serialization.get("payload")
        body_members = {}
        for name, m in out.members.items():
            loc = m.serialization.get("location")
            if loc == "header":
                out_headers.append((name, m.serialization.get("name", name), m))
            elif loc == "statusCode":
                out_status = name
            elif name == payload_name:
                out_payload = (name, m)
            elif loc is None:
                body_members[name] = m
        encode = encoder(body_members)
    return _OpCodec(
        tuple(labels),
        tuple(query),
        query_map,
        tuple(headers),
        tuple(header_maps),
        has_body,
        payload,
        decode,
        int(op.http.get("responseCode") or 200),
        tuple(out_headers),
        out_status,
        out_payload,
        encode,
    )


def _problem(path: str, rule: str, message: str) -> ProtocolProblem:
    return ProtocolProblem(Problem(path, rule, message))


class RestJsonProtocol:
    """Routes, parsers and serialisers of one rest-json service, built once and then only read."""

    def __init__(self, service: str) -> None:
        self.service = service
        self.model = service_model(service)
        self._fixed: dict[tuple[str, int], list[Route]] = {}
        self._greedy: dict[str, list[Route]] = {}
        for name in self.model.operation_names:
            r = _route(self.model.operation_model(name))
            if r.segments and r.segments[-1][0] == _GREEDY:
                self._greedy.setdefault(r.method, []).append(r)
            else:
                self._fixed.setdefault((r.method, len(r.segments)), []).append(r)
        for routes in (*self._fixed.values(), *self._greedy.values()):
            routes.sort(key=lambda r: (-r.literals, -len(r.query)))
        self._codecs: dict[str, _OpCodec] = {}

    def codec(self, operation: str) -> _OpCodec:
        c = self._codecs.get(operation)
        if c is None:  # a race only builds the same value twice
            c = self._codecs[operation] = _codec(self.model.operation_model(operation))
        return c

    # -- requests ----------------------------------------------------------------------------
    def route(self, method: str, path: str, query: str) -> tuple[str, dict[str, str]] | None:
        """(operation, labels) for a request, or None when no operation has that route."""
        stripped = path.strip("/")
        if not stripped:
            parts = []
        elif "%" in stripped:
            parts = [unquote(p) for p in stripped.split("/")]
        else:  # nothing is percent-encoded: unquote would return every segment as it is
            parts = stripped.split("/")
        best: tuple[int, Route, dict[str, str]] | None = None
        qkeys: dict[str, str] | None = None
        for r in (*self._fixed.get((method, len(parts)), ()), *self._greedy.get(method, ())):
            m = r.match(parts)
            if m is None:
                continue
            if r.query:
                if qkeys is None:
                    qkeys = dict(parse_qsl(query, keep_blank_values=True))
                if any(k not in qkeys or (v and qkeys[k] != v) for k, v in r.query):
                    continue
            labels, empties = m
            if empties == 0:
                return r.operation, labels
            if best is None or empties < best[0]:
                best = (empties, r, labels)
        return (best[1].operation, best[2]) if best else None

    def parse(
        self, operation: str, labels: dict[str, str], query: str, headers: dict[str, str], body: bytes
    ) -> dict[str, Any]:
        """The operation's params (member names, typed) from the request; ProtocolProblem if it
        cannot be read. ``headers`` has lowercase names."""
        c = self.codec(operation)
        params: dict[str, Any] = {}
        for name, label, shape in c.labels:
            if label in labels:
                params[name] = from_text(shape, labels[label], name)
        if c.query or c.query_map:
            self._query(c, query, params)
        for name, header, shape in c.headers:
            value = headers.get(header)
            if value is not None:
                params[name] = self._header(shape, value, name)
        for name, prefix in c.header_maps:
            found = {k[len(prefix) :]: v for k, v in headers.items() if k.startswith(prefix)}
            if found:
                params[name] = found
        if c.has_body or c.payload:
            self._body(operation, c, headers, body, params)
        return params

    def _query(self, c: _OpCodec, query: str, params: dict[str, Any]) -> None:
        pairs = parse_qsl(query, keep_blank_values=True) if query else []
        multi: dict[str, list[str]] = {}
        for k, v in pairs:
            multi.setdefault(k, []).append(v)
        claimed = set()
        for name, key, shape in c.query:
            values = multi.get(key)
            if values is None:
                continue
            claimed.add(key)
            if isinstance(shape, ListShape):
                params[name] = [from_text(shape.member, v, f"{name}[{i}]") for i, v in enumerate(values)]
            else:
                params[name] = from_text(shape, values[0], name)
        if c.query_map is not None:
            name, shape = c.query_map
            rest = {k: v for k, v in multi.items() if k not in claimed}
            if rest:
                listy = shape.value.type_name == "list"
                params[name] = {k: (v if listy else v[0]) for k, v in rest.items()}

    @staticmethod
    def _header(shape: Shape, value: str, path: str) -> Any:
        if isinstance(shape, ListShape):
            return [
                from_text(shape.member, v.strip(), f"{path}[{i}]") for i, v in enumerate(value.split(","))
            ]
        if shape.type_name == "string" and shape.serialization.get("jsonvalue"):
            import base64

            try:
                return json.loads(base64.b64decode(value))
            except ValueError:
                raise _problem(path, "type", "expected base64-encoded JSON") from None
        return from_text(shape, value, path)

    def _body(
        self, operation: str, c: _OpCodec, headers: dict[str, str], body: bytes, params: dict[str, Any]
    ) -> None:
        if len(body) > MAX_BODY:
            raise _problem(
                "body",
                "max_length",
                f"{operation}: expected a body of at most {MAX_BODY} bytes, got {len(body)}",
            )
        if c.payload is not None and not c.has_body:  # a blob or string payload: the raw body
            name, shape = c.payload
            if body:
                params[name] = body if shape.type_name == "blob" else self._text(operation, body)
            return
        ctype = headers.get("content-type")
        if ctype is not None:
            base = ctype.split(";", 1)[0].strip().lower()
            if base not in _JSON_TYPES and not base.endswith("+json"):
                raise _problem(
                    "body",
                    "content_type",
                    f"{operation}: expected a JSON body (Content-Type application/json), "
                    f"got Content-Type {ctype!r}",
                )
        if not body.strip():
            return
        try:
            data = json.loads(self._text(operation, body))
        except (ValueError, RecursionError):
            raise _problem("body", "type", f"{operation}: the body is not well-formed JSON") from None
        if not isinstance(data, dict):
            raise _problem(
                "body", "type", f"{operation}: expected a JSON object as the body, got {type(data).__name__}"
            )
        if c.payload is not None:  # a structure: a blob or string payload was the raw body, above
            name, shape = c.payload
            params[name] = body_decoder(dict(cast(StructureShape, shape).members))(data, name)
        elif c.decode_body is not None:
            params.update(c.decode_body(data, ""))

    @staticmethod
    def _text(operation: str, body: bytes) -> str:
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _problem(
                "body", "type", f"{operation}: the body is not valid UTF-8 (byte {exc.start})"
            ) from None

    # -- answers -----------------------------------------------------------------------------
    def success(self, operation: str, output: dict[str, Any] | None, request_id: str) -> RawResponse:
        c = self.codec(operation)
        output = output or {}
        status = c.status
        headers = {"Content-Type": "application/json", "x-amzn-RequestId": request_id}
        for name, header, shape in c.out_headers:
            v = output.get(name)
            if v is not None:
                headers[header] = _header_text(shape, v)
        if c.out_status is not None and output.get(c.out_status) is not None:
            status = int(output[c.out_status])
        if c.out_payload is not None:
            name, shape = c.out_payload
            v = output.get(name)
            if isinstance(shape, StructureShape):
                body = _COMPACT(encoder(dict(shape.members))(v or {})).encode()
            elif v is None:
                body = b""
            else:
                body = v if isinstance(v, bytes) else str(v).encode()
                headers["Content-Type"] = "application/octet-stream"
            return RawResponse(status, headers, body)
        data = c.encode_body(output) if c.encode_body is not None else {}
        return RawResponse(status, headers, _COMPACT(data).encode())

    @staticmethod
    def error(code: str, message: str, status: int, fields: dict[str, Any], request_id: str) -> RawResponse:
        body = {"message": message}
        for k, v in fields.items():
            if v is not None:
                body[k] = format_timestamp(v, "unixTimestamp") if hasattr(v, "timestamp") else v
        headers = {
            "Content-Type": "application/json",
            "x-amzn-ErrorType": code,
            "x-amzn-RequestId": request_id,
        }
        return RawResponse(status, headers, _COMPACT_STR(body).encode())


def _header_text(shape: Shape, value: Any) -> str:
    if shape.type_name == "timestamp":
        return str(format_timestamp(value, timestamp_format(shape, "rfc822")))
    if shape.type_name == "boolean":
        return "true" if value else "false"
    if shape.type_name == "list":
        return ",".join(str(v) for v in value)
    return str(value)
