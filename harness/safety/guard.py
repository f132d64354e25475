"""The guard: every call on a real account passes ``Guard.vet`` before it is sent.

An identifier parameter (a member the overlay binds to a resource, or a member a recipe names a
new resource by) must hold a value this run made or, in a read or a list (the operation's role:
``specs.roles``) or as the name of a new resource, one that carries the prefix: the prefix alone never lets a write (a
delete, an update, a cancel) name an existing resource. A generated name
of a new resource is given the prefix when the model's rules for the member still hold; anything
else is refused, counted and reported, and never sent (it is not a contract failure). What a create
makes is recorded in the ledger (``before_send``, then ``observe``).
"""

from __future__ import annotations

import dataclasses
import json
import re
import threading
from collections import Counter
from typing import Any

from harness.model import Exchange
from harness.resources import add_run_tag
from harness.safety.index import SpecIndex, id_member
from harness.safety.ledger import Ledger
from specs.paths import jmespath_form, search
from specs.templates import fill, names, whole
from specs.types import OperationSpec, ServiceSpec, Step
from strategies.calls import Call

__all__ = ["Guard", "refused_exchange"]


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _top(path: str) -> str:
    return re.split(r"[.\[{]", path, maxsplit=1)[0]


class Guard:
    """Lets through only calls whose identifiers name what this run made or what carries its prefix."""

    def __init__(self, prefix: str, *, ledger: Ledger | None = None,
                 services: dict[str, ServiceSpec] | None = None) -> None:
        self.prefix = prefix
        self.ledger = ledger if ledger is not None else Ledger(None)
        self.specs = SpecIndex(services)
        #: ids this run made (its answers and its ledger say so, or a listing found them with the run tag)
        self.made: set[str] = set()
        self.refused: Counter[str] = Counter()  # service.Operation -> calls refused
        self.reasons: dict[str, str] = {}  # service.Operation -> the first reason
        self.renamed = 0  # generated names of new resources given the prefix
        #: (service, operation, identifying params) of a delete step -> ledger entries it removes
        self._by_delete: dict[tuple[Any, ...], set[int]] = {}
        self.tagged = 0  # calls that got the run tag
        self._lock = threading.Lock()

    # -- judging values ------------------------------------------------------------------------
    def ours(self, value: Any, *, made_only: bool = False) -> bool:
        """Made by this run (an id, or an ARN whose resource id is), or, unless ``made_only``,
        carries its prefix."""
        if not isinstance(value, str):
            return False
        if value in self.made:
            return True
        ids = [value]
        if value.startswith("arn:"):
            parts = re.split(r"[/:]", value.split(":", 5)[-1])
            ids = parts[1:2] or parts[:1]
            if any(p in self.made for p in ids):
                return True
        return not made_only and any(p.startswith(self.prefix) for p in ids)

    def _foreign(self, value: Any, made_only: bool = False) -> Any:
        """The first string in ``value`` that is not ours (None when every one is)."""
        if isinstance(value, str):
            return None if self.ours(value, made_only=made_only) else value
        if isinstance(value, (list, tuple)):
            for v in value:
                bad = self._foreign(v, made_only)
                if bad is not None:
                    return bad
        return None

    # -- before sending ------------------------------------------------------------------------
    def vet(self, call: Call) -> tuple[Call, str | None]:
        """The call to send (new names prefixed, the run tag added), or the reason not to send it."""
        op = self.specs.operation(call.service, call.operation)
        if op is None:
            return call, f"{call.service}.{call.operation} is not in the model: the guard cannot judge it"
        ids = self.specs.ids(op)
        service = self.specs.service(op.service)
        broken = _top(call.violation.path) if call.violation is not None else None
        params = dict(call.params)
        named_ours = False
        scalars = []
        # a read or a list (its role) may name anything that carries the prefix (a not-found answer is
        # what it tests); every other operation names only what the run made
        write = op.role.mutating
        for place in ids.bound:
            param = jmespath_form(place)  # a member, or a member of each list item (a list of its values)
            value = search(param, params)
            if value is None:
                continue
            if isinstance(value, (str, list, tuple)):
                bad = self._foreign(value, made_only=write)
                if bad is not None and write and self.ours(bad):
                    return call, (f"{op.qualified}: {param}={_short(bad)} carries the prefix {self.prefix!r}, but "
                                  f"neither the run nor its ledger made it, nor does it carry the run tag: a "
                                  f"write names only what is the run's")
                if bad is not None:
                    return call, (f"{op.qualified}: {param}={_short(bad)} was not made by this run and does "
                                  f"not carry its prefix {self.prefix!r}")
                named_ours = named_ours or bool(value)
            else:
                scalars.append(param)
        for param in ids.named:
            value = params.get(param)
            if value is None or self.ours(value):
                named_ours = named_ours or value is not None
                continue
            renamed = None if param == broken or not isinstance(value, str) else \
                self._prefixed(op, service, params, param, value)
            if renamed is None:
                return call, (f"{op.qualified}: {param}={_short(value)} does not carry the run prefix "
                              f"{self.prefix!r} and cannot be given it")
            params = renamed
            named_ours = True
            with self._lock:
                self.renamed += 1
        if scalars and not named_ours:
            return call, (f"{op.qualified}: {', '.join(scalars)} names a resource, and no identifier beside "
                          f"it is one this run made")
        if ids.tags is not None and _top(ids.tags[0]) != broken and call.raw is None:
            tagged = add_run_tag(params, ids.tags, self.prefix, service=service, op=op)
            if tagged is not None and not self._new_problems(op, service, params, tagged, ids.tags[0]):
                params = tagged
                with self._lock:
                    self.tagged += 1
        if params != call.params:
            call = dataclasses.replace(call, params=params)
        return call, None

    def _prefixed(self, op: OperationSpec, service: ServiceSpec, params: dict[str, Any], param: str,
                  value: str) -> dict[str, Any] | None:
        """``params`` with ``param`` given the prefix (same length at the member's maximum), when
        the model's and overlay's rules for the member hold as they did."""
        member = service.shapes[op.input].member_named(param) if op.input else None
        limit = service.shapes[member.shape].max if member is not None else None
        new = self.prefix + value
        if limit is not None:
            if limit < len(self.prefix):
                return None
            new = new[:int(limit)]
        out = {**params, param: new}
        return None if self._new_problems(op, service, params, out, param) else out

    @staticmethod
    def _new_problems(op: OperationSpec, service: ServiceSpec, before: dict[str, Any], after: dict[str, Any],
                      member: str) -> bool:
        from specs.validator import validate

        def at(params: dict[str, Any]) -> set[tuple[str, str]]:
            try:
                return {(p.path, p.rule) for p in validate(op, service, params) if _top(p.path) == member}
            except Exception:  # noqa: BLE001 - a value the validator cannot walk: do not change it
                return {("?", "?")}

        return bool(at(after) - at(before))

    def refuse(self, call: Call, reason: str) -> None:
        with self._lock:
            self.refused[call.qualified] += 1
            self.reasons.setdefault(call.qualified, reason)

    def before_send(self, call: Call, identity: str) -> int | None:
        """Record a create whose new resource's id the call names, before it is sent: if the run
        dies before the answer, the ledger still holds what the service may have made."""
        key = (call.service, call.operation)
        name = self.specs.recipes.first_step.get(key)
        if name is None:
            return None
        res = self.specs.recipes.resources[name]
        member = id_member(res)
        if member is None or not isinstance(call.params.get(member), str):
            return None
        return self.ledger.add(name, res.service, _values_of(res.create[0], call.params, None), identity,
                               pending=True)

    # -- after sending -------------------------------------------------------------------------
    def observe(self, call: Call, ex: Exchange, identity: str, pending: int | None = None) -> None:
        """Learn what a create made (and record it in the ledger), and what a delete removed.
        ``pending``: the entry ``before_send`` wrote, now replaced by what the answer says."""
        key = (call.service, call.operation)
        recipes = self.specs.recipes
        recorded = None
        if ex.ok:
            for step in recipes.steps.get(key, ()):
                for path in step.produces.values():
                    value = search(path, ex.parsed)
                    if isinstance(value, str) and value:
                        with self._lock:
                            self.made.add(value)
            name = recipes.first_step.get(key)
            if name is not None:
                res = recipes.resources[name]
                values = _values_of(res.create[0], call.params, ex.parsed)
                if values:
                    idx = recorded = self.ledger.add(name, res.service, values, identity)
                    with self._lock:
                        self.made.update(v for v in values.values() if isinstance(v, str))
                        for sig in _delete_signatures(recipes.delete_steps[name], values):
                            self._by_delete.setdefault(sig, set()).add(idx)
        if key in recipes.deletes and self.specs.gone(call.service, call.operation, ex):
            for name in recipes.deletes[key]:
                for step in recipes.delete_steps[name]:
                    if (step.service, step.operation) == key:
                        with self._lock:
                            hits = self._by_delete.pop(_signature(step, call.params), set())
                        for idx in hits:
                            self.ledger.mark_deleted(idx)
        if pending is not None and pending != recorded:  # last: the answer's entry is on disk first
            self.ledger.mark_deleted(pending)

    def summary(self) -> dict[str, Any]:
        return {"prefix": self.prefix, "refused": sum(self.refused.values()),
                "refused_by_operation": dict(sorted(self.refused.items())),
                "refused_reasons": dict(sorted(self.reasons.items())),
                "renamed": self.renamed, "tagged": self.tagged}


def _values_of(step: Step, params: dict[str, Any], parsed: Any) -> dict[str, Any]:
    """The bindings a create step made: what its answer produced, and the params it was filled with."""
    values: dict[str, Any] = {}
    for param, template in step.params.items():
        name = whole(template)
        if name is not None and name != "access_key" and isinstance(params.get(param), (str, int)):
            values[param if name == "uid" else name] = params[param]
    for binding, path in step.produces.items():
        value = search(path, parsed)
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            values[binding] = value
    return values


def _signature(step: Step, params: dict[str, Any]) -> tuple[Any, ...]:
    """A delete step's operation and the values of its templated params (what names the resource)."""
    keys = sorted(p for p, t in step.params.items() if names(t))
    return (step.service, step.operation, *((k, json.dumps(params.get(k), sort_keys=True, default=str))
                                            for k in keys))


def _delete_signatures(steps: tuple[Step, ...], values: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [_signature(step, fill(step.params, values)) for step in steps]


def refused_exchange(call: Call, reason: str, identity: str) -> Exchange:
    """What the engine sees for a call the guard did not send: no request, no answer."""
    return Exchange(call=call, request=None, response=None, transport_error=f"not sent (safety guard): {reason}",
                    identity=identity)
