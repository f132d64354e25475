"""Value programs, pattern-driven strings and from_shape."""

from __future__ import annotations

import datetime as dt
import random
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from specs.javaregex import matches
from specs.loader import load_service, raw_service
from specs.types import Rule
from strategies import from_operation, from_shape, valid_calls
from strategies.regex import pattern_for
from strategies.values import Rand

FAST = settings(max_examples=100, deadline=None, database=None, suppress_health_check=list(HealthCheck))


@pytest.mark.parametrize(("pattern", "lengths"), [
    ("[a-zA-Z0-9_-]+", (1, 64)),
    (r"^arn:aws:iot:[a-z0-9-]+:\d{12}:thing/[a-zA-Z0-9:_-]+$", (40, 200)),
    (r"[^\p{C}]+", (1, 1024)),
    ("^(Import|Export)$", (6, 6)),
    (r"^[a-z]{3}(-[a-z]{2})*$", (3, 9)),
])
def test_patterns_give_matches_of_exact_lengths(pattern, lengths):
    p = pattern_for(pattern)
    for n in range(lengths[0], lengths[1] + 1, max(1, (lengths[1] - lengths[0]) // 7)):
        value = p.near(random.Random(n), n, *lengths)
        if value is None:
            continue
        assert matches(pattern, value) and lengths[0] <= len(value) <= lengths[1]
    assert p.sample(random.Random(0), lengths[0]) is not None


def test_a_pattern_is_never_padded_to_reach_a_length():
    # AWS matches the whole value: [a-z]{3} accepts three letters and nothing longer
    for pattern in ("[a-z]{3}", "^[a-z]{3}$"):
        p = pattern_for(pattern)
        assert p.sample(random.Random(1), 50) is None
        assert p.widths(1, 50) == (3, 3)
        assert matches(pattern, p.sample(random.Random(1), 3))


def test_uri_context_keeps_to_safe_characters():
    value = pattern_for(r"[\s\S]+", "uri").sample(random.Random(0), 200)
    assert re.fullmatch(r"[A-Za-z0-9_-]+", value)


@FAST
@given(data=st.data())
def test_uri_labels_are_non_empty_and_safe(data):
    service = load_service("amplifybackend")
    call = data.draw(valid_calls(service.operation("GetBackendJob"), service=service))
    for member in ("AppId", "BackendEnvironmentName", "JobId"):
        assert re.fullmatch(r"[A-Za-z0-9_-]+", call.params[member])


@FAST
@given(data=st.data())
def test_idempotency_tokens_and_timestamps(data):
    service = raw_service("iot")
    call = data.draw(valid_calls(service.operation("CreateAuditSuppression"), service=service))
    token = call.params.get("clientRequestToken")
    assert token is None or (1 <= len(token) <= 64 and all(" " < c <= "~" for c in token))
    expiry = call.params.get("expirationDate")
    assert expiry is None or (expiry.tzinfo is not None and 2000 <= expiry.year <= 2100)


def test_optional_members_are_sometimes_left_out_and_level_zero_is_smallest():
    service = load_service("iot-jobs-data")
    op = service.operation("UpdateJobExecution")
    from strategies.operations import _plan

    plan = _plan(op, service)
    assert set(plan.program(Rand(0, 0))) == {"jobId", "thingName", "status"}
    sizes = {len(plan.program(Rand(i, 3))) for i in range(50)}
    assert min(sizes) < max(sizes)


def test_strategies_are_built_once_per_operation():
    service = load_service("iot-jobs-data")
    op = service.operation("UpdateJobExecution")
    assert from_operation(op, service=service) is from_operation(op, service=service)
    assert from_operation(op, service=service, mode="invalid") is from_operation(op, service=service, mode="invalid")
    with pytest.raises(ValueError, match="UpdateJobExecution: mode must be one of"):
        from_operation(op, service=service, mode="bogus")


def test_recursive_shapes_are_capped():
    service = raw_service("acm")
    op = service.operation("SearchCertificates")
    from strategies.operations import _plan

    def depth(v, d=0):
        if isinstance(v, dict):
            return max([depth(x, d + 1) for x in v.values()] or [d])
        if isinstance(v, list):
            return max([depth(x, d + 1) for x in v] or [d])
        return d

    plan = _plan(op, service)
    assert max(depth(plan.program(Rand(i, 3))) for i in range(200)) < 40


@FAST
@given(data=st.data())
def test_from_shape_keeps_rules(data):
    service = load_service("iot-jobs-data")
    shape = service.shape("StepTimeoutInMinutes")
    rules = (Rule("t", "min", 1, "doc"), Rule("t", "max", 10, "doc"))
    value = data.draw(from_shape(shape, service=service, path="t", rules=rules))
    assert 1 <= value <= 10
    edge = data.draw(from_shape(shape, service=service, path="t", rules=rules, mode="boundary"))
    assert edge in (1, 10)


@FAST
@given(value=from_shape(raw_service("iot").shape("DateType"), service=raw_service("iot")))
def test_timestamps_are_aware(value):
    assert isinstance(value, dt.datetime) and value.utcoffset() is not None


def test_the_regex_fallback_gives_the_same_fitting_match_every_time():
    import re

    from strategies.values import _fallback

    found = _fallback("[a-z]{3}x[0-9]+", 5, 8)
    assert found is not None and re.fullmatch("[a-z]{3}x[0-9]+", found) and 5 <= len(found) <= 8
    assert _fallback("[a-z]{3}x[0-9]+", 5, 8) == found
    assert _fallback("[a-z]{3}", 4, 9) is None  # no match fits the lengths
    assert _fallback("(?=a)a+", 1, 3) is None  # lookarounds: not tried
