"""One registry for every check, filled by a decorator where each check is written.

A check is registered under one of the fixed names (``harness.model.CHECK_NAMES``) with the kind of
place that runs it:

- ``exchange``: ``(exchange, CheckContext) -> None``, run on every exchange of every phase;
- ``scenario``: ``(RunContext, OperationSpec) -> None``, run once per operation by the scenarios
  phase; it drives its own calls through the run context;
- ``lifecycle``: the class that drives a state machine of the overlays (the lifecycle phase);
- ``recipe``: ``(RunContext, Exchange, Call, identity, template) -> Exchange``, run on each call of
  a resource recipe.

Each raises ``Failure`` when the contract is broken; a finding says what it rests on (``basis``:
the model, a documentation page, an observation: ``harness.model.CHECK_BASIS`` unless the finding
says otherwise), and one resting on an observation is a warning. One check may be run by several places (a
read after a write is checked on recipes, by a scenario and by the lifecycles): its first
registration is its ``kind`` and ``fn`` (a scenario's only where no other kind of place runs it), the
others are in ``also``; several scenarios may run one check (each a way of finding it). A check that crashes is
reported as crashed and never stops the run. ``harness.checks`` imports every module that
registers one, and refuses to import if a fixed name has none.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from harness.context import RunContext
from harness.model import CHECK_BASIS, CHECK_NAMES, CheckContext, Exchange, Failure
from strategies.calls import Call

__all__ = ["CHECKS", "KINDS", "CheckContext", "Registered", "check", "registered", "run_exchange_checks",
           "run_recipe_checks"]

#: the kinds of place that run a check, and what each runs it on
KINDS = {
    "exchange": "every exchange of every phase",
    "scenario": "each operation, in the scenarios phase",
    "lifecycle": "each state machine of the overlays, in the lifecycle phase",
    "recipe": "each call of a resource recipe (what later calls need made)",
}


@dataclass(frozen=True, slots=True)
class Registered:
    name: str
    kind: str  # one of KINDS: where the check runs first
    fn: Callable[..., Any]
    doc: str  # one line: what the check finds
    #: the other places that run the same check: (kind, function)
    also: tuple[tuple[str, Callable[..., Any]], ...] = ()

    @property
    def basis(self) -> str:
        """What its findings rest on unless one says otherwise: model, doc or observation."""
        return CHECK_BASIS[self.name]

    def runners(self, kind: str) -> list[Callable[..., Any]]:
        """The functions that run this check in places of ``kind``."""
        return [fn for k, fn in ((self.kind, self.fn), *self.also) if k == kind]


CHECKS: dict[str, Registered] = {}
#: (kind, name, function) in the order they were registered: the order places run them
_ORDER: list[tuple[str, str, Callable[..., Any]]] = []


def check(name: str, *, kind: str = "exchange",
          doc: str | None = None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register the decorated function (or class) as running check ``name`` in places of ``kind``."""
    if name not in CHECK_NAMES:
        raise ValueError(f"{name!r} is not one of the fixed check names")
    if kind not in KINDS:
        raise ValueError(f"check {name!r}: kind {kind!r} is not one of {', '.join(KINDS)}")

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        summary = doc if doc is not None else ((fn.__doc__ or "").strip().splitlines() or [""])[0]
        known = CHECKS.get(name)
        if known is None:
            CHECKS[name] = Registered(name, kind, fn, summary)
        elif known.kind == "scenario" and kind != "scenario":
            # a scenario that adds a way of finding a check never stands for it where another kind
            # of place runs it too (response_schema_conformance is an exchange check first)
            CHECKS[name] = Registered(name, kind, fn, summary, also=((known.kind, known.fn), *known.also))
        elif (kind, fn) not in ((known.kind, known.fn), *known.also):
            CHECKS[name] = replace(known, also=(*known.also, (kind, fn)))
        _ORDER.append((kind, name, fn))
        return fn

    return register


def registered(kind: str) -> list[tuple[str, Callable[..., Any]]]:
    """Every (check name, function) of ``kind``, in the order they were registered."""
    return [(name, fn) for k, name, fn in _ORDER if k == kind]


def run_exchange_checks(exchange: Exchange, ctx: CheckContext, enabled: frozenset[str],
                        on_crash: Callable[[str, BaseException], None]) -> list[Failure]:
    """Run every enabled exchange check; collect failures; report crashes through ``on_crash``."""
    failures = []
    for name, reg in CHECKS.items():
        if name not in enabled or (reg.kind != "exchange" and not reg.also):
            continue
        # most checks run in one place: no list is made for them on every exchange
        for fn in reg.runners("exchange") if reg.also else (reg.fn,):
            try:
                fn(exchange, ctx)
            except Failure as f:
                failures.append(f)
            except Exception as exc:  # noqa: BLE001 - a broken check is reported, never fatal
                on_crash(name, exc)
    return failures


def run_recipe_checks(ctx: RunContext, ex: Exchange, call: Call, identity: str, template: Call) -> Exchange:
    """Every recipe check on ``ex``, the answer to a recipe step (``template`` with its bindings, sent
    as ``call``); each may send the step again and hands on the exchange to go on with."""
    for _, fn in registered("recipe"):
        ex = fn(ctx, ex, call, identity, template)
    return ex
