"""How the harness runs a Hypothesis search, through Hypothesis's public API only.

Two needs of the fuzz phase and the lifecycles that Hypothesis has no one switch for:

- ``--seed``: the same seed must draw the same examples. ``hypothesis.seed`` gives that, but it
  also sets ``database=None`` in the test's settings; ``searching`` applies the run's ``settings``
  *after* ``seed``, so its ``database`` (``--example-db``) still saves failing examples and
  replays them first.
- one example-database key per operation and mode: every search runs the same test function, and
  Hypothesis keys the database by that function. There is no public way to give a test its own
  key (HypothesisWorks/hypothesis#2911 asks for one); ``KeyedDatabase`` wraps the run's database
  and prefixes every key with the search's own name, so each operation and mode saves and replays
  its own examples.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from hypothesis import given, seed, settings
from hypothesis.database import ExampleDatabase
from hypothesis.strategies import SearchStrategy

__all__ = ["KeyedDatabase", "searching"]


class KeyedDatabase(ExampleDatabase):
    """``db`` with every key prefixed by ``prefix`` and a NUL byte (which no prefix holds, so two
    prefixes never share a key)."""

    def __init__(self, db: ExampleDatabase, prefix: str) -> None:
        super().__init__()
        self.db, self.prefix = db, prefix.encode() + b"\x00"

    def __repr__(self) -> str:
        return f"KeyedDatabase({self.db!r}, {self.prefix[:-1].decode()!r})"

    def save(self, key: bytes, value: bytes) -> None:
        self.db.save(self.prefix + key, value)

    def fetch(self, key: bytes) -> Iterable[bytes]:
        return self.db.fetch(self.prefix + key)

    def delete(self, key: bytes, value: bytes) -> None:
        self.db.delete(self.prefix + key, value)

    def move(self, src: bytes, dest: bytes, value: bytes) -> None:
        self.db.move(self.prefix + src, self.prefix + dest, value)


def searching(test: Callable[..., None], strategies: dict[str, SearchStrategy[Any]], *, seed_: int,
              run_settings: settings) -> Callable[[], None]:
    """``test`` as a Hypothesis search over ``strategies`` drawn under ``seed_``, with ``run_settings``
    (its database included: see the module's note on ``seed``)."""
    return run_settings(seed(seed_)(given(**strategies)(test)))
