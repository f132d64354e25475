"""harness.transport: each call's timeouts are cut to what is left of the run's budget."""

from __future__ import annotations

import time

from harness.transport import MIN_TIMEOUT_S, Limits


def test_without_a_deadline_the_configured_timeouts_hold():
    t = Limits(connect_timeout=5, read_timeout=30).timeout()
    assert (t.connect_timeout, t.read_timeout) == (5, 30)


def test_the_timeouts_are_cut_to_the_budget_left():
    t = Limits(connect_timeout=5, read_timeout=30, deadline=time.monotonic() + 2).timeout()
    assert 0 < t.connect_timeout <= 2 and 0 < t.read_timeout <= 2


def test_past_the_budget_a_call_still_gets_the_minimum_not_a_zero_timeout():
    t = Limits(deadline=time.monotonic() - 10).timeout()
    assert t.read_timeout == MIN_TIMEOUT_S
