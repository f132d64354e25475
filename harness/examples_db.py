"""Where Hypothesis keeps the examples that failed: a local folder, or Redis shared between machines."""

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
    """``None``: the default folder; ``:memory:``; a folder path; or ``redis://HOST:PORT[/DB]``."""
    if spec == ":memory:":
        return InMemoryExampleDatabase()
    if spec and spec.startswith("redis://"):
        parts = urlsplit(spec)
        try:
            import redis
            from hypothesis.extra.redis import RedisExampleDatabase
        except ImportError:
            raise ExampleDbError("--example-db redis://: the 'redis' package is not installed "
                                 "(pip install 'jobfuzz[redis]')") from None
        db = int(parts.path.strip("/") or 0)
        client = redis.Redis(host=parts.hostname or "127.0.0.1", port=parts.port or 6379, db=db)
        try:
            client.ping()
        except redis.RedisError as exc:
            raise ExampleDbError(f"--example-db {spec}: cannot reach Redis ({exc})") from None
        return RedisExampleDatabase(client, key_prefix=b"jobfuzz:")
    return DirectoryBasedExampleDatabase(Path(spec or DEFAULT_DB))
