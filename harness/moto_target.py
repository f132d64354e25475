"""Run a command against a ``moto_server`` started on loopback for the duration of the command.

    python -m harness.moto_target jobfuzz run --service iot
    python -m harness.moto_target pytest tests/contract -k "iot."

The server's URL is appended to the command as ``--endpoint-url URL``. moto must be installed with
its server extra (``pip install 'jobfuzz[moto]'``).
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
from typing import Iterator

__all__ = ["moto_server", "main"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def moto_server(port: int | None = None) -> Iterator[str]:
    """A moto server in a thread of this process, bound to 127.0.0.1; yields its URL."""
    try:
        from moto.server import ThreadedMotoServer
    except ImportError:
        raise RuntimeError("moto with its server extra is not installed (pip install 'jobfuzz[moto]')") from None
    port = port or _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    try:
        yield url
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv:
        print("usage: python -m harness.moto_target COMMAND [ARGS...]", file=sys.stderr)
        return 2
    with moto_server() as url:
        print(f"moto_server at {url}", flush=True)
        return subprocess.call([*argv, "--endpoint-url", url])


if __name__ == "__main__":
    sys.exit(main())
