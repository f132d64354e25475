"""What botocore makes of a call's params on the wire, with parameter validation off.

Invalid values are only worth generating when botocore can send them: a client built with
``Config(parameter_validation=False)`` hands params straight to its serializer, which crashes on
many wrong types (a string where a structure is expected, a missing URI label, a date it cannot
parse) and silently converts others (a number for a URI label becomes its digits, which is no
longer a wrong type on the wire). ``serialise`` runs the protocol's serializer as such a client
does, without the network; ``carries`` tells whether a marker survives into the request.

``wire_breaks`` lists the requests no SDK sends, for every protocol: a body that is not JSON, XML or
a form, a form without ``Action`` or with a parameter twice, another Content-Type, a body where the
operation takes none, an oversize body. Each is labelled with what it breaks and how sure that is;
an endpoint must never answer one with a 5xx (``not_a_server_error``), and where the break is of the
protocol itself (``model``) or documented (``doc``), never with a 2xx (``negative_data_rejection``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus

from botocore.model import OperationModel
from botocore.serialize import create_serializer

from specs.loader import botocore_model
from specs.schema import payload_member
from specs.types import OperationSpec, ServiceSpec
from strategies.calls import RawMutation

__all__ = ["OVERSIZE", "WireBreak", "carries", "operation_model", "serialise", "wire_breaks"]


@functools.cache
def operation_model(service: str, operation: str) -> OperationModel:
    return botocore_model(service).operation_model(operation)


@functools.cache
def _serializer(protocol: str) -> Any:
    return create_serializer(protocol, include_validation=False)


def serialise(op: OperationSpec, params: dict[str, Any]) -> dict[str, Any] | None:
    """The request dict botocore builds for ``params``, or None when its serializer fails."""
    model = operation_model(op.service, op.name)
    try:
        return _serializer(model.metadata["protocol"]).serialize_to_request(params, model)
    except Exception:  # noqa: BLE001 - any crash means botocore cannot send these params
        return None


def carries(request: dict[str, Any], marker: str) -> bool:
    """Whether ``marker`` appears in the URL, query string, headers or body of ``request``."""
    body = request.get("body")
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
    return any(marker in part for part in (
        str(request.get("url_path", "")), str(request.get("query_string", "")), str(request.get("headers", {})), text))


# -- wire-level breaks ----------------------------------------------------------------------------

#: the errors AWS documents as common to the API actions of every service: for JSON protocols
#: (``MalformedHttpRequestException``: "problems with the request at the HTTP level", 400;
#: ``RequestEntityTooLargeException``, 413) and for the query protocol (``MalformedQueryString``,
#: ``MissingAction``, ``MissingParameter``, ``InvalidParameterValue``, ``InvalidQueryParameter``)
JSON_COMMON_ERRORS_PAGE = "https://docs.aws.amazon.com/internet-monitor/latest/api/CommonErrors.html"
QUERY_COMMON_ERRORS_PAGE = "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/CommonErrors.html"
_JSON_CODES = ("MalformedHttpRequestException",)
_QUERY_CODES = ("MalformedQueryString", "InvalidQueryParameter", "InvalidParameterValue")
#: a body past this size is "oversize": above the 1 MiB many endpoints cap a request body at; no page
#: of these services states a request size limit, so its refusal is never asserted
OVERSIZE = 1024 * 1024 + 1024
_FORM_FIELDS = ("Action", "Version")


@dataclass(frozen=True, slots=True)
class WireBreak:
    """One wire-level break of an operation's request: what it is labelled, how it is made, and
    whether a refusal is asserted (``model``/``doc``) or only that it is not a 5xx (``inferred``)."""

    rule: str  # one of strategies.calls.RAW_KINDS
    source: str
    detail: str
    mutation: RawMutation
    errors: tuple[str, ...] = ()  # the codes a page documents for it (accepted as declared)


def _body_members(op: OperationSpec, service: ServiceSpec) -> bool:
    if op.protocol in ("json", "query", "ec2"):
        return True
    shape = service.shapes[op.input] if op.input else None
    return shape is not None and any(m.location == "body" for m in shape.members)


def _oversize_json() -> bytes:
    return b'{"jobfuzzPadding": "' + b"x" * OVERSIZE + b'"}'


def wire_breaks(op: OperationSpec, service: ServiceSpec, params: dict[str, Any]) -> list[WireBreak]:
    """The wire-level breaks of ``op``'s request built from ``params`` (a valid call), each labelled.

    JSON protocols: a body that is not JSON (``model``: the protocol's body is a JSON document);
    another Content-Type, and a body far over any size an input of the model reaches (``inferred``:
    no page says these services refuse them); for rest-json an operation without a body: a JSON
    body where none belongs (``inferred``: AWS may ignore it). rest-xml with an XML body: a body
    that is not XML (``model``). Query and EC2: broken percent-escapes (``model``), no ``Action``
    (``doc``: the common errors page's ``MissingAction``), a member parameter repeated with another
    value, another Content-Type and an oversize form (``inferred``)."""
    request = serialise(op, params)
    if request is None:
        return []
    if op.protocol in ("rest-json", "json"):
        return _json_breaks(op, service)
    if op.protocol == "rest-xml":
        return _xml_breaks(op, service)
    if op.protocol in ("query", "ec2"):
        return _form_breaks(op, request)
    return []


def _json_breaks(op: OperationSpec, service: ServiceSpec) -> list[WireBreak]:
    payload = payload_member(service, op.input) if op.input and op.protocol == "rest-json" else None
    if payload is not None and service.shapes[payload.shape].type != "structure":
        return []  # the body is the raw bytes of a blob or string: any bytes are well formed
    if not _body_members(op, service):
        return [WireBreak("unexpected_body", "inferred", "a JSON body sent to an operation that takes none",
                          RawMutation("unexpected_body", body=b'{"jobfuzzUnexpected": 1}',
                                      content_type="application/json"), _JSON_CODES)]
    return [
        WireBreak("malformed_body", "model", "the body is not valid JSON",
                  RawMutation("malformed_body", body=b'{"a":'), _JSON_CODES),
        WireBreak("content_type", "inferred", "the body is sent as text/plain",
                  RawMutation("content_type", content_type="text/plain"), _JSON_CODES),
        WireBreak("oversize_body", "inferred", f"a JSON body of {OVERSIZE + 24} bytes",
                  RawMutation("oversize_body", body=_oversize_json()),
                  (*_JSON_CODES, "RequestEntityTooLargeException")),
    ]


def _xml_breaks(op: OperationSpec, service: ServiceSpec) -> list[WireBreak]:
    if not _body_members(op, service):
        return []
    return [WireBreak("malformed_body", "model", "the body is not well-formed XML",
                      RawMutation("malformed_body", body=b"<jobfuzz><unclosed></jobfuzz>"))]


def _form_breaks(op: OperationSpec, request: dict[str, Any]) -> list[WireBreak]:
    body = request.get("body")
    fields = body if isinstance(body, dict) else {}
    member = next(((k, v) for k, v in fields.items() if k not in _FORM_FIELDS), None)
    name, value = member if member is not None else ("Version", fields.get("Version", ""))
    repeat = f"{value}x" if member is not None else str(value)
    return [
        WireBreak("malformed_body", "model", "the form body has broken percent-escapes",
                  RawMutation("malformed_body", extra=b"&%E0%A4%A=%%"), _QUERY_CODES),
        WireBreak("missing_parameter", "doc", "the form has no Action parameter",
                  RawMutation("missing_parameter", drop=("Action",)), ("MissingAction", "MissingParameter")),
        WireBreak("duplicate_parameter", "inferred", f"the form carries {name} twice, the second {repeat!r}",
                  RawMutation("duplicate_parameter", extra=f"&{quote_plus(name)}={quote_plus(repeat)}".encode()),
                  _QUERY_CODES),
        WireBreak("content_type", "inferred", "the form body is sent as application/json",
                  RawMutation("content_type", content_type="application/json"), _QUERY_CODES),
        WireBreak("oversize_body", "inferred", f"a form body over {OVERSIZE} bytes",
                  RawMutation("oversize_body", extra=b"&JobfuzzPadding=" + b"x" * OVERSIZE), _QUERY_CODES),
    ]
