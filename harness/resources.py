"""Make the resources an operation needs, from the overlays' recipes, and fill parameter templates.

A recipe step's params may hold ``{name}`` placeholders (``specs.templates``): ``{uid}`` is a fresh
id for each resource made, ``{access_key}`` the key id of the identity making the call, and every
other name a value an earlier step produced (a JMESPath path into its answer, ``specs.paths.search``).

Every id a run makes starts with the run prefix (``{uid}`` is the prefix and a counter). A target
that fixes the prefix (the aws target, whose guard sends only what carries it) names the resources
of every engine built on it. ``run_tag_member`` and ``add_run_tag`` find, from the model, the tags
member of an operation's input and add the run tag ``jobfuzz:run=<prefix>`` to it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from harness.model import Exchange
from specs.overlay import check_resource_names
from specs.paths import search
from specs.templates import fill, names
from specs.types import OperationSpec, Resource, ServiceSpec, Step
from strategies.calls import Call

__all__ = ["RUN_TAG_KEY", "ResourceError", "ResourceMaker", "add_run_tag", "fill", "run_tag_member"]

#: the tag key every resource a run makes on a real account carries (value: the run prefix)
RUN_TAG_KEY = "jobfuzz:run"

class ResourceError(RuntimeError):
    """A recipe step failed: the resources an operation needs could not be made."""

    def __init__(self, resource: str, exchange: Exchange | None, why: str | None = None) -> None:
        self.resource, self.exchange = resource, exchange
        if why is None and exchange is not None:
            what = exchange.transport_error or exchange.parse_error or exchange.error_code
            status = f"HTTP {exchange.status}" if exchange.status is not None else ""
            why = f"{exchange.service}.{exchange.operation} answered {' '.join(x for x in (status, what) if x)}"
        super().__init__(f"could not make {resource}: {why}")


def run_tag_member(op: OperationSpec, service: ServiceSpec) -> tuple[str, str] | None:
    """The input member that tags what ``op`` makes, and its form: ``(name, "list")`` for a list of
    ``{Key, Value}`` structures, ``(name, "map")`` for a string map; None when the model has none."""
    if op.input is None:
        return None
    for member in service.shapes[op.input].members:
        if member.name.lower() != "tags" or member.location != "body":
            continue
        shape = service.shapes[member.shape]
        if shape.type == "map" and shape.key and shape.value and \
                service.shapes[shape.value.shape].type == "string":
            return member.name, "map"
        if shape.type == "list" and shape.member is not None:
            item = service.shapes[shape.member.shape]
            names = {m.name.lower(): m.name for m in item.members}
            if item.type == "structure" and set(names) >= {"key", "value"}:
                return member.name, "list"
    return None


def add_run_tag(params: dict[str, Any], member: tuple[str, str], prefix: str, *,
                service: ServiceSpec | None = None, op: OperationSpec | None = None) -> dict[str, Any] | None:
    """``params`` with the run tag in ``member`` (replacing a tag of the same key); None when the
    member holds something that is not a tag list or map, or (given the service) the tag would
    break a rule of the member (too many tags)."""
    name, form = member
    current = params.get(name)
    if form == "map":
        if current is not None and not isinstance(current, dict):
            return None
        tags: Any = {**(current or {}), RUN_TAG_KEY: prefix}
    else:
        if current is not None and not isinstance(current, list):
            return None
        key, value = "Key", "Value"
        if service is not None and op is not None and op.input is not None:
            m = service.shapes[op.input].member_named(name)
            listed = service.shapes[m.shape].member if m else None
            item = service.shapes[listed.shape] if listed else None
            by_lower = {x.name.lower(): x.name for x in item.members} if item else {}
            key, value = by_lower.get("key", key), by_lower.get("value", value)
        kept = [t for t in current or () if not (isinstance(t, dict) and t.get(key) == RUN_TAG_KEY)]
        tags = [*kept, {key: RUN_TAG_KEY, value: prefix}]
    if service is not None and op is not None and op.input is not None:
        m = service.shapes[op.input].member_named(name)
        limit = service.shapes[m.shape].max if m else None
        if limit is not None and len(tags) > limit:
            return None
    return {**params, name: tags}


class ResourceMaker:
    """Creates resources by recipe for one run. ``send`` sends a call as an identity."""

    def __init__(self, services: dict[str, ServiceSpec], send: Callable[[Call, str, Call], Exchange],
                 access_key: Callable[[str], str], prefix: str = "jf", *, keep_made: bool = True) -> None:
        check_resource_names(services.values())  # one namespace: a clash would replace a recipe
        self.services = services
        self.send = send
        self.access_key = access_key
        self.prefix = _fixed_prefix(access_key) or prefix
        self._ids = itertools.count(1)
        self.resources: dict[str, Resource] = {}
        self.producer: dict[str, str] = {}  # binding name -> the first resource that produces it
        #: service -> binding name -> resource of that service's overlay that produces it; binding
        #: names repeat across services (``JobId`` is an Import/Export job and an AmplifyBackend job)
        self._own: dict[str, dict[str, str]] = {}
        for spec in services.values():
            for r in spec.resources.values():
                self.resources[r.name] = r
                for b in r.produces:
                    self.producer.setdefault(b, r.name)
                    self._own.setdefault(r.service, {}).setdefault(b, r.name)
        #: every resource made, for cleanup: (resource, bindings, identity); kept only where a run
        #: deletes what it made (``keep_made``), since it grows with the run
        self.made: list[tuple[str, dict[str, Any], str]] = []
        self.keep_made = keep_made

    def uid(self) -> str:
        """A fresh id: the run prefix and a counter (``jf1a2b3c00001``)."""
        return f"{self.prefix}{next(self._ids):05d}"

    def fresh_names(self, service: str, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        """``params`` with a new name in every member that a recipe's create step of ``operation``
        names a new resource by (a template holding ``{uid}``, e.g. ``thingName: "{uid}"``), made
        as the recipe makes it; members whose template needs another value are left as they are.

        A call that makes a resource under a fixed name (a boundary call's example value) is
        refused once a resource of that name exists; this one makes a resource no earlier call of
        the run has made."""
        out = dict(params)
        uid: str | None = None
        for res in self.resources.values():
            for step in res.create:
                if step.service != service or step.operation != operation:
                    continue
                for param, template in step.params.items():
                    if not isinstance(template, str) or "{uid}" not in template:
                        continue
                    if names(template) != {"uid"}:
                        continue
                    uid = uid or self.uid()
                    out[param] = fill(template, {"uid": uid})
        return out

    def producer_of(self, binding: str, service: str | None = None) -> str | None:
        """The resource that produces ``binding`` for an operation of ``service``: the service's own first."""
        own = self._own.get(service or "", {})
        return own.get(binding) or self.producer.get(binding)

    def resources_for(self, binding_names: list[str], service: str | None = None) -> list[str]:
        """The resources to make, dependencies first, so that every binding gets a value."""
        return self.with_needs([n for n in (self.producer_of(b, service) for b in binding_names) if n is not None])

    def with_needs(self, names: list[str]) -> list[str]:
        """``names`` (resources) and what they need, dependencies first, each once."""
        order: list[str] = []

        def visit(name: str) -> None:
            if name in order:
                return
            for dep in self.resources[name].needs:
                visit(dep)
            order.append(name)

        for name in names:
            visit(name)
        return order

    def can_bind(self, binding_names: list[str]) -> bool:
        return all(b in self.producer or b == "access_key" for b in binding_names)

    def make(self, binding_names: list[str], identity: str = "primary",
             reuse: dict[str, Any] | None = None, *, service: str | None = None) -> dict[str, Any]:
        """Make what ``binding_names`` need (for an operation of ``service``); ``reuse`` keeps
        bindings already made (e.g. one thing)."""
        values: dict[str, Any] = {"access_key": self.access_key(identity)}
        values.update(reuse or {})
        for name in self.resources_for(binding_names, service):
            res = self.resources[name]
            if all(b in values for b in res.produces) and reuse and any(b in reuse for b in res.produces):
                continue
            self.make_one(res, values, identity)
        return values

    def make_one(self, res: Resource, values: dict[str, Any], identity: str) -> None:
        from harness.targets import UnsendableCall

        for step in res.create:
            values["uid"] = self.uid()  # fresh for each step: a replay does the same
            try:
                ex = self.run_step(step, values, identity)
            except UnsendableCall as exc:
                raise ResourceError(res.name, None, str(exc)) from None
            if not ex.ok:
                raise ResourceError(res.name, ex)
            for binding, path in step.produces.items():
                value = search(path, ex.parsed)
                if not isinstance(value, (str, int)) or isinstance(value, bool) or value == "":
                    # the answer was judged (response_schema_conformance); what it names cannot be used
                    raise ResourceError(res.name, ex, f"{step.service}.{step.operation} answered HTTP {ex.status} "
                                                      f"without a usable {path} (got {_short(value)})")
                values[binding] = value
        if self.keep_made:
            self.made.append((res.name, dict(values), identity))

    def run_step(self, step: Step, values: dict[str, Any], identity: str = "primary", *,
                 mode: str = "valid") -> Exchange:
        params = fill(step.params, {**values, "access_key": self.access_key(identity)})
        template = Call(step.service, step.operation, dict(step.params), mode=mode,
                        produces=tuple(step.produces.items()))
        return self.send(Call(step.service, step.operation, params, mode=mode), identity, template)

    def cleanup(self) -> list[Exchange]:
        """Delete everything made, newest first (best effort)."""
        out = []
        for name, values, identity in reversed(self.made):
            for step in self.resources[name].delete:
                try:
                    out.append(self.run_step(step, values, identity))
                except Exception:  # noqa: BLE001, S112 - cleanup must go on
                    continue
        self.made.clear()
        return out


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _fixed_prefix(access_key: Callable[[str], str]) -> str | None:
    """The prefix the target behind ``access_key`` (a bound ``Target.access_key``) fixes, if any."""
    fixed = getattr(getattr(access_key, "__self__", None), "run_prefix", None)
    return fixed if isinstance(fixed, str) and fixed else None
