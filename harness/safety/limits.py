"""Call caps on a real account: calls in any second (a sliding window) and calls in all."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

__all__ = ["CallLimiter"]

#: added to each wait: a sleep that wakes a little early, or a call that reaches the endpoint a few
#: milliseconds later than the one before it, still ends past the window's edge
_MARGIN = 0.02


class CallLimiter:
    """At most ``max_rate`` calls in any window of one second, and ``max_calls`` calls in all.

    The window slides: a call is let through only when fewer than ``max_rate`` calls (rounded down)
    were let through in the second before it, measured on ``clock`` after waiting (and 20 ms on top),
    so that a sleep that wakes early or a clock that drifts cannot let one call too many in. Below one call a second,
    one call every ``1/max_rate`` seconds. Past ``max_calls`` ``acquire`` raises the engine's
    ``Stop``: the run starts no new work. Once ``draining`` is set (the cleanup at the end), calls
    are still capped by the rate but no longer counted against ``max_calls``.
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
        #: at most ``_per_window`` calls in any ``_window`` seconds
        self._per_window = max(1, math.floor(max_rate)) if max_rate else 0
        self._window = 1.0 if not max_rate or max_rate >= 1 else 1.0 / max_rate
        self._recent: deque[float] = deque()  # when the calls of the last window were let through
        self._lock = threading.Lock()

    def acquire(self) -> None:
        """Wait until a call may be sent (callers queue on the lock), then count it."""
        with self._lock:
            if not self.draining and self.max_calls is not None and self.sent >= self.max_calls:
                self.reached = True
                from harness.config import Stop

                raise Stop()
            if self._per_window:
                self._recent.append(self._wait_for_room())
            if self.draining:
                self.drained += 1
            else:
                self.sent += 1

    def _wait_for_room(self) -> float:
        while True:
            now = self._clock()
            while self._recent and now - self._recent[0] >= self._window:
                self._recent.popleft()
            if len(self._recent) < self._per_window:
                return now
            self._sleep(self._recent[0] + self._window - now + _MARGIN)
