"""An OpenAPI 3.1 document of a rest-json service, from its specs (model + overlay).

What it holds, for every operation the service's overlay puts in scope (or every operation):

- the path from the ``requestUri`` template: a greedy label ``{key+}`` becomes ``{key}`` (its value
  may contain ``/``), and a literal query in the URI (``?operation=stop``) becomes a required query
  parameter with that one value (a bare ``?flag`` is dropped). Two operations that would share a
  method and path are not both representable: the later one is listed in ``x-jobfuzz-omitted``;
- path, query and header parameters with their members' schemas, and the JSON request body;
- the success response with the output schema (and output headers), and one response for each
  HTTP status the operation's errors declare, whose schema is the error shape (``message`` and the
  other members). Errors the model gives no status are listed under ``4XX`` / ``5XX``. An operation
  that declares no 403 gets one for the common authentication refusals its overlay names
  (``common_errors``: ``MissingAuthenticationTokenException``, ``AccessDeniedException`` ...), as AWS
  answers 403 to an unsigned or badly signed request of any operation.

Shapes are in ``components/schemas`` by shape name. Authentication is AWS SigV4, described as an
``apiKey`` scheme on the ``Authorization`` header (``components.securitySchemes`` and a top-level
``security``) with the signing name in ``x-amazon-signing-name``: OpenAPI has no native SigV4 scheme,
so a client must sign by itself. ``Authorization`` is never a header parameter of an operation.

Every ``pattern`` is anchored, ``^(?:...)$``: JSON Schema patterns match anywhere in the value, but
AWS validates a model pattern against the whole value (Java's ``String.matches``), so an unanchored
export would call ``thing!`` valid for ``[a-zA-Z0-9:_-]+``. A pattern that is already anchored as
a whole (``^...$`` with no top-level ``|``) is kept as it is, and the schemas' ``^(?:...)\\Z`` (a
model pattern translated for Python) ends in ``$`` instead of Python's ``\\Z``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator
from typing import Any

from specs.schema import SchemaBuilder, body_members, payload_member
from specs.types import ErrorSpec, MemberSpec, OperationSpec, ServiceSpec

__all__ = ["DEFAULT_SERVER", "OpenApiError", "openapi"]

DEFAULT_SERVER = "http://127.0.0.1:4566"
#: AWS's common errors (every operation, HTTP 403) for a request whose authentication is missing,
#: malformed or refused; the export lists those the service's overlay names under ``403``
_AUTH_REFUSALS = frozenset({"MissingAuthenticationTokenException", "IncompleteSignatureException",
                           "InvalidSignatureException", "UnrecognizedClientException", "AccessDeniedException",
                           "ExpiredTokenException"})
_REF = "#/components/schemas/"
_LABEL = re.compile(r"\{([^}]+?)(\+?)\}")


class OpenApiError(ValueError):
    """The service cannot be described as OpenAPI (it is not rest-json)."""


def _summary(doc: str) -> str:
    text = html.unescape(re.sub(r"<[^>]+>", "", doc or "")).strip()
    text = re.sub(r"\s+", " ", text)
    first = re.split(r"(?<=\.)\s", text, maxsplit=1)[0]
    return first[:200]


def _split_uri(uri: str) -> tuple[str, list[tuple[str, str]]]:
    """``/a/{b+}?x=1&flag`` -> ``('/a/{b}', [('x', '1')])``: the path and the literal query pairs."""
    path, _, query = uri.partition("?")
    path = _LABEL.sub(lambda m: "{" + m.group(1) + "}", path)
    fixed = []
    for part in filter(None, query.split("&")):
        key, eq, value = part.partition("=")
        if eq and "{" not in part:
            fixed.append((key, value))
    return path, fixed


def _outside_classes(pattern: str) -> Iterator[tuple[str, int]]:
    """Each character of ``pattern`` outside bracket expressions and escapes, with the group depth
    after it (a ``(`` counts itself, a ``)`` does not)."""
    depth, in_class, i = 0, False, 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
            if pattern[i + 1:i + 2] == "^":
                i += 1
            if pattern[i + 1:i + 2] == "]":  # a ']' first in a class is a member
                i += 1
        else:
            depth += (ch == "(") - (ch == ")")
            yield ch, depth
        i += 1


def _top_level_bar(pattern: str) -> bool:
    """Whether ``pattern`` has a ``|`` outside every group and bracket expression."""
    return any(ch == "|" and depth == 0 for ch, depth in _outside_classes(pattern))


def _balanced(pattern: str) -> bool:
    """Whether every group ``pattern`` closes, it opened, and it closes every group it opens."""
    depths = [depth for _, depth in _outside_classes(pattern)]
    return min(depths, default=0) >= 0 and (depths[-1] if depths else 0) == 0


def anchored(pattern: str) -> str:
    """``pattern`` matching only whole values: ``^(?:pattern)$``, or ``pattern`` when it already does.

    The schemas' own whole-value form, ``^(?:X)\\Z`` (Python's end of text), becomes ``^(?:X)$``:
    ``\\Z`` is no ECMA-262 (JSON Schema) syntax, and Schemathesis drops a pattern it cannot read."""
    inner = pattern[4:-3]
    escaped = (len(inner) - len(inner.rstrip("\\"))) % 2 == 1  # its ')' is a literal
    if pattern.startswith("^(?:") and pattern.endswith(")\\Z") and not escaped and _balanced(inner):
        return f"^(?:{inner})$"
    body = pattern[:-1]
    ends = pattern.endswith("$") and (len(body) - len(body.rstrip("\\"))) % 2 == 0  # not an escaped '$'
    if pattern.startswith("^") and ends and not _top_level_bar(pattern):
        return pattern
    return f"^(?:{pattern})$"


def _anchor_patterns(node: Any) -> Any:
    """``node`` (a schema, or any part of the document) with every ``pattern`` keyword anchored."""
    if isinstance(node, dict):
        return {k: anchored(v) if k == "pattern" and isinstance(v, str) else _anchor_patterns(v)
                for k, v in node.items()}
    if isinstance(node, list):
        return [_anchor_patterns(v) for v in node]
    return node


def _greedy(uri: str) -> set[str]:
    return {m.group(1) for m in _LABEL.finditer(uri.partition("?")[0]) if m.group(2)}


class _Document:
    def __init__(self, service: ServiceSpec) -> None:
        self.service = service
        self.builder = SchemaBuilder(service, form="json", ref_base=_REF)

    def _param_schema(self, op: OperationSpec, m: MemberSpec, where: str) -> dict[str, Any]:
        shape = self.service.shapes[m.shape]
        if shape.type == "timestamp" and not (m.timestamp_format or shape.timestamp_format):
            # botocore's defaults outside a JSON body: ISO 8601 in a query string, RFC 822 in a header
            return ({"type": "string", "format": "date-time"} if where == "query"
                    else {"type": "string", "description": "RFC 822 date"})
        return self.builder.member(m, op.rules)

    def parameters(self, op: OperationSpec) -> list[dict[str, Any]]:
        params: list[dict[str, Any]] = []
        shape = self.service.shapes[op.input] if op.input else None
        greedy = _greedy(op.uri)
        for m in shape.members if shape else ():
            if m.location == "uri":
                p = {"name": m.wire_name, "in": "path", "required": True,
                     "schema": self._param_schema(op, m, "path")}
                if m.wire_name in greedy:
                    p["description"] = "a greedy label: the value may contain '/'"
            elif m.location == "querystring":
                p = {"name": m.wire_name, "in": "query", "required": m.required,
                     "schema": self._param_schema(op, m, "query"), "style": "form", "explode": True}
            elif m.location == "header":
                p = {"name": m.wire_name, "in": "header", "required": m.required,
                     "schema": self._param_schema(op, m, "header")}
            else:  # body members go to the request body; "headers" (prefix maps) are not described
                continue
            p["x-botocore-member"] = m.name
            params.append(p)
        for key, value in _split_uri(op.uri)[1]:
            params.append({"name": key, "in": "query", "required": True,
                           "schema": {"type": "string", "enum": [value]},
                           "description": "a literal query parameter of the request URI"})
        return params

    def request_body(self, op: OperationSpec) -> dict[str, Any] | None:
        if op.input is None:
            return None
        payload = payload_member(self.service, op.input)
        if payload is not None:
            if self.service.shapes[payload.shape].type != "structure":
                return {"required": payload.required, "content": {
                    "application/octet-stream": {"schema": {"type": "string",
                                                            "contentMediaType": "application/octet-stream"}}}}
            schema = self.builder.member(payload, op.rules)
            required = payload.required
        else:
            members = body_members(self.service, op.input)
            if not members:
                return None
            schema = self.builder.body(op.input, members, op.rules)
            required = any(m.required for m in members)
        return {"required": required, "content": {"application/json": {"schema": schema}}}

    def success(self, op: OperationSpec) -> dict[str, Any]:
        out: dict[str, Any] = {"description": f"{op.name} succeeded"}
        if op.output is None:
            return out
        shape = self.service.shapes[op.output]
        headers = {m.wire_name: {"schema": self.builder.member(m, op.output_rules), "required": m.required}
                   for m in shape.members if m.location == "header"}
        if headers:
            out["headers"] = headers
        payload = payload_member(self.service, op.output)
        if payload is not None and self.service.shapes[payload.shape].type != "structure":
            out["content"] = {"application/octet-stream": {"schema": {"type": "string"}}}
        elif payload is not None:
            out["content"] = {"application/json": {"schema": self.builder.member(payload, op.output_rules)}}
        elif body_members(self.service, op.output):
            out["content"] = {"application/json": {"schema": self.builder.body(
                op.output, body_members(self.service, op.output), op.output_rules)}}
        return out

    def errors(self, op: OperationSpec) -> dict[str, dict[str, Any]]:
        by_status: dict[str, list[ErrorSpec]] = {}
        for e in op.errors + tuple(d for d in op.doc_errors if d.source != "inferred"):
            key = str(e.status) if e.status else ("5XX" if e.fault == "server" else "4XX")
            by_status.setdefault(key, []).append(e)
        out = {}
        for status, errs in sorted(by_status.items()):
            schemas = [self.builder.ref(e.shape) if e.shape in self.service.shapes
                       else {"type": "object", "properties": {"message": {"type": "string"}}}
                       for e in errs]
            unique = [s for i, s in enumerate(schemas) if s not in schemas[:i]]
            out[status] = {
                "description": " | ".join(e.code + ("" if e.source == "model" else f" ({e.source})")
                                          for e in errs),
                "x-amazon-error-codes": [e.code for e in errs],
                "content": {"application/json": {"schema": unique[0] if len(unique) == 1
                                                 else {"anyOf": unique}}},
            }
        refusals = [c for c in self.service.common_errors if c in _AUTH_REFUSALS]
        if refusals and "403" not in out:
            out["403"] = {
                "description": " | ".join(f"{c} (common)" for c in refusals),
                "x-amazon-error-codes": refusals,
                "content": {"application/json": {"schema": {"type": "object",
                                                            "properties": {"message": {"type": "string"}}}}},
            }
        return dict(sorted(out.items()))

    def operation(self, op: OperationSpec) -> dict[str, Any]:
        out: dict[str, Any] = {"operationId": op.name, "tags": [self.service.name]}
        if op.documentation:
            out["summary"] = _summary(op.documentation)
        if op.deprecated:
            out["deprecated"] = True
        params = self.parameters(op)
        if params:
            out["parameters"] = params
        body = self.request_body(op)
        if body:
            out["requestBody"] = body
        out["responses"] = {str(op.response_code): self.success(op), **self.errors(op)}
        return out


def openapi(service: str | ServiceSpec, operations: Iterable[str] | None = None) -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``service`` (its in-scope operations, or ``operations``)."""
    if isinstance(service, str):
        from specs.loader import load_service

        service = load_service(service)
    if service.protocol != "rest-json":
        raise OpenApiError(f"{service.name}: protocol is {service.protocol}; only rest-json services "
                           f"have an OpenAPI form")
    ops = ([service.operation(n) for n in operations] if operations is not None
           else list(service.in_scope()))
    doc = _Document(service)
    paths: dict[str, dict[str, Any]] = {}
    taken: dict[tuple[str, str], str] = {}
    omitted = []
    for op in ops:
        path = _split_uri(op.uri)[0]
        plain_key = (op.method.lower(), re.sub(r"\{[^}]+\}", "{}", path))
        if plain_key in taken:
            omitted.append({"operationId": op.name, "reason": f"{op.method} {op.uri} has the same path "
                                                             f"as {taken[plain_key]}"})
            continue
        taken[plain_key] = op.name
        paths.setdefault(path, {})[op.method.lower()] = doc.operation(op)
    out: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": f"{service.name} ({service.signing_name})", "version": service.api_version or "0",
                 "description": "Generated by jobfuzz from the botocore model and the jobfuzz overlay."},
        "servers": [{"url": DEFAULT_SERVER}],
        "security": [{"sigv4": []}],
        "paths": paths,
        "components": {
            "schemas": dict(sorted(doc.builder.defs.items())),
            "securitySchemes": {"sigv4": {
                "type": "apiKey", "in": "header", "name": "Authorization",
                "description": "AWS Signature Version 4: sign each request with the signing name below "
                               "(OpenAPI has no SigV4 scheme; a client signs by itself).",
                "x-amazon-signing-name": service.signing_name,
                "x-amazon-apigateway-authtype": "awsSigv4",
            }},
        },
    }
    if omitted:
        out["x-jobfuzz-omitted"] = omitted
    return _anchor_patterns(out)
