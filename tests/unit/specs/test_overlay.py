"""A bad overlay stops loading with one line naming the file, the place inside it and the problem."""

from __future__ import annotations

import pytest
import yaml

from specs.loader import load_service
from specs.overlay import OverlayError

pytestmark = pytest.mark.usefixtures("fresh_overlays")


def _error(service: str) -> OverlayError:
    with pytest.raises(OverlayError) as info:
        load_service(service)
    err = info.value
    assert "\n" not in str(err)
    return err


def test_replacement_overlay_is_used(overlay):
    overlay("iot-jobs-data", """
        service: iot-jobs-data
        rules:
          UpdateJobExecution:
            - {path: stepTimeoutInMinutes, kind: max, value: 99, source: doc}
    """)
    op = load_service("iot-jobs-data").operation("UpdateJobExecution")
    assert [(r.kind, r.value) for r in op.rules] == [("max", 99)]


def test_invalid_yaml(overlay):
    file = overlay("iot-jobs-data", "service: iot-jobs-data\nrules:\n  UpdateJobExecution: [\n    {path: x\n")
    err = _error("iot-jobs-data")
    assert err.file == str(file)
    assert err.where.startswith("line ")
    assert "not valid YAML" in err.problem
    assert str(err).startswith(f"{file}: line ")


def test_unknown_operation(overlay):
    file = overlay("iot-jobs-data", """
        service: iot-jobs-data
        rules:
          UpdateJobExecutionz:
            - {path: status, kind: allowed, value: [IN_PROGRESS], source: doc}
    """)
    err = _error("iot-jobs-data")
    assert (err.file, err.where) == (str(file), "rules/UpdateJobExecutionz")
    assert "has no operation 'UpdateJobExecutionz'" in err.problem


def test_bad_path(overlay):
    overlay("iot-jobs-data", """
        service: iot-jobs-data
        rules:
          UpdateJobExecution:
            - {path: statusDetails.nope, kind: max_length, value: 3, source: doc}
    """)
    err = _error("iot-jobs-data")
    assert err.where == "rules/UpdateJobExecution/0/path"
    assert "statusDetails" in err.problem and "UpdateJobExecution" in err.problem


def test_bad_output_path(overlay):
    overlay("iot-jobs-data", """
        service: iot-jobs-data
        output_rules:
          DescribeJobExecution:
            - {path: "execution.bogus", kind: max_length, value: 3, source: doc}
    """)
    err = _error("iot-jobs-data")
    assert err.where == "output_rules/DescribeJobExecution/0/path"
    assert "has no member 'bogus'" in err.problem


_MACHINE = """
    service: iot-jobs-data
    state_machines:
      - name: m
        resource: job
        states: [QUEUED, IN_PROGRESS]
        initial: {initial}
        terminal: [IN_PROGRESS]
        read: {{service: iot-jobs-data, operation: DescribeJobExecution}}
        state_path: execution.status
        source: doc
        transitions:
          - name: start
            step: {{service: iot-jobs-data, operation: UpdateJobExecution}}
            from: [QUEUED]
            to: {to}
            source: doc
"""


def test_unknown_initial_state(overlay):
    overlay("iot-jobs-data", _MACHINE.format(initial="PENDING", to="IN_PROGRESS"))
    err = _error("iot-jobs-data")
    assert err.where == "state_machines/0/initial"
    assert "'PENDING' is not one of the states" in err.problem


def test_unknown_target_state(overlay):
    overlay("iot-jobs-data", _MACHINE.format(initial="QUEUED", to="DONE"))
    err = _error("iot-jobs-data")
    assert err.where == "state_machines/0/transitions/0/to"
    assert "'DONE'" in err.problem


def test_wrong_rule_kind(overlay):
    overlay("iot-jobs-data", """
        service: iot-jobs-data
        rules:
          UpdateJobExecution:
            - {path: stepTimeoutInMinutes, kind: maximum, value: 3, source: doc}
    """)
    err = _error("iot-jobs-data")
    assert err.where == "rules/UpdateJobExecution/0/kind"
    assert "'maximum' is not one of" in err.problem


def test_wrong_source(overlay):
    overlay("iot-jobs-data", """
        service: iot-jobs-data
        rules:
          UpdateJobExecution:
            - {path: stepTimeoutInMinutes, kind: max, value: 3, source: guess}
    """)
    err = _error("iot-jobs-data")
    assert err.where == "rules/UpdateJobExecution/0/source"
    assert "'guess' is not one of" in err.problem


def test_service_name_must_match_the_file(overlay):
    overlay("iot-jobs-data", "service: iot\n")
    err = _error("iot-jobs-data")
    assert err.where == "service"
    assert "'iot'" in err.problem and "'iot-jobs-data'" in err.problem


def test_unknown_step_operation_in_another_service(overlay):
    overlay("iot-jobs-data", """
        service: iot-jobs-data
        resources:
          thing:
            create:
              - {service: iot, operation: MakeThing}
    """)
    err = _error("iot-jobs-data")
    assert err.where == "resources/thing/create/0"
    assert "iot has no operation 'MakeThing'" in err.problem


def _sequence(expect: dict | None, step: dict | None = None, **extra: str) -> str:
    read = {"service": "iot-jobs-data", "operation": "DescribeJobExecution",
            "params": {"thingName": "{thingName}", "jobId": "$next"}, **(step or {})}
    if expect is not None:
        read["expect"] = expect
    seq = {"name": "s1", "operation": "DescribeJobExecution", "source": "doc", **extra, "steps": [read]}
    return yaml.safe_dump({"service": "iot-jobs-data", "sequences": [seq]}, sort_keys=False)


def test_a_sequence_is_read(overlay):
    expect = {"equals": {"execution.jobId": "{jobId}", "execution.versionNumber": None}}
    overlay("iot-jobs-data", _sequence(expect, needs=["job"], check="state_transition_conformance"))
    (seq,) = load_service("iot-jobs-data").sequences
    assert (seq.name, seq.operation, seq.check, seq.needs, seq.source) == (
        "s1", "DescribeJobExecution", "state_transition_conformance", ("job",), "doc")
    ((step, expect),) = seq.steps
    assert (step.service, step.operation) == ("iot-jobs-data", "DescribeJobExecution")
    assert expect.equals == (("execution.jobId", "{jobId}"), ("execution.versionNumber", None))


@pytest.mark.parametrize(("expect", "step", "extra", "where", "problem"), [
    (None, {}, {}, "sequences/0/steps", "no step has an 'expect'"),
    ({"error": ["X"], "present": ["a"]}, {}, {}, "sequences/0/steps/0/expect", "'error' expects a refusal"),
    ({"present": ["a.[b"]}, {}, {}, "sequences/0/steps/0/expect/present/0", "is not a JMESPath expression"),
    ({"present": ["execution"]}, {}, {"operation": "DescribeJobExecutionz"}, "sequences/0/operation",
     "has no operation 'DescribeJobExecutionz'"),
    ({"present": ["execution"]}, {}, {"source": "inferred"}, "sequences/0/source", "is not one of"),
    ({"present": ["execution"]}, {"service": "iot", "operation": "UpdateJobExecution"}, {}, "sequences/0/steps/0",
     "iot has no operation 'UpdateJobExecution'"),
    ({"present": ["execution"], "absent": ["b"]}, {}, {}, "sequences/0/steps/0/expect", "absent"),
    ({"ok": False}, {}, {}, "sequences/0/steps/0/expect/ok", "True was expected"),
    ({"ok": True, "error": ["X"]}, {}, {}, "sequences/0/steps/0/expect", "'error' expects a refusal"),
])
def test_a_bad_sequence_names_its_place(overlay, expect, step, extra, where, problem):
    overlay("iot-jobs-data", _sequence(expect, step, **extra))
    err = _error("iot-jobs-data")
    assert err.where == where and problem in err.problem, str(err)


def test_two_sequences_of_one_name(overlay):
    doc = yaml.safe_load(_sequence({"present": ["execution"]}))
    doc["sequences"] *= 2
    overlay("iot-jobs-data", yaml.safe_dump(doc))
    err = _error("iot-jobs-data")
    assert err.where == "sequences/1/name" and "already the name of sequence 0" in err.problem
