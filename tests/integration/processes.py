"""Servers the integration tests start as subprocesses on 127.0.0.1, and how they are stopped."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
from _support import printed_url, stop  # noqa: E402 - the bench folder is on the path only from here

__all__ = ["ROOT", "emulator", "stop"]


@contextlib.contextmanager
def emulator(*extra: str, command: tuple[str, ...] = (sys.executable, "-m", "emulator")) -> Iterator[str]:
    """``COMMAND --host 127.0.0.1 --port 0 EXTRA`` (``python -m emulator`` unless told); yields the URL
    it prints once it accepts connections, and stops it afterwards."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([*command, "--host", "127.0.0.1", "--port", "0", *extra], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        url = printed_url(proc, 30)
        if url is None:
            pytest.fail(f"{' '.join(command)} {' '.join(extra)} did not print its URL within 30 s")
        yield url
    finally:
        stop(proc)
        if proc.stdout is not None:
            proc.stdout.close()
