"""A search that stops (the endpoint given up, the budget spent) while Hypothesis replays an example
ends the phase with Stop, not with a crashed check: Hypothesis calls two stops raised at different
places flaky (FlakyFailure), which is the run stopping, not the harness failing."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import strategies as st
from hypothesis.database import InMemoryExampleDatabase

import harness.phases as phases
from harness.config import Stop


class _Ctx:
    def __init__(self) -> None:
        self.crashes: list[Any] = []

    def crashed(self, *args: Any) -> None:
        self.crashes.append(args)


def _stop_at_first_place() -> None:
    raise Stop()


def _stop_at_second_place() -> None:
    raise Stop()


def test_stops_at_two_places_are_a_stop_not_a_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    raised: list[int] = []

    def run_one(ctx: Any, op: Any, call: Any, pool: Any) -> list[Any]:
        raised.append(1)
        (_stop_at_first_place if len(raised) == 1 else _stop_at_second_place)()
        return []

    monkeypatch.setattr(phases, "run_one", run_one)
    ctx = _Ctx()
    op = type("Op", (), {"qualified": "batch.SubmitJob"})()
    with pytest.raises(Stop):
        phases._search(ctx, op, st.integers(0, 1000), {}, InMemoryExampleDatabase(), "valid",  # type: ignore[arg-type]
                       examples=5, seed=0, reuse=False)
    assert len(raised) >= 2 and ctx.crashes == []
