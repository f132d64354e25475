"""Call caps on a real account: calls a second and calls in all."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

__all__ = ["CallLimiter"]


class CallLimiter:
    """At most ``max_rate`` calls a second (evenly spaced) and ``max_calls`` calls in all.

    Past ``max_calls`` ``acquire`` raises the engine's ``Stop``: the run starts no new work. Once
    ``draining`` is set (the cleanup at the end), calls are still spaced but no longer counted.
    """

    def __init__(self, max_rate: float | None = None, max_calls: int | None = None, *,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:
        self.max_rate = max_rate
        self.max_calls = max_calls
        self.sent = 0  # calls counted against max_calls
        self.drained = 0  # cleanup calls after the run
        self.reached = False
        self.draining = False
        self._clock, self._sleep = clock, sleep
        self._next = 0.0
        self._lock = threading.Lock()

    def acquire(self) -> None:
        with self._lock:
            if not self.draining and self.max_calls is not None and self.sent >= self.max_calls:
                self.reached = True
                from harness.engine import Stop

                raise Stop()
            wait = 0.0
            if self.max_rate:
                now = self._clock()
                start = max(now, self._next)
                wait = start - now
                self._next = start + 1.0 / self.max_rate
            if self.draining:
                self.drained += 1
            else:
                self.sent += 1
        if wait > 0:
            self._sleep(wait)
