"""The systematic pass of a lifecycle: every transition of a state machine tried from every state
the resource is seen to reach, before the lifecycle phase's random walks (``harness.lifecycle``).

Breadth first over the states the endpoint reports. The first state is the one read after the
recipe made the resource; from each state, the stale expected version, every transition of the
machine (legal and illegal alike) and last the delete are tried in turn, on a resource walked there
by the shortest path known; a transition after which the service must move the resource on by
itself within a bound (``eventually``) is followed by that wait. A transition that leaves the
resource where it was (a refused call, a self-loop) lets the next one go on with the same resource;
otherwise a fresh resource is walked to the state. A state reached for the first time joins the
frontier, with its path (and the resource that reached it is kept to start that state's turn with). Every step is a
``LifecycleRun`` step, so what is checked, and how a failure is recorded and replayed, is the
lifecycle's own; a failure ends the resource it came from (its model is no longer trusted), never
the sweep.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from harness.checks.lifecycle import LifecycleRun, machine_ops
from harness.config import Untestable
from harness.context import RunContext
from harness.model import Failure
from harness.resources import ResourceError
from specs.types import StateMachineSpec
from strategies.calls import Call

__all__ = ["STALE", "Sweep"]

#: the step that sends a version-bumping transition with a stale expected version
STALE = "[stale expected version]"
DELETE = "delete"


@dataclass
class _Resource:
    """A resource of the sweep, in its model's state, with the calls that brought it there."""

    run: LifecycleRun
    sequence: list[Call]
    identities: list[str]


class Sweep:
    """The sweep of one state machine, resumable (``advance``): the first pass begins it, the
    lifecycle phase finishes it."""

    def __init__(self, ctx: RunContext, sm: StateMachineSpec) -> None:
        self.ctx, self.sm = ctx, sm
        #: each state seen -> the transitions that reach it from a new resource, shortest first found
        self.paths: dict[str, list[str]] = {}
        self.frontier: deque[str] = deque()
        self.covered: list[str] = []  # the states whose every step was tried, in order
        self.tried: list[tuple[str, str]] = []  # (state, step), in the order they were tried
        self.started = self.done = False
        self._current: str | None = None  # the state being covered, and the next step to try from it
        self._index = 0
        #: a resource in a state still to cover, at most one a state (no new resource needed to go on)
        self._spare: dict[str, _Resource] = {}

    def steps(self) -> list[str]:
        """What is tried from each state, in order."""
        names = [t.name for t in self.sm.transitions]
        return [STALE, *names, *([DELETE] if self.sm.delete is not None else [])]

    def advance(self, fresh: int | None = None) -> bool:
        """Go on with the sweep, making at most ``fresh`` new resources (None: no limit); True while
        steps are left. A resource or read the machine cannot make ends the sweep (noted untested)."""
        made = [0]
        try:
            while not self.done:
                if self._current is None and not self._next_state(made):
                    return False
                if not self._cover(made, fresh):
                    return True
        except (ResourceError, Untestable) as exc:
            why = exc.reason if isinstance(exc, Untestable) else str(exc)
            for qualified in machine_ops(self.sm):
                self.ctx.note_untested(qualified, f"lifecycle {self.sm.name} not run: {why}")
            self.done = True
        return False

    def _next_state(self, made: list[int]) -> bool:
        if not self.started:
            self.started = True
            made[0] += 1
            first = self._fresh([])
            if first is not None and first.run.state is not None:
                self._found(first.run.state, [], first)
        if not self.frontier:
            self.done = True
            return False
        self._current, self._index = self.frontier.popleft(), 0
        return True

    def _found(self, state: str, path: list[str], res: _Resource | None) -> None:
        if state not in self.paths:
            self.paths[state] = path
            self.frontier.append(state)
        if res is not None and state not in self.covered and state != self._current:
            self._spare.setdefault(state, res)

    # -- one state -------------------------------------------------------------------------
    def _cover(self, made: list[int], fresh: int | None) -> bool:
        """Try the steps left from the current state; False when stopped by ``fresh``."""
        state, steps = self._current, self.steps()
        assert state is not None
        while self._index < len(steps):
            res = self._spare.pop(state, None)
            if res is None or res.run.deleted or res.run.state != state:
                if fresh is not None and made[0] >= fresh:
                    return False
                made[0] += 1
                res = self._fresh(self.paths[state])
                if res is None or res.run.state != state:
                    break  # the path no longer leads there (or a step failed): nothing more from here
            self.ctx.sequence, self.ctx.identities = res.sequence, res.identities
            step = steps[self._index]
            self._index += 1
            self.tried.append((state, step))
            if not self._try(res.run, step):
                continue  # a failure: this resource's model is no longer trusted
            reached = res.run.state
            if reached == state and not res.run.deleted:
                self._spare[state] = res
            elif step not in (STALE, DELETE) and not res.run.deleted and reached is not None:
                self._found(reached, [*self.paths[state], step], res)
        self.covered.append(state)
        self._current = None
        return True

    def _try(self, run: LifecycleRun, step: str) -> bool:
        """One step on ``run``; False when it raised a (new) failure, which is recorded."""
        try:
            if step == STALE:
                run.stale_write()
            elif step == DELETE:
                run.delete()
            else:
                run.apply(step)
                if run.pending is not None:  # a state the service must reach within a bound after it
                    run.wait()
        except Failure as f:
            self.ctx.record(f, scenario=run.scenario())
            return False
        return True

    def _fresh(self, path: list[str]) -> _Resource | None:
        """A new resource walked along ``path``; None when a step of the walk failed (recorded)."""
        self.ctx.new_example()
        res = _Resource(LifecycleRun(self.ctx, self.sm), self.ctx.sequence, self.ctx.identities)
        try:
            res.run.setup()
        except Failure as f:
            self.ctx.record(f, scenario=res.run.scenario())
            return None
        for step in path:
            if not self._try(res.run, step):
                return None
        return res
