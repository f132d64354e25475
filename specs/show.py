"""A readable dump of one operation's spec: wire, members, rules, errors, pagination, lifecycles."""

from __future__ import annotations

import html
import re

from specs.paths import jmespath_form, join
from specs.rules import condition_words
from specs.types import MemberSpec, OperationSpec, Rule, ServiceSpec, ShapeSpec, Step

__all__ = ["show_operation"]

_MAX_DEPTH = 4
_NUMERIC = ("integer", "long", "float", "double", "short", "byte", "bigdecimal", "biginteger")


def _first_sentence(doc: str) -> str:
    text = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", doc or ""))).strip()
    return re.split(r"(?<=\.)\s", text, maxsplit=1)[0][:160]


def _constraints(shape: ShapeSpec) -> str:
    out = []
    if shape.min is not None or shape.max is not None:
        lo = "" if shape.min is None else shape.min
        hi = "" if shape.max is None else shape.max
        word = "range" if shape.type in _NUMERIC else "len" if shape.type in ("string", "blob") else "size"
        out.append(f"{word} {lo}..{hi}")
    if shape.pattern:
        out.append(f"pattern {shape.pattern}")
    if shape.enum:
        values = "|".join(shape.enum[:8]) + ("|..." if len(shape.enum) > 8 else "")
        out.append(f"enum {values}")
    if shape.timestamp_format:
        out.append(f"format {shape.timestamp_format}")
    if shape.document:
        out.append("document")
    return "  ".join(out)


def _type(service: ServiceSpec, shape: ShapeSpec) -> str:
    if shape.type == "list" and shape.member:
        return f"list<{service.shapes[shape.member.shape].type} {shape.member.shape}>"
    if shape.type == "map" and shape.key and shape.value:
        return f"map<{shape.key.shape}, {shape.value.shape}>"
    return shape.type if shape.type != "structure" else f"structure {shape.name}"


def _members(service: ServiceSpec, shape: ShapeSpec, path: str, depth: int, stack: tuple[str, ...],
             lines: list[str]) -> None:
    for m in shape.members:
        _member(service, m, join(path, m.name), depth, stack, lines)


def _member(service: ServiceSpec, m: MemberSpec, path: str, depth: int, stack: tuple[str, ...],
            lines: list[str]) -> None:
    shape = service.shapes[m.shape]
    pad = "  " * (depth + 1)
    wire = f" [{m.wire_name}]" if m.wire_name != m.name else ""
    flags = " required" if m.required else ""
    flags += " idempotency-token" if m.idempotency_token else ""
    where = f" {m.location}" if depth == 0 else ""
    extra = _constraints(shape)
    lines.append(f"{pad}{path}{wire}{where}  {_type(service, shape)}{flags}{'  ' + extra if extra else ''}")
    if shape.name in stack or depth + 1 >= _MAX_DEPTH:
        if shape.type in ("structure", "list", "map") and shape.name in stack:
            lines.append(f"{pad}  (recursive: {shape.name})")
        return
    stack = stack + (shape.name,)
    if shape.type == "structure":
        _members(service, shape, path, depth + 1, stack, lines)
    elif shape.type == "list" and shape.member and service.shapes[shape.member.shape].type == "structure":
        _members(service, service.shapes[shape.member.shape], path + "[]", depth + 1, stack, lines)
    elif shape.type == "map" and shape.value and service.shapes[shape.value.shape].type == "structure":
        _members(service, service.shapes[shape.value.shape], path + "{}", depth + 1, stack, lines)


def _rules(title: str, rules: tuple[Rule, ...], lines: list[str]) -> None:
    if not rules:
        return
    lines.append(f"{title}:")
    for r in rules:
        value = r.value
        if r.kind == "examples" and isinstance(value, tuple):
            value = f"{len(value)} example(s)"
        elif r.kind == "invalid" and isinstance(value, dict):
            value = f"{value.get('rule')} -> {', '.join(value.get('errors', ()))}"
        elif r.kind in ("one_of", "exclusive"):
            value = " | ".join(value)
        elif r.kind == "required_when":
            value = condition_words(r)
        elif r.kind == "page_token":
            value = f"from {value}"
        note = f"  -- {r.note}" if r.note else ""
        lines.append(f"  {r.path or '(input)'}: {r.kind} {value} ({r.source}){note}")


def _touches(step: Step | None, op: OperationSpec) -> bool:
    return step is not None and step.service == op.service and step.operation == op.name


def show_operation(service: ServiceSpec, name: str) -> str:
    op = service.operation(name)
    lines = [f"{op.qualified}  {op.method} {op.uri}  ({op.protocol}; success HTTP {op.response_code})"]
    if op.documentation:
        lines.append(f"  {_first_sentence(op.documentation)}")
    if op.deprecated:
        lines.append("  deprecated")
    in_scope = service.scope is None or op.name in service.scope
    lines.append(f"  boto3: {op.python_name}; {'in' if in_scope else 'not in'} the harness's scope")
    for title, shape_name in (("input", op.input), ("output", op.output)):
        if shape_name is None:
            lines.append(f"{title}: none")
            continue
        lines.append(f"{title} ({shape_name}): member [wire name] location  type  constraints")
        _members(service, service.shapes[shape_name], "", 0, (shape_name,), lines)
    _rules("input rules (overlay and page tokens)", op.rules, lines)
    _rules("output rules (overlay)", op.output_rules, lines)
    lines.append("errors:")
    for e in op.errors + op.doc_errors:
        status = e.status if e.status is not None else "no status"
        src = "" if e.source == "model" else f" ({e.source}: not in the model)"
        lines.append(f"  {e.code}  {status}  {e.fault}{src}")
    lines.append(f"  invalid input answered with: {', '.join(op.validation_errors) or '(any declared 4xx)'}")
    lines.append(f"role: {op.role} ({op.role_source})")
    lines.append(f"  not found: {op.not_found.describe()}")
    if op.not_yours != op.not_found:
        lines.append(f"  not yours: {op.not_yours.describe()}")
    if op.idempotency_tokens:
        lines.append(f"idempotency tokens: {', '.join(op.idempotency_tokens)}")
    if op.pagination:
        p = op.pagination
        lines.append(f"pagination: {'/'.join(p.input_token)} -> {'/'.join(p.output_token)}, limit "
                     f"{p.limit_key or 'none'}, results {', '.join(p.result_keys)}"
                     + (f", more {p.more_results}" if p.more_results else ""))
    if op.bindings:
        lines.append("bindings: " + ", ".join(f"{jmespath_form(param)} <- {b}" for param, b in op.bindings))
    for obs in op.observations:  # what AWS was seen to answer: warnings only (docs/checks.md)
        lines.append(f"observed answer ({obs.form}): {obs.doc}")
    for res in service.resources.values():
        if any(_touches(s, op) for s in res.create + res.delete):
            lines.append(f"resource recipe: {res.name} (needs {', '.join(res.needs) or 'nothing'})")
    for sm in service.state_machines:
        uses = [t for t in sm.transitions if _touches(t.step, op)]
        reads = _touches(sm.read, op)
        if not uses and not reads and not _touches(sm.delete, op):
            continue
        lines.append(f"state machine {sm.name} ({sm.resource}): states {', '.join(sm.states)}; "
                     f"initial {', '.join(sm.initial)}; terminal {', '.join(sm.terminal)}")
        if reads:
            lines.append(f"  reads the state at {sm.state_path}")
        for t in uses:
            refused = f"; refused from {', '.join(t.refused_from)} with {', '.join(t.refused_errors)}" \
                if t.refused_from else ""
            lines.append(f"  {t.name}: {', '.join(t.sources)} -> {t.target or '(same)'} ({t.source}, "
                         f"{t.consistency}){refused}")
        if reads:
            for st in sm.service_transitions:
                after = f" after {', '.join(st.after)}" if st.after else ""
                lines.append(f"  {st.name} (by the service, {st.trigger}{after}): {', '.join(st.sources)} -> "
                             f"{st.target or '(same)'} ({st.source})")
            for ev in sm.eventually:
                lines.append(f"  eventually {ev.name}: {', '.join(ev.reach)} within {ev.within:g} s after "
                             f"{ev.after or 'creation'} ({ev.source})")
    for seq in service.sequences:
        if seq.operation == op.name:
            lines.append(f"sequence {seq.name} ({seq.source}, {seq.check}; needs {', '.join(seq.needs) or 'nothing'}): "
                         + " -> ".join(s.operation + ("*" if e else "") for s, e in seq.steps))
    return "\n".join(lines) + "\n"
