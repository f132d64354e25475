"""The emulator over HTTP: one port for every service (``python -m emulator`` / ``jobfuzz emulator``).

HTTP/1.1 with keep-alive; every answer carries Content-Length and goes out in one write (with
TCP_NODELAY, so keep-alive clients never wait on Nagle's algorithm). One thread a connection; a
request is one ``handle`` call. Binds 127.0.0.1 unless told otherwise.
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import socket
import sys
import threading
from collections.abc import Sequence
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

from emulator.core import EmulatorConfig
from emulator.faults import DropConnection, FaultConfig, FaultyEmulator

__all__ = ["EmulatorServer", "main"]

#: bodies larger than this are not read: the connection is answered 413 and closed
MAX_READ = 16 * 1024 * 1024
_PHRASES = {s.value: s.phrase for s in HTTPStatus}
#: a request line and header block of the plain form nearly every client sends: ``METHOD PATH
#: HTTP/1.x`` and ``Name: value`` lines (a name as the email parser takes one; a value of printable
#: ASCII and tabs), ended by an empty line. Anything else is parsed by the standard library.
_PLAIN_REQUEST_LINE = re.compile(rb"([A-Z]+) ([!-~]+) HTTP/1\.([01])\r\n")
_PLAIN_BLOCK = re.compile(rb"(?:[!-9;-~]+:[\t -~]*\r\n)*\r\n")
_PLAIN_HEADER = re.compile(rb"([!-9;-~]+):[\t ]*([\t -~]*)\r\n")
#: http.client's limits on a header block: lines read (the empty one too), bytes a line
_MAX_HEADER_LINES = getattr(http.client, "_MAXHEADERS", 100)
_MAX_LINE = getattr(http.client, "_MAXLINE", 65536)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "jobfuzz-emulator"
    sys_version = ""
    server: _Server
    raw_requestline: bytes  # set by handle_one_request before parse_request

    def setup(self) -> None:
        super().setup()
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def parse_request(self) -> bool:
        """``BaseHTTPRequestHandler.parse_request``, with a fast path for a plain request whose
        header block is already buffered: the same attributes and the same HTTPMessage, without the
        email parser, which costs more than answering most requests."""
        line = _PLAIN_REQUEST_LINE.fullmatch(self.raw_requestline)
        peek = getattr(self.rfile, "peek", None)
        if line is None or peek is None:
            return super().parse_request()
        # the header block is read here as the standard parse would read it next; peek() waits
        # only where that read would wait (nothing buffered yet)
        block = _PLAIN_BLOCK.match(peek())
        if block is None:
            return super().parse_request()
        headers = self.MessageClass()
        headers.set_payload("")  # as the email parser leaves it
        lines = 1
        for header in _PLAIN_HEADER.finditer(block.group(), 0, block.end() - 2):
            lines += 1
            if lines > _MAX_HEADER_LINES or header.end() - header.start() > _MAX_LINE:
                return super().parse_request()  # over a limit: the standard answer (431)
            # what the compat32 policy stores: the name as sent, the value without leading blanks
            headers.set_raw(header.group(1).decode("ascii"), header.group(2).decode("ascii"))
        self.rfile.read(block.end())
        # from here on, exactly what parse_request does for such a request
        self.requestline = self.raw_requestline[:-2].decode("ascii")
        version = "HTTP/1." + line.group(3).decode("ascii")
        self.request_version = version
        self.close_connection = not (version == "HTTP/1.1" and self.protocol_version >= "HTTP/1.1")
        self.command = line.group(1).decode("ascii")
        path = line.group(2).decode("ascii")
        self.path = "/" + path.lstrip("/") if path.startswith("//") else path
        self.headers = headers
        conntype = headers.get("Connection", "")
        if conntype.lower() == "close":
            self.close_connection = True
        elif conntype.lower() == "keep-alive" and self.protocol_version >= "HTTP/1.1":
            self.close_connection = False
        expect = headers.get("Expect", "")
        return not (expect.lower() == "100-continue" and self.protocol_version >= "HTTP/1.1"
                    and self.request_version >= "HTTP/1.1" and not self.handle_expect_100())

    def _read_body(self) -> bytes | None:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks: list[bytes] = []
            total = 0
            while True:
                line = self.rfile.readline(65537)
                size = int(line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                total += size
                if total > MAX_READ:
                    return None
                chunks.append(self.rfile.read(size))
                self.rfile.readline(3)
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0 or length > MAX_READ:
            return None
        return self.rfile.read(length) if length else b""

    def _answer(self, status: int, headers: dict[str, str], body: bytes) -> None:
        lines = [f"HTTP/1.1 {status} {_PHRASES.get(status, '')}".rstrip()]
        lines.extend(
            f"{k}: {v}" for k, v in headers.items() if k.lower() not in ("content-length", "connection")
        )
        lines.append(f"Content-Length: {len(body)}")
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")
        self.wfile.write(head + (body if self.command != "HEAD" else b""))

    def _serve(self) -> None:
        try:
            body = self._read_body()
        except (ValueError, OSError):
            body = None
        if body is None:
            self.close_connection = True
            self._answer(
                413,
                {"Content-Type": "application/json"},
                b'{"message":"the request body is too large or its framing is invalid"}',
            )
            return
        headers = {k: v for k, v in self.headers.items()}
        try:
            resp = self.server.app.handle(self.command, self.path, headers, body)
        except DropConnection:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        except Exception as exc:  # noqa: BLE001 - never leave a client without an answer
            self._answer(
                500,
                {"Content-Type": "application/json"},
                json.dumps(
                    {"message": f"internal error in the jobfuzz emulator: {type(exc).__name__}"}
                ).encode(),
            )
            return
        self._answer(resp.status, resp.headers, resp.body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _serve


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], app: Any) -> None:
        self.app = app
        super().__init__(address, _Handler)


class EmulatorServer:
    """The emulator on ``host:port`` in a background thread; ``port=0`` picks a free port."""

    def __init__(
        self,
        emulator: Any = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        faults: FaultConfig | None = None,
    ) -> None:
        if emulator is None:
            from emulator.app import Emulator

            emulator = Emulator()
        self.emulator = emulator
        self.app = FaultyEmulator(emulator, faults) if faults is not None and faults.rate > 0 else emulator
        self._httpd = _Server((host, port), self.app)
        self.host, self.port = str(self._httpd.server_address[0]), int(self._httpd.server_address[1])
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in str(self.host) else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> Self:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                kwargs={"poll_interval": 0.1},
                name=f"jobfuzz-emulator:{self.port}",
                daemon=True,
            )
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._httpd.serve_forever(poll_interval=0.2)

    def stop(self) -> None:
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _parser() -> argparse.ArgumentParser:
    from emulator import options

    p = options.Parser(prog="jobfuzz emulator", description="Serve the jobfuzz emulator over HTTP.")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=options.port, default=4566)
    p.add_argument("--region", type=options.region, default="us-east-1")
    p.add_argument(
        "--buckets",
        default=None,
        help="comma-separated S3 buckets that exist for Import/Export (default: every bucket exists)",
    )
    p.add_argument("--fault-rate", type=options.fraction, default=0.0, help="probability of a fault a request (0 = off)")
    p.add_argument("--fault-kinds", default="throttle,unavailable,latency,drop")
    p.add_argument("--fault-latency", type=options.seconds, default=0.05, help="seconds a latency fault waits")
    p.add_argument("--fault-seed", type=int, default=None)
    p.add_argument(
        "--plant",
        default=None,
        metavar="NAME[,NAME]",
        help="break the emulator on purpose with these planted faults (--plant list names them)",
    )
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    buckets = None
    if args.buckets is not None:
        buckets = frozenset(b.strip() for b in args.buckets.split(",") if b.strip())
    faults = None
    if args.fault_rate > 0:
        try:
            faults = FaultConfig(
                rate=args.fault_rate,
                kinds=tuple(k.strip() for k in args.fault_kinds.split(",") if k.strip()),
                latency_s=args.fault_latency,
                seed=args.fault_seed,
            )
        except ValueError as exc:
            print(f"jobfuzz emulator: {exc}", file=sys.stderr)
            return 2
    from emulator.app import Emulator

    emulator: Any = Emulator(EmulatorConfig(region=args.region, buckets=buckets))
    if args.plant is not None:
        from emulator.planted import PlantedEmulator, UnknownFault, catalogue_text

        if args.plant.strip() == "list":
            print(catalogue_text())
            return 0
        try:
            emulator = PlantedEmulator(emulator, args.plant)
        except UnknownFault as exc:
            print(f"jobfuzz emulator: --plant: {exc}", file=sys.stderr)
            return 2
        if not emulator.faults:
            print("jobfuzz emulator: --plant: expected fault names (--plant list names them)", file=sys.stderr)
            return 2
    try:
        server = EmulatorServer(emulator, host=args.host, port=args.port, faults=faults)
    except OSError as exc:
        print(
            f"jobfuzz emulator: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}",
            file=sys.stderr,
        )
        return 2
    planted = getattr(emulator, "planted", ())
    if planted:
        print(f"jobfuzz emulator: planted faults: {', '.join(planted)}", file=sys.stderr, flush=True)
    print(f"jobfuzz emulator listening on {server.url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server._httpd.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
