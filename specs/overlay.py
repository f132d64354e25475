"""Overlays: the documented semantics a botocore model lacks, one YAML file a service.

An overlay is checked twice when loaded: against ``OVERLAY_SCHEMA`` (its form) and against the
model (every operation, member path, error, state and binding it names must exist, and a rule
must fit its place: a ``one_of`` group names optional members of one structure). The first
problem stops loading with an ``OverlayError`` that names the file, the place inside it and the
problem, in one line.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NoReturn

import jsonschema
import yaml

from specs import overlay_check, paths
from specs.models import raw_service
from specs.overlay_schema import GROUP_KINDS, OVERLAY_SCHEMA, schema_problem
from specs.roles import default_absences, derived_role, recipe_roles
from specs.rules import shape_rules
from specs.types import (
    Absence,
    Discrepancy,
    ErrorSpec,
    Eventually,
    Expect,
    Flag,
    ListItems,
    MemberSpec,
    Observation,
    OperationSpec,
    Polling,
    Resource,
    Role,
    Rule,
    SequenceSpec,
    ServiceSpec,
    ServiceTransition,
    ShapeSpec,
    StateMachineSpec,
    Step,
    Transition,
    VersionRule,
)
from specs.validator import validate

__all__ = ["OVERLAY_DIR", "OverlayError", "apply_overlay", "check_resource_names", "overlay_path", "parse_overlay",
           "read_yaml"]

#: the pseudo-state a transition reaches when it removes the resource
DELETED = "<deleted>"
OVERLAY_DIR = Path(__file__).parent / "overlays"
#: extra folders of overlay files (os.pathsep-separated); a file there replaces the built-in one
OVERLAY_PATH_ENV = "JOBFUZZ_OVERLAY_PATH"


class OverlayError(ValueError):
    """An overlay that cannot be used: ``file: place: problem``."""

    def __init__(self, file: str | os.PathLike[str], where: str, problem: str) -> None:
        self.file, self.where, self.problem = str(file), where, problem
        super().__init__(f"{file}: {where}: {problem}" if where else f"{file}: {problem}")


def overlay_path(service: str) -> Path | None:
    for folder in [p for p in os.environ.get(OVERLAY_PATH_ENV, "").split(os.pathsep) if p]:
        candidate = Path(folder) / f"{service}.yaml"
        if candidate.is_file():
            return candidate
    candidate = OVERLAY_DIR / f"{service}.yaml"
    return candidate if candidate.is_file() else None


#: libyaml's safe loader where PyYAML was built with it (ten times faster), else the pure-Python one
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(file: Path) -> dict[str, Any]:
    """The mapping ``file`` holds, not yet checked against the schema."""
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise OverlayError(file, "", f"cannot be read ({exc})") from None
    try:
        data = yaml.load(text, Loader=_YAML_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else ""
        raise OverlayError(file, where, f"is not valid YAML ({getattr(exc, 'problem', exc)})") from None
    if not isinstance(data, dict):
        raise OverlayError(file, "", "must be a mapping with at least 'service'")
    return data


def _read(file: Path) -> dict[str, Any]:
    data = read_yaml(file)
    errors = sorted(jsonschema.Draft202012Validator(OVERLAY_SCHEMA).iter_errors(data),
                    key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        e = errors[0]
        where = "/".join(str(p) for p in e.absolute_path) or "(top)"
        raise OverlayError(file, where, schema_problem(data, e))
    return data


def _step(raw: dict[str, Any]) -> Step:
    return Step(raw["service"], raw["operation"], dict(raw.get("params", {})), dict(raw.get("produces", {})))


def _frozen(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    return value


def _rule(raw: dict[str, Any]) -> Rule:
    return Rule(raw["path"], raw["kind"], _frozen(raw["value"]), raw["source"], raw.get("note", ""),
                raw.get("doc", ""))


class _Checker:
    """Checks the meaning of an overlay against the model, naming the place of each problem."""

    def __init__(self, file: Path, service: ServiceSpec) -> None:
        self.file, self.service = file, service

    def fail(self, where: str, problem: str) -> NoReturn:
        raise OverlayError(self.file, where, problem)

    def operation(self, where: str, name: str, service: str | None = None) -> None:
        if (service or self.service.name) != self.service.name:
            try:
                raw_service(service)
            except KeyError:
                self.fail(where, f"unknown service {service!r}")
            if name not in raw_service(service).operations:
                self.fail(where, f"{service} has no operation {name!r}")
            return
        if name not in self.service.operations:
            self.fail(where, f"{self.service.name} has no operation {name!r}")

    def path(self, where: str, op: OperationSpec, path: str, *, output: bool = False) -> None:
        try:
            paths.resolve(self.service, op.output if output else op.input, path)
        except paths.PathError as exc:
            self.fail(where, f"{op.name}: {exc}")

    def place(self, where: str, op: OperationSpec, expr: str, *, output: bool = False) -> str:
        """The internal place of ``expr`` (a JMESPath place) in ``op``'s input or output."""
        try:
            place = paths.compile_place(expr)
        except paths.PathError as exc:
            self.fail(where, f"{op.name}: {exc}")
        try:
            paths.resolve(self.service, op.output if output else op.input, place, shown=expr)
        except paths.PathError as exc:
            self.fail(where, f"{op.name}: {exc}")
        return place

    def step(self, where: str, step: Step) -> None:
        self.operation(where, step.operation, step.service)
        overlay_check.check_step(self.fail, where, self.service, step)

    def answer(self, where: str, step: Step, expr: str) -> None:
        """``expr`` reads the answer of ``step``'s operation."""
        service, op = overlay_check.operation_of(self.service, step)
        overlay_check.check_answer(self.fail, where, service, op, expr)

    def rule(self, where: str, op: OperationSpec, raw: dict[str, Any], *, output: bool) -> None:
        """What a rule kind needs of its place: ``one_of`` and ``exclusive`` a structure and its
        optional members, ``page_token`` a string member of the input, ``format`` a string,
        ``absent`` and ``required_when`` an optional member of an input structure (the condition a
        sibling of it), ``relax`` a model constraint of the output place it lifts."""
        kind, path = raw["kind"], raw["path"]
        if kind == "relax":
            if not output:
                self.fail(f"{where}/kind", "relax is a rule of the output, not of the input")
            self.relax(where, op, path, raw["value"])
            return
        if kind in ("absent", "required_when", "exclusive") and output:
            self.fail(f"{where}/kind", f"{kind} is a rule of the input, not of the output")
        if kind in ("absent", "required_when"):
            self.conditional(where, op, raw)
            return
        if kind == "format":
            shape = paths.resolve(self.service, op.output if output else op.input, path)
            if shape.type != "string":
                self.fail(f"{where}/path", f"{op.name}.{path}: a {raw['value']} document is a string, "
                                           f"not a {shape.type}")
            return
        if kind not in ("one_of", "exclusive", "page_token"):
            return
        if output:
            self.fail(f"{where}/kind", f"{kind} is a rule of the input, not of the output")
        shape = paths.resolve(self.service, op.input, path)
        if kind == "page_token":
            if shape.type != "string":
                self.fail(f"{where}/path", f"{op.name}.{path}: a page token is a string, not a {shape.type}")
            return
        place = f"{op.name}.{path}" if path else f"{op.name} (the input)"
        if shape.type != "structure":
            self.fail(f"{where}/path", f"{place}: {kind} needs a structure, not a {shape.type}")
        if shape.union:
            self.fail(f"{where}/path", f"{place}: {shape.name} is a union, which already takes exactly one member")
        for j, name in enumerate(raw["value"]):
            m = shape.member_named(name)
            if m is None:
                known = ", ".join(x.name for x in shape.members) or "none"
                self.fail(f"{where}/value/{j}", f"{place}: {shape.name} has no member {name!r} (members: {known})")
            if m.required:
                words = "exactly one" if kind == "one_of" else "at most one"
                self.fail(f"{where}/value/{j}", f"{place}: {name} is required by the model, so it cannot be one "
                                                f"of a group of which {words} is present")

    def _member(self, where: str, op: OperationSpec, path: str) -> tuple[ShapeSpec, MemberSpec]:
        """The structure holding the member at ``path`` and the member (``path`` ends in a name)."""
        parent, _, name = path.rpartition(".")
        if not name or name.endswith(("]", "}")):
            self.fail(f"{where}/path", f"{op.name}.{paths.jmespath_form(path)}: names no member of a structure")
        holder = paths.resolve(self.service, op.input, parent)
        m = holder.member_named(name)
        assert m is not None  # check.path resolved the whole path first
        return holder, m

    def conditional(self, where: str, op: OperationSpec, raw: dict[str, Any]) -> None:
        """``absent`` and ``required_when``: an optional member; the condition names a sibling and
        values of its type (of its enum, if it has one)."""
        kind, path = raw["kind"], raw["path"]
        holder, m = self._member(where, op, path)
        if m.required:
            self.fail(f"{where}/path", f"{op.name}.{paths.jmespath_form(path)}: is required by the model, so it "
                                       f"cannot be {kind}")
        if kind != "required_when":
            return
        sibling_name = raw["value"]["member"]
        sibling = holder.member_named(sibling_name)
        if sibling is None or sibling_name == m.name:
            known = ", ".join(x.name for x in holder.members if x.name != m.name) or "none"
            self.fail(f"{where}/value/member", f"{op.name}.{paths.jmespath_form(path)}: {holder.name} has no other "
                                               f"member {sibling_name!r} (members: {known})")
        enum = self.service.shapes[sibling.shape].enum
        for j, value in enumerate(raw["value"].get("in", ())):
            if enum and value not in enum:
                self.fail(f"{where}/value/in/{j}", f"{op.name}.{paths.jmespath_form(path)}: {value!r} is not a "
                                                   f"value of {sibling_name} (one of {list(enum)})")

    def list_params(self, where: str, op: OperationSpec, params: dict[str, Any]) -> None:
        """The fixed input of a listing: members of the input with values of their shapes (what they
        leave out is not judged: the paginator's token and limit, the bindings, come later)."""
        for name in params:
            self.path(f"{where}/{name}", op, name)
        for problem in validate(op, self.service, params, sources=("model",)):
            if problem.rule != "required":
                self.fail(f"{where}/{problem.path.split('.')[0].split('[')[0]}", problem.message)

    def relax(self, where: str, op: OperationSpec, path: str, lifted: list[str]) -> None:
        """Each constraint a ``relax`` rule lifts is one the model puts on that output place."""
        shape = paths.resolve(self.service, op.output, path)
        have = {r.kind for r in shape_rules(shape, path)}
        parent, _, name = path.rpartition(".")
        if not name.endswith(("]", "}")):
            m = paths.resolve(self.service, op.output, parent).member_named(name)
            if m is not None and m.required:
                have.add("required")
        listed = ", ".join(sorted(have)) or "none"
        for j, constraint in enumerate(lifted):
            if constraint not in have:
                self.fail(f"{where}/value/{j}", f"{op.name}.{paths.jmespath_form(path)}: the model puts no "
                                                f"{constraint} constraint here (it has: {listed})")

    def groups(self, where: str, rules: list[Rule]) -> None:
        """A member belongs to at most one ``one_of`` group, and no rule makes a member of one required."""
        owner: dict[str, int] = {}
        for i, r in enumerate(rules):
            if r.kind == "one_of":
                for name in r.value:
                    member = paths.join(r.path, name)
                    if member in owner:
                        self.fail(f"{where}/{i}/value", f"{member} is already in the one_of group of rule "
                                                        f"{owner[member]}")
                    owner[member] = i
        for i, r in enumerate(rules):
            if r.kind == "required" and r.value and r.path in owner:
                self.fail(f"{where}/{i}", f"{r.path} is in the one_of group of rule {owner[r.path]}, so it "
                                          f"cannot be required")


def parse_overlay(file: Path, service: ServiceSpec) -> dict[str, Any]:
    """Read, validate and interpret ``file`` for ``service``; returns the pieces to apply."""
    data = _read(file)
    check = _Checker(file, service)
    if data["service"] != service.name:
        check.fail("service", f"is {data['service']!r}, but the file is loaded for {service.name!r}")

    scope = tuple(data.get("scope", ())) or None
    for i, name in enumerate(scope or ()):
        check.operation(f"scope/{i}", name)

    errors = data.get("errors", {})
    for name in errors.get("operations", {}):
        check.operation(f"errors/operations/{name}", name)

    rules: dict[str, list[Rule]] = {}
    out_rules: dict[str, list[Rule]] = {}
    for key, target, output in (("rules", rules, False), ("output_rules", out_rules, True)):
        for op_name, items in data.get(key, {}).items():
            check.operation(f"{key}/{op_name}", op_name)
            op = service.operations[op_name]
            for i, raw in enumerate(items):
                place = check.place(f"{key}/{op_name}/{i}/path", op, raw["path"], output=output)
                if place == "" and raw["kind"] not in GROUP_KINDS:
                    check.fail(f"{key}/{op_name}/{i}/path", "'@': the input itself is a place only for one_of "
                                                            "and exclusive")
                shape = paths.resolve(service, op.output if output else op.input, place)
                overlay_check.check_value(check.fail, f"{key}/{op_name}/{i}", op, raw, shape)
                check.rule(f"{key}/{op_name}/{i}", op, {**raw, "path": place}, output=output)
                target.setdefault(op_name, []).append(_rule({**raw, "path": place}))
            check.groups(f"{key}/{op_name}", target.get(op_name, []))

    doc_errors: dict[str, list[ErrorSpec]] = {}
    for i, raw in enumerate(data.get("doc_errors", ())):
        check.operation(f"doc_errors/{i}/operation", raw["operation"])
        doc_errors.setdefault(raw["operation"], []).append(
            ErrorSpec(raw["code"], raw["code"], raw.get("status"), "client", raw["source"]))

    resources = {}
    for name, raw in data.get("resources", {}).items():
        create = tuple(_step(s) for s in raw["create"])
        delete = tuple(_step(s) for s in raw.get("delete", ()))
        for j, s in enumerate(create):
            check.step(f"resources/{name}/create/{j}", s)
        for j, s in enumerate(delete):
            check.step(f"resources/{name}/delete/{j}", s)
        resources[name] = Resource(name, service.name, tuple(raw.get("needs", ())), create, delete,
                                   bool(raw.get("deletes", False)))

    bindings: dict[str, tuple[tuple[str, str], ...]] = {}
    for op_name, mapping in data.get("bindings", {}).items():
        check.operation(f"bindings/{op_name}", op_name)
        op = service.operations[op_name]
        bound = tuple((_binding_place(check, f"bindings/{op_name}/{param}", op, param), b)
                      for param, b in mapping.items())
        bindings[op_name] = bound

    roles = {name: _role(check, f"roles/{name}", name, raw) for name, raw in data.get("roles", {}).items()}

    idempotent = tuple(data.get("idempotent", ()))
    for i, name in enumerate(idempotent):
        check.operation(f"idempotent/{i}", name)
    catalog = _catalog(file, resources)
    lists = [_list(check, catalog, name, raw) for name, raw in data.get("pagination", {}).items()]

    machines = tuple(_machine(check, i, raw) for i, raw in enumerate(data.get("state_machines", ())))
    sequences = tuple(_sequence(check, i, raw) for i, raw in enumerate(data.get("sequences", ())))
    seen: dict[str, int] = {}
    for i, seq in enumerate(sequences):
        if seq.name in seen:
            check.fail(f"sequences/{i}/name", f"{seq.name!r} is already the name of sequence {seen[seq.name]}")
        seen[seq.name] = i
    overlay_check.check_references(check.fail, catalog, resources, machines, sequences, rules, bindings)
    discrepancies = tuple(
        Discrepancy(d["id"], service.name, d["where"], d["says"], tuple(d.get("accepted", ())))
        for d in data.get("discrepancies", ()))
    observations: dict[str, tuple[Observation, ...]] = {}
    for op_name, items in data.get("observations", {}).items():
        check.operation(f"observations/{op_name}", op_name)
        for i, raw in enumerate(items):
            try:
                observed_answer(raw["answer"], raw["form"], service.operations[op_name].protocol)
            except ValueError as exc:
                check.fail(f"observations/{op_name}/{i}/answer", str(exc))
        observations[op_name] = tuple(Observation(r["doc"], r["answer"], r["form"], r.get("note", "")) for r in items)
    flags = tuple(_flag(check, service, i, raw) for i, raw in enumerate(data.get("flags", ())))
    return {
        "scope": scope, "errors": errors, "error_status": data.get("error_status", {}),
        "rules": rules, "output_rules": out_rules, "doc_errors": doc_errors, "resources": resources,
        "bindings": bindings, "state_machines": machines, "discrepancies": discrepancies,
        "common_errors": tuple(data.get("common_errors", ())),
        "idempotent": idempotent, "lists": tuple(lists), "sequences": sequences, "observations": observations,
        "flags": flags, "roles": roles,
        "list_params": {name: dict(raw["params"]) for name, raw in data.get("pagination", {}).items()
                        if raw.get("params")},
    }


@dataclasses.dataclass(frozen=True, slots=True)
class _StatedRole:
    """An overlay's ``roles`` entry: what it states, with its source."""

    role: Role | None
    source: str
    not_found: Absence | None
    not_yours: Absence | None


def _absence(check: _Checker, where: str, op: str, raw: dict[str, Any] | None, source: str,
             doc: str) -> Absence | None:
    if raw is None:
        return None
    answers = [k for k in ("empty", "absent", "ok") if k in raw]
    if len(answers) > 1:
        check.fail(where, f"{' and '.join(answers)}: a success looks one way; give one of empty, absent, ok")
    for key in ("empty", "absent"):
        if key in raw:
            check.answer(f"{where}/{key}", Step(check.service.name, op), raw[key])
    if "message" in raw:
        try:
            re.compile(raw["message"])
        except re.error as exc:
            check.fail(f"{where}/message", f"{raw['message']!r} is not a regular expression ({exc})")
    return Absence(errors=tuple(raw.get("error", ())), message=raw.get("message", ""), empty=raw.get("empty", ""),
                   absent=raw.get("absent", ""), ok=bool(raw.get("ok", False)), source=source, doc=doc)


def _role(check: _Checker, where: str, name: str, raw: dict[str, Any]) -> _StatedRole:
    check.operation(where, name)
    source, doc = raw["source"], raw.get("doc", "")
    return _StatedRole(Role(raw["role"]) if "role" in raw else None, source,
                       _absence(check, f"{where}/not_found", name, raw.get("not_found"), source, doc),
                       _absence(check, f"{where}/not_yours", name, raw.get("not_yours"), source, doc))


#: a comma before a closing bracket: the CLI reference's examples are written by hand and some carry one
_TRAILING_COMMA = re.compile(r",(\s*[}\]])")


def observed_answer(text: str, form: str, protocol: str) -> Any:
    """The answer an overlay observation gives, read: JSON (the CLI prints JSON whatever the protocol;
    a wire answer of a JSON protocol), or, for a wire answer of the query protocol, the XML text
    checked to be well formed. Raises ValueError saying what is wrong."""
    if form == "wire" and protocol == "query":
        import xml.etree.ElementTree as ET

        try:
            ET.fromstring(text)
        except ET.ParseError as exc:
            raise ValueError(f"not well-formed XML: {exc}") from None
        return text
    try:
        return json.loads(_TRAILING_COMMA.sub(r"\1", text) if form == "cli" else text)
    except ValueError as exc:
        raise ValueError(f"not a JSON text: {exc}") from None


def _flag(check: _Checker, service: ServiceSpec, i: int, raw: dict[str, Any]) -> Flag:
    """One ``flags`` entry, its operation, member and (for ``shows``) output place checked."""
    where = f"flags/{i}"
    check.operation(f"{where}/operation", raw["operation"])
    op = service.operations[raw["operation"]]
    check.place(f"{where}/member", op, raw["member"])
    path = raw.get("path", "")
    if raw["kind"] == "shows":
        if not path:
            check.fail(f"{where}/path", "a 'shows' flag names the output place it decides")
        check.place(f"{where}/path", op, path, output=True)
    elif path:
        check.fail(f"{where}/path", "a 'no_op' flag decides no output place")
    return Flag(raw["operation"], raw["member"], raw["kind"], path, raw["source"], raw["doc"], raw.get("note", ""))


def _binding_place(check: _Checker, where: str, op: OperationSpec, expr: str) -> str:
    """A binding's member: a member of the input (``jobId``), or of each item of a list in it
    (``computeEnvironmentOrder[*].computeEnvironment``); never a map's key or value."""
    place = check.place(where, op, expr)
    if any(part in ("{}", "{key}") for part in paths.split(place)):
        check.fail(where, f"{op.name}: {expr!r}: a binding fills a member, or a member of each list item "
                          f"('a[*].b'), not a map's values or keys")
    if place.endswith("[]"):
        check.fail(where, f"{op.name}: {expr!r}: a binding names the list member itself ({expr[:-3]!r}), "
                          f"which takes a list of the one value")
    return place


def _list(check: _Checker, catalog: overlay_check.Catalog, name: str, raw: dict[str, Any]) -> ListItems:
    """A ``pagination`` entry: a paginated operation, a resource that produces its ``binding``, an ``id``
    its result items have."""
    where = f"pagination/{name}"
    check.operation(where, name)
    if check.service.operations[name].pagination is None:
        check.fail(where, f"{name} has no paginator in the model")
    catalog.known(check.fail, f"{where}/resource", raw["resource"])
    made = catalog.produces[raw["resource"]]
    if raw["binding"] not in made:
        check.fail(f"{where}/binding", f"the resource {raw['resource']!r} produces no {raw['binding']!r} "
                                       f"(it produces: {', '.join(made) or 'nothing'})")
    _list_id(check, f"{where}/id", check.service.operations[name], raw["id"])
    check.list_params(f"{where}/params", check.service.operations[name], raw.get("params", {}))
    return ListItems(name, raw["resource"], raw["id"], raw["binding"])


def _list_id(check: _Checker, where: str, op: OperationSpec, expr: str) -> None:
    """A list's ``id`` reads each item of the operation's result list."""
    pag = op.pagination
    if pag is None or not pag.result_keys:
        return
    try:
        items = paths.resolve_answer(check.service, op.output, pag.result_keys[0])
    except paths.PathError:
        return  # the paginator's own expression, not the overlay's
    if items.type != "list" or items.member is None:
        return
    try:
        paths.resolve_answer(check.service, items.member.shape, expr)
    except paths.PathError as exc:
        check.fail(where, f"{op.name}: an item of {pag.result_keys[0]}: {exc}")


@functools.cache
def _resources_in(file: str, _mtime: int) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """The resources an overlay file defines: name -> (needs, produces), read without checking the file
    (its own load says what is wrong with it)."""
    try:
        data = read_yaml(Path(file))
    except OverlayError:
        return {}
    out = {}
    for name, raw in (data.get("resources") or {}).items():
        if isinstance(raw, dict):
            steps = [s for s in raw.get("create") or () if isinstance(s, dict)]
            out[name] = (tuple(raw.get("needs") or ()), tuple(b for s in steps for b in (s.get("produces") or {})))
    return out


def _catalog(file: Path, resources: dict[str, Resource]) -> overlay_check.Catalog:
    """The resources a piece of ``file`` may name: its own and those of the other overlays on the path."""
    needs: dict[str, tuple[str, ...]] = {}
    produces: dict[str, tuple[str, ...]] = {}
    folders = [Path(p) for p in os.environ.get(OVERLAY_PATH_ENV, "").split(os.pathsep) if p] + [OVERLAY_DIR]
    others = {f.stem: f for folder in reversed(folders) if folder.is_dir() for f in sorted(folder.glob("*.yaml"))}
    for stem, other in others.items():
        if stem != file.stem:
            for name, (need, made) in _resources_in(str(other), other.stat().st_mtime_ns).items():
                needs[name], produces[name] = need, made
    for name, res in resources.items():
        needs[name], produces[name] = res.needs, res.produces
    return overlay_check.Catalog(needs, produces)


def _expect(check: _Checker, where: str, step: Step, raw: dict[str, Any]) -> Expect:
    if "error" in raw and len(raw) > 1:
        check.fail(where, "'error' expects a refusal, so it cannot be combined with what a success shows")
    places = [(f"{where}/{kind}/{path}", path) for kind in ("equals", "includes") for path in raw.get(kind, {})]
    places += [(f"{where}/present/{k}", path) for k, path in enumerate(raw.get("present", ()))]
    for place, path in places:
        check.answer(place, step, path)
    return Expect(equals=tuple((p, _frozen(v)) for p, v in raw.get("equals", {}).items()),
                  includes=tuple((p, _frozen(v)) for p, v in raw.get("includes", {}).items()),
                  present=tuple(raw.get("present", ())), error=tuple(raw.get("error", ())),
                  ok=bool(raw.get("ok", False)))


def _sequence(check: _Checker, i: int, raw: dict[str, Any]) -> SequenceSpec:
    where = f"sequences/{i}"
    check.operation(f"{where}/operation", raw["operation"])
    steps: list[tuple[Step, Expect | None]] = []
    for j, s in enumerate(raw["steps"]):
        step = _step(s)
        check.step(f"{where}/steps/{j}", step)
        steps.append((step, _expect(check, f"{where}/steps/{j}/expect", step, s["expect"]) if "expect" in s else None))
    if all(e is None for _, e in steps):
        check.fail(f"{where}/steps", "no step has an 'expect': the sequence would assert nothing")
    return SequenceSpec(name=raw["name"], service=check.service.name, operation=raw["operation"],
                        check=raw.get("check", "read_after_write_consistency"), needs=tuple(raw.get("needs", ())),
                        steps=tuple(steps), source=raw["source"], note=raw.get("note", ""))


def _machine(check: _Checker, i: int, raw: dict[str, Any]) -> StateMachineSpec:
    where = f"state_machines/{i}"
    states = tuple(raw["states"])
    known = set(states) | {"*"}
    initial = (raw["initial"],) if isinstance(raw["initial"], str) else tuple(raw["initial"])
    for key, values in (("initial", initial), ("terminal", raw["terminal"])):
        for s in values:
            if s not in states:
                check.fail(f"{where}/{key}", f"{s!r} is not one of the states {list(states)}")
    read = _step(raw["read"])
    check.step(f"{where}/read", read)
    check.answer(f"{where}/state_path", read, raw["state_path"])
    if "version" in raw:
        check.answer(f"{where}/version/field", read, raw["version"]["field"])
    transitions, by_service = [], []
    for j, t in enumerate(raw["transitions"]):
        tw = f"{where}/transitions/{j}"
        for s in list(t["from"]) + list(t.get("refused_from", ())):
            if s not in known:
                check.fail(tw, f"state {s!r} is not one of {list(states)}")
        if t.get("to") is not None and t["to"] not in states and t["to"] != DELETED:
            check.fail(f"{tw}/to", f"{t['to']!r} is not one of {list(states)}")
        if t.get("by") == "service":
            by_service.append((j, ServiceTransition(
                name=t["name"], sources=tuple(t["from"]), target=t.get("to"), source=t["source"],
                trigger=t.get("trigger", "progress"), after=tuple(t.get("after", ())))))
            continue
        step = _step(t["step"])
        check.step(f"{tw}/step", step)
        transitions.append(Transition(
            name=t["name"], step=step, sources=tuple(t["from"]), target=t.get("to"), source=t["source"],
            refused_from=tuple(t.get("refused_from", ())), refused_errors=tuple(t.get("refused_errors", ())),
            bumps_version=bool(t.get("bumps_version", False)), consistency=t.get("consistency", "strong")))
    if not transitions:
        check.fail(f"{where}/transitions", "no transition the caller makes: the lifecycle would have nothing to do")
    names = {t.name for t in transitions}
    for j, st in by_service:
        for name in st.after:
            if name not in names:
                check.fail(f"{where}/transitions/{j}/after", f"{name!r} is not a transition the caller makes "
                                                             f"({', '.join(sorted(names))})")
    eventually = tuple(_eventually(check, f"{where}/eventually/{k}", e, names, states)
                       for k, e in enumerate(raw.get("eventually", ())))
    for k, (tname, a, b) in enumerate(raw.get("uncertain", ())):
        if tname not in names or a not in known or b not in known:
            check.fail(f"{where}/uncertain/{k}", f"({tname}, {a}, {b}) names an unknown transition or state")
    v = raw.get("version")
    version = VersionRule(v["field"], v.get("start"), v.get("expected_param"), tuple(v.get("mismatch_errors", ())),
                          v.get("mismatch_status"), v["source"]) if v else None
    delete = _step(raw["delete"]) if "delete" in raw else None
    if delete:
        check.step(f"{where}/delete", delete)
    polling = Polling(**raw["polling"]) if "polling" in raw else None
    return StateMachineSpec(
        name=raw["name"], service=check.service.name, resource=raw["resource"], states=states,
        initial=initial, terminal=tuple(raw["terminal"]), read=read, state_path=raw["state_path"],
        transitions=tuple(transitions), version=version,
        uncertain=tuple(tuple(u) for u in raw.get("uncertain", ())),
        delete=delete, note=raw.get("note", ""), source=raw["source"],
        service_transitions=tuple(st for _, st in by_service), eventually=eventually, polling=polling)


def _eventually(check: _Checker, where: str, raw: dict[str, Any], names: set[str],
                states: tuple[str, ...]) -> Eventually:
    if raw.get("after") is not None and raw["after"] not in names:
        check.fail(f"{where}/after", f"{raw['after']!r} is not a transition the caller makes "
                                     f"({', '.join(sorted(names))})")
    for s in raw["reach"]:
        if s not in states:
            check.fail(f"{where}/reach", f"{s!r} is not one of the states {list(states)}")
    return Eventually(name=raw["name"], after=raw.get("after"), reach=tuple(raw["reach"]),
                      within=float(raw["within"]), source=raw["source"])


def apply_overlay(raw: ServiceSpec, file: Path | None = None) -> ServiceSpec:
    """``raw`` with its overlay applied (``file``, else the service's overlay, if any)."""
    file = file or overlay_path(raw.name)
    if file is None:
        return raw
    return _apply_cached(raw.name, str(file), file.stat().st_mtime_ns) if file.is_file() else raw


@functools.cache
def _apply_cached(service: str, file: str, _mtime: int) -> ServiceSpec:
    raw = raw_service(service)
    o = parse_overlay(Path(file), raw)
    errors = o["errors"]
    status_over = o["error_status"]
    ops = {}
    by_recipe = recipe_roles(service, o["resources"].values())
    for name, op in raw.operations.items():
        per_op = errors.get("operations", {}).get(name, {})
        errs = tuple(dataclasses.replace(e, status=status_over.get(e.code, status_over.get("*")))
                     if e.status is None else e for e in op.errors)
        stated: _StatedRole | None = o["roles"].get(name)
        role, role_source = derived_role(name, op.pagination, by_recipe.get(name))
        if stated is not None and stated.role is not None:
            role, role_source = stated.role, stated.source
        not_found, not_yours = default_absences(
            op.pagination, tuple(per_op.get("not_found", errors.get("not_found", ()))),
            stated.not_found if stated else None, stated.not_yours if stated else None)
        ops[name] = dataclasses.replace(
            op,
            errors=errs,
            rules=op.rules + tuple(o["rules"].get(name, ())),
            output_rules=tuple(o["output_rules"].get(name, ())),
            validation_errors=tuple(per_op.get("validation", errors.get("validation", ()))),
            not_found_errors=not_found.errors,
            doc_errors=tuple(o["doc_errors"].get(name, ())),
            bindings=o["bindings"].get(name, ()),
            role=role, role_source=role_source, not_found=not_found, not_yours=not_yours,
            observations=o["observations"].get(name, ()),
            list_params=tuple(o["list_params"].get(name, {}).items()),
        )
    return dataclasses.replace(
        raw, operations=ops, resources=o["resources"], state_machines=o["state_machines"],
        discrepancies=o["discrepancies"], common_errors=o["common_errors"], scope=o["scope"],
        idempotent=o["idempotent"], lists=o["lists"], sequences=o["sequences"], flags=o["flags"])


def check_resource_names(services: Iterable[ServiceSpec]) -> None:
    """Raise OverlayError when two overlays of ``services`` define a resource of the same name, or
    a piece (a ``needs``, a state machine's or a list's ``resource``) names a resource none of them
    defines.

    Resource names are one namespace across the overlays a run loads: a state machine or a list of
    one service may name another service's resource (iot-jobs-data's lifecycle runs on iot's
    ``job``), so a second ``job`` would silently replace the first. The error names both files."""
    services = list(services)  # read twice
    first: dict[str, str] = {}  # resource name -> the service whose overlay defines it
    for spec in services:
        for name in spec.resources:
            owner = first.setdefault(name, spec.name)
            if owner != spec.name:
                raise OverlayError(overlay_path(spec.name) or spec.name, f"resources/{name}",
                                   f"the resource name {name!r} is taken by {overlay_path(owner) or owner} "
                                   f"(service {owner}); resource names are shared by every overlay of a run, "
                                   f"so one would replace the other: rename one of them")
    for spec in services:  # a piece may name another overlay's resource (iot-jobs-data's need iot's job)
        named = [(f"sequences/{i}/needs", n) for i, seq in enumerate(spec.sequences) for n in seq.needs]
        named += [(f"resources/{r.name}/needs", n) for r in spec.resources.values() for n in r.needs]
        named += [(f"state_machines/{i}/resource", sm.resource) for i, sm in enumerate(spec.state_machines)]
        named += [(f"pagination/{li.operation}/resource", li.resource) for li in spec.lists]
        for where, name in named:
            if name not in first:
                raise OverlayError(overlay_path(spec.name) or spec.name, where,
                                   f"no overlay of the run has a resource {name!r} (resources: "
                                   f"{', '.join(sorted(first)) or 'none'})")
