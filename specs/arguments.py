"""Number arguments of the command lines (``jobfuzz run``'s and ``jobfuzz emulator``'s), as argparse
types: a value out of its range is refused with one line naming what was expected and what came
(``expected a whole number from 0 to 65535, got '99999'``); ``nan`` and ``inf`` are never in range.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable

__all__ = ["number", "positive", "whole_number"]


def _read(text: str, convert: Callable[[str], float]) -> float:
    try:
        return convert(text)
    except ValueError:
        return math.nan


def whole_number(low: int, high: int) -> Callable[[str], int]:
    """A whole number from ``low`` to ``high``."""

    def parse(text: str) -> int:
        value = _read(text, int)
        if not low <= value <= high:  # nan is in no range
            raise argparse.ArgumentTypeError(f"expected a whole number from {low} to {high}, got {text!r}")
        return int(value)

    return parse


def number(low: float, high: float, what: str, *, above: bool = False) -> Callable[[str], float]:
    """A finite number from ``low`` (or, ``above``, more than ``low``) to ``high``, of ``what``."""

    def parse(text: str) -> float:
        value = _read(text, float)
        inside = (low < value if above else low <= value) and value <= high
        if not (math.isfinite(value) and inside):
            span = f"more than {low:g} and at most {high:g}" if above else f"from {low:g} to {high:g}"
            raise argparse.ArgumentTypeError(f"expected {what} {span}, got {text!r}")
        return value

    return parse


def positive(convert: Callable[[str], float]) -> Callable[[str], float]:
    """A positive finite number (``convert`` is float or int)."""
    whole = " whole" if convert is int else ""

    def parse(text: str) -> float:
        value = _read(text, convert)
        if not (value > 0 and math.isfinite(value)):
            raise argparse.ArgumentTypeError(f"expected a positive{whole} number, got {text!r}")
        return value

    return parse
