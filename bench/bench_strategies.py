"""Median cost of drawing one valid iot-jobs-data UpdateJobExecution call.

Measures what the harness pays inside a Hypothesis search: the strategy is built once (as the
fuzz phase does), then each draw runs through Hypothesis's own machinery — a fresh
``ConjectureData`` per example with a build context, as ``@given`` gives every example — and
only the ``data.draw(strategy)`` is timed. The engine's own per-example bookkeeping (database,
coverage of choice sequences, shrinking) is the same for any strategy and is left out.

    python bench/bench_strategies.py [--draws N]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from hypothesis.control import BuildContext
from hypothesis.internal.conjecture.data import ConjectureData

from specs.loader import load_service
from strategies import from_operation


def measure(draws: int) -> tuple[float, float, float]:
    service = load_service("iot-jobs-data")
    op = service.operation("UpdateJobExecution")
    strategy = from_operation(op, service=service)
    strategy.validate()
    rnd = random.Random(0)
    times = []
    for _ in range(draws):
        data = ConjectureData(random=rnd)
        with BuildContext(data, wrapped_test=None):
            start = time.perf_counter()
            data.draw(strategy)
            times.append(time.perf_counter() - start)
    times.sort()
    return statistics.median(times) * 1e6, times[int(len(times) * 0.9)] * 1e6, times[int(len(times) * 0.99)] * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=20000)
    args = parser.parse_args()
    median, p90, p99 = measure(args.draws)
    print(f"UpdateJobExecution valid draw: median {median:.1f} µs, p90 {p90:.1f} µs, p99 {p99:.1f} µs "
          f"({args.draws} draws)")


if __name__ == "__main__":
    main()
