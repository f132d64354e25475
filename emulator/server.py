"""The emulator over HTTP: one port for every service (``python -m emulator`` / ``jobfuzz emulator``).

uvicorn serves ``emulator.asgi.EmulatorASGI`` (HTTP/1.1 with keep-alive, parsed by llhttp through
httptools) with the timeouts and limits of ``emulator.asgi.Limits``: every request that abuses the
protocol is answered 4xx (or 505) or its connection closed within the read timeout, and idle
connections neither pile up nor lock clients out. Binds 127.0.0.1 unless told otherwise; the
listening socket is bound in the constructor, so the port (``port=0`` picks a free one) and the URL
are known, and connections are accepted, before the server runs.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import sys
import threading
import time
from collections.abc import Sequence
from typing import Any, Self

import uvicorn

from emulator.asgi import EmulatorASGI, Limits, protocol_for
from emulator.core import EmulatorConfig
from emulator.faults import FaultConfig, FaultyEmulator
from specs.arguments import positive

__all__ = ["EmulatorServer", "Limits", "main"]


def _loop_factory() -> Any:
    """uvloop's event loop where it is installed (a fifth less server CPU a request), else asyncio's."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


class EmulatorServer:
    """The emulator on ``host:port``, in a background thread (``start``) or this one
    (``serve_forever``); ``port=0`` picks a free port."""

    def __init__(
        self,
        emulator: Any = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        faults: FaultConfig | None = None,
        limits: Limits | None = None,
    ) -> None:
        if emulator is None:
            from emulator.app import Emulator

            emulator = Emulator()
        self.emulator = emulator
        self.app = FaultyEmulator(emulator, faults) if faults is not None and faults.rate > 0 else emulator
        self.limits = limits or Limits()
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._sock = socket.create_server((host, port), family=family, backlog=1024)
        self.host, self.port = str(self._sock.getsockname()[0]), int(self._sock.getsockname()[1])
        config = uvicorn.Config(
            EmulatorASGI(self.app.handle, self.limits, offload=self.app is not emulator),
            http=protocol_for(self.limits),
            ws="none",
            lifespan="off",
            interface="asgi3",
            log_config=None,
            access_log=False,
            proxy_headers=False,
            server_header=False,
            date_header=False,
            timeout_keep_alive=self.limits.idle_timeout,  # type: ignore[arg-type]  # uvicorn types int, waits a float
            timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in str(self.host) else self.host
        return f"http://{host}:{self.port}"

    def _run(self) -> None:
        with asyncio.Runner(loop_factory=_loop_factory()) as runner:
            runner.run(self._server.serve(sockets=[self._sock]))

    def start(self) -> Self:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=f"jobfuzz-emulator:{self.port}", daemon=True)
            self._thread.start()
            deadline = time.monotonic() + 10
            while not self._server.started and self._thread.is_alive() and time.monotonic() < deadline:
                time.sleep(0.005)
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until SIGINT or SIGTERM (then the signal is raised again)."""
        self._run()

    def stop(self) -> None:
        if self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=5)
            self._thread = None
        self._sock.close()

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
    p.add_argument("--fault-rate", type=options.fraction, default=0.0,
                   help="probability of a fault a request (0 = off)")
    p.add_argument("--fault-kinds", default="throttle,unavailable,latency,drop")
    p.add_argument("--fault-latency", type=options.seconds, default=0.05, help="seconds a latency fault waits")
    p.add_argument("--fault-seed", type=int, default=None)
    defaults = Limits()
    p.add_argument("--read-timeout", type=positive(float), default=defaults.read_timeout,
                   help="seconds a request may take to arrive whole (then 408 and close)")
    p.add_argument("--idle-timeout", type=positive(float), default=defaults.idle_timeout,
                   help="seconds a connection may stay open with no request under way")
    p.add_argument("--max-connections", type=positive(int), default=defaults.max_connections,
                   help="open connections; over it the one idle the longest is closed")
    p.add_argument("--max-body", type=positive(int), default=defaults.max_body,
                   help="bytes of a request body (413 over it)")
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
    limits = Limits(read_timeout=args.read_timeout, idle_timeout=args.idle_timeout,
                    max_connections=args.max_connections, max_body=args.max_body)
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
        server = EmulatorServer(emulator, host=args.host, port=args.port, faults=faults, limits=limits)
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
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
