"""The checks of ``jobfuzz emulator``'s options: a bad one is refused before the server starts, with
one line naming the option, the value and what was expected (exit 2, as argparse exits on a usage
error), e.g. ``jobfuzz emulator: argument --port: expected a whole number from 0 to 65535, got '99999'``.
"""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn

from specs.arguments import number, whole_number
from specs.regions import region_argument as region

__all__ = ["Parser", "fraction", "port", "region", "seconds"]


class Parser(argparse.ArgumentParser):
    """argparse, with a usage error on one line (no usage block) and exit status 2."""

    def error(self, message: str) -> NoReturn:
        print(f"{self.prog}: {message}", file=sys.stderr)
        sys.exit(2)


#: a TCP port; 0 asks the system for a free one
port = whole_number(0, 65535)
#: a probability: 0 to 1
fraction = number(0.0, 1.0, "a number")
#: a wait of at most a minute
seconds = number(0.0, 60.0, "seconds")
