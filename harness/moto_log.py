"""A moto_server's log, read as it grows: which exception the server raised for a request it answered
with a bare 500.

moto_server answers an action its backend lacks (``BaseResponse.call_action`` raises
``NotImplementedError("The update_job action has not been implemented")``) with the same generic
HTML 500 as a crash in an action it has; only its log tells them apart. The server (Werkzeug's
development server, which ``moto_server`` runs) writes, for each such request, the request line
with its status and then the traceback::

    127.0.0.1 - - [07/Dec/2026 17:50:06] "PATCH /jobs/x HTTP/1.1" 500 -
    Error on request:
    Traceback (most recent call last):
      ...
    NotImplementedError: The update_job action has not been implemented

The request line is written before the answer is sent and the traceback just after, so a client
that has the 500 finds its request line at once and its traceback a moment later.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

__all__ = ["ServerLog", "describe", "not_implemented_action", "read_from", "request_target"]

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_REQUEST = re.compile(r'"([A-Z]+) (\S*) HTTP/[\d.]+" (\d{3}) ')
_ERROR_START = "Error on request:"
_EXCEPTION = re.compile(r"^[A-Za-z_][\w.]*(?::|$)")  # "KeyError: 'x'", "module.SomeError: ..."
_NOT_IMPLEMENTED = re.compile(r"^NotImplementedError: The (\w+) action has not been implemented")
_TRACEBACK = "Traceback (most recent call last):"
_KEEP = 2000  # 5xx requests remembered (a long run against moto has thousands)


@dataclass(slots=True)
class _Failed:
    """A request the server answered 5xx, and the last line of its traceback once written."""

    method: str
    target: str
    exception: str | None = None
    taken: bool = False


class ServerLog:
    """The log file of one moto_server, from ``offset`` on (thread-safe)."""

    def __init__(self, path: Path, offset: int = 0) -> None:
        self.path = path
        self._offset = offset
        self._partial = ""
        self._failed: list[_Failed] = []
        self._block: list[str] | None = None  # the traceback being read
        self._lock = threading.Lock()

    def exception_for(self, method: str, target: str, timeout: float = 3.0) -> str | None:
        """The exception line of the newest 5xx answer to ``method target`` not asked about yet
        (each answer is given once); None when the log shows no such answer with a traceback
        within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                self._read()
                found = next((f for f in reversed(self._failed)
                              if not f.taken and f.method == method and f.target == target), None)
                if found is not None and found.exception is not None:
                    found.taken = True
                    return found.exception
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.02)

    def _read(self) -> None:
        try:
            with open(self.path, "rb") as f:
                f.seek(self._offset)
                data = f.read()
        except OSError:
            return
        self._offset += len(data)
        lines = (self._partial + data.decode("utf-8", "replace")).split("\n")
        self._partial = lines.pop()  # not yet ended by a newline
        for line in lines:
            self._line(_ANSI.sub("", line))
        if self._block and not self._partial and _EXCEPTION.match(self._block[-1]):
            self._close_block()  # a record is written whole: a block that ends so is complete

    def _line(self, line: str) -> None:
        request = _REQUEST.search(line)
        if request or line.startswith(_ERROR_START):
            self._close_block()
        if request:
            if request[3].startswith("5"):
                self._failed.append(_Failed(request[1], unquote(request[2])))
                del self._failed[:-_KEEP]
        elif line.startswith(_ERROR_START):
            self._block = []
        elif self._block is not None:
            self._block.append(line)

    def _close_block(self) -> None:
        block, self._block = self._block, None
        if not block:
            return
        last = next((ln for ln in reversed(block) if _EXCEPTION.match(ln)), None)
        # the newest 5xx still waiting for its traceback (Werkzeug writes it right after the answer)
        waiting = next((f for f in reversed(self._failed) if f.exception is None), None)
        if last is not None and waiting is not None:
            waiting.exception = last


def request_target(url: str) -> str:
    """A request URL as the server's request line shows it (path and query, percent-decoded)."""
    parts = urlsplit(url)
    return unquote(parts.path + (f"?{parts.query}" if parts.query else ""))


def not_implemented_action(exception: str) -> str | None:
    """The action a ``NotImplementedError`` line of moto names (``update_job``), else None."""
    m = _NOT_IMPLEMENTED.match(exception)
    return m[1] if m else None


def read_from(path: Path, offset: int = 0) -> str:
    """The text of ``path`` from byte ``offset`` on."""
    with open(path, "rb") as f:
        f.seek(offset)
        return f.read().decode("utf-8", "replace")


def describe(path: Path, offset: int = 0) -> str:
    """``PATH (N lines, M tracebacks)``: the log from ``offset`` on."""
    try:
        text = read_from(path, offset)
    except OSError as exc:
        return f"{path} (unreadable: {exc.strerror})"
    lines = text.count("\n") + (1 if text and not text.endswith("\n") else 0)
    return f"{path} ({lines} lines, {text.count(_TRACEBACK)} tracebacks)"
