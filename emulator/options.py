"""The checks of ``jobfuzz emulator``'s options: a bad one is refused before the server starts, with
one line naming the option, the value and what was expected (exit 2, as argparse exits on a usage
error), e.g. ``jobfuzz emulator: argument --port: expected a whole number from 0 to 65535, got '99999'``.
"""

from __future__ import annotations

import argparse
import math
import sys
from typing import NoReturn

from specs.regions import region_argument as region

__all__ = ["Parser", "fraction", "port", "region", "seconds"]


class Parser(argparse.ArgumentParser):
    """argparse, with a usage error on one line (no usage block) and exit status 2."""

    def error(self, message: str) -> NoReturn:
        print(f"{self.prog}: {message}", file=sys.stderr)
        sys.exit(2)


def port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"expected a whole number from 0 to 65535, got {text!r}")
    return value


def _finite(text: str, low: float, high: float, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and low <= value <= high):
        raise argparse.ArgumentTypeError(f"expected {what} from {low:g} to {high:g}, got {text!r}")
    return value


def fraction(text: str) -> float:
    """A probability: 0 to 1."""
    return _finite(text, 0.0, 1.0, "a number")


def seconds(text: str) -> float:
    """A wait of at most a minute."""
    return _finite(text, 0.0, 60.0, "seconds")
