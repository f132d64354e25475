"""Every mode of every in-scope operation of the four job services draws or says it has nothing.

(``test_corpus`` holds the same for every operation of these services.)

An operation whose input has no rule that can be broken on purpose and no wire-level break (an
operation of a protocol without one, e.g. rest-xml without a body) has no invalid call.
``has_calls`` says so, and ``from_operation`` gives an empty strategy, so a caller skips the mode
instead of handing Hypothesis nothing to draw from. An AmplifyBackend operation with only
unconstrained URI labels has one: a JSON body where it takes none.

Also: the overlay's inferred minimum lengths of AmplifyBackend names and app ids keep ``''`` out of
valid and boundary calls, and no invalid call is labelled with them.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.control import BuildContext
from hypothesis.internal.conjecture.data import ConjectureData

from specs.loader import load_service
from specs.validator import validate
from strategies import boundary_calls, from_operation, has_calls, invalid_calls

SERVICES = ("iot-jobs-data", "iot", "amplifybackend", "importexport")
MODES = ("valid", "boundary", "invalid")
IN_SCOPE = [(s, op.name) for s in SERVICES for op in load_service(s).in_scope()]
#: operations whose only members are unconstrained URI labels: no rule to break, only the wire
URI_ONLY = ("CreateToken", "DeleteBackend", "DeleteToken", "GetBackendJob", "GetToken", "RemoveBackendConfig")
#: body members with an inferred minimum length of 1 (empty names and app ids)
NAMES = (("CloneBackend", "TargetEnvironmentName"), ("CreateBackend", "AppId"), ("CreateBackend", "AppName"),
         ("CreateBackend", "BackendEnvironmentName"), ("CreateBackendAPI", "BackendEnvironmentName"),
         ("CreateBackendAuth", "BackendEnvironmentName"), ("CreateBackendConfig", "BackendManagerAppId"),
         ("CreateBackendStorage", "BackendEnvironmentName"), ("GetBackend", "BackendEnvironmentName"))


def _draw(strategy, seed: int):
    data = ConjectureData(random=random.Random(seed), max_choices=10_000)
    with BuildContext(data, wrapped_test=None):
        return data.draw(strategy)


@pytest.mark.parametrize(("service", "name"), IN_SCOPE)
def test_every_mode_draws_or_reports_nothing(service, name):
    spec = load_service(service)
    op = spec.operation(name)
    for i, mode in enumerate(MODES):
        strategy = from_operation(op, service=spec, mode=mode)
        if has_calls(op, service=spec, mode=mode):
            call = _draw(strategy, i)
            assert call.mode == mode and (call.violation is not None) == (mode == "invalid")
        else:
            assert mode == "invalid", f"{op.qualified}: {mode} mode has nothing to draw"
            assert invalid_calls(op, service=spec) == []
            assert strategy.is_empty


@pytest.mark.parametrize("name", URI_ONLY)
def test_uri_label_only_operations_have_only_the_wire_break(name):
    spec = load_service("amplifybackend")
    op = spec.operation(name)
    assert {m.location for m in spec.shapes[op.input].members} == {"uri"}
    # no rule to break: the one invalid call is a JSON body where the operation takes none
    assert [c.violation.rule for c in invalid_calls(op, service=spec)] == ["unexpected_body"]
    assert has_calls(op, service=spec, mode="invalid")
    assert has_calls(op, service=spec, mode="valid") and has_calls(op, service=spec, mode="boundary")


def test_has_calls_rejects_an_unknown_mode():
    spec = load_service("amplifybackend")
    with pytest.raises(ValueError, match="mode must be one of"):
        has_calls(spec.operation("GetBackendJob"), service=spec, mode="bogus")


@pytest.mark.parametrize(("name", "member"), NAMES)
def test_empty_names_are_inferred_invalid(name, member):
    spec = load_service("amplifybackend")
    op = spec.operation(name)
    [rule] = [r for r in op.rules_at(member) if r.kind == "min_length"]
    assert (rule.value, rule.source) == (1, "inferred")
    base = boundary_calls(op, service=spec)[0].params
    problems = validate(op, spec, {**base, member: ""})
    assert [(p.path, p.rule, p.source) for p in problems] == [(member, "min_length", "inferred")]


@pytest.mark.parametrize(("name", "member"), NAMES)
def test_no_empty_name_is_sent_as_valid_nor_labelled_invalid(name, member):
    spec = load_service("amplifybackend")
    op = spec.operation(name)
    assert all(c.params.get(member) != "" for c in boundary_calls(op, service=spec))
    for call in invalid_calls(op, service=spec):
        # only wire-level breaks are labelled inferred (sent, never asserted)
        assert call.violation.source != "inferred" or call.raw is not None
        if call.violation.path == member:
            assert call.violation.rule != "min_length"
        else:
            assert call.params.get(member) != ""


@settings(max_examples=200, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_drawn_calls_never_carry_an_empty_name(data):
    spec = load_service("amplifybackend")
    name, member = data.draw(st.sampled_from(NAMES))
    op = spec.operation(name)
    call = data.draw(from_operation(op, service=spec, mode=data.draw(st.sampled_from(MODES))))
    if call.violation is None or call.violation.path != member:
        assert call.params.get(member) != ""
