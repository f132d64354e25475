"""response_schema_conformance: an ARN answered for what the caller made names the caller.

An ARN is ``arn:partition:service:region:account-id:resource`` (the AWS general reference, "Amazon
Resource Names"). After a successful create or update (``written.write_and_read``), every ARN in
the write's answer and in its readers' answers, at a member whose name ends in ``arn`` (``jobArn``,
``thingArn``), that the call did not write itself, names what the caller made: the partition of the
target's region; when the ARN carries a region, that region; when it carries an account and the
target knows the caller's (the emulator's account for its key; unknown for a URL), that account.
"""

from __future__ import annotations

from typing import Any

from harness.checks.registry import check
from harness.checks.scenarios import scenario_failure
from harness.checks.written import output_places, write_and_read
from harness.context import RunContext
from specs.regions import partition_of
from specs.types import OperationSpec

__all__ = ["DOC", "arns_name_caller", "arn_problem"]

#: the page that defines the parts of an ARN
DOC = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html"


def _strings(value: Any) -> set[str]:
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return {s for v in value.values() for s in _strings(v)}
    if isinstance(value, list):
        return {s for v in value for s in _strings(v)}
    return set()


def arn_problem(arn: str, partition: str | None, region: str, account: str | None) -> str | None:
    """What part of ``arn`` names another partition, region or account than the caller's; None when
    none does (or ``arn`` is not an ARN at all: its form is the schema's to judge)."""
    parts = arn.split(":", 5)
    if len(parts) < 6 or parts[0] != "arn":
        return None
    _, part, _, where, owner, _ = parts
    if partition is not None and part != partition:
        return f"partition {part!r}, the caller's is {partition!r}"
    if where and where != region:
        return f"region {where!r}, the caller's is {region!r}"
    if owner and account is not None and owner != account:
        return f"account {owner!r}, the caller's is {account!r}"
    return None


@check("response_schema_conformance", kind="scenario",
       doc="An ARN answered for what the caller made names another partition, region or account")
def arns_name_caller(ctx: RunContext, op: OperationSpec) -> None:
    """Every ARN of a write's answer and its readers' answers names the caller's partition, region, account."""
    done = write_and_read(ctx, op)
    if done is None:
        return
    service = ctx.services[op.service]
    region = ctx.target.region
    partition, account = partition_of(region), ctx.target.account("primary")
    written = _strings(done.params)
    answers = [(op, done.write)] + [(r, ex) for r, ex in done.reads if ex.ok]
    for reader, ex in answers:
        for path, name, _, value in output_places(service, reader.output, ex.parsed):
            if not name.lower().endswith("arn") or not isinstance(value, str) or value in written:
                continue
            problem = arn_problem(value, partition, region, account)
            if problem:
                raise scenario_failure("response_schema_conformance", op, ex,
                                       f"ARN {name} names another {problem.split(' ', 1)[0]}",
                                       f"after {op.name} succeeded, {reader.name}.{path} is {value!r}: {problem} "
                                       f"({DOC})")
