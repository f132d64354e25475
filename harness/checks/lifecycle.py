"""The lifecycle checks: one resource driven through a state machine of the overlays, with a
reference model (the lifecycle phase, ``harness.lifecycle``, drives it with Hypothesis).

``LifecycleRun`` holds the reference model of one resource (its state and version) and applies
the overlay's transitions to the real endpoint, checking after each step:

- a legal transition (documented) is accepted, an illegal one refused with a documented error;
- the state read back is the one the model predicts (polling where the step is documented as
  eventually consistent), is one of the documented states, and a terminal state never changes;
- a device update increments the version, and a stale expected version is refused;
- after the documented delete, the resource is not found;
- a resource the service moves by itself (``by: service`` transitions) may pass through states
  between two reads, in the documented order, never back; after a transition with an
  ``eventually``, it reaches one of the documented states within the bound (``wait``: the embedded
  emulator's clock is moved by the bound, any other target is polled for at most the bound).

Transitions whose rule the documentation does not give (``inferred``, or listed as uncertain)
are sent but never judged: the model follows what the endpoint says. An ``inferred`` version rule
is never checked (neither the increment nor a stale expected version), and a machine whose own
``source`` is ``inferred`` has its states, terminal states and delete unasserted.
"""

from __future__ import annotations

from typing import Any

from harness.checks.absence import not_there
from harness.checks.progress import eventually_after, reachable
from harness.checks.registry import check
from harness.context import RunContext
from harness.model import Cause, Exchange, Failure
from harness.polling import DEFAULT, poll
from specs.overlay import DELETED
from specs.paths import search
from specs.templates import fill
from specs.types import Eventually, StateMachineSpec, Step, Transition
from strategies.calls import Call

__all__ = ["LifecycleRun", "machine_ops", "passed_checks"]

ASSERTED = ("model", "doc")


@check("state_transition_conformance", kind="lifecycle",
       doc="A lifecycle breaks its state machine: a legal step refused, an illegal one accepted, "
           "a state outside the documented set")
@check("read_after_write_consistency", kind="lifecycle",
       doc="A read after a write does not show the write")
@check("use_after_delete", kind="lifecycle", doc="A deleted resource is still read")
class LifecycleRun:
    """One resource driven through its state machine, with a reference model."""

    poll_attempts = 20

    def __init__(self, ctx: RunContext, sm: StateMachineSpec) -> None:
        self.ctx, self.sm = ctx, sm
        self.values: dict[str, Any] = {}
        #: the state last read; ``expected``: what the next read may show (None: anything)
        self.state: str | None = None
        #: an inferred machine's initial state is a guess: the first read tells it
        self.expected: frozenset[str] | None = reachable(sm, sm.initial, ()) if sm.source in ASSERTED else None
        #: the caller transitions accepted so far (they set off the service's own transitions)
        self.started: set[str] = set()
        #: the state the resource must reach next, within a bound (an ``eventually`` of the machine)
        self.pending: Eventually | None = eventually_after(sm, None)
        self.version: int | None = None
        self.deleted = False
        self.steps: list[str] = []
        self.by_name = {t.name: t for t in sm.transitions}
        #: the failure this run raised, its scenario, calls and identities (kept if the budget ends the shrink)
        self.failed: tuple[Failure, dict[str, Any], list[Call], list[str]] | None = None

    # -- plumbing --------------------------------------------------------------------------
    def _fail(self, check_name: str, ex: Exchange | None, title: str, message: str) -> None:
        op = ex.operation if ex is not None else self.sm.read.operation
        svc = ex.service if ex is not None else self.sm.read.service
        f = Failure(check=check_name, service=svc, operation=op, title=title,
                    message=f"{self.sm.name} after {' -> '.join(self.steps) or 'creation'}: {message}",
                    cause=Cause("lifecycle", self.sm.name, title), status_code=ex.status if ex else None,
                    error_code=ex.error_code if ex else None)
        if check_name not in self.ctx.enabled:
            return
        if self.ctx.is_known(f):
            self.ctx.record(f)  # counts the occurrence; the search goes on for new failures
            return
        self.failed = (f, self.scenario(), list(self.ctx.sequence), list(self.ctx.identities))
        raise f

    def _send(self, step: Step, extra: dict[str, Any] | None = None, *, bound: bool = True) -> Exchange:
        """Send a step. ``bound=False`` for transitions: whether the resource's state allows one is
        the state machine's to judge, not ``positive_data_acceptance``'s (IoT CancelJob on a
        COMPLETED job has no declared error but InvalidRequestException)."""
        params = fill(step.params, self.values)
        if extra:
            params.update(extra)
        template = Call(step.service, step.operation, {**step.params, **(extra or {})})
        return self.ctx.send_and_record(Call(step.service, step.operation, params), bound=bound,
                                        record_as=template, scenario=self.scenario())

    def scenario(self) -> dict[str, Any]:
        return {"kind": "lifecycle", "machine": self.sm.name, "service": self.sm.service, "steps": list(self.steps)}

    def _unsupported(self, ex: Exchange) -> bool:
        """No answer, or the endpoint does not implement the step's operation: the step is not judged."""
        return self.ctx.unjudgeable(ex) is not None

    def read(self) -> tuple[Exchange, str | None, int | None]:
        ex = self.ctx.judgeable(self._send(self.sm.read))  # else the machine cannot run: nothing to judge
        if not ex.ok:
            return ex, None, None
        state = search(self.sm.state_path, ex.parsed)
        version = search(self.sm.version.field, ex.parsed) if self.sm.version else None
        return ex, state, version if isinstance(version, int) else None

    # -- the model -------------------------------------------------------------------------
    def setup(self) -> None:
        res = self.ctx.resources.resources[self.sm.resource]
        self.values = self.ctx.resources.make(list(res.produces), service=res.service)
        self.check_read(after=None)

    def expectation(self, t: Transition) -> str:
        """accept | refuse | either, for ``t`` from the current state."""
        if self.state is None or t.source not in ASSERTED:
            return "either"
        # the service may have moved the resource since the last read: judge only what holds from each
        found = {self._expectation(t, s) for s in self.now_possible()}
        return found.pop() if len(found) == 1 else "either"

    def _expectation(self, t: Transition, s: str) -> str:
        if (t.name, s, t.target or s) in {tuple(u) for u in self.sm.uncertain}:
            return "either"
        if s in t.sources or ("*" in t.sources and s not in self.sm.terminal):
            return "accept"
        return "refuse" if s in t.refused_from else "either"

    def now_possible(self) -> frozenset[str]:
        """The states the resource may be in now: the last read and where the service may have moved it."""
        return reachable(self.sm, [self.state], self.started) if self.state is not None else frozenset()

    def apply(self, name: str) -> None:
        t = self.by_name[name]
        self.steps.append(name)
        expected = self.expectation(t)
        before = self.state
        ex = self._send(t.step, bound=False)
        if ex.status is None or self._unsupported(ex):
            return
        if expected == "accept" and not ex.ok:
            self._fail("state_transition_conformance", ex, f"legal {name} refused from {before}",
                       f"{name} ({t.step.operation}) is documented as legal from {before}, and was refused: "
                       f"HTTP {ex.status} {ex.error_code}: {ex.error_message}")
        if expected == "refuse" and ex.ok:
            self._fail("state_transition_conformance", ex, f"illegal {name} accepted from {before}",
                       f"{name} ({t.step.operation}) from {before} must be refused "
                       f"({', '.join(t.refused_errors) or 'an error'}), and was accepted with HTTP {ex.status}")
        if expected == "refuse" and not ex.ok and t.refused_errors and ex.error_code not in t.refused_errors \
                and ex.status < 500:
            self._fail("state_transition_conformance", ex, f"{name} from {before} refused with {ex.error_code}",
                       f"{name} from {before} must be refused with one of {', '.join(t.refused_errors)}, "
                       f"got {ex.error_code} (HTTP {ex.status})")
        if ex.ok:
            if t.target == DELETED:
                self.deleted = True
                if expected == "accept":  # an undocumented delete may leave the resource: nothing to judge
                    self.check_gone(t)
                return
            # an accepted update bumps the version whether or not it is documented from this state; an
            # inferred transition's bumps_version is a guess: the next read sets the version instead
            if t.bumps_version and self.version is not None:
                self.version = self.version + 1 if t.source in ASSERTED else None
            self.started.add(name)
            own = eventually_after(self.sm, name)
            if own is not None or (t.target is not None and t.target != before):
                self.pending = own  # a self transition leaves what the resource waits for as it was
            # undocumented: follow what the endpoint says
            self.expected = reachable(self.sm, [t.target or s for s in self.now_possible()], self.started) \
                if expected == "accept" else None
        self.check_read(after=t if ex.ok else None)

    def check_read(self, after: Transition | None) -> None:
        eventual = after is not None and after.consistency == "eventual"
        expected = self.expected
        ex, state, version = poll(self.read, lambda r: not r[0].ok or expected is None or r[1] in expected,
                                  polling=self._polling(), tries=self.poll_attempts if eventual else 1)
        if not ex.ok:
            self._fail("read_after_write_consistency", ex, "the resource cannot be read",
                       f"{self.sm.read.operation} failed: HTTP {ex.status} {ex.error_code}: {ex.error_message}")
            return
        self._judge_state(ex, state, after)
        self._check_version(ex, version, after)

    def _judge_state(self, ex: Exchange, state: Any, after: Transition | None) -> None:
        """``state`` read: one of the documented states, and one the model allows from the last read
        (through the service's own transitions, in order, never back)."""
        documented = self.sm.source in ASSERTED  # an inferred set of states is a guess: never asserted
        if documented and state not in self.sm.states:
            self._fail("state_transition_conformance", ex, f"state {state!r} outside the documented set",
                       f"{self.sm.state_path} is {state!r}, documented states: {', '.join(self.sm.states)}")
        prev, expected = self.state, self.expected
        if expected is not None and state not in expected:
            if documented and prev in self.sm.terminal and state != prev:
                self._fail("state_transition_conformance", ex, f"terminal {prev} changed",
                           f"the terminal state {prev} became {state}")
            if after is not None:
                self._fail("read_after_write_consistency", ex, f"{after.name} not visible",
                           f"expected {self.sm.state_path} {' or '.join(sorted(expected))}, read {state}")
            else:
                title = f"initial state {state}" if prev is None else f"{prev} became {state}"
                self._fail("state_transition_conformance", ex, title,
                           f"expected {self.sm.state_path} {' or '.join(sorted(expected))}"
                           f"{'' if prev is None else f' after {prev}'}, read {state}: the service moves it "
                           f"only through its documented transitions, never back")
        self.state = state if isinstance(state, str) else None
        self.expected = reachable(self.sm, [self.state], self.started) if self.state is not None \
            and documented else None

    def wait(self) -> None:
        """Wait for the state the last transition must lead to within its bound (``eventually``): the
        embedded emulator's clock is moved by the bound, any other target polled for at most the bound
        (a bound past the target's ``max_wait`` is not waited for)."""
        e, self.pending = self.pending, None
        if e is None or self.deleted or self.state in e.reach:
            return
        target = self.ctx.target
        self.steps.append(f"wait:{e.name}")
        if target.polling is None:
            target.advance_clock(e.within)
            ex, state, _ = self.read()
        elif e.within <= target.max_wait:
            polling = self._polling()
            ex, state, _ = poll(self.read, lambda r: not r[0].ok or r[1] in e.reach, polling=polling,
                                within=e.within + (polling.max_interval if polling else 0.0))
        else:
            self.ctx.note_not_judged(
                f"{self.sm.service}.{self.sm.name}: {e.name}",
                f"{self.sm.state_path} must be {' or '.join(e.reach)} within {e.within:g} s after "
                f"{e.after or 'creation'}; not waited for, past the target's --max-wait of {target.max_wait:g} s")
            return
        if not ex.ok:
            return  # what cannot be read is judged by the next read
        self._judge_state(ex, state, None)
        if state not in e.reach and e.source in ASSERTED:
            self._fail("state_transition_conformance", ex, f"{e.name}: not {' or '.join(e.reach)} in time",
                       f"{self.sm.state_path} must be {' or '.join(e.reach)} within {e.within:g} s "
                       f"after {e.after or 'creation'} ({e.name}); read {state} after the bound")

    def _polling(self) -> Any:
        """The target's spacing of reads, or the machine's own (None on the embedded emulator)."""
        return None if self.ctx.target.polling is None else (self.sm.polling or self.ctx.target.polling or DEFAULT)

    def _check_version(self, ex: Exchange, version: int | None, after: Transition | None) -> None:
        rule = self.sm.version
        if rule is None or rule.source not in ASSERTED:
            return
        if self.version is not None and version is not None and after is not None and after.bumps_version \
                and version != self.version:
            self._fail("state_transition_conformance", ex, "version not incremented",
                       f"after {after.name} the version should be {self.version}, read {version}")
        self.version = version

    def stale_write(self) -> None:
        """Send a version-bumping legal transition with a stale expected version: it must be refused."""
        rule = self.sm.version
        if rule is None or rule.source not in ASSERTED or rule.expected_param is None or self.version is None \
                or self.state is None:
            return
        legal = [t for t in self.sm.transitions if t.bumps_version and self.expectation(t) == "accept"]
        if not legal:
            return
        t = legal[0]
        self.steps.append(f"{t.name}[{rule.expected_param}={self.version - 1}]")
        ex = self._send(t.step, {rule.expected_param: self.version - 1}, bound=False)
        if self._unsupported(ex):
            return
        if ex.ok:
            self._fail("state_transition_conformance", ex, f"{rule.expected_param} ignored",
                       f"{t.name} with {rule.expected_param}={self.version - 1} while the version is "
                       f"{self.version} was accepted")
        elif rule.mismatch_errors and ex.error_code not in rule.mismatch_errors and ex.status and ex.status < 500:
            self._fail("state_transition_conformance", ex, f"stale {rule.expected_param} refused with {ex.error_code}",
                       f"a stale {rule.expected_param} must be refused with one of "
                       f"{', '.join(rule.mismatch_errors)}, got {ex.error_code} (HTTP {ex.status})")
        self.check_read(after=None)

    def delete(self) -> None:
        if self.sm.delete is None or self.deleted:
            return
        self.steps.append("delete")
        ex = self._send(self.sm.delete)
        if ex.ok:
            self.deleted = True
            if self.sm.source in ASSERTED:
                self.check_gone(None)

    def check_gone(self, t: Transition | None) -> None:
        """After a delete, the resource must not be read (polled: deletion may take a moment)."""
        absence = self.ctx.op_spec(self.sm.read.service, self.sm.read.operation).not_found
        ex = poll(lambda: self._send(self.sm.read), lambda e: not_there(absence, e, self.values.values()) is not False,
                  polling=self._polling(), tries=self.poll_attempts)
        if not_there(absence, ex, self.values.values()) is False:
            self._fail("use_after_delete", ex, "read after delete",
                       f"{self.sm.read.operation} still answers HTTP {ex.status} after "
                       f"{t.name if t else 'the delete'}")
        elif not ex.ok and absence.errors and not absence.refuses(ex.error_code, ex.error_message) \
                and ex.status and ex.status < 500:
            self._fail("use_after_delete", ex, f"deleted resource answers {ex.error_code}",
                       f"after the delete, {self.sm.read.operation} should answer {', '.join(absence.errors)}, "
                       f"got {ex.error_code}")

    def replay(self, steps: list[str]) -> None:
        """Rerun a recorded list of steps (from a case file) outside Hypothesis."""
        self.setup()
        for name in steps:
            if name == "delete":
                self.delete()
            elif name.startswith("wait:"):
                self.pending = next((e for e in self.sm.eventually if e.name == name[5:]), None)
                self.wait()
            elif "[" in name:
                self.stale_write()
            else:
                self.apply(name)


def machine_ops(sm: StateMachineSpec) -> list[str]:
    """Every operation ``sm`` drives, qualified."""
    return sorted({f"{t.step.service}.{t.step.operation}" for t in sm.transitions}
                  | {f"{sm.read.service}.{sm.read.operation}"})


def passed_checks(sm: StateMachineSpec) -> list[tuple[str, str]]:
    """(operation, check) that a run of ``sm`` with no failure passed: the state machine and the
    read after each write on every operation it drives, and the read after the delete on its read."""
    read = f"{sm.read.service}.{sm.read.operation}"
    passed = {(qualified, name) for qualified in machine_ops(sm)
              for name in ("state_transition_conformance", "read_after_write_consistency")}
    if sm.delete is not None or any(t.target == DELETED for t in sm.transitions):
        passed.add((read, "use_after_delete"))  # the read after the delete is what it checks
    return sorted(passed)
