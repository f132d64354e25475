"""The emulator's HTTP layer: an ASGI app over ``handle``, served by uvicorn's httptools protocol
with the limits a server facing untrusted clients needs.

HTTP parsing (request line, headers, chunked and Content-Length framing) is llhttp's, through
uvicorn's ``HttpToolsProtocol``; this module adds what uvicorn leaves open on that protocol:

- **read timeout**: a request (head and body) must arrive whole within ``read_timeout`` seconds of
  its first byte; otherwise it is answered 408 and the connection closed (a body shorter than its
  Content-Length, a header block that never ends, one byte a second);
- **idle timeout**: a connection with no request under way (a new one, or one kept alive after an
  answer) is closed after ``idle_timeout`` seconds (uvicorn's keep-alive timeout, armed here for a
  new connection too);
- **connection cap**: over ``max_connections`` open connections, the one idle the longest is closed
  (or the new one, when none is idle), so idle connections never lock a client out;
- **head limit**: a request line and header block over ``max_head`` bytes or ``max_headers``
  fields is answered 431;
- **body limit**: a body over ``max_body`` bytes is answered 413 (the app checks Content-Length
  before reading, and counts a chunked body as it comes);
- **versions**: HTTP/1.0 and 1.1 are served; another version (``HTTP/2.0``, ``HTTP/3.0``, the
  HTTP/2 preface ``PRI * HTTP/2.0``) is answered 505; any other framing error (a negative or
  malformed chunk size, a bad Content-Length) 400. Every refusal closes the connection.

``handle`` is called on the event loop: it is CPU-bound and short (tens of microseconds), and a
thread hand-off would cost more than the call. With ``offload`` (the fault mode, whose latency
faults sleep) it runs in the loop's thread pool instead, so one sleeping request never stalls the
others. A ``DropConnection`` raised by ``handle`` closes the connection without an answer.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import socket
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, ClassVar, cast

import httptools
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from emulator.faults import DropConnection
from emulator.protocol import RawResponse

__all__ = ["EmulatorASGI", "Limits", "protocol_for"]

#: the scope key (under ``extensions``) of the callable that drops a request's connection
DROP = "jobfuzz.drop"


@dataclass(frozen=True, slots=True)
class Limits:
    """What a client may cost the server; every figure must be positive."""

    #: seconds a request may take to arrive whole, from its first byte
    read_timeout: float = 10.0
    #: seconds a connection may stay open with no request under way
    idle_timeout: float = 60.0
    #: open connections; over it the longest-idle one is closed
    max_connections: int = 512
    #: bytes of a request body (413 over it)
    max_body: int = 16 * 1024 * 1024
    #: bytes of a request line and header block (431 over it)
    max_head: int = 64 * 1024
    #: header fields of a request (431 over it)
    max_headers: int = 100

    def __post_init__(self) -> None:
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if not (value > 0 and math.isfinite(value)):
                raise ValueError(f"{name.replace('_', '-')}: expected a positive number, got {value}")


def _raw_answer(status: int, message: str) -> bytes:
    body = json.dumps({"message": message}).encode()
    return (
        f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    ).encode("ascii") + body


#: the order in which connections became idle (a clock may give two the same time)
_IDLE_ORDER = itertools.count()


class LimitedProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with the read and idle timeouts, the connection cap and the head
    limit of ``limits`` (a subclass for each server sets it: ``protocol_for``)."""

    limits: ClassVar[Limits] = Limits()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._read_timer: asyncio.TimerHandle | None = None
        self._idle_since = 0  # when it last became idle, in the order of _IDLE_ORDER
        self._in_request = False  # a request has begun arriving and has not arrived whole
        self._in_head = True  # its head has not been parsed whole
        self._head_bytes = 0  # bytes received while in the head
        self._refusal: tuple[int, str] | None = None  # decided in a parser callback

    # -- connections --------------------------------------------------------------------------
    # asyncio.Protocol declares a BaseTransport; a server's connection is given a Transport
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        sock = transport.get_extra_info("socket")
        if sock is not None:  # an answer leaves at once, not held by Nagle behind an unacknowledged one
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._idle_since = next(_IDLE_ORDER)
        self.timeout_keep_alive_task = self.loop.call_later(
            self.limits.idle_timeout, self.timeout_keep_alive_handler
        )
        open_ = [c for c in self.connections if isinstance(c, LimitedProtocol) and not c.transport.is_closing()]
        if len(open_) > self.limits.max_connections:
            idle = [c for c in open_ if c is not self and c._idle()]
            victim = min(idle, key=lambda c: c._idle_since) if idle else self
            victim.transport.close()

    def _idle(self) -> bool:
        return not self._in_request and (self.cycle is None or self.cycle.response_complete)

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_read_timer()
        super().connection_lost(exc)

    # -- requests -----------------------------------------------------------------------------
    def data_received(self, data: bytes) -> None:
        self._unset_keepalive_if_required()
        if not self._in_request:
            self._begin()
        if self._in_head:
            self._head_bytes += len(data)
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            # an Upgrade the server does not speak: the request is served as plain HTTP/1.1, and
            # the connection closed after it (the parser stops at the upgrade)
            if self.cycle is not None:
                self.cycle.keep_alive = False
            return
        except httptools.HttpParserError as exc:
            if self._refusal is None:
                reason = str(exc) or type(exc).__name__
                status = 505 if "version" in reason.lower() or "PRI" in reason else 400
                self._refusal = (status, f"the request is not valid HTTP/1.1: {reason}")
            self._refuse(*self._refusal)
            return
        if self._in_request and self._in_head and self._head_bytes > self.limits.max_head:
            self._refuse(431, f"the request line and headers exceed {self.limits.max_head} bytes")

    def _begin(self) -> None:
        self._in_request = True
        if self._read_timer is None:
            self._read_timer = self.loop.call_later(self.limits.read_timeout, self._read_timed_out)

    def _stop_read_timer(self) -> None:
        if self._read_timer is not None:
            self._read_timer.cancel()
            self._read_timer = None

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.scope["extensions"] = {}
        if not self._in_request:  # the next pipelined request, in the same read as the last one
            self._begin()

    def on_headers_complete(self) -> None:
        limits = self.limits
        version = self.parser.get_http_version()
        fields = len(self.headers)
        if fields > limits.max_headers or (
            len(self.url) + sum(len(n) + len(v) for n, v in self.headers) + 4 * fields > limits.max_head
        ):
            message = f"the request headers exceed {limits.max_head} bytes or {limits.max_headers} fields"
            self._refusal = (431, message)
        elif version not in ("1.0", "1.1"):
            self._refusal = (505, f"HTTP/{version} is not served: expected HTTP/1.1 or HTTP/1.0")
        if self._refusal is not None:
            raise ValueError(self._refusal[1])  # stops the parser; data_received answers
        self._in_head = False
        super().on_headers_complete()
        cycle = self.cycle
        if cycle is not None:
            cycle.transport = cast(Any, _Coalescing(self.transport, self.loop))
            cast(Any, self.scope)["extensions"][DROP] = lambda: self._close(cycle)

    def on_message_complete(self) -> None:
        self._stop_read_timer()
        self._in_request = False
        self._in_head = True
        self._head_bytes = 0
        super().on_message_complete()

    def on_response_complete(self) -> None:
        self._idle_since = next(_IDLE_ORDER)
        super().on_response_complete()

    # -- refusals -----------------------------------------------------------------------------
    def _read_timed_out(self) -> None:
        self._read_timer = None
        if self.cycle is not None and self.cycle.response_started:
            self._close(self.cycle)
        else:
            self._refuse(408, f"the request did not arrive whole within {self.limits.read_timeout:g} s")

    def _refuse(self, status: int, message: str) -> None:
        if not self.transport.is_closing():
            self.transport.write(_raw_answer(status, message))
        self._close(self.cycle)

    def _close(self, cycle: Any) -> None:
        """Close the connection; the app of ``cycle`` sees a disconnect and its answer goes nowhere."""
        self._stop_read_timer()
        if cycle is not None and not cycle.response_complete:
            cycle.disconnected = True
            cycle.message_event.set()
        self.transport.close()


class _Coalescing:
    """The connection's transport as an answer's writer sees it: the writes of one turn of the
    event loop (an answer's head, then its body) leave as one send, so the client gets the answer
    in one segment rather than two (each a wake-up on a loaded machine)."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] = []

    def write(self, data: bytes) -> None:
        if not self._pending:
            self._loop.call_soon(self._flush)
        self._pending.append(data)

    def _flush(self) -> None:
        if self._pending:
            data = b"".join(self._pending)
            self._pending = []
            if not self._transport.is_closing():
                self._transport.write(data)

    def close(self) -> None:
        self._flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


def protocol_for(limits: Limits) -> type[LimitedProtocol]:
    """The protocol class uvicorn is given for a server with ``limits``."""
    return type("LimitedProtocol", (LimitedProtocol,), {"limits": limits})


class EmulatorASGI:
    """``handle(method, path_and_query, headers, body) -> RawResponse`` as an ASGI app."""

    def __init__(self, handle: Callable[..., RawResponse], limits: Limits, *, offload: bool = False) -> None:
        self.handle = handle
        self.limits = limits
        self.offload = offload

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        headers: dict[str, str] = {}
        for k, v in scope["headers"]:
            name, value = k.decode("latin-1"), v.decode("latin-1")
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        max_body = self.limits.max_body
        if int(headers.get("content-length") or 0) > max_body:  # llhttp has checked it is a number
            await _answer(send, 413, f"the request body exceeds {max_body} bytes")
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away (or a timeout closed the connection)
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > max_body:
                await _answer(send, 413, f"the request body exceeds {max_body} bytes")
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        path = scope["raw_path"].decode("latin-1")
        if scope["query_string"]:
            path += "?" + scope["query_string"].decode("latin-1")
        call = (scope["method"], path, headers, b"".join(chunks))
        try:
            if self.offload:
                resp = await asyncio.get_running_loop().run_in_executor(None, self.handle, *call)
            else:
                resp = self.handle(*call)
        except DropConnection:
            scope["extensions"][DROP]()
            return
        except Exception as exc:  # noqa: BLE001 - never leave a client without an answer
            await _answer(send, 500, f"internal error in the jobfuzz emulator: {type(exc).__name__}")
            return
        out = [
            (k.encode("latin-1"), str(v).encode("latin-1", "replace"))
            for k, v in resp.headers.items()
            if k.lower() not in ("content-length", "connection")
        ]
        out.append((b"content-length", str(len(resp.body)).encode("ascii")))
        await send({"type": "http.response.start", "status": resp.status, "headers": out})
        await send({"type": "http.response.body", "body": resp.body})


async def _answer(send: Any, status: int, message: str) -> None:
    """A JSON error answer that closes the connection (the rest of the request is not read)."""
    body = json.dumps({"message": message}).encode()
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close")],
    })
    await send({"type": "http.response.body", "body": body})
