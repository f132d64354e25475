"""The single-call phases: boundary (deterministic) and fuzz (Hypothesis, shrunk).

Each call to an operation that works on a resource gets that resource made first by the overlay's
recipe, and its bound parameters filled with the resource's ids (except a parameter the call breaks
on purpose). In the fuzz phase a new failure is raised inside the Hypothesis test so that
Hypothesis shrinks it; once shrunk it is recorded and the search goes on for other failures.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.errors import FlakyFailure

from harness.binding import bind_call
from harness.config import Stop
from harness.context import RunContext
from harness.examples_db import example_database
from harness.hypothesis_run import KeyedDatabase, searching
from harness.model import Failure
from harness.resources import ResourceError
from specs.types import OperationSpec
from strategies import boundary_calls, from_operation, has_calls, invalid_calls
from strategies.calls import Call

__all__ = ["FIRST_CALLS", "run_boundary", "run_first_calls", "run_fuzz", "run_one", "single_calls"]

_ROUNDS = 4  # searches per operation and mode, each ending at a new failure or its examples
#: the most examples one Hypothesis search runs: what it keeps (the tree of choices it explored, a
#: cache of results) grows with its examples, so a larger --max-examples runs as several searches,
#: each under its own seed (the first under the run's seed: a run of at most this many is unchanged)
CHUNK = 1000


def chunks(examples: int) -> list[int]:
    """``examples`` as searches of at most ``CHUNK`` examples each."""
    return [min(CHUNK, examples - start) for start in range(0, examples, CHUNK)]


def run_one(ctx: RunContext, op: OperationSpec, call: Call, pool: dict[str, Any]) -> list[Failure]:
    """Bind, send and check one call; returns the failures not yet known."""
    ctx.new_example()
    try:
        to_send, recorded, bound = bind_call(ctx, op, call, pool)
    except ResourceError as exc:  # the recipe's own calls were checked; nothing to learn from this call
        ctx.note_untested(op.qualified, str(exc))
        return []
    if ctx.is_unsupported(op):
        return []
    _, failures = ctx.send(to_send, bound=bound, record_as=recorded)
    return [f for f in failures if not ctx.is_known(f)]


def _ops(ctx: RunContext) -> list[OperationSpec]:
    return [op for op in ctx.plan if not ctx.is_unsupported(op)]


#: how many of an operation's boundary and invalid calls the first pass sends (``harness.schedule``)
FIRST_CALLS = 3


def single_calls(ctx: RunContext, op: OperationSpec) -> tuple[list[Call], list[Call]]:
    """The boundary phase's calls of ``op``, as (the first pass's, the rest): the first pass takes
    the smallest valid call, the first boundary value and the first invalid call; the rest keep
    their order."""
    service = ctx.services[op.service]
    valid, invalid = list(boundary_calls(op, service=service)), list(invalid_calls(op, service=service))
    first = [*valid[:2], *invalid[:1]][:FIRST_CALLS]
    rest = [*valid[2:], *invalid[1:]]
    return first, rest


def _send_all(ctx: RunContext, op: OperationSpec, calls: list[Call], pool: dict[str, Any]) -> None:
    for call in calls:
        if ctx.is_unsupported(op):
            break
        for f in run_one(ctx, op, call, pool):
            ctx.record(f)


def run_first_calls(ctx: RunContext, op: OperationSpec, pool: dict[str, Any]) -> None:
    """The first pass's calls of ``op`` (``single_calls``)."""
    if not ctx.is_unsupported(op):
        ctx.phase("first pass", op.qualified)
        _send_all(ctx, op, single_calls(ctx, op)[0], pool)


def run_boundary(ctx: RunContext, *, rest: bool = False, pool: dict[str, Any] | None = None) -> None:
    """Every boundary and invalid call of each operation; ``rest``: all but those the first pass sent."""
    pool = {} if pool is None else pool
    for op in _ops(ctx):
        ctx.phase("boundary", op.qualified)
        first, others = single_calls(ctx, op)
        _send_all(ctx, op, others if rest else first + others, pool)


def run_fuzz(ctx: RunContext) -> None:
    pool: dict[str, Any] = {}
    db = example_database(ctx.config.example_db)
    for op in _ops(ctx):
        service = ctx.services[op.service]
        for mode in ("valid", "invalid"):
            if ctx.is_unsupported(op):
                break
            if not has_calls(op, service=service, mode=mode):
                continue  # nothing to draw in this mode (e.g. no rule of the input can be broken)
            ctx.phase(f"fuzz ({mode})", op.qualified)
            strategy = from_operation(op, service=service, mode=mode)
            for c, examples in enumerate(chunks(ctx.examples)):
                for k in range(_ROUNDS):
                    if not _search(ctx, op, strategy, pool, db, mode, examples=examples, seed=ctx.seed + c,
                                   reuse=c == 0 and k == 0):
                        break


def _search(ctx: RunContext, op: OperationSpec, strategy: st.SearchStrategy[Call], pool: dict[str, Any],
            db: Any, mode: str, *, examples: int, seed: int, reuse: bool = True) -> bool:
    """One Hypothesis search; True when it found (and recorded) a new failure.

    Only the first search of an operation and mode replays the example database: a later one
    would replay the failure just found, which no longer raises (it is known), and Hypothesis
    would delete it from the database.
    """
    state: dict[str, Any] = {}

    def test(call: Call) -> None:
        new = run_one(ctx, op, call, pool)
        if new:
            state["failure"] = new[0]
            state["sequence"], state["identities"] = list(ctx.sequence), list(ctx.identities)
            raise new[0]

    steps = [Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink] if reuse else [
        Phase.explicit, Phase.generate, Phase.shrink]
    # --seed reruns the same draws; the database keeps each failure under its operation and mode
    search = searching(test, {"call": strategy}, seed_=seed, run_settings=settings(
        max_examples=examples, deadline=None, database=KeyedDatabase(db, f"{op.qualified}:{mode}"),
        suppress_health_check=list(HealthCheck), report_multiple_bugs=False, phases=steps, print_blob=False))

    def keep(f: Failure) -> None:
        rec = ctx.record(f, sequence=state.get("sequence"))
        rec.identities = state.get("identities", [])

    try:
        search()
    except Stop:
        if "failure" in state:  # the budget ran out while shrinking: keep the smallest failure so far
            keep(state["failure"])
        raise
    except Failure as f:
        keep(f)
        return True
    except FlakyFailure as exc:
        if any(isinstance(e, Stop) for e in exc.exceptions):  # given up or out of budget while Hypothesis
            if "failure" in state:  # replayed: a stop, raised at another place on the replay
                keep(state["failure"])
            raise Stop() from exc
        if "failure" in state:  # it failed once, not when Hypothesis tried again (a create meeting
            keep(state["failure"])  # what the first call made): kept; the rerun marks it flaky
            return True
        ctx.crashed("not_a_server_error", op.qualified, exc)
    except Exception as exc:  # noqa: BLE001 - a harness error in one operation must not end the run
        ctx.crashed("not_a_server_error", op.qualified, exc)
    return False
