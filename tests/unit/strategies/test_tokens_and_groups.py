"""Page tokens and ``one_of`` groups in the calls of the four job services.

- A member that takes a token from an earlier page (the paginator's input token, or a token-named
  member the output pairs with one of the same name) is never in a valid or boundary call, and no
  invalid call is labelled with the inferred rule that a token must come from an earlier page.
- iot CreateJob takes exactly one of ``document`` and ``documentSource`` (a doc ``one_of`` rule):
  every valid and boundary call has exactly one, the smallest uses ``document`` as the recipes do,
  and the invalid call for the group breaks exactly that rule, with neither (both together is not
  documented as refused, so it is never sent as a break).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from specs.loader import load_service
from specs.validator import validate
from strategies import boundary_calls, from_operation, invalid_calls, valid_calls
from strategies.operations import _plan
from strategies.places import put

SERVICES = ("iot-jobs-data", "iot", "amplifybackend", "importexport")
#: every operation of the four services (in scope or not) that takes a page token
PAGINATED = [(s, op.name) for s in SERVICES for op in load_service(s).operations.values()
             if any(r.kind == "page_token" for r in op.rules)]
GROUP = ("document", "documentSource")
SETTINGS = settings(deadline=None, database=None, suppress_health_check=list(HealthCheck))


def _tokens(service: str, name: str) -> tuple[str, ...]:
    return tuple(r.path for r in load_service(service).operation(name).rules if r.kind == "page_token")


def test_every_paginator_input_token_is_a_page_token():
    for service in SERVICES:
        spec = load_service(service)
        for op in spec.operations.values():
            if op.pagination is not None:
                assert set(op.pagination.input_token) <= set(_tokens(service, op.name)), op.qualified
    assert len(PAGINATED) > 60  # most of them in iot
    in_scope = {(s, n) for s, n in PAGINATED if n in {op.name for op in load_service(s).in_scope()}}
    assert {("iot", "ListJobs"), ("iot", "ListJobExecutionsForThing"), ("iot", "ListJobExecutionsForJob"),
            ("amplifybackend", "ListBackendJobs"), ("importexport", "ListJobs")} <= in_scope


def test_page_token_rules_are_inferred_and_say_where_the_token_comes_from():
    ie = load_service("importexport").operation("ListJobs")
    [marker] = [r for r in ie.rules if r.kind == "page_token"]
    assert (marker.path, marker.value, marker.source) == ("Marker", "Jobs[-1].JobId", "inferred")
    # no paginator, but the model pairs the input NextToken with the output NextToken
    s3 = load_service("amplifybackend").operation("ListS3Buckets")
    assert s3.pagination is None
    assert [(r.path, r.value, r.source) for r in s3.rules if r.kind == "page_token"] == [
        ("NextToken", "NextToken", "inferred")]
    # a token-named input the output does not pair is left alone
    jobs_data = load_service("iot-jobs-data")
    assert not any(r.kind == "page_token" for op in jobs_data.operations.values() for r in op.rules)


@pytest.mark.parametrize(("service", "name"), PAGINATED)
def test_boundary_calls_never_carry_a_page_token(service, name):
    spec = load_service(service)
    op = spec.operation(name)
    tokens = _tokens(service, name)
    for call in boundary_calls(op, service=spec):
        assert not set(tokens) & set(call.params), call.params


@pytest.mark.parametrize(("service", "name"), PAGINATED)
def test_invalid_calls_never_assert_a_made_up_token_is_refused(service, name):
    spec = load_service(service)
    op = spec.operation(name)
    tokens = _tokens(service, name)
    for call in invalid_calls(op, service=spec):
        v = call.violation
        assert v.rule != "page_token"
        assert v.source != "inferred" or call.raw is not None  # only wire-level breaks are sent, never asserted
        if call.violation.path not in tokens:  # a model rule of the token's own shape may be broken
            assert not set(tokens) & set(call.params), call.params


@settings(SETTINGS, max_examples=300)
@given(data=st.data())
def test_valid_and_boundary_draws_never_carry_a_page_token(data):
    service, name = data.draw(st.sampled_from(PAGINATED))
    spec = load_service(service)
    op = spec.operation(name)
    call = data.draw(from_operation(op, service=spec, mode=data.draw(st.sampled_from(("valid", "boundary")))))
    assert not set(_tokens(service, name)) & set(call.params), call.params
    assert validate(op, spec, call.params) == [], call.params


@pytest.mark.parametrize("name", ["ListJobExecutionsForThing", "ListJobExecutionsForJob"])
def test_empty_token_is_reported_only_as_the_inferred_rule(name):
    spec = load_service("iot")
    op = spec.operation(name)
    params = {**boundary_calls(op, service=spec)[0].params, "nextToken": ""}
    assert [(p.path, p.rule, p.source) for p in validate(op, spec, params)] == [
        ("nextToken", "page_token", "inferred")]
    assert validate(op, spec, params, sources=("model", "doc")) == []  # real pages validate clean


# -- one_of: iot CreateJob's document or documentSource --------------------------------------------

def _create_job():
    spec = load_service("iot")
    return spec, spec.operation("CreateJob")


def _present(params) -> list[str]:
    return [n for n in GROUP if params.get(n) is not None]


@settings(SETTINGS, max_examples=200)
@given(data=st.data())
def test_valid_create_job_calls_carry_exactly_one_document(data):
    spec, op = _create_job()
    call = data.draw(valid_calls(op, service=spec))
    assert len(_present(call.params)) == 1, call.params
    assert validate(op, spec, call.params) == []


def test_boundary_create_job_calls_carry_exactly_one_document():
    spec, op = _create_job()
    calls = boundary_calls(op, service=spec)
    assert _present(calls[0].params) == ["document"]  # the smallest call, as the recipes make jobs
    assert all(len(_present(c.params)) == 1 for c in calls)
    # the edges of documentSource are sent too, each without a document
    assert {1, 1350} <= {len(c.params["documentSource"]) for c in calls if "documentSource" in c.params}


def test_invalid_create_job_call_breaks_the_group_with_neither_only():
    spec, op = _create_job()
    broken = [c for c in invalid_calls(op, service=spec) if c.violation.rule == "one_of"]
    assert [len(_present(c.params)) for c in broken] == [0]
    for call in broken:
        v = call.violation
        assert (v.path, v.source) == ("", "doc")
        problems = validate(op, spec, call.params, sources=("model", "doc"))
        assert [(p.path, p.rule, p.source) for p in problems] == [("", "one_of", "doc")]
        assert v.detail == problems[0].message.split(": ", 1)[1]
    assert "got neither" in broken[0].violation.detail


def test_other_invalid_create_job_calls_keep_exactly_one_document():
    spec, op = _create_job()
    others = [c for c in invalid_calls(op, service=spec) if c.violation.rule != "one_of" and c.raw is None]
    assert others
    for call in others:
        assert len(_present(call.params)) == 1, (call.violation, call.params)
    # a break of documentSource itself travels without a document
    assert any(c.violation.path == "documentSource" and _present(c.params) == ["documentSource"] for c in others)


@settings(SETTINGS, max_examples=200)
@given(data=st.data())
def test_drawn_invalid_create_job_calls_break_exactly_their_rule(data):
    spec, op = _create_job()
    call = data.draw(from_operation(op, service=spec, mode="invalid"))
    v = call.violation
    if call.raw is not None or v.rule == "example":
        return
    problems = validate(op, spec, call.params, sources=("model", "doc"))
    assert [(p.path, p.rule, p.source) for p in problems] == [(v.path, v.rule, v.source)], call.params
    if v.rule != "one_of":
        assert len(_present(call.params)) == 1


def test_put_sets_one_member_of_a_group_and_removes_the_other():
    spec, op = _create_job()
    plan = _plan(op, spec)
    base = plan.base
    assert _present(base) == ["document"]
    moved = put(plan.compiler, op, base, "documentSource", "https://s3.amazonaws.com/b/k")
    assert _present(moved) == ["documentSource"] and _present(base) == ["document"]
