"""Hostile endpoints on 127.0.0.1 for the tests: what an endpoint nobody here wrote may do.

``hostile(mode)`` serves, in a thread of the test process, one of:

- ``close``: accepts each connection and closes it without a byte;
- ``silent``: accepts each connection, reads the request and never answers;
- ``garbage``: answers random bytes instead of HTTP;
- ``binary``: HTTP 200 with a body of random bytes;
- ``huge``: HTTP 200 announcing and streaming ``HUGE_BYTES`` (``chunked``: the same without a length);
- ``wrong_types``: HTTP 200 whose JSON gives every member the harness may read the wrong type;
- ``html``: HTTP 200 with an HTML page;
- ``truncated``: HTTP 200 with JSON cut in the middle (its Content-Length matches what is sent);
- ``http_server``: what ``python3 -m http.server`` answers an API call: 404 HTML for GET, 501 HTML
  for any other method.

``python tests/integration/hostile.py MODE`` serves one as a process and prints its URL (the memory
test measures a run against it from another process).
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import socketserver
import sys
import threading
from collections.abc import Iterator

__all__ = ["HUGE_BYTES", "MODES", "hostile"]

HUGE_BYTES = 100 * 1024 * 1024
_WRONG = json.dumps({  # every member a recipe or a check reads, with a type the model does not give it
    "thingName": 5, "thingArn": ["x"], "thingId": {"a": 1}, "jobId": 7, "jobArn": 3.5, "execution": "no",
    "job": [1, 2], "status": {"x": 1}, "jobs": "none", "nextToken": 9, "appId": [], "backendEnvironmentName": 1,
    "JobId": {"x": []}, "jobExecutionSummaries": 4, "executionState": [None],
}).encode()


def _read_request(conn: socket.socket) -> bytes:
    """The request's head and as much of its body as its Content-Length says (best effort)."""
    data = b""
    conn.settimeout(5)
    with contextlib.suppress(OSError):
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return data
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip() or 0)
        while len(body) < length:
            chunk = conn.recv(65536)
            if not chunk:
                break
            body += chunk
    return data


def _answer(status: str, body: bytes, content_type: str = "application/json") -> bytes:
    return (f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
            f"Connection: close\r\n\r\n").encode() + body


def _http_server(method: str) -> bytes:
    if method == "GET":
        page = b"<html><head><title>Error response</title></head><body><h1>Error response</h1>" \
               b"<p>Error code: 404</p><p>Message: File not found.</p></body></html>"
        return _answer("404 File not found", page, "text/html;charset=utf-8")
    page = f"<html><body><h1>Error response</h1><p>Error code: 501</p><p>Message: Unsupported method " \
           f"('{method}').</p></body></html>".encode()
    return _answer("501 Unsupported method", page, "text/html;charset=utf-8")


def _stream(conn: socket.socket, chunked: bool) -> None:
    head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
    head += "Transfer-Encoding: chunked\r\n\r\n" if chunked else f"Content-Length: {HUGE_BYTES}\r\n\r\n"
    conn.sendall(head.encode())
    block = b"{" + b'"a":"' + b"x" * (1024 * 1024 - 6)
    sent = 0
    while sent < HUGE_BYTES:
        piece = block[: HUGE_BYTES - sent]
        conn.sendall(f"{len(piece):x}\r\n".encode() + piece + b"\r\n" if chunked else piece)
        sent += len(piece)
    if chunked:
        conn.sendall(b"0\r\n\r\n")


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        mode, conn = self.server.mode, self.request
        if mode == "close":
            return
        request = _read_request(conn)
        with contextlib.suppress(OSError):
            if mode == "silent":
                self.server.stopped.wait()
            elif mode == "garbage":
                conn.sendall(os.urandom(512))
            elif mode == "binary":
                conn.sendall(_answer("200 OK", os.urandom(2048), "application/octet-stream"))
            elif mode in ("huge", "chunked"):
                _stream(conn, chunked=mode == "chunked")
            elif mode == "wrong_types":
                conn.sendall(_answer("200 OK", _WRONG))
            elif mode == "html":
                conn.sendall(_answer("200 OK", b"<html><body><h1>It works!</h1></body></html>", "text/html"))
            elif mode == "truncated":
                conn.sendall(_answer("200 OK", _WRONG[: len(_WRONG) // 2]))
            elif mode == "http_server":
                conn.sendall(_http_server(request.split(b" ", 1)[0].decode("latin-1") or "GET"))


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, mode: str) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.mode = mode
        self.stopped = threading.Event()


MODES = ("close", "silent", "garbage", "binary", "huge", "chunked", "wrong_types", "html", "truncated",
         "http_server")


@contextlib.contextmanager
def hostile(mode: str) -> Iterator[str]:
    """Serve ``mode`` on 127.0.0.1 in a thread; yields its URL."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r} (known: {', '.join(MODES)})")
    server = _Server(mode)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.stopped.set()
        server.shutdown()
        server.server_close()


if __name__ == "__main__":
    with hostile(sys.argv[1]) as url:
        print(url, flush=True)
        threading.Event().wait()
