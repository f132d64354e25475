"""Which HTTP server library to put the emulator behind: the same emulator served by each
candidate, against moto_server, measured as ``bench_emulator.py --only http-raw`` measures.

    python bench/bench_http_servers.py [--rounds 5] [--calls 1000]
                                       [--servers emulator,uvicorn-h11,waitress,cheroot,hypercorn,moto_server]
                                       [--checkout PATH]

Each server is a subprocess on 127.0.0.1 serving ``emulator.app.Emulator``: ``emulator`` is
``python -m emulator`` (this checkout's server); the others serve the emulator through a bare
adapter (``Emulator.wsgi`` for the WSGI servers, a minimal ASGI app for the ASGI ones), without
the limits ``emulator.asgi`` adds, so they show each library's own cost. ``--checkout PATH`` adds
``python -m emulator`` from another checkout (an older server) under the name ``checkout``. One
signed IoT ``describe_job_execution`` request is replayed over one ``http.client`` connection,
``--calls`` calls a server a round, every server in every round in a rotating order; medians over
the rounds. Candidates not installed are skipped with a note (``pip install waitress cheroot
hypercorn``; moto_server needs the ``moto`` extra).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

from _support import Server, emulator_server, http_client, machine, median, moto_server, printed_url, stop
from bench_emulator import _raw_loop, raw_requests

#: candidate -> the modules it needs
CANDIDATES = {
    "emulator": ("uvicorn", "httptools"),
    "uvicorn-h11": ("uvicorn", "h11"),
    "waitress": ("waitress",),
    "cheroot": ("cheroot",),
    "hypercorn": ("hypercorn",),
    "moto_server": ("moto",),
}


def _asgi(handle: Any) -> Any:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        path = scope["raw_path"].decode("latin-1")
        if scope["query_string"]:
            path += "?" + scope["query_string"].decode("latin-1")
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        resp = handle(scope["method"], path, headers, body)
        out = [(k.encode(), v.encode()) for k, v in resp.headers.items()]
        await send({"type": "http.response.start", "status": resp.status,
                    "headers": [*out, (b"content-length", str(len(resp.body)).encode())]})
        await send({"type": "http.response.body", "body": resp.body})

    return app


def serve(kind: str, port: int) -> None:
    """Serve the emulator with ``kind`` on 127.0.0.1:``port`` (the subprocess side)."""
    from emulator.app import Emulator

    emu = Emulator()
    print(f"{kind} listening on http://127.0.0.1:{port}", flush=True)
    if kind == "uvicorn-h11":
        import uvicorn

        uvicorn.run(_asgi(emu.handle), host="127.0.0.1", port=port, http="h11", loop="asyncio", lifespan="off",
                    log_level="error", access_log=False, proxy_headers=False, server_header=False,
                    date_header=False)
    elif kind == "waitress":
        import waitress

        waitress.serve(emu.wsgi, host="127.0.0.1", port=port, _quiet=True)
    elif kind == "cheroot":
        from cheroot import wsgi

        wsgi.Server(("127.0.0.1", port), emu.wsgi).safe_start()
    elif kind == "hypercorn":
        from hypercorn.asyncio import serve as hyper_serve
        from hypercorn.config import Config

        config = Config()
        config.bind = [f"127.0.0.1:{port}"]
        config.loglevel = "ERROR"
        asyncio.run(hyper_serve(_asgi(emu.handle), config))
    else:
        raise SystemExit(f"--serve: unknown server {kind!r}")


@contextlib.contextmanager
def _candidate(kind: str, checkout: str | None) -> Iterator[Server]:
    if kind == "emulator":
        with emulator_server() as srv:
            yield srv
        return
    if kind == "moto_server":
        with moto_server() as srv:
            yield srv
        return
    if kind == "checkout":
        assert checkout is not None
        cmd = [sys.executable, "-m", "emulator", "--host", "127.0.0.1", "--port", "0"]
        env = dict(os.environ, PYTHONPATH=checkout)
    else:
        from _support import _free_port

        cmd = [sys.executable, __file__, "--serve", kind, str(_free_port())]
        env = dict(os.environ)
    proc = subprocess.Popen(cmd, cwd=checkout or None, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    try:
        url = printed_url(proc, 30)
        if url is None:
            raise RuntimeError(f"{kind}: the server did not print its URL")
        deadline = time.monotonic() + 30
        while True:  # the URL is printed before some of these servers listen
            try:
                http_client("iot", url).list_jobs()
                break
            except Exception:  # not listening yet
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield Server(url, proc.pid)
    finally:
        stop(proc)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=1000, help="calls a server a round")
    parser.add_argument("--servers", default=",".join(CANDIDATES))
    parser.add_argument("--checkout", default=None, help="also measure `python -m emulator` of this checkout")
    parser.add_argument("--serve", nargs=2, metavar=("KIND", "PORT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.serve[0], int(args.serve[1]))
        return 0
    kinds = [k.strip() for k in args.servers.split(",") if k.strip()]
    unknown = [k for k in kinds if k not in CANDIDATES]
    if unknown:
        parser.error(f"--servers: unknown server {unknown[0]!r} (expected some of {', '.join(CANDIDATES)})")
    if args.checkout:
        if not os.path.isdir(os.path.join(args.checkout, "emulator")):
            parser.error(f"--checkout: expected a jobfuzz checkout, got {args.checkout!r} (no emulator/ in it)")
        kinds.append("checkout")
    for kind in list(kinds):
        missing = [m for m in CANDIDATES.get(kind, ()) if importlib.util.find_spec(m) is None]
        if missing:
            print(f"note: {kind} skipped ({', '.join(missing)} not installed)")
            kinds.remove(kind)
    print(f"machine: {machine()}")
    print(f"command: python {' '.join(sys.argv)}")
    rates: dict[str, list[float]] = {k: [] for k in kinds}
    cpu: dict[str, list[float]] = {k: [] for k in kinds}
    with contextlib.ExitStack() as stack:
        servers = {k: stack.enter_context(_candidate(k, args.checkout)) for k in kinds}
        requests = raw_requests(servers)
        for r in range(args.rounds):
            for kind in kinds[r % len(kinds):] + kinds[:r % len(kinds)]:
                before = servers[kind].cpu()
                t = _raw_loop(servers[kind].url, requests[kind], args.calls)
                rates[kind].append(t.rate)
                cpu[kind].append((servers[kind].cpu() - before) / t.calls * 1e6)
    print(f"\n[http servers] one signed iot describe_job_execution replayed over http.client on 127.0.0.1, "
          f"{args.calls} calls a server a round, {args.rounds} rounds, rotating order")
    moto = rates.get("moto_server")
    for kind in kinds:
        ratio = ""
        if moto and kind != "moto_server":
            ratios = [a / b for a, b in zip(rates[kind], moto, strict=True)]
            ratio = f"   {median(ratios):5.1f}x moto_server (rounds {', '.join(f'{x:.1f}' for x in ratios)})"
        print(f"  {kind:<12} {median(rates[kind]):8,.0f} calls/s (server CPU {median(cpu[kind]):6,.0f} us a call)"
              f"{ratio}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
