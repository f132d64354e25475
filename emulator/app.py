"""The emulator: one object that answers HTTP requests for every service it serves.

A request goes to a service by the SigV4 credential scope of its Authorization header
(``Credential=AKID/DATE/REGION/SERVICE/aws4_request``) or of its ``X-Amz-Credential`` query
parameter (Import/Export signs as ``IngestionService``), as moto_server and LocalStack route. The
access key id is the account (``Context.account``); the signature itself is not checked. A query
request (a form, or ``Action=`` in the URL) signed with SigV2 (an ``AWSAccessKeyId`` or ``Signature``
field) goes to Import/Export, its ``AWSAccessKeyId`` the account (``DEFAULT_ACCOUNT``,
"000000000000", without one).

Any other request is refused before it is routed, as AWS refuses it. With no authentication at all
(no Authorization header, no ``X-Amz-Credential`` / ``X-Amz-Signature`` query parameter, no SigV2
field): HTTP 403 ``MissingAuthenticationTokenException`` "Missing Authentication Token" in the
rest-json form, and for a query request 403 ``MissingAuthenticationToken`` "Request is missing
Authentication Token" in the query protocol's XML. With an Authorization header that names no
credential scope: 403 ``IncompleteSignatureException`` (rest-json), 400 ``IncompleteSignature``
(query), with AWS's message naming the missing ``Credential``, ``Signature`` and ``SignedHeaders``.

Each request: find the operation, parse it, validate it against the model, call the backend's
handler, serialise the answer. An operation without a handler, or a request signed for a service
the emulator does not serve, answers 501 ``NotImplemented``; an
exception escaping a handler answers 500 (``InternalFailure`` / ``InternalError``) and the
emulator keeps serving.

Admin routes (no signature needed): ``GET /_jobfuzz/health``, ``POST /_jobfuzz/reset`` (forgets
all state; the clock keeps its offset), ``POST /_jobfuzz/clock/advance?seconds=N`` (answers the
new ``now``).
"""

from __future__ import annotations

import functools
import json
import math
import os
import traceback
from collections.abc import Iterable, Mapping
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

from emulator.core import Backend, Clock, Context, EmulatorConfig, Handler, ServiceError
from emulator.model import DEFAULT_ACCOUNT, SERVICES, error_status, service_for_signing_name, service_model
from emulator.protocol import ProtocolProblem, RawResponse
from emulator.protocol.query import QueryProtocol
from emulator.protocol.restjson import RestJsonProtocol
from emulator.services import load_backends
from emulator.validate import validator

__all__ = ["DEFAULT_ACCOUNT", "Emulator", "RawResponse"]

_FORM = "application/x-www-form-urlencoded"
#: the fields of a SigV2-signed query request that say who signed it
_SIGV2 = frozenset({"AWSAccessKeyId", "Signature"})
#: AWS's answer to an Authorization header (or query auth) that is not a SigV4 credential scope
_INCOMPLETE = (
    "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' "
    "parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires "
    "existence of either a 'X-Amz-Date' or a 'Date' header."
)


@functools.cache
def _protocol(service: str) -> RestJsonProtocol | QueryProtocol:
    if service_model(service).protocol == "query":
        return QueryProtocol(service)
    return RestJsonProtocol(service)


def _scope(headers: dict[str, str], query: str) -> tuple[str, str, str] | None:
    """(access key id, region, signing name) of a SigV4 request, or None."""
    auth = headers.get("authorization")
    cred = None
    if auth and "Credential=" in auth:
        cred = auth.split("Credential=", 1)[1].split(",", 1)[0].strip()
    elif "X-Amz-Credential=" in query:
        cred = dict(parse_qsl(query)).get("X-Amz-Credential")
    if not cred:
        return None
    parts = cred.split("/")
    if len(parts) < 5 or not parts[0]:
        return None
    return parts[0], parts[2], parts[3]


def _form_fields(query: str, body: bytes) -> set[str]:
    """The names of the fields of a query request, from its URL and its form body."""
    names = {k for k, _ in parse_qsl(query, keep_blank_values=True)}
    names.update(k for k, _ in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    return names


#: the variant digit of an RFC 4122 UUID for any hex digit in that place (``uuid.uuid4`` sets the
#: two top bits to 10)
_VARIANT = {f"{i:x}": f"{8 | (i & 3):x}" for i in range(16)}


def _request_id() -> str:
    """A random version-4 UUID as text, as ``str(uuid.uuid4())`` gives, without the UUID object."""
    h = os.urandom(16).hex()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:]}"


def _json(status: int, data: Any) -> RawResponse:
    return RawResponse(status, {"Content-Type": "application/json"}, json.dumps(data).encode())


def _last_line(exc: BaseException) -> str:
    return traceback.format_exception_only(type(exc), exc)[-1].strip()


class Emulator:
    """Every served service behind one ``handle``; state lives in the backends."""

    def __init__(
        self,
        config: EmulatorConfig | None = None,
        *,
        clock: Clock | None = None,
        backends: Iterable[Backend] | None = None,
    ) -> None:
        self.config = config or EmulatorConfig()
        self.clock = clock or Clock()
        #: botocore service name -> the backend serving it (a backend may serve several)
        self.backends: dict[str, Backend] = {}
        for backend in load_backends(self.config) if backends is None else backends:
            for service in backend.services:
                self.backends[service] = backend
        self._handlers: dict[str, dict[str, Handler]] = {}
        for backend in {id(b): b for b in self.backends.values()}.values():
            for (service, operation), handler in backend.handlers().items():
                self._handlers.setdefault(service, {})[operation] = handler
        self.services = tuple(s for s in SERVICES) + tuple(s for s in self.backends if s not in SERVICES)
        self._protocols = {s: _protocol(s) for s in self.services}
        self._rest = tuple((s, p) for s, p in self._protocols.items() if isinstance(p, RestJsonProtocol))
        self._query = next((s for s, p in self._protocols.items() if isinstance(p, QueryProtocol)), None)

    def reset(self) -> None:
        """Forget the state of every backend."""
        for backend in {id(b): b for b in self.backends.values()}.values():
            backend.reset()

    # -- requests ----------------------------------------------------------------------------
    def handle(
        self, method: str, path_and_query: str, headers: Mapping[str, str], body: bytes = b""
    ) -> RawResponse:
        path, _, query = path_and_query.partition("?")
        if path.startswith("/_jobfuzz/"):
            return self._admin(method.upper(), path, query)
        h = {k.lower(): v for k, v in headers.items()}
        body = body or b""
        rid = _request_id()
        scope = _scope(h, query)
        if scope is not None:
            account, region, signing = scope
            service = service_for_signing_name(signing) or signing
            if service not in self._protocols:
                # not an authentication problem: the service is not implemented here, said as for an
                # operation without a handler (a harness reports it as unsupported, not as passing)
                return RestJsonProtocol.error(
                    "NotImplemented",
                    f"the credential scope names the service {signing!r}, which is not implemented by the "
                    f"jobfuzz emulator (it serves {', '.join(self.services)})",
                    501,
                    {},
                    rid,
                )
            proto = self._protocols[service]
            if isinstance(proto, QueryProtocol):
                return self._query_request(service, proto, h, query, body, account, region, rid)
            return self._rest_request(
                service, proto, method.upper(), path, query, h, body, account, region, rid
            )
        return self._unsigned(query, h, body, rid)

    def service_for(self, method: str, path_and_query: str, headers: Mapping[str, str]) -> str | None:
        """The service a request goes to (None when none would take it)."""
        path, _, query = path_and_query.partition("?")
        h = {k.lower(): v for k, v in headers.items()}
        scope = _scope(h, query)
        if scope is not None:
            service = service_for_signing_name(scope[2]) or scope[2]
            return service if service in self._protocols else None
        if self._query is not None and (h.get("content-type", "").startswith(_FORM) or "Action=" in query):
            return self._query
        for service, proto in self._rest:
            if proto.route(method.upper(), path, query) is not None:
                return service
        return None

    def _unsigned(self, query: str, h: dict[str, str], body: bytes, rid: str) -> RawResponse:
        """A request without a SigV4 credential scope: served only as an Import/Export query
        request signed with SigV2, else refused as AWS refuses it (403 for no authentication)."""
        region = self.config.region
        other_auth = "authorization" in h or "X-Amz-Signature=" in query or "X-Amz-Credential=" in query
        if self._query is not None and (h.get("content-type", "").startswith(_FORM) or "Action=" in query):
            if not _SIGV2.isdisjoint(_form_fields(query, body)):
                proto = self._protocols[self._query]
                assert isinstance(proto, QueryProtocol)
                return self._query_request(self._query, proto, h, query, body, None, region, rid)
            if other_auth:
                return QueryProtocol.error("IncompleteSignature", _INCOMPLETE, 400, rid)
            return QueryProtocol.error(
                "MissingAuthenticationToken", "Request is missing Authentication Token", 403, rid
            )
        if other_auth:
            return RestJsonProtocol.error("IncompleteSignatureException", _INCOMPLETE, 403, {}, rid)
        return RestJsonProtocol.error(
            "MissingAuthenticationTokenException", "Missing Authentication Token", 403, {}, rid
        )

    def _call(
        self, service: str, operation: str, params: dict[str, Any], account: str, region: str, rid: str
    ) -> dict[str, Any]:
        problem = validator(service, operation)(params)
        if problem is not None:
            raise self.backends[service].validation_error(service, operation, problem)
        ctx = Context(
            service=service,
            operation=operation,
            account=account,
            region=region,
            clock=self.clock,
            request_id=rid,
        )
        return self._handlers[service][operation](ctx, params)

    def _rest_request(
        self,
        service: str,
        proto: RestJsonProtocol,
        method: str,
        path: str,
        query: str,
        h: dict[str, str],
        body: bytes,
        account: str,
        region: str,
        rid: str,
    ) -> RawResponse:
        routed = proto.route(method, path, query)
        if routed is None:
            return proto.error(
                "UnknownOperationException", f"{method} {path} is not an operation of {service}", 404, {}, rid
            )
        operation, labels = routed
        if operation not in self._handlers.get(service, ()):
            return proto.error(
                "NotImplemented",
                f"{service}.{operation} is not implemented by the jobfuzz emulator",
                501,
                {},
                rid,
            )
        try:
            try:
                params = proto.parse(operation, labels, query, h, body)
            except ProtocolProblem as exc:
                raise self.backends[service].validation_error(service, operation, exc.problem) from None
            return proto.success(operation, self._call(service, operation, params, account, region, rid), rid)
        except ServiceError as err:
            status = err.status or error_status(service, err.code, 400)
            return proto.error(err.code, err.message, status, err.fields, rid)
        except Exception as exc:  # noqa: BLE001 - a bug in a backend: answer it, keep serving
            return proto.error(
                "InternalFailure",
                f"{service}.{operation}: internal error in the jobfuzz emulator: {_last_line(exc)}",
                500,
                {},
                rid,
            )

    def _query_request(
        self,
        service: str,
        proto: QueryProtocol,
        h: dict[str, str],
        query: str,
        body: bytes,
        account: str | None,
        region: str,
        rid: str,
    ) -> RawResponse:
        operation = None
        try:
            try:
                operation, params, fields = proto.parse(h, query, body)
            except ProtocolProblem as exc:
                operation = exc.operation
                if operation is None or service not in self.backends:
                    raise ServiceError(
                        "InvalidParameterException", f"{exc.problem.path}: {exc.problem.message}", status=400
                    ) from None
                if operation not in self._handlers.get(service, ()):
                    raise ServiceError(
                        "NotImplemented",
                        f"{service}.{operation} is not implemented by the jobfuzz emulator",
                        status=501,
                    ) from None
                raise self.backends[service].validation_error(service, operation, exc.problem) from None
            if operation not in self._handlers.get(service, ()):
                raise ServiceError(
                    "NotImplemented",
                    f"{service}.{operation} is not implemented by the jobfuzz emulator",
                    status=501,
                )
            account = account or fields.get("AWSAccessKeyId") or DEFAULT_ACCOUNT
            return proto.success(operation, self._call(service, operation, params, account, region, rid), rid)
        except ServiceError as err:
            status = err.status or (
                403 if err.code == "InvalidClientTokenIdException" else error_status(service, err.code, 400)
            )
            return proto.error(err.code, err.message, status, rid, "Receiver" if status >= 500 else "Sender")
        except Exception as exc:  # noqa: BLE001 - a bug in a backend: answer it, keep serving
            return proto.error(
                "InternalError",
                f"{service}.{operation}: internal error in the jobfuzz emulator: {_last_line(exc)}",
                500,
                rid,
                "Receiver",
            )

    # -- admin -------------------------------------------------------------------------------
    def _admin(self, method: str, path: str, query: str) -> RawResponse:
        route = path.rstrip("/")
        if route == "/_jobfuzz/health" and method in ("GET", "HEAD"):
            return _json(
                200,
                {
                    "status": "ok",
                    "now": self.clock.now(),
                    "services": {
                        s: ("ok" if s in self._handlers else "not implemented") for s in self.services
                    },
                },
            )
        if route == "/_jobfuzz/reset" and method == "POST":
            self.reset()
            return _json(200, {"reset": True, "now": self.clock.now()})
        if route == "/_jobfuzz/clock/advance" and method == "POST":
            raw = dict(parse_qsl(query)).get("seconds")
            try:
                seconds = float(raw) if raw is not None else None
            except ValueError:
                seconds = None
            if seconds is None or not math.isfinite(seconds):
                return _json(
                    400, {"message": f"clock/advance: expected ?seconds=N (a finite number), got {raw!r}"}
                )
            self.clock.advance(seconds)
            return _json(200, {"now": self.clock.now()})
        return _json(404, {"message": f"{method} {path}: no such admin route (health, reset, clock/advance)"})

    # -- WSGI --------------------------------------------------------------------------------
    def wsgi(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
        if raw:
            if "://" in raw.split("?", 1)[0]:
                parts = urlsplit(raw)
                raw = parts.path + (f"?{parts.query}" if parts.query else "")
        else:
            path = environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8", "replace")
            raw = quote(environ.get("SCRIPT_NAME", "") + path, safe="/$-_.~!*'(),:@&=+;")
            if environ.get("QUERY_STRING"):
                raw += "?" + environ["QUERY_STRING"]
        headers = {k[5:].replace("_", "-"): v for k, v in environ.items() if k.startswith("HTTP_")}
        for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            if environ.get(key):
                headers[key.replace("_", "-")] = environ[key]
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        body = environ["wsgi.input"].read(length) if length > 0 else b""
        resp = self.handle(environ.get("REQUEST_METHOD", "GET"), raw, headers, body)
        phrase = HTTPStatus(resp.status).phrase if resp.status in HTTPStatus._value2member_map_ else ""
        start_response(
            f"{resp.status} {phrase}".strip(),
            [*resp.headers.items(), ("Content-Length", str(len(resp.body)))],
        )
        return [resp.body]
