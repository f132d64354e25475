"""One registry for every check, filled by a decorator.

A check is ``(exchange, context) -> None`` and raises ``Failure`` when the contract is broken. An
exchange check runs on every exchange; a scenario check drives its own calls through a
``Driver`` (see harness.scenarios) and raises ``Failure`` the same way. A check that crashes is
reported as crashed and never stops the run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from harness.model import CHECK_NAMES, Exchange, Failure
from specs.types import OperationSpec, ServiceSpec

__all__ = ["CHECKS", "CheckContext", "Registered", "check", "run_exchange_checks"]


@dataclass(slots=True)
class CheckContext:
    """What an exchange check may know besides the exchange."""

    service: ServiceSpec
    op: OperationSpec
    #: every input binding of the call was filled from a resource that exists
    bound: bool = False
    #: the call is one a scenario expects to be refused for reasons the spec knows (not a bug)
    expected_refusal: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Registered:
    name: str
    kind: str  # exchange | scenario | lifecycle
    fn: Callable[..., None] | None
    doc: str


CHECKS: dict[str, Registered] = {}


def check(name: str, *, kind: str = "exchange") -> Callable[[Callable[..., None]], Callable[..., None]]:
    if name not in CHECK_NAMES:
        raise ValueError(f"{name!r} is not one of the fixed check names")

    def register(fn: Callable[..., None]) -> Callable[..., None]:
        CHECKS[name] = Registered(name, kind, fn, (fn.__doc__ or "").strip().splitlines()[0] if fn.__doc__ else "")
        return fn

    return register


def run_exchange_checks(exchange: Exchange, ctx: CheckContext, enabled: frozenset[str],
                        on_crash: Callable[[str, BaseException], None]) -> list[Failure]:
    """Run every enabled exchange check; collect failures; report crashes through ``on_crash``."""
    failures = []
    for name, reg in CHECKS.items():
        if reg.kind != "exchange" or name not in enabled or reg.fn is None:
            continue
        try:
            reg.fn(exchange, ctx)
        except Failure as f:
            failures.append(f)
        except Exception as exc:  # noqa: BLE001 - a broken check is reported, never fatal
            on_crash(name, exc)
    return failures
