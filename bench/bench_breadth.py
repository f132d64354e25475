"""Breadth first: what a short budget on a slow endpoint reaches, and the README example's seeds.

1. The default run on the embedded emulator capped at ``--rate`` calls a second (a rate-capped
   account answers about 20), with a budget of ``--budget`` seconds: how many operations of the plan
   were judged, and when the first pass (every operation's first calls) ended.
2. The README's planted example, ``jobfuzz run --plant iotdata-terminal-restart --operation
   UpdateJobExecution --max-examples 5``, on seeds 1 to ``--seeds``: on how many the fault is
   found, and the time to its first occurrence (median, slowest) from the reports' figure.

    python bench/bench_breadth.py [--rate 20] [--budget 40] [--seeds 20]
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

from _support import machine

from harness.engine import Engine, RunConfig
from harness.safety.limits import CallLimiter
from harness.session import execute
from harness.targets import EmbeddedTarget


class _FirstPass:
    """A reporter that notes when the first pass ended (the first other phase began)."""

    def __init__(self) -> None:
        self.t0 = time.monotonic()
        self.ended: float | None = None

    def on_phase(self, phase: str, what: str) -> None:
        if phase != "first pass" and self.ended is None:
            self.ended = time.monotonic() - self.t0

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: None


def budgeted(rate: float, budget: float) -> None:
    target = EmbeddedTarget()
    target.limiter = CallLimiter(max_rate=rate)
    seen = _FirstPass()
    engine = Engine(target, RunConfig(seed=1, budget_seconds=budget), reporter=seen)
    result = engine.run()
    ended = f"{seen.ended:.1f} s" if seen.ended is not None else "not within the budget"
    print(f"default run at {rate:g} calls/s, budget {budget:g} s: {len(result.judged)} of {len(engine.plan)} "
          f"operations judged in {result.calls} calls; the first pass ended at {ended}")


def readme_seeds(seeds: int) -> None:
    found, times = [], []
    for seed in range(1, seeds + 1):
        config = RunConfig(operations=("UpdateJobExecution",), max_examples=5, seed=seed)
        result = execute(EmbeddedTarget(plant=["iotdata-terminal-restart"]), config)
        hits = [r for r in result.real_failures if r.failure.title.startswith("illegal start accepted")]
        if hits:
            found.append(seed)
            times.append(min(r.first_seen_s or 0.0 for r in hits))
    spread = (f"; first occurrence median {statistics.median(times):.2f} s, slowest {max(times):.2f} s"
              if times else "")
    print(f"README example (iotdata-terminal-restart, UpdateJobExecution, 5 examples): found on "
          f"{len(found)} of {seeds} seeds{spread}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rate", type=float, default=20.0)
    p.add_argument("--budget", type=float, default=40.0)
    p.add_argument("--seeds", type=int, default=20)
    args = p.parse_args()
    print(machine())
    budgeted(args.rate, args.budget)
    readme_seeds(args.seeds)


if __name__ == "__main__":
    main()
