"""Where documentation and model disagree, or the model lacks what the documentation states.

``lint(services)`` reads each service's spec (model + overlay) and reports, for the operations in
scope:

- ``doc-error``: an error the documentation names that the model does not declare;
- ``doc-rule``: a constraint stated only in documentation text (an overlay rule with source doc);
- ``inferred-rule``: an undocumented rule the overlay infers (never asserted by the checks), and
  each input member that takes a page token (the loader's ``page_token`` rules);
- ``discrepancy``: an overlay discrepancy entry (documents disagree with each other or the model);
- ``no-status``: an error the model declares without an HTTP status;
- ``status-split``: one error code with different HTTP statuses in the services linted together;
- ``prose-constraint``: a member whose documentation states a numeric range or maximum that
  neither the model nor an overlay rule has (a conservative scan of the member docs);
- ``no-validation-error``: an operation with no overlay rule for its validation error, and
  ``undeclared-validation-error``: one whose validation errors it does not declare;
- ``role-guessed``: an operation whose role (``specs.roles``) only its name's verb gives: neither the
  overlay's ``roles`` nor the model's paginator nor a recipe says it;
- ``not-found-ambiguous``: a code that means both invalid input and not found for an operation, with
  no ``message`` in its not-found description to tell the two apart (neither is then judged by it).

``provenance(services)`` reads the overlay files themselves (before they are loaded, so that every
problem is listed, not the first) and reports each piece that can make a failure (a rule, an output
rule, a documented error, a state machine, its version rule and transitions, a sequence) without a
``source`` (``no-source``), and each ``doc`` piece that does not name its page in ``doc:``
(``no-page``). ``jobfuzz specs lint`` exits 1 when there is one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from specs.finding import Finding
from specs.lint_prose import prose_findings
from specs.loader import botocore_model, load_service, raw_service
from specs.overlay import overlay_path, read_yaml
from specs.rules import condition_words
from specs.types import OperationSpec, Rule, ServiceSpec

__all__ = ["KINDS", "Finding", "lint", "provenance"]

KINDS = ("doc-error", "doc-rule", "inferred-rule", "discrepancy", "no-status", "status-split",
         "prose-constraint", "no-validation-error", "undeclared-validation-error", "role-guessed",
         "not-found-ambiguous", "no-source", "no-page")
_CONSTRAINTS = ("min", "max", "also", "min_length", "max_length", "pattern", "allowed", "required", "invalid",
                "one_of", "format", "absent", "exclusive", "required_when", "relax")


def _rule_text(r: Rule) -> str:
    if r.kind == "one_of":
        return f"exactly one of {', '.join(r.value)}"
    if r.kind == "exclusive":
        return f"at most one of {', '.join(r.value)}"
    if r.kind == "absent":
        return "must be absent"
    if r.kind == "required_when":
        return f"required when {condition_words(r)}"
    if r.kind == "relax":
        return f"the model's {', '.join(r.value)} lifted"
    if r.kind == "page_token":
        return f"token only from an earlier page ({r.value})"
    if r.kind == "format":
        return f"a {str(r.value).upper()} document"
    if r.kind == "invalid" and isinstance(r.value, dict):
        return f"invalid value ({r.value.get('rule', '?')}) must be refused with {', '.join(r.value.get('errors', ()))}"
    return f"{r.kind} {list(r.value) if isinstance(r.value, tuple) else r.value!r}"


def _rules(svc: ServiceSpec, op: OperationSpec) -> Iterator[Finding]:
    for side, rules in (("input", op.rules), ("output", op.output_rules)):
        for r in rules:
            note = f" — {r.note}" if r.note else ""
            if r.source == "doc" and r.kind in _CONSTRAINTS:
                page = f" [{r.doc}]" if r.doc else ""
                yield Finding(svc.name, op.name, r.path or "(input)", "doc-rule",
                              f"{side} {_rule_text(r)} is stated only in the documentation{note}{page}", "doc")
            elif r.source == "inferred" and r.kind == "page_token":
                yield Finding(svc.name, op.name, r.path, "inferred-rule",
                              f"{side} {_rule_text(r)}: never sent in valid or boundary calls, a made-up token "
                              f"never asserted to be refused{note}", "inferred")
            elif r.source == "inferred" and r.kind == "relax":
                yield Finding(svc.name, op.name, r.path, "inferred-rule",
                              f"{side} {_rule_text(r)} with no page saying so: not checked there{note}", "inferred")
            elif r.source == "inferred":
                yield Finding(svc.name, op.name, r.path or "(input)", "inferred-rule",
                              f"{side} {_rule_text(r)} is undocumented: never asserted{note}", "inferred")


def _errors(svc: ServiceSpec, op: OperationSpec) -> Iterator[Finding]:
    for e in op.doc_errors:
        status = f"HTTP {e.status}" if e.status else "no status"
        yield Finding(svc.name, op.name, e.code, "doc-error",
                      f"the documentation names {e.code} ({status}); the model does not declare it", e.source)
    if not op.validation_errors:
        yield Finding(svc.name, op.name, "errors", "no-validation-error",
                      "no overlay rule names the error this operation answers invalid input with; "
                      "every declared 4xx error is accepted", "model")
        return
    declared = {e.code for e in op.errors + op.doc_errors} | set(svc.common_errors)
    if not declared & set(op.validation_errors):
        yield Finding(svc.name, op.name, "errors", "undeclared-validation-error",
                      f"the overlay's validation errors ({', '.join(op.validation_errors)}) are not declared "
                      f"by the operation (declared: {', '.join(sorted(e.code for e in op.errors)) or 'none'})",
                      "model")


def _role(svc: ServiceSpec, op: OperationSpec) -> Iterator[Finding]:
    if op.role_source == "name":
        yield Finding(svc.name, op.name, "roles", "role-guessed",
                      f"the role {op.role} is only guessed from the name: state it under roles/{op.name} "
                      f"(with its not_found answer, source and page)", "inferred")
    shared = sorted(set(op.validation_errors) & set(op.not_found.errors))
    if shared and not op.not_found.message:
        yield Finding(svc.name, op.name, "roles", "not-found-ambiguous",
                      f"{', '.join(shared)} means both invalid input and not found, and no message tells them "
                      f"apart: give roles/{op.name}/not_found/message (a regex of the not-found message)", "model")


def _no_status(svc: ServiceSpec) -> Iterator[Finding]:
    raw = raw_service(svc.name)
    ops: dict[str, list[str]] = {}
    for op in svc.in_scope():
        for e in raw.operations[op.name].errors:
            if e.status is None:
                ops.setdefault(e.code, []).append(op.name)
    for code, names in sorted(ops.items()):
        assumed = next((e.status for op in svc.in_scope() for e in op.errors if e.code == code), None)
        tail = f"; the overlay assumes HTTP {assumed}" if assumed else "; no overlay gives one"
        yield Finding(svc.name, "", code, "no-status",
                      f"the model declares {code} without an HTTP status (on {len(names)} operations: "
                      f"{', '.join(names[:4])}{', ...' if len(names) > 4 else ''}){tail}", "model")


def _splits(specs: list[ServiceSpec]) -> Iterator[Finding]:
    statuses: dict[str, dict[str, set[int]]] = {}
    for svc in specs:
        for op in svc.in_scope():
            for e in raw_service(svc.name).operations[op.name].errors:
                if e.status is not None:
                    statuses.setdefault(e.code, {}).setdefault(svc.name, set()).add(e.status)
    for code, per in sorted(statuses.items()):
        if len(set().union(*per.values())) < 2:
            continue
        text = "; ".join(f"HTTP {'/'.join(map(str, sorted(s)))} in {n}" for n, s in per.items())
        for name in per:
            yield Finding(name, "", code, "status-split",
                          f"{code} has different statuses across services: {text}", "model")


def _discrepancies(svc: ServiceSpec) -> Iterator[Finding]:
    for d in svc.discrepancies:
        head = re.split(r"[.\s]", d.where, maxsplit=1)[0]
        op = head if head in svc.operations else ""
        accepted = f" (accepted: {', '.join(d.accepted)})" if d.accepted else ""
        yield Finding(svc.name, op, d.where, "discrepancy", f"{d.id}: {' '.join(d.says.split())}{accepted}",
                      "doc")


def _pieces(data: dict[str, Any]) -> Iterator[tuple[str, str, Any]]:
    """``(place, operation, piece)`` for every piece of an overlay that carries a source."""
    for key in ("rules", "output_rules"):
        for op, items in (data.get(key) or {}).items():
            for i, item in enumerate(items or ()):
                yield f"{key}/{op}/{i}", op, item
    for i, item in enumerate(data.get("doc_errors") or ()):
        yield f"doc_errors/{i}", item.get("operation", "") if isinstance(item, dict) else "", item
    for i, machine in enumerate(data.get("state_machines") or ()):
        if not isinstance(machine, dict):
            continue
        yield f"state_machines/{i}", "", machine
        if isinstance(machine.get("version"), dict):
            yield f"state_machines/{i}/version", "", machine["version"]
        for j, t in enumerate(machine.get("transitions") or ()):
            op = (t.get("step") or {}).get("operation", "") if isinstance(t, dict) else ""
            yield f"state_machines/{i}/transitions/{j}", op if isinstance(op, str) else "", t
        for j, e in enumerate(machine.get("eventually") or ()):
            yield f"state_machines/{i}/eventually/{j}", "", e
    for i, seq in enumerate(data.get("sequences") or ()):
        yield f"sequences/{i}", seq.get("operation", "") if isinstance(seq, dict) else "", seq
    for op, entry in (data.get("roles") or {}).items():
        yield f"roles/{op}", op, entry


def _label(piece: dict[str, Any]) -> str:
    for key in ("kind", "name", "code", "field", "role"):
        if isinstance(piece.get(key), str):
            path = f"{piece['path']} " if key == "kind" and piece.get("path") else ""
            return f" ({path}{piece[key]})"
    return ""


def provenance(services: Iterable[str]) -> list[Finding]:
    """Every piece of the services' overlay files without a source, and every doc piece without a page."""
    out: list[Finding] = []
    for name in services:
        file = overlay_path(name)
        if file is None:
            continue
        for place, op, piece in _pieces(read_yaml(file)):
            if not isinstance(piece, dict):
                continue
            op = op if isinstance(op, str) else ""
            if "source" not in piece:
                out.append(Finding(name, op, place, "no-source",
                                   f"{file}: {place}{_label(piece)} has no source (model, doc or inferred)", "?"))
            elif piece["source"] == "doc" and not piece.get("doc"):
                out.append(Finding(name, op, place, "no-page",
                                   f"{file}: {place}{_label(piece)} is a doc piece that names no page (doc: URL)",
                                   "doc"))
    return out


def lint(services: Iterable[str]) -> list[Finding]:
    """Every finding for ``services`` (botocore names), grouped by service in the order given."""
    specs = [load_service(name) for name in services]
    findings: list[Finding] = []
    for svc in specs:
        for op in svc.in_scope():
            findings.extend(_errors(svc, op))
            findings.extend(_rules(svc, op))
            findings.extend(_role(svc, op))
        findings.extend(_discrepancies(svc))
        findings.extend(_no_status(svc))
        findings.extend(prose_findings(svc, botocore_model(svc.name)))
    splits = list(_splits(specs))
    order = {svc.name: i for i, svc in enumerate(specs)}
    findings.extend(splits)
    findings.sort(key=lambda f: order[f.service])  # stable: kinds stay in the order they were found
    return findings
