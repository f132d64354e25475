"""Cleanup on a real account: delete what a run made, and what an earlier run left.

``sweep`` deletes, newest first and with the recipes' delete steps (or the model's
``Delete<Noun>``), what the ledgers hold, then lists the recipes' kinds with the list operations of
their services that need no input (IoT ``ListThings``, ``ListJobs``, ``ListCommands``) and deletes
every item whose id starts with the prefix **and** that carries the run tag ``jobfuzz:run=<prefix>``
(read with ``ListTagsForResource``, ``harness.safety.tags``). A listed resource that only carries
the prefix is someone else's as far as the harness can tell: it is reported, never touched.
``finish_run`` is the end of a run: the ResourceMaker's cleanup, then a sweep of its ledger.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from harness.safety import Ledger, SpecIndex, id_member, prefix_problem
from harness.safety.tags import TagReader
from specs.paths import search
from specs.templates import fill, names
from specs.types import OperationSpec, Resource, Role, Step
from strategies.calls import Call

__all__ = ["SweepReport", "finish_run", "finish_summary", "list_operations", "sweep"]

_MAX_PAGES = 100


@dataclass
class SweepReport:
    deleted: list[str] = field(default_factory=list)  # "thing jf1a2b3c00001"
    left: list[str] = field(default_factory=list)  # "thing jf1a2b3c00001: iot.DeleteThing answered ..."
    found: list[str] = field(default_factory=list)  # resources shown by list operations with the run tag
    #: listed with the prefix, but neither in a ledger nor tagged: "job jf1a2b3cxyz: its tags do not ..."
    untouched: list[str] = field(default_factory=list)
    not_listed: list[str] = field(default_factory=list)  # resource kinds no list operation shows
    would_delete: list[str] = field(default_factory=list)  # dry run

    def summary(self) -> dict[str, Any]:
        return {"deleted": len(self.deleted), "left": list(self.left), "found_by_listing": len(self.found),
                "not_listed": list(self.not_listed), "untouched": list(self.untouched)}


def _describe(res: Resource, values: dict[str, Any]) -> str:
    member = id_member(res)
    ids = [str(values[b]) for b in (member, *res.produces) if b and isinstance(values.get(b), str)]
    return f"{res.name} {ids[0] if ids else values}"


def _delete(target: Any, specs: SpecIndex, steps: tuple[Step, ...], values: dict[str, Any],
            identity: str) -> str | None:
    """Run a resource's delete steps; None when it is gone, else why not."""
    if not steps:
        return "neither its recipe nor the model has a delete operation for it"
    if identity not in getattr(target, "identities", {}):
        identity = "primary"
    for step in steps:
        params = fill(step.params, values)
        unfilled = sorted(names(params))
        if unfilled:
            return f"{step.service}.{step.operation}: no value for {{{unfilled[0]}}}"
        ex = target.send(Call(step.service, step.operation, params), identity=identity)
        if specs.gone(step.service, step.operation, ex):
            continue
        what = ex.error_code or ex.transport_error or ex.parse_error or f"HTTP {ex.status}"
        return f"{step.service}.{step.operation} answered {what}"
    return None


def list_operations(specs: SpecIndex, res: Resource, member: str) -> list[tuple[OperationSpec, str]]:
    """List operations of ``res``'s service that need no input and whose items are such resources:
    they carry ``member`` and every member the create step's answer names it by (a thing's
    ``thingName`` and ``thingArn``, not an active violation's ``thingName`` alone)."""
    service = specs.service(res.service)
    wanted = {member, *(p for p in res.create[0].produces.values() if "." not in p)}
    out = []
    for op in service.operations.values():
        if op.role is not Role.LIST or op.output is None:
            continue
        if op.input is not None and any(m.required for m in service.shapes[op.input].members):
            continue
        for m in service.shapes[op.output].members:
            shape = service.shapes[m.shape]
            if shape.type == "list" and shape.member is not None:
                item = service.shapes[shape.member.shape]
                if item.type == "structure" and all(item.member_named(w) is not None for w in wanted):
                    out.append((op, m.name))
    return out


def _listed(target: Any, op: OperationSpec, result_key: str) -> list[dict[str, Any]] | None:
    """Every item of a list operation, page by page; None when the endpoint cannot list."""
    items: list[dict[str, Any]] = []
    params: dict[str, Any] = dict(op.list_params)  # what every listing of it sends (overlay pagination params)
    for _ in range(_MAX_PAGES):
        ex = target.send(Call(op.service, op.name, dict(params)))
        if not ex.ok or not isinstance(ex.parsed, dict):
            return items or None
        items.extend(i for i in ex.parsed.get(result_key) or () if isinstance(i, dict))
        pag = op.pagination
        token = search(pag.output_token[0], ex.parsed) if pag and pag.output_token else None
        if not token or not pag:
            break
        params[pag.input_token[0]] = token
    return items


def _being_deleted(item: dict[str, Any]) -> bool:
    """A listed item whose status says it is already on its way out (IoT's DELETION_IN_PROGRESS)."""
    return any(isinstance(v, str) and ("DELETION" in v.upper() or v.upper() == "DELETING")
               for k, v in item.items() if "status" in k.lower())


def _order(resources: dict[str, Resource]) -> list[Resource]:
    """Dependents before what they need (a job before its thing)."""
    order: list[str] = []

    def visit(name: str) -> None:
        if name in order or name not in resources:
            return
        for dep in resources[name].needs:
            visit(dep)
        order.append(name)

    for name in resources:
        visit(name)
    return [resources[n] for n in reversed(order)]


def sweep(target: Any, prefix: str, *, ledgers: Sequence[Ledger] = (), listing: bool = True,
          dry_run: bool = False, specs: SpecIndex | None = None) -> SweepReport:
    """Delete what ``ledgers`` hold (newest first), then what the list operations show whose id
    starts with ``prefix`` and that carries the run tag. Never touches another listed resource."""
    problem = prefix_problem(prefix)
    if problem:
        raise ValueError(problem)
    guard = getattr(target, "guard", None)
    specs = specs or (guard.specs if guard is not None else SpecIndex())
    report = SweepReport()
    done: set[tuple[str, str]] = set()
    for ledger in ledgers:
        _sweep_ledger(target, ledger, specs, guard, report, done, dry_run)
    if listing:
        for res in _order(specs.recipes.resources):
            _sweep_listed(target, res, prefix, specs, guard, report, done, dry_run)
    return report


def _sweep_ledger(target: Any, ledger: Ledger, specs: SpecIndex, guard: Any, report: SweepReport,
                  done: set[tuple[str, str]], dry_run: bool) -> None:
    """Delete what one ledger holds, newest first; a child deleted with its parent comes last."""
    recipes = specs.recipes
    if guard is not None:  # what the earlier run made is the guard's to let through
        for _, entry in ledger.open_entries():
            guard.made.update(v for v in entry["values"].values() if isinstance(v, str))
    children: list[tuple[int, dict[str, Any], Resource]] = []
    for idx, entry in reversed(ledger.open_entries()):
        res = recipes.resources.get(entry["resource"])
        if res is None:
            report.left.append(f"{entry['resource']}: no recipe of that name")
            continue
        steps = recipes.delete_steps[res.name]
        if not steps and res.needs:  # removed with what it lives in (a storage job with its backend)
            children.append((idx, entry, res))
            continue
        what = _describe(res, entry["values"])
        member = id_member(res)
        if member:  # the listing below leaves it to the ledger, deleted or not
            done.add((res.name, str(entry["values"].get(member) or what)))
        if dry_run:
            report.would_delete.append(what)
            continue
        why = _delete(target, specs, steps, entry["values"], entry.get("identity") or "primary")
        if why is None:
            ledger.mark_deleted(idx)
            report.deleted.append(what)
        else:
            report.left.append(f"{what}: {why}")
    for idx, entry, res in children:
        what = _describe(res, entry["values"])
        mine = {v for v in entry["values"].values() if isinstance(v, str)}
        parents = [e for _, e in ledger.open_entries() if e["resource"] in res.needs
                   and mine & {v for v in e["values"].values() if isinstance(v, str)}]
        if dry_run:
            report.would_delete.append(f"{what} (with its {', '.join(res.needs)})")
        elif parents:
            report.left.append(f"{what}: its {parents[0]['resource']} is left")
        else:
            ledger.mark_deleted(idx)
            report.deleted.append(f"{what} (with its {', '.join(res.needs)})")


def _sweep_listed(target: Any, res: Resource, prefix: str, specs: SpecIndex, guard: Any, report: SweepReport,
                  done: set[tuple[str, str]], dry_run: bool) -> None:
    """Delete the listed resources of one recipe whose id carries ``prefix`` and that carry the run's
    tag; the others with the prefix are reported untouched."""
    member = id_member(res)
    ops = list_operations(specs, res, member) if member else []
    if not member or not ops:
        report.not_listed.append(res.name)
        return
    tags = TagReader(specs.service(res.service), target.send)
    for op, key in ops:
        items = _listed(target, op, key)
        if items is None:
            continue
        for item in items:
            rid = item.get(member)
            if not isinstance(rid, str) or not rid.startswith(prefix) or (res.name, rid) in done \
                    or _being_deleted(item):
                continue
            done.add((res.name, rid))
            tagged, why_not = tags.says_ours(item, prefix)
            if not tagged:
                report.untouched.append(f"{res.name} {rid}: carries the prefix, but no ledger holds it and "
                                        f"{why_not}")
                continue
            if guard is not None:  # the tag says it is the run's: the guard lets its delete through
                guard.made.update({rid, *(v for k, v in item.items() if k.lower().endswith("arn")
                                          and isinstance(v, str))})
            report.found.append(f"{res.name} {rid}")
            values: dict[str, Any] = {member: rid}
            for binding, path in res.create[0].produces.items():
                v = item.get(path.split(".")[-1])
                if v is not None:
                    values[binding] = v
            if dry_run:
                report.would_delete.append(f"{res.name} {rid}")
                continue
            why = _delete(target, specs, specs.recipes.delete_steps[res.name], values, "primary")
            (report.deleted.append(f"{res.name} {rid}") if why is None
             else report.left.append(f"{res.name} {rid}: {why}"))
        return  # one list operation that answered is enough
    report.not_listed.append(res.name)


def finish_run(target: Any, maker: Any = None) -> SweepReport:
    """Delete what a run made on ``target``: the recipes' cleanup of ``maker`` (a ResourceMaker),
    then whatever the ledger and the list operations still show with the run prefix."""
    limiter = getattr(target, "limiter", None)
    if limiter is not None:
        limiter.draining = True
    if maker is not None:
        maker.send = lambda call, identity, template: target.send(call, identity=identity)
        maker.cleanup()
    guard = target.guard
    report = sweep(target, guard.prefix, ledgers=[guard.ledger])
    guard.ledger.close()
    return report


def finish_summary(target: Any, report: SweepReport | None) -> dict[str, Any]:
    """What the safety layer reports for a run (the JSON report's ``safety``)."""
    out = target.guard.summary()
    limiter = getattr(target, "limiter", None)
    if limiter is not None:
        out.update({"max_rate": limiter.max_rate, "max_calls": limiter.max_calls, "calls_sent": limiter.sent,
                    "cleanup_calls": limiter.drained, "stopped_by_max_calls": limiter.reached})
    if report is not None:
        out["cleanup"] = report.summary()
    if target.guard.ledger.path is not None:
        out["ledger"] = str(target.guard.ledger.path)
    return out
