"""``read_after_write_consistency`` on the calls that make an operation's resources (the recipes).

A recipe (overlay ``resources``) is a documented sequence: each create step after the first names
what the steps before it made (``{thingArn}``, ``{jobId}``). When such a step answers one of its
operation's not-found errors (overlay ``errors.not_found``), the endpoint does not find what it has
just acknowledged making: the write is not visible to the read after it. Without this, the resource
cannot be made, every call that needs it is skipped, and a service whose resources are never found
passes every other check unseen.

A target that is not the embedded emulator is given a few more tries first (a new resource may take
a moment to show, as the scenarios poll after a delete); a later success lets the recipe go on.
"""

from __future__ import annotations

from harness.checks.registry import check
from harness.context import RunContext
from harness.model import Cause, Exchange, Failure
from harness.polling import poll
from specs.templates import BUILT_IN, names
from specs.types import OperationSpec, Resource
from strategies.calls import Call

__all__ = ["made_not_found", "recheck_recipe_step"]

CHECK = "read_after_write_consistency"
_NOT_MADE = BUILT_IN  # placeholders that name nothing the run made
_TRIES = 6


def _create_step(template: Call, resources: dict[str, Resource]) -> Resource | None:
    """The resource whose create steps hold ``template`` (a cleanup's delete step is not one)."""
    for res in resources.values():
        for step in res.create:
            if (step.service, step.operation) == (template.service, template.operation) and \
                    step.params == template.params:
                return res
    return None


def made_not_found(ex: Exchange, template: Call, op: OperationSpec,
                   resources: dict[str, Resource]) -> Failure | None:
    """The failure when ``ex``, a recipe's create step naming what the run made, answers not found."""
    if ex.ok or not op.not_found.refuses(ex.error_code, ex.error_message):
        return None
    used = sorted(names(template.params) - _NOT_MADE)
    res = _create_step(template, resources) if used else None
    if res is None:
        return None
    named = ", ".join(f"{{{u}}}" for u in used)
    return Failure(check=CHECK, service=ex.service, operation=ex.operation,
                   title=f"what the run made is not found (making {res.name})",
                   message=(f"{op.name}: making the {res.name} resource, the call on {named} that earlier "
                            f"successful calls of the run made answered HTTP {ex.status} {ex.error_code}: "
                            f"{ex.error_message or ''}; a read after a write must show it"),
                   cause=Cause("recipe", res.name, ex.error_code or ""), status_code=ex.status,
                   error_code=ex.error_code)


@check(CHECK, kind="recipe", doc="A read after a write does not show the write")
def recheck_recipe_step(ctx: RunContext, ex: Exchange, call: Call, identity: str, template: Call) -> Exchange:
    """``ex``, or the first success of a few more tries (not on the embedded emulator); records
    the failure when what the run made is still not found."""
    if CHECK not in ctx.enabled or ex.ok:
        return ex
    op = ctx.op_spec(ex.service, ex.operation)
    resources = ctx.resources.resources
    failure = made_not_found(ex, template, op, resources)
    if failure is None:
        return ex
    if ctx.target.polling is not None:
        ex = poll(lambda: ctx.send_and_record(call, identity=identity, bound=True, record_as=template),
                  lambda e: made_not_found(e, template, op, resources) is None, polling=ctx.target.polling,
                  tries=_TRIES)
        failure = made_not_found(ex, template, op, resources)
        if failure is None:
            return ex
    ctx.record(failure)
    return ex
