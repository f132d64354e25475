"""State machines of jobs that move on their own: the format's new pieces, and their errors."""

from __future__ import annotations

import pytest

from specs.loader import load_service
from specs.overlay import OverlayError

pytestmark = pytest.mark.usefixtures("fresh_overlays")

_MACHINE = """
    service: iot-jobs-data
    state_machines:
      - name: m
        resource: job
        states: [QUEUED, IN_PROGRESS, TIMED_OUT]
        initial: {initial}
        terminal: [TIMED_OUT]
        read: {{service: iot-jobs-data, operation: {read}}}
        state_path: "{path}"
        source: doc
        transitions:
          - name: start
            step: {{service: iot-jobs-data, operation: UpdateJobExecution}}
            from: [QUEUED]
            to: IN_PROGRESS
            source: doc
          - name: expires
            by: service
            {extra}
            from: [IN_PROGRESS]
            to: TIMED_OUT
            source: doc
        eventually:
          - {{name: times_out, after: {after}, reach: [TIMED_OUT], within: 60, source: doc}}
        polling: {{interval: 0.5, backoff: 3, max_interval: 5}}
"""


def _machine(overlay, *, initial="[QUEUED, IN_PROGRESS]", path="execution.status", extra="trigger: timer",
             after="start", read="DescribeJobExecution"):
    overlay("iot-jobs-data", _MACHINE.format(initial=initial, path=path, extra=extra, after=after, read=read))
    return load_service("iot-jobs-data").state_machines[0]


def _error() -> OverlayError:
    with pytest.raises(OverlayError) as info:
        load_service("iot-jobs-data")
    assert "\n" not in str(info.value)
    return info.value


def test_service_transitions_eventually_and_polling_load(overlay):
    # a state inside a list (the format's paths are JMESPath)
    sm = _machine(overlay, path="inProgressJobs[0].jobId", read="GetPendingJobExecutions",
                  extra="trigger: timer\n            after: [start]")
    assert sm.initial == ("QUEUED", "IN_PROGRESS")
    assert [t.name for t in sm.transitions] == ["start"]  # the caller's only
    (expires,) = sm.service_transitions
    assert (expires.sources, expires.target, expires.trigger, expires.after) == (
        ("IN_PROGRESS",), "TIMED_OUT", "timer", ("start",))
    (e,) = sm.eventually
    assert (e.after, e.reach, e.within) == ("start", ("TIMED_OUT",), 60.0)
    assert (sm.polling.interval, sm.polling.backoff, sm.polling.max_interval) == (0.5, 3, 5)
    assert sm.state_path == "inProgressJobs[0].jobId"


def test_a_single_initial_state_is_still_a_string(overlay):
    assert _machine(overlay, initial="QUEUED").initial == ("QUEUED",)


@pytest.mark.parametrize(("kw", "where", "words"), [
    ({"initial": "[QUEUED, DONE]"}, "state_machines/0/initial", "'DONE' is not one of the states"),
    ({"path": "execution.[status"}, "state_machines/0/state_path", "is not a JMESPath expression"),
    ({"extra": "after: [begin]"}, "state_machines/0/transitions/1/after", "'begin' is not a transition"),
    ({"after": "begin"}, "state_machines/0/eventually/0/after", "'begin' is not a transition"),
    ({"extra": "trigger: sometime"}, "state_machines/0/transitions/1/trigger", "sometime"),
    ({"extra": "step: {service: iot-jobs-data, operation: UpdateJobExecution}"}, "state_machines/0/transitions/1",
     "made by no call"),
])
def test_bad_pieces_name_their_place(overlay, kw, where, words):
    overlay("iot-jobs-data", _MACHINE.format(**{"initial": "QUEUED", "path": "execution.status",
                                                "extra": "trigger: timer", "after": "start",
                                                "read": "DescribeJobExecution", **kw}))
    err = _error()
    assert err.where == where and words in err.problem, str(err)


def test_a_caller_transition_needs_its_step(overlay):
    text = _MACHINE.format(initial="QUEUED", path="execution.status", extra="trigger: timer", after="start",
                           read="DescribeJobExecution")
    overlay("iot-jobs-data", text.replace("            step: {service: iot-jobs-data, operation: UpdateJobExecution}\n",
                                          ""))
    assert _error().where == "state_machines/0/transitions/0"
