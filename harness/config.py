"""What a run is asked to do, and the signals its parts raise: the run's configuration, its phases,
the services tested by default, the budget's stop and a verdict that cannot be given."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from harness.model import CHECK_NAMES

__all__ = ["DEFAULT_SERVICES", "MAX_UNANSWERED", "PHASES", "Phase", "PlanError", "RunConfig", "Stop",
           "Untestable"]

DEFAULT_SERVICES = ("iot-jobs-data", "iot", "amplifybackend", "importexport")
#: calls in a row that got no answer at all (after the target's one retry of a dropped connection)
#: before the run gives the endpoint up
MAX_UNANSWERED = 3


class Phase(StrEnum):
    """The phases of a run (``--phases`` takes their values); ``harness.schedule`` orders their work:
    a first pass over every operation, then the short questions, then the long searches."""

    BOUNDARY = "boundary"  # each operation's deterministic boundary and invalid calls
    FUZZ = "fuzz"  # Hypothesis searches of valid and invalid calls, shrunk
    LIFECYCLE = "lifecycle"  # a state machine of the overlays driven by Hypothesis
    SCENARIOS = "scenarios"  # short call sequences an operation's checks drive, and the overlays' sequences


PHASES: tuple[str, ...] = tuple(p.value for p in Phase)


class PlanError(ValueError):
    """The run cannot be planned: a bad --service, --operation or --checks value."""


@dataclass(frozen=True, slots=True)
class RunConfig:
    services: tuple[str, ...] = DEFAULT_SERVICES
    operations: tuple[str, ...] = ()  # "Operation" or "service.Operation"; empty means all in scope
    checks: tuple[str, ...] = CHECK_NAMES
    phases: tuple[str, ...] = PHASES
    max_examples: int | None = None  # per operation and phase; None: the default
    budget_seconds: float | None = None
    seed: int | None = None
    failures_dir: Path | None = None
    example_db: str | None = None  # a folder, or redis://HOST:PORT
    shard: tuple[int, int] | None = None  # (i, n): this run takes the i-th of n slices of operations
    #: a recording (``jobfuzz record``) the answers are compared with, besides the overlays' observations
    observations: Path | None = None
    #: warnings (findings resting on observations only) fail the run as failures do
    strict: bool = False


class Stop(Exception):
    """The budget is spent, or the endpoint given up: stop starting new work."""


class Untestable(Exception):
    """What a scenario, sequence or lifecycle needs got no judgeable answer (not implemented, no
    answer): it gives no verdict, and the operation is listed as untested with ``reason``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
