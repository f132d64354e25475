"""The options of every subcommand, checked before any work: one line naming the option, the value
and what was expected, exit 2.

The argparse ``type=`` functions here raise ``argparse.ArgumentTypeError``; the CLI's parser turns it
into ``jobfuzz run: argument --max-examples: expected a whole number from 1 to 1000000, got '0'``.
Output paths are probed as the writers will use them (a file created in the folder the report or
case file goes to), so that a run never learns at its end that its reports cannot be written.
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from specs.arguments import number as _number
from specs.arguments import whole_number
from specs.regions import region_argument as region

__all__ = ["BUDGET_SECONDS", "MAX_CALLS", "MAX_EXAMPLES", "MAX_RATE", "MAX_RESPONSE_BYTES", "SEED", "WORKERS",
           "UsageError", "endpoint_url", "example_db", "names", "number", "output_dir", "output_file", "region",
           "shard", "whole_number"]

#: the largest --seed: every seed a run prints (at most 2**31) is in range, and so is any 32-bit seed
MAX_SEED = 2**32 - 1


class UsageError(Exception):
    """A bad argument, overlay, config, endpoint or credential: exit 2 with one line."""


def number(above: float, high: float, unit: str) -> Callable[[str], float]:
    """An argparse type: a finite number more than ``above`` and at most ``high`` (of ``unit``)."""
    return _number(above, high, unit, above=True)


#: the ranges of the numeric options: past them a run cannot end or cannot be kept up
MAX_EXAMPLES = whole_number(1, 1_000_000)
BUDGET_SECONDS = number(0, 7 * 86400, "seconds")
SEED = whole_number(0, MAX_SEED)
WORKERS = whole_number(1, 64)
MAX_RATE = number(0.001, 100_000, "calls a second")
MAX_CALLS = whole_number(1, 10**9)
MAX_RESPONSE_BYTES = whole_number(1, 2**40)
#: the longest one wait for a state may take (seconds): up to a day
MAX_WAIT = number(0, 86_400, "seconds")


def names(text: str | None, known: tuple[str, ...], option: str, what: str) -> tuple[str, ...]:
    """``a,b,...`` (``--checks``, ``--phases``): each one of ``known``; None: all of them."""
    if text is None:
        return known
    chosen = tuple(x.strip() for x in text.split(",") if x.strip())
    if not chosen:
        raise UsageError(f"{option}: expected {what} names (known: {', '.join(known)}), got {text!r}")
    for name in chosen:
        if name not in known:
            raise UsageError(f"{option}: unknown {what} {name!r} (known: {', '.join(known)})")
    return chosen


def endpoint_url(text: str) -> str:
    """``URL`` or ``SERVICE=URL``: http(s), a host, and a port (if any) from 0 to 65535."""
    service, sep, url = text.partition("=")
    if not sep or service.startswith(("http://", "https://")):
        url = text
    elif not service:
        raise argparse.ArgumentTypeError(f"expected SERVICE=URL with a service name, got {text!r}")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range or not a number
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{url!r}: {exc} (expected http://HOST:PORT or https://HOST)") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise argparse.ArgumentTypeError(f"expected http://HOST:PORT or https://HOST, got {url!r}")
    return text


def shard(text: str) -> tuple[int, int]:
    """``I/N`` with 0 <= I < N: the I-th of N slices of the operations."""
    try:
        i, n = (int(x) for x in text.split("/"))
    except ValueError:
        i, n = 0, 0
    if not 0 <= i < n:
        raise argparse.ArgumentTypeError(f"expected I/N with 0 <= I < N, got {text!r}")
    return i, n


def _probe(folder: Path) -> None:
    """Create (and remove) a file in ``folder``, the nearest existing one on the way to it."""
    while not folder.exists():
        folder = folder.parent
    if not folder.is_dir():
        raise argparse.ArgumentTypeError(f"{folder} is a file, not a folder")
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".jobfuzz-probe-"):
            pass
    except OSError as exc:
        raise argparse.ArgumentTypeError(f"cannot write in {folder}: {exc.strerror or exc}") from None


def output_file(text: str) -> Path:
    """A file a report is written to: not a folder, and its folder writable (made if missing)."""
    path = Path(text)
    if not text or text.endswith(("/", "\\")) or path.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is a folder: expected a file name")
    if path.exists() and not path.is_file():
        raise argparse.ArgumentTypeError(f"{text!r} is not a regular file")
    _probe(path.absolute().parent)
    return path


def output_dir(text: str) -> Path:
    """A folder files are written into: not a file, writable (made if missing)."""
    path = Path(text)
    if not text:
        raise argparse.ArgumentTypeError("expected a folder, got ''")
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is a file: expected a folder")
    _probe(path.absolute())
    return path


def example_db(text: str) -> str:
    """``DIR`` (a folder, checked as an output folder) or ``redis://HOST:PORT``."""
    if text.startswith(("redis://", "rediss://")):
        try:
            urlsplit(text).port  # noqa: B018 - raises ValueError for a port out of range
        except ValueError as exc:
            raise argparse.ArgumentTypeError(f"{text!r}: {exc}") from None
        return text
    return str(output_dir(text))
