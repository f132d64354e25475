"""A small HTTP server on 127.0.0.1 for tests: every request is recorded and answered by a function.

``serve(answer)`` yields the server; ``answer(request)`` returns ``(status, headers, body)``.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

__all__ = ["Request", "Server", "serve"]


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    path: str  # with the query string
    headers: dict[str, str] = field(hash=False)
    body: bytes = b""


Answer = Callable[[Request], tuple[int, dict[str, str], bytes]]


@dataclass
class Server:
    url: str
    requests: list[Request] = field(default_factory=list)


@contextlib.contextmanager
def serve(answer: Answer) -> Iterator[Server]:
    lock = threading.Lock()
    server_box: list[Server] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            req = Request(self.command, self.path, dict(self.headers.items()), self.rfile.read(length))
            with lock:
                server_box[0].requests.append(req)
            status, headers, body = answer(req)
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _any

        def log_message(self, *args: object) -> None:  # quiet
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    server_box.append(Server(f"http://127.0.0.1:{httpd.server_address[1]}"))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server_box[0]
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)
