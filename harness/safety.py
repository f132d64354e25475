"""Safety on a real account: the run prefix and tag, the guard, the call caps, the ledger, cleanup.

- Every resource a run makes is named with the run prefix (``{uid}`` is the prefix and a counter)
  and, where the create operation has a tags member in the model, tagged ``jobfuzz:run=<prefix>``.
- The guard (``Guard.vet``) looks at every call before it is sent. An identifier parameter (a
  member the overlay binds to a resource, or a member a recipe names a new resource by) must hold a
  value this run made or one that carries the prefix. A generated name of a new resource is given
  the prefix when the model's rules for the member still hold; anything else is refused, counted
  and reported, and never sent (it is not a contract failure).
- ``CallLimiter`` spaces calls to at most ``max_rate`` a second and stops the run (the engine's
  ``Stop``) after ``max_calls``; the cleanup at the end is not counted against the total.
- The ledger (``<ledger_dir>/<prefix>.jsonl``) records what each create made as it is made, so
  that resources whose ids the service chooses (Import/Export and AmplifyBackend job ids) can be
  found again after an interrupted run. ``harness.cleanup`` deletes what the ledger holds and
  what the list operations show with an id that starts with the prefix.
"""

from __future__ import annotations

import dataclasses
import json
import re
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.model import Exchange
from harness.redaction import redact
from harness.resources import add_run_tag, dig, fill, run_tag_member
from specs.types import OperationSpec, Resource, ServiceSpec, Step
from strategies.calls import Call

__all__ = ["DEFAULT_LEDGER_DIR", "MIN_PREFIX", "NOT_FOUND_CODES", "PLACEHOLDER", "CallLimiter", "Guard", "Ledger",
           "SpecIndex", "id_member", "new_prefix", "prefix_problem", "refused_exchange"]

MIN_PREFIX = 4
DEFAULT_LEDGER_DIR = Path(".jobfuzz/runs")
#: letters and digits, a letter first: fits every id pattern of the job APIs (thing names, job ids,
#: Amplify app ids)
_PREFIX = re.compile(r"[a-z][a-z0-9]*")
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
NOT_FOUND_CODES = frozenset({"ResourceNotFoundException", "NotFoundException", "NoSuchEntity", "InvalidJobIdException"})


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

    @property
    def recipes(self) -> _Recipes:
        if self._recipes is None:
            from harness.engine import DEFAULT_SERVICES

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
        """For a recipe without delete steps: the model's ``Delete<Noun>`` for its ``Create<Noun>``,
        when every required member of its input is a value the create step names or produces."""
        if not res.create or not res.create[0].operation.startswith("Create"):
            return ()
        first = res.create[0]
        service = self.service(first.service)
        op = service.operations.get("Delete" + first.operation[len("Create"):])
        if op is None or op.input is None:
            return ()
        known = set(first.produces) | {p for p, t in first.params.items() if isinstance(t, str) and
                                       PLACEHOLDER.fullmatch(t)}
        required = [m.name for m in service.shapes[op.input].members if m.required]
        if not required or any(m not in known for m in required):
            return ()
        return (Step(first.service, op.name, {m: f"{{{m}}}" for m in required}),)

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



# -- the guard --------------------------------------------------------------------------------------

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
        self.made: set[str] = set()  # ids this run made that do not carry the prefix (service-chosen)
        self.refused: Counter[str] = Counter()  # service.Operation -> calls refused
        self.reasons: dict[str, str] = {}  # service.Operation -> the first reason
        self.renamed = 0  # generated names of new resources given the prefix
        #: (service, operation, identifying params) of a delete step -> ledger entries it removes
        self._by_delete: dict[tuple[Any, ...], set[int]] = {}
        self.tagged = 0  # calls that got the run tag
        self._lock = threading.Lock()

    # -- judging values ------------------------------------------------------------------------
    def ours(self, value: Any) -> bool:
        """Made by this run, or carries its prefix (an id, or an ARN whose resource id does)."""
        if not isinstance(value, str):
            return False
        if value in self.made or value.startswith(self.prefix):
            return True
        if value.startswith("arn:"):
            resource = value.split(":", 5)[-1]
            parts = re.split(r"[/:]", resource)
            return any(p.startswith(self.prefix) for p in parts[1:2] or parts[:1])
        return False

    def _foreign(self, value: Any) -> Any:
        """The first string in ``value`` that is not ours (None when every one is)."""
        if isinstance(value, str):
            return None if self.ours(value) else value
        if isinstance(value, (list, tuple)):
            for v in value:
                bad = self._foreign(v)
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
        for param in ids.bound:
            if param not in params or params[param] is None:
                continue
            value = params[param]
            if isinstance(value, (str, list, tuple)):
                bad = self._foreign(value)
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
                    value = dig(ex.parsed, path)
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
                        for sig in _delete_signatures(recipes.delete_steps[name], values):
                            self._by_delete.setdefault(sig, set()).add(idx)
        gone = ex.ok or (ex.error_code or "") in NOT_FOUND_CODES or (
            ex.error_code is not None and ex.error_code in self._not_found(call))
        if gone and key in recipes.deletes:
            for name in recipes.deletes[key]:
                for step in recipes.delete_steps[name]:
                    if (step.service, step.operation) == key:
                        with self._lock:
                            hits = self._by_delete.pop(_signature(step, call.params), set())
                        for idx in hits:
                            self.ledger.mark_deleted(idx)
        if pending is not None and pending != recorded:  # last: the answer's entry is on disk first
            self.ledger.mark_deleted(pending)

    def _not_found(self, call: Call) -> tuple[str, ...]:
        op = self.specs.operation(call.service, call.operation)
        return op.not_found_errors if op is not None else ()

    def summary(self) -> dict[str, Any]:
        return {"prefix": self.prefix, "refused": sum(self.refused.values()),
                "refused_by_operation": dict(sorted(self.refused.items())),
                "refused_reasons": dict(sorted(self.reasons.items())),
                "renamed": self.renamed, "tagged": self.tagged}


def _values_of(step: Step, params: dict[str, Any], parsed: Any) -> dict[str, Any]:
    """The bindings a create step made: what its answer produced, and the params it was filled with."""
    values: dict[str, Any] = {}
    for param, template in step.params.items():
        m = PLACEHOLDER.fullmatch(template) if isinstance(template, str) else None
        if m and m.group(1) != "access_key" and isinstance(params.get(param), (str, int)):
            values[param if m.group(1) == "uid" else m.group(1)] = params[param]
    for binding, path in step.produces.items():
        value = dig(parsed, path)
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            values[binding] = value
    return values


def _signature(step: Step, params: dict[str, Any]) -> tuple[Any, ...]:
    """A delete step's operation and the values of its templated params (what names the resource)."""
    keys = sorted(p for p, t in step.params.items() if isinstance(t, str) and PLACEHOLDER.search(t))
    return (step.service, step.operation, *((k, json.dumps(params.get(k), sort_keys=True, default=str))
                                            for k in keys))


def _delete_signatures(steps: tuple[Step, ...], values: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [_signature(step, fill(step.params, values)) for step in steps]


def refused_exchange(call: Call, reason: str, identity: str) -> Exchange:
    """What the engine sees for a call the guard did not send: no request, no answer."""
    return Exchange(call=call, request=None, response=None, transport_error=f"not sent (safety guard): {reason}",
                    identity=identity)


# -- call caps --------------------------------------------------------------------------------------

class CallLimiter:
    """At most ``max_rate`` calls a second (evenly spaced) and ``max_calls`` calls in all.

    Past ``max_calls`` ``acquire`` raises the engine's ``Stop``: the run starts no new work. Once
    ``draining`` is set (the cleanup at the end), calls are still spaced but no longer counted.
    """

    def __init__(self, max_rate: float | None = None, max_calls: int | None = None, *,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:
        self.max_rate = max_rate
        self.max_calls = max_calls
        self.sent = 0  # calls counted against max_calls
        self.drained = 0  # cleanup calls after the run
        self.reached = False
        self.draining = False
        self._clock, self._sleep = clock, sleep
        self._next = 0.0
        self._lock = threading.Lock()

    def acquire(self) -> None:
        with self._lock:
            if not self.draining and self.max_calls is not None and self.sent >= self.max_calls:
                self.reached = True
                from harness.engine import Stop

                raise Stop()
            wait = 0.0
            if self.max_rate:
                now = self._clock()
                start = max(now, self._next)
                wait = start - now
                self._next = start + 1.0 / self.max_rate
            if self.draining:
                self.drained += 1
            else:
                self.sent += 1
        if wait > 0:
            self._sleep(wait)


# -- the ledger -------------------------------------------------------------------------------------

class Ledger:
    """What a run made, one JSON line a resource, kept on disk while anything of it may be left.

    Lines: ``{"n": 3, "made": "thing", "service": "iot", "identity": "primary", "values": {...}}``
    and ``{"deleted": 3}``. Values are ids and names only (never a credential).
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._entries: list[dict[str, Any]] = []
        self._index: dict[str, int] = {}  # resource and values -> the open entry
        self._out: Any = None
        self._lock = threading.Lock()

    @classmethod
    def load(cls, path: Path) -> Ledger:
        ledger = cls(path)
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                rec = json.loads(line)
            except ValueError:
                continue  # a line cut short when the run was killed
            if "made" in rec and isinstance(rec.get("values"), dict):
                ledger._entries.append({"resource": rec["made"], "service": rec.get("service"),
                                        "identity": rec.get("identity", "primary"), "values": rec["values"],
                                        "deleted": False})
            elif isinstance(rec.get("deleted"), int) and 0 <= rec["deleted"] < len(ledger._entries):
                ledger._entries[rec["deleted"]]["deleted"] = True
        return ledger

    def _write(self, rec: dict[str, Any]) -> None:
        if self.path is None:
            return
        if self._out is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            cut = self.path.exists() and self.path.stat().st_size > 0 and \
                not self.path.read_bytes().endswith(b"\n")
            self._out = self.path.open("a", encoding="utf-8")
            if cut:  # the last line was cut short (a killed run): start on a line of its own
                self._out.write("\n")
        self._out.write(redact(json.dumps(rec, sort_keys=True)) + "\n")
        self._out.flush()  # on disk before the next call: a killed run leaves a usable ledger

    def add(self, resource: str, service: str, values: dict[str, Any], identity: str, *,
            pending: bool = False) -> int:
        """Record a resource; ``pending``: one a create may be making (always an entry of its own)."""
        key = json.dumps([resource, values], sort_keys=True, default=str)
        with self._lock:
            idx = self._index.get(key)
            if idx is not None and not self._entries[idx]["deleted"] and not pending:
                return idx  # the same resource made again (an idempotent create)
            idx = len(self._entries)
            if not pending:
                self._index[key] = idx
            self._entries.append({"resource": resource, "service": service, "identity": identity,
                                  "values": dict(values), "deleted": False})
            self._write({"n": idx, "made": resource, "service": service, "identity": identity, "values": values})
            return idx

    def mark_deleted(self, idx: int) -> None:
        with self._lock:
            if not self._entries[idx]["deleted"]:
                self._entries[idx]["deleted"] = True
                self._write({"deleted": idx})

    def open_entries(self) -> list[tuple[int, dict[str, Any]]]:
        with self._lock:
            return [(i, e) for i, e in enumerate(self._entries) if not e["deleted"]]

    def __len__(self) -> int:
        return len(self._entries)

    def close(self) -> None:
        """Close the file; remove it once nothing it records is left."""
        with self._lock:
            if self._out is not None:
                self._out.close()
                self._out = None
        if self.path is not None and not self.open_entries() and self.path.exists():
            self.path.unlink()
