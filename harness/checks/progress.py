"""What a state machine's reference model accepts between two reads of a job that moves on its own.

A service may move a resource by itself (``by: service`` transitions of an overlay: a timer, every
execution of a job ending, a job progressing): between two reads the resource may pass through
states nobody read, but only in the documented order, never back. ``reachable`` is that set: the
state and every state the service's enabled transitions lead to from it. A transition is enabled
from creation, or once one of the caller transitions it names (``after``) has been accepted.
"""

from __future__ import annotations

from collections.abc import Iterable

from specs.types import Eventually, StateMachineSpec

__all__ = ["eventually_after", "reachable"]


def reachable(sm: StateMachineSpec, states: Iterable[str], started: Iterable[str]) -> frozenset[str]:
    """``states`` and every state the service may move them to by itself, given the caller
    transitions accepted so far (``started``)."""
    started = set(started)
    enabled = [st for st in sm.service_transitions if not st.after or started & set(st.after)]
    seen = set(states)
    todo = list(seen)
    while todo:
        state = todo.pop()
        for st in enabled:
            if state in st.sources or ("*" in st.sources and state not in sm.terminal):
                nxt = st.target or state  # a self transition keeps the state
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
    return frozenset(seen)


def eventually_after(sm: StateMachineSpec, transition: str | None) -> Eventually | None:
    """The state ``sm`` must reach after ``transition`` (None: after the resource is made), if any."""
    return next((e for e in sm.eventually if e.after == transition), None)
