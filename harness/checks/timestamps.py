"""response_schema_conformance: a timestamp answered for what the run just did lies in the run's time.

After a successful create or update (``written.write_and_read``), every member of the write's
answer and of its readers' answers that the model types ``timestamp`` and that the call did not
write itself (a schedule's ``startTime`` is the caller's) stands for something the run has just
done (made, queued, updated, started): it lies between a moment before the write and one after the
last read, widened by ``SKEW`` seconds each way for the clocks of two machines and by what the
target's clock was moved (``Target.clock_offset``). A constant date long past, or one in the
future, fails. Members of a list are left out (a list may hold what others did earlier).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from harness.checks.readback import epoch
from harness.checks.registry import check
from harness.checks.scenarios import scenario_failure
from harness.checks.written import output_places, write_and_read
from harness.context import RunContext
from harness.model import Exchange
from specs.types import OperationSpec, ServiceSpec

__all__ = ["SKEW", "timestamps_in_run"]

#: seconds two clocks may differ by (SigV4 refuses a request more than 5 minutes off)
SKEW = 300.0


def _written_names(value: Any) -> set[str]:
    """Every member name anywhere in what a call wrote."""
    if isinstance(value, dict):
        return set(value) | {n for v in value.values() for n in _written_names(v)}
    if isinstance(value, list):
        return {n for v in value for n in _written_names(v)}
    return set()


def _times(service: ServiceSpec, op: OperationSpec, ex: Exchange, skip: set[str]) -> list[tuple[str, float]]:
    """(place, epoch seconds) of every timestamp member of ``ex``'s answer not named in ``skip``."""
    out = []
    for path, name, shape, value in output_places(service, op.output, ex.parsed):
        if service.shapes[shape].type == "timestamp" and name not in skip:
            when = epoch(value)
            if when is not None:
                out.append((f"{op.name}.{path}", when))
    return out


@check("response_schema_conformance", kind="scenario",
       doc="A timestamp answered for what the run just did lies outside the run's time")
def timestamps_in_run(ctx: RunContext, op: OperationSpec) -> None:
    """Every timestamp a write's answer and its readers' answers carry lies in the run's time window."""
    done = write_and_read(ctx, op)
    if done is None:
        return
    service = ctx.services[op.service]
    skip = _written_names(done.params)
    offset = getattr(ctx.target, "clock_offset", 0.0)
    low, high = done.started - SKEW + min(offset, 0.0), done.ended + SKEW + max(offset, 0.0)
    answers = [(op, done.write)] + [(r, ex) for r, ex in done.reads if ex.ok]
    for reader, ex in answers:
        for place, when in _times(service, reader, ex, skip):
            if not low <= when <= high:
                shown = datetime.fromtimestamp(when).isoformat() if abs(when) < 1e11 else repr(when)
                raise scenario_failure(
                    "response_schema_conformance", op, ex, f"timestamp {place.rsplit('.', 1)[-1]} outside the run",
                    f"after {op.name} succeeded, {place} is {shown}, outside the time of the run up to its "
                    f"last read (give or take {SKEW:.0f} s)")
