"""The compiled output check answers as jsonschema does, on every output of the four services."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from specs.loader import load_service
from specs.schema import output_schema
from specs.schema_check import compile_check
from specs.schema_problems import problems as output_problems
from specs.schema_problems import validator

SERVICES = ("iot-jobs-data", "iot", "amplifybackend", "importexport")
OUTPUTS = [(svc, op) for svc in map(load_service, SERVICES) for op in svc.operations.values()
           if output_schema(op, svc) is not None]

#: timestamps in the formats the schemas assert, and not
ISO_STAMPS = ("2026-12-04T21:12:33Z", "2026-12-04T21:12:33.390Z", "2026-12-04T21:12:33+01:00")
STAMPS = [*ISO_STAMPS, "26-12-04tDec:12:1733z", "2026-12-04T21:12:33", "Fri, 04 Dec 2026 21:12:33 GMT",
          "1796418753", "1796418753.5"]

JUNK = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.floats(allow_nan=False, allow_infinity=False),
                 st.just(2.0), st.text(max_size=3), st.just([]), st.just({}), st.just(["x"]), st.just({"k": 1}))


def _near(bound: float | None, default: int) -> st.SearchStrategy[int]:
    if bound is None:
        return st.integers(-default, default)
    return st.sampled_from([int(bound) - 1, int(bound), int(bound) + 1])


def _instances(s: Any, defs: dict[str, Any], depth: int = 0) -> st.SearchStrategy[Any]:
    """Values that mostly keep ``s`` and sometimes break it in one place or another."""
    if "$ref" in s:
        s = defs[s["$ref"].rsplit("/", 1)[1]]
    if depth > 4:
        return JUNK
    kind = s.get("type")
    if kind == "object":
        props = {k: _instances(v, defs, depth + 1) for k, v in s.get("properties", {}).items()}
        good: st.SearchStrategy[Any] = st.fixed_dictionaries({}, optional=props)
        if "additionalProperties" in s:
            keys = st.text(max_size=4) | st.sampled_from(["a", "key-1", "bad key!", ""])
            good = st.dictionaries(keys, _instances(s["additionalProperties"], defs, depth + 1), max_size=3)
    elif kind == "array":
        good = st.lists(_instances(s.get("items", {}), defs, depth + 1), min_size=0, max_size=3)
    elif kind == "string":
        good = st.sampled_from(s["enum"]) if "enum" in s else st.text(max_size=70) | st.sampled_from(
            ["", "a", "ab-C_9", "x" * 64, "x" * 65, "\u0000", "arn:aws:iot:us-east-1:123456789012:job/j", *STAMPS])
    elif kind == "integer":
        good = _near(s.get("minimum"), 5) | _near(s.get("maximum"), 5)
    elif kind == "number":
        good = st.integers(0, 2**40) | st.floats(0, 2e9)
    elif kind == "boolean":
        good = st.booleans()
    else:
        good = JUNK
    return st.one_of(good, good, good, JUNK)


def test_every_output_schema_compiles() -> None:
    missing = [f"{svc.name}.{op.name}" for svc, op in OUTPUTS if compile_check(output_schema(op, svc)) is None]
    assert not missing
    assert len(OUTPUTS) > 100


@settings(max_examples=500, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_the_compiled_check_agrees_with_jsonschema(data: st.DataObject) -> None:
    svc, op = data.draw(st.sampled_from(OUTPUTS), label="operation")
    schema = output_schema(op, svc)
    body = data.draw(_instances(schema, schema.get("$defs", {})), label="body")
    assert compile_check(schema)(body) == validator(op, svc).is_valid(body)


@pytest.mark.parametrize(("service", "operation", "body", "bad"), [
    ("iot", "DescribeJobExecution", {"execution": {"status": "RUNNING"}}, "status"),
    ("iot", "DescribeJobExecution", {"execution": {"versionNumber": "7"}}, "versionNumber"),
    ("iot", "DescribeJobExecution", {"execution": {"versionNumber": True}}, "versionNumber"),
    ("iot-jobs-data", "UpdateJobExecution", {"executionState": {"statusDetails": {"k": ""}}}, '["k"]'),
    ("amplifybackend", "GetBackendJob", {"appId": "a", "backendEnvironmentName": "e", "createTime": 1}, "CreateTime"),
    ("importexport", "GetStatus", {"CreationDate": "26-12-04tDec:12:1733z"}, "CreationDate"),
    ("importexport", "ListJobs", {"Jobs": [{"CreationDate": "2026-12-04T21:12:33"}]}, "CreationDate"),
    ("iot", "DescribeJob", {"job": {"createdAt": "2026-12-04T21:12:33Z"}}, "createdAt"),
])
def test_a_body_the_check_refuses_is_worded_by_jsonschema(service: str, operation: str, body: Any, bad: str) -> None:
    svc = load_service(service)
    op = svc.operation(operation)
    assert compile_check(output_schema(op, svc))(body) is False
    found = output_problems(op, svc, body)
    assert found and bad in found[0]


@pytest.mark.parametrize("value", [*STAMPS, 1796418753, 1796418753.39, "", None])
@pytest.mark.parametrize(("service", "operation", "wrap"), [
    ("importexport", "GetStatus", lambda v: {"CreationDate": v}),
    ("importexport", "ListJobs", lambda v: {"Jobs": [{"JobId": "ABC12", "CreationDate": v}]}),
    ("iot", "DescribeJob", lambda v: {"job": {"createdAt": v}}),
])
def test_the_compiled_check_agrees_on_timestamps(service: str, operation: str, wrap: Any, value: Any) -> None:
    svc = load_service(service)
    op = svc.operation(operation)
    body = wrap(value)
    expected = value in ISO_STAMPS if op.protocol == "query" else isinstance(value, (int, float))
    assert validator(op, svc).is_valid(body) is expected
    assert compile_check(output_schema(op, svc))(body) is expected


def test_a_schema_with_an_unknown_keyword_is_not_compiled() -> None:
    assert compile_check({"type": "string", "const": "x"}) is None
    assert compile_check({"$ref": "#/$defs/Missing"}) is None
    assert compile_check({"type": "object", "properties": {"a": {"$ref": "#/$defs/A"}},
                          "$defs": {"A": {"type": "object", "properties": {"a": {"$ref": "#/$defs/A"}}}}}) is not None
