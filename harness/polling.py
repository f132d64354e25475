"""The one way the harness waits for an endpoint to show something: read again with backoff.

Every place that reads until an answer holds (a write read back, a delete seen, a state reached)
calls ``poll``. How long it sleeps between reads is a ``Polling`` (an overlay's state machine may
give its own); whether it sleeps at all is the target's: the embedded emulator is never polled (its
clock does not run on its own for the harness: a lifecycle moves it instead, see
``harness.checks.lifecycle``), so a probe there is tried once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from specs.types import Polling

__all__ = ["DEFAULT", "Polling", "poll"]

T = TypeVar("T")

#: reads a moment apart, doubling to at most a second
DEFAULT = Polling()


def poll(probe: Callable[[], T], done: Callable[[T], bool], *, polling: Polling | None,
         tries: int | None = None, within: float | None = None,
         sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic) -> T:
    """``probe()`` until ``done`` holds for what it returns; the last result either way.

    ``polling`` None (the embedded emulator) probes once. Otherwise at most ``tries`` probes (None:
    no count) and no sleep that would end past ``within`` seconds from the first probe (None: no
    bound); sleeps grow from ``polling.interval`` by ``polling.backoff`` up to ``polling.max_interval``.
    """
    if polling is not None and tries is None and within is None:
        raise ValueError("poll: give tries or within, or it may never end")
    start = clock()
    result = probe()
    attempt = 1
    while not done(result) and polling is not None and (tries is None or attempt < tries):
        pause = min(polling.interval * polling.backoff ** (attempt - 1), polling.max_interval)
        if within is not None:
            left = start + within - clock()
            if left <= 0:
                break
            pause = min(pause, left)
        sleep(pause)
        result = probe()
        attempt += 1
    return result
