"""Documented call sequences (overlay ``sequences``): make what a sequence needs, send its steps in
order, and hold each answer to what the step's ``expect`` says it must show.

A sequence pins down what a single call cannot: a write read back (UpdateJob's description in
DescribeJob), the order a read gives (``$next`` takes an IN_PROGRESS execution first), what a list
holds after a write (GetPendingJobExecutions' ``queuedJobs``). A broken expectation is reported under
the sequence's ``check``. On a target that is not the embedded emulator a step with an expectation
is retried a few times first, as a write may take a moment to show (IoT's cancellation is
documented as eventually consistent).
"""

from __future__ import annotations

from typing import Any

from harness.context import RunContext
from harness.model import Cause, Exchange, Failure
from harness.polling import poll
from specs.paths import search
from specs.templates import fill
from specs.types import Expect, OperationSpec, SequenceSpec
from strategies.calls import Call

__all__ = ["broken", "run_one_sequence", "run_sequences"]

_TRIES = 6


def broken(expect: Expect, ex: Exchange, values: dict[str, Any]) -> str | None:
    """What ``ex`` fails to show of ``expect`` (templates filled from ``values``), or None."""
    if expect.error:
        if ex.ok:
            return f"expected a refusal with {' or '.join(expect.error)}, got HTTP {ex.status}"
        if ex.error_code not in expect.error:
            return f"expected a refusal with {' or '.join(expect.error)}, got HTTP {ex.status} {ex.error_code}"
        return None
    if not ex.ok:
        return f"expected a success, got HTTP {ex.status} {ex.error_code}: {ex.error_message or ''}"
    for path, template in expect.equals:
        want, got = fill(template, values), search(path, ex.parsed)
        if got != want:
            return f"expected {path} to be {want!r}, got {got!r}"
    for path, template in expect.includes:
        want, got = fill(template, values), search(path, ex.parsed)
        if not isinstance(got, list) or want not in got:
            return f"expected {path} to include {want!r}, got {got!r}"
    for path in expect.present:
        if search(path, ex.parsed) is None:
            return f"expected {path} in the answer, it is missing"
    return None


def _make(ctx: RunContext, seq: SequenceSpec) -> dict[str, Any]:
    """Make the resources ``seq`` needs (their own needs first) into one set of bindings."""
    maker = ctx.resources
    values: dict[str, Any] = {"access_key": maker.access_key("primary")}
    for name in maker.with_needs(list(seq.needs)):
        maker.make_one(maker.resources[name], values, "primary")
    values["uid"] = maker.uid()  # one for the whole sequence: later steps name what earlier ones made
    return values


def _send(ctx: RunContext, call: Call, template: Call) -> Exchange:
    """Send a step; a step that got no answer, or whose operation the endpoint does not implement,
    ends the sequence without a verdict (``Untestable``)."""
    return ctx.judgeable(ctx.send_and_record(call, record_as=template))


def _send_until(ctx: RunContext, call: Call, template: Call, expect: Expect, values: dict[str, Any]) -> Exchange:
    """Send a step that expects something; off the embedded emulator, again a few times until it shows."""
    return poll(lambda: _send(ctx, call, template), lambda ex: broken(expect, ex, values) is None,
                polling=ctx.target.polling, tries=_TRIES + 1)


def run_sequence(ctx: RunContext, seq: SequenceSpec, op: OperationSpec) -> bool:
    """Run ``seq``: True when every expectation held, False when the scene could not be set; raises
    the Failure of the first expectation its answers break."""
    values = _make(ctx, seq)
    for k, (step, expect) in enumerate(seq.steps, 1):
        template = Call(step.service, step.operation, dict(step.params), produces=tuple(step.produces.items()))
        call = Call(step.service, step.operation, fill(step.params, values))
        if expect is None:
            ex = _send(ctx, call, template)
            if not ex.ok and any(e is not None for _, e in seq.steps[k:]):
                return False  # the scene cannot be set (a state the overlay does not model): no verdict
        else:
            ex = _send_until(ctx, call, template, expect, values)
            problem = broken(expect, ex, values)
            if problem is not None:
                raise Failure(check=seq.check, service=op.service, operation=op.name,
                              title=f"sequence {seq.name}: step {k} shows otherwise",
                              message=(f"{op.name}: sequence {seq.name} ({seq.source}"
                                       f"{': ' + seq.note if seq.note else ''}), step {k}, "
                                       f"{step.operation}: {problem}"),
                              cause=Cause("sequence", f"{seq.name} step {k}"), status_code=ex.status,
                              error_code=ex.error_code)
        for binding, path in step.produces.items():
            values[binding] = search(path, ex.parsed)
    return True


def run_one_sequence(ctx: RunContext, seq: SequenceSpec) -> Failure | None:
    op = ctx.op_spec(seq.service, seq.operation)
    return ctx.judge(seq.check, op.qualified, lambda: run_sequence(ctx, seq, op), sequence_kind(seq))


def sequence_kind(seq: SequenceSpec) -> dict[str, str]:
    """How a case file names sequence ``seq`` (``harness.replay``)."""
    return {"kind": "sequence", "service": seq.service, "operation": seq.operation, "sequence": seq.name,
            "check": seq.check}


def run_sequences(ctx: RunContext, op: OperationSpec) -> None:
    """Every sequence of ``op``'s service that checks ``op``, with its check enabled."""
    for seq in ctx.services[op.service].sequences:
        if seq.operation != op.name or seq.check not in ctx.enabled:
            continue
        f = run_one_sequence(ctx, seq)
        if f is not None:
            ctx.record(f, scenario=sequence_kind(seq))
