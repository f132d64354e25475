"""What the safety layer knows about names: the run prefix, and what the model and the overlays say
about the operations that make, name and delete resources (``SpecIndex``)."""

from __future__ import annotations

import re
import secrets
import threading
from dataclasses import dataclass

from harness.model import Exchange
from harness.resources import run_tag_member
from specs.templates import whole
from specs.types import OperationSpec, Resource, Role, ServiceSpec, Step

__all__ = ["MIN_PREFIX", "SpecIndex", "id_member", "new_prefix", "prefix_problem"]

MIN_PREFIX = 4
#: letters and digits, a letter first: fits every id pattern of the job APIs (thing names, job ids,
#: Amplify app ids)
_PREFIX = re.compile(r"[a-z][a-z0-9]*")


def new_prefix() -> str:
    """A fresh run prefix: ``jf`` and 6 hex digits."""
    return f"jf{secrets.token_hex(3)}"


def prefix_problem(prefix: str | None, option: str = "--prefix") -> str | None:
    """Why ``prefix`` cannot name a run's resources, or None."""
    if not prefix:
        return f"{option} is empty: give the prefix the run named its resources with"
    if len(prefix) < MIN_PREFIX:
        return f"{option} {prefix!r} is too short: at least {MIN_PREFIX} characters"
    if len(prefix) > 16 or not _PREFIX.fullmatch(prefix):
        return f"{option} {prefix!r}: expected 4 to 16 lowercase letters and digits, a letter first"
    return None


# -- what the model and the overlays say about one operation ----------------------------------------

@dataclass(frozen=True, slots=True)
class _Recipes:
    """Every recipe of the services, indexed by the operations that make and delete resources."""

    resources: dict[str, Resource]
    first_step: dict[tuple[str, str], str]  # (service, operation) -> resource it makes (first step)
    steps: dict[tuple[str, str], list[Step]]  # (service, operation) -> create steps of that operation
    deletes: dict[tuple[str, str], list[str]]  # (service, operation) -> resources it deletes
    #: resource -> how to delete it: the recipe's delete steps, or the model's Delete<Noun>
    delete_steps: dict[str, tuple[Step, ...]]


@dataclass(frozen=True, slots=True)
class _OpIds:
    bound: tuple[str, ...]  # members the overlay binds to a resource (OperationSpec.bindings)
    named: tuple[str, ...]  # members a recipe names a new resource by ("{uid}")
    tags: tuple[str, str] | None  # the tags member and its form


class SpecIndex:
    """The service specs (loaded on first use) and what the guard needs from them."""

    def __init__(self, services: dict[str, ServiceSpec] | None = None) -> None:
        self._services = dict(services or {})
        self._recipes: _Recipes | None = None
        self._ops: dict[tuple[str, str], _OpIds] = {}
        self._lock = threading.Lock()

    def service(self, name: str) -> ServiceSpec:
        spec = self._services.get(name)
        if spec is None:
            from specs.loader import load_service

            spec = self._services[name] = load_service(name)
        return spec

    def operation(self, service: str, operation: str) -> OperationSpec | None:
        try:
            return self.service(service).operation(operation)
        except (KeyError, ValueError):
            return None

    def gone(self, service: str, operation: str, ex: Exchange) -> bool:
        """Whether ``ex``, the answer to a delete step, leaves the resource gone: it succeeded, or said
        the resource is not there (the operation's not-found answer: ``OperationSpec.not_found``)."""
        op = self.operation(service, operation)
        return ex.ok or (op is not None and op.not_found.refuses(ex.error_code, ex.error_message))

    @property
    def recipes(self) -> _Recipes:
        if self._recipes is None:
            from harness.config import DEFAULT_SERVICES

            resources: dict[str, Resource] = {}
            for name in (*DEFAULT_SERVICES, *self._services):
                for res in self.service(name).resources.values():
                    resources.setdefault(res.name, res)
            first: dict[tuple[str, str], str] = {}
            steps: dict[tuple[str, str], list[Step]] = {}
            deletes: dict[tuple[str, str], list[str]] = {}
            delete_steps: dict[str, tuple[Step, ...]] = {}
            for res in resources.values():
                for i, step in enumerate(res.create):
                    key = (step.service, step.operation)
                    steps.setdefault(key, []).append(step)
                    if i == 0:
                        first.setdefault(key, res.name)
                delete_steps[res.name] = res.delete or self._derived_delete(res)
                for step in delete_steps[res.name]:
                    deletes.setdefault((step.service, step.operation), []).append(res.name)
            self._recipes = _Recipes(resources, first, steps, deletes, delete_steps)
        return self._recipes

    def _derived_delete(self, res: Resource) -> tuple[Step, ...]:
        """For a recipe without delete steps whose first step creates (its role): the one operation of
        its service that deletes (its role) and needs nothing but values the create step names or
        produces; none when no operation, or more than one, fits."""
        if not res.create:
            return ()
        first = res.create[0]
        service = self.service(first.service)
        if service.operation(first.operation).role is not Role.CREATE:
            return ()
        known = set(first.produces) | {p for p, t in first.params.items() if whole(t) is not None}
        fits = []
        for op in service.operations.values():
            if op.role is not Role.DELETE or op.input is None:
                continue
            required = [m.name for m in service.shapes[op.input].members if m.required]
            if required and all(m in known for m in required):
                fits.append(Step(first.service, op.name, {m: f"{{{m}}}" for m in required}))
        return tuple(fits) if len(fits) == 1 else ()

    def ids(self, op: OperationSpec) -> _OpIds:
        key = (op.service, op.name)
        hit = self._ops.get(key)
        if hit is None:
            named = sorted({p for s in self.recipes.steps.get(key, ()) for p, t in s.params.items()
                            if isinstance(t, str) and t == "{uid}"})
            hit = _OpIds(tuple(p for p, _ in op.bindings), tuple(named),
                         run_tag_member(op, self.service(op.service)))
            with self._lock:
                self._ops[key] = hit
        return hit


def id_member(res: Resource) -> str | None:
    """The member of the first create step that names the resource with ``{uid}``."""
    if not res.create:
        return None
    for param, template in res.create[0].params.items():
        if template == "{uid}":
            return param
    return None
