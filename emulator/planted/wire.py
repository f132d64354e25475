"""Planted faults of requests no SDK sends: how an endpoint answers a body it cannot read.

A request whose body is not JSON, or whose form repeats a parameter, is the client's mistake: AWS
answers it with a 4xx (the common errors of every service: ``MalformedHttpRequestException``,
``MalformedQueryString``, ``InvalidQueryParameter``). A common emulator mistake is to let the
parser's exception through as a 500, or to read what it cannot parse as an empty body. These faults
make those mistakes before the correct emulator sees the request.
"""

from __future__ import annotations

import json
import uuid
from urllib.parse import parse_qsl

from emulator.planted.base import IE, IOT, Breaker, Fault
from emulator.protocol import RawResponse
from emulator.protocol.query import QueryProtocol
from emulator.protocol.restjson import RestJsonProtocol

#: form fields that are no member of an operation's input (query protocol, SigV2)
_FORM_FIELDS = frozenset({"Action", "Version", "AWSAccessKeyId", "SignatureVersion", "SignatureMethod", "Timestamp",
                          "Signature", "SecurityToken"})


def _not_json(headers: dict[str, str], body: bytes) -> bool:
    if not body.strip() or "x-www-form-urlencoded" in headers.get("content-type", ""):
        return False
    try:
        json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return True
    return False


class _JsonCrash(Breaker):
    """A rest-json body that is not JSON: the parser's exception answered as HTTP 500."""

    def receive(self, service: str | None, headers: dict[str, str], body: bytes) -> RawResponse | bytes | None:
        if service in (None, IE) or not _not_json(headers, body):
            return None
        return RestJsonProtocol.error("InternalFailureException", "Expecting value: line 1 column 6 (char 5)", 500,
                                      {}, str(uuid.uuid4()))


class _JsonAsEmpty(Breaker):
    """A rest-json body that is not JSON is read as no body at all."""

    def receive(self, service: str | None, headers: dict[str, str], body: bytes) -> RawResponse | bytes | None:
        if service in (None, IE) or not _not_json(headers, body):
            return None
        return b""


class _DuplicateCrash(Breaker):
    """A form that carries a member parameter twice: the parser's exception answered as HTTP 500."""

    def receive(self, service: str | None, headers: dict[str, str], body: bytes) -> RawResponse | bytes | None:
        if service != IE:
            return None
        try:
            names = [k for k, _ in parse_qsl(body.decode("utf-8"), keep_blank_values=True)]
        except (UnicodeDecodeError, ValueError):
            return None
        members = [n for n in names if n not in _FORM_FIELDS]
        if len(members) == len(set(members)):
            return None
        return QueryProtocol.error("InternalError", "duplicate key in the form", 500, str(uuid.uuid4()), "Receiver")


_COMMON = " (the common errors of every AWS service are 4xx for a request the client got wrong)"
FAULTS: tuple[Fault, ...] = (
    Fault("wire-malformed-json-500", "not_a_server_error", IOT, "CreateThing",
          "a rest-json body that is not JSON answers HTTP 500 InternalFailureException (declared by the model as a "
          "server error); a request that cannot be parsed is the client's mistake" + _COMMON,
          _JsonCrash, phases=("boundary",)),
    Fault("wire-malformed-json-accepted", "negative_data_rejection", IOT, "CreateThing",
          "a rest-json body that is not JSON is read as an empty body, so CreateThing succeeds; the protocol's "
          "body is a JSON document, and one that does not parse is refused" + _COMMON,
          _JsonAsEmpty, phases=("boundary",)),
    Fault("wire-form-duplicate-500", "not_a_server_error", IE, "GetStatus",
          "an Import/Export form that repeats a member parameter answers HTTP 500 InternalError; a malformed "
          "form is the client's mistake" + _COMMON,
          _DuplicateCrash, phases=("boundary",)),
)
