"""Servers the integration tests start as subprocesses on 127.0.0.1, and how they are stopped."""

from __future__ import annotations

import contextlib
import os
import selectors
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def stop(proc: subprocess.Popen[Any], timeout: float = 10) -> None:
    """Terminate ``proc``, kill it if it does not end within ``timeout`` seconds, and reap it."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=timeout)


@contextlib.contextmanager
def emulator(*extra: str, command: tuple[str, ...] = (sys.executable, "-m", "emulator")) -> Iterator[str]:
    """``COMMAND --host 127.0.0.1 --port 0 EXTRA`` (``python -m emulator`` unless told); yields the URL
    it prints once it accepts connections, and stops it afterwards."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([*command, "--host", "127.0.0.1", "--port", "0", *extra], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None
        with selectors.DefaultSelector() as sel:
            sel.register(proc.stdout, selectors.EVENT_READ)
            deadline = time.monotonic() + 30
            url = None
            while url is None and time.monotonic() < deadline and proc.poll() is None:
                if sel.select(timeout=0.5):
                    line = proc.stdout.readline()
                    if "http://" in line:
                        url = "http://" + line.split("http://", 1)[1].split()[0]
        if url is None:
            pytest.fail(f"{' '.join(command)} {' '.join(extra)} did not print its URL within 30 s")
        yield url
    finally:
        stop(proc)
        if proc.stdout is not None:
            proc.stdout.close()
