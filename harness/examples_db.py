"""Where Hypothesis keeps the examples that failed: a local folder, or Redis shared between machines.

The fuzz phase saves each failing example under a key made of the operation and the mode (valid or
invalid calls), the same on every machine and in every shard layout, and replays the saved ones
first in the next search of that operation and mode. Runs that share ``--example-db
redis://HOST:PORT`` therefore find at once a failure another run found: another shard of the
same operations, another seed, another machine.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from hypothesis.database import DirectoryBasedExampleDatabase, InMemoryExampleDatabase

__all__ = ["DEFAULT_DB", "ExampleDbError", "example_database"]

DEFAULT_DB = ".jobfuzz/examples"


class ExampleDbError(ValueError):
    pass


def example_database(spec: str | None) -> Any:
    """``None`` or ``:memory:``: kept in this process only; a folder path; or ``redis://HOST:PORT[/DB]``.

    ``jobfuzz run`` passes its folder (``DEFAULT_DB`` unless ``--example-db``); a run started from
    Python (``RunConfig()``) keeps nothing between runs unless it names a database.
    """
    if spec is None or spec == ":memory:":
        return InMemoryExampleDatabase()
    if spec and spec.startswith("redis://"):
        parts = urlsplit(spec)
        try:
            import redis
            from hypothesis.extra.redis import RedisExampleDatabase
        except ImportError:
            raise ExampleDbError("--example-db redis://: the 'redis' package is not installed "
                                 "(pip install 'jobfuzz[redis]')") from None
        try:
            port, db = parts.port or 6379, int(parts.path.strip("/") or 0)
        except ValueError:
            raise ExampleDbError(f"--example-db {spec}: expected redis://HOST:PORT[/DB] with a port and "
                                 "a database number") from None
        client = redis.Redis(host=parts.hostname or "127.0.0.1", port=port, db=db)
        try:
            client.ping()
        except redis.RedisError as exc:
            raise ExampleDbError(f"--example-db {spec}: cannot reach Redis ({exc})") from None
        return RedisExampleDatabase(client, key_prefix=b"jobfuzz:")
    return DirectoryBasedExampleDatabase(Path(spec))
