"""The two seams a planted fault acts at, and what a fault is (see emulator.planted)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from emulator.protocol import RawResponse


@dataclass(slots=True)
class Request:
    service: str
    operation: str
    params: dict[str, Any]
    account: str


Proceed = Callable[..., dict[str, Any]]  # proceed(params=None, account=None) -> result


class Breaker:
    """One planted fault's behaviour. The defaults answer as the correct emulator does."""

    def call(self, req: Request, proceed: Proceed) -> dict[str, Any]:
        return proceed()

    def respond(self, req: Request, resp: RawResponse) -> RawResponse:
        return resp

    def receive(self, service: str | None, headers: dict[str, str], body: bytes) -> RawResponse | bytes | None:
        """The request as it arrives, before any parsing (``headers`` with lowercase names): an
        answer instead of the emulator's, another body, or None to let it through."""
        return None


def _on(req: Request, where: str) -> bool:
    return f"{req.service}.{req.operation}" == where


# -- what a fault is --------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Fault:
    """One planted fault: which documented rule it breaks, and which check should find it."""

    name: str
    check: str  # the check expected to find it
    service: str  # the service and operation whose documented behaviour is broken
    operation: str
    description: str  # one line: what is broken, citing the rule
    make: Callable[[], Breaker]
    reported: str = ""  # "service.Operation" the failure names (default: the broken operation)
    phases: tuple[str, ...] = ()  # the harness phases that reach it
    plan: tuple[str, ...] = ()  # the operations a small run restricts itself to
    #: found against answers recorded from the correct emulator (``jobfuzz record``, the same small
    #: run), which its check compares with: a departure from what was observed (a warning)
    recorded: bool = False

    def __post_init__(self) -> None:
        qualified = f"{self.service}.{self.operation}"
        object.__setattr__(self, "reported", self.reported or qualified)
        object.__setattr__(self, "plan", self.plan or (self.reported,))

    @property
    def qualified(self) -> str:
        return f"{self.service}.{self.operation}"


DATA, IOT, AB, IE = "iot-jobs-data", "iot", "amplifybackend", "importexport"
