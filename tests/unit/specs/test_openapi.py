"""OpenAPI 3.1 export of the rest-json services."""

from __future__ import annotations

import jsonschema
import pytest

from specs.loader import load_service, raw_service
from specs.openapi import OpenApiError, openapi


def _operations(doc):
    return {op["operationId"]: (method, path, op)
            for path, item in doc["paths"].items() for method, op in item.items()}


@pytest.mark.parametrize("service", ["iot-jobs-data", "amplifybackend"])
def test_every_operation_is_in_the_document(service):
    doc = openapi(service)
    assert doc["openapi"] == "3.1.0"
    assert set(_operations(doc)) == set(load_service(service).operations)
    assert "x-jobfuzz-omitted" not in doc


def test_paths_methods_and_parameters_come_from_the_model():
    ops = _operations(openapi("iot-jobs-data"))
    method, path, op = ops["UpdateJobExecution"]
    assert (method, path) == ("post", "/things/{thingName}/jobs/{jobId}")
    params = {p["name"]: p for p in op["parameters"]}
    assert params["thingName"]["in"] == "path" and params["thingName"]["required"] is True
    assert params["thingName"]["schema"]["maxLength"] == 128
    method, path, op = ops["DescribeJobExecution"]
    query = {p["name"]: p for p in op["parameters"] if p["in"] == "query"}
    assert query["includeJobDocument"]["schema"] == {"type": "boolean"}
    assert query["executionNumber"]["schema"] == {"type": "integer"}


def test_request_body_and_responses():
    ops = _operations(openapi("iot-jobs-data"))
    _, _, op = ops["UpdateJobExecution"]
    body = op["requestBody"]["content"]["application/json"]["schema"]
    assert body["properties"]["stepTimeoutInMinutes"]["anyOf"][1] == {"enum": [-1]}
    assert op["requestBody"]["required"] is True
    assert "executionState" in op["responses"]["200"]["content"]["application/json"]["schema"]["properties"]
    assert op["responses"]["409"]["x-amazon-error-codes"] == ["InvalidStateTransitionException",
                                                            "VersionMismatch"]
    assert op["responses"]["429"]["x-amazon-error-codes"] == ["ThrottlingException"]
    assert set(op["responses"]) == {"200", "400", "403", "404", "409", "429", "503"}
    _, _, get = ops["DescribeJobExecution"]
    assert "requestBody" not in get


def test_error_responses_have_a_message_schema():
    doc = openapi("amplifybackend")
    _, _, op = _operations(doc)["GetBackendJob"]
    ref = op["responses"]["404"]["content"]["application/json"]["schema"]["$ref"]
    name = ref.rsplit("/", 1)[1]
    assert doc["components"]["schemas"][name]["properties"]["message"] == {"type": "string"}


def test_components_security_and_server():
    doc = openapi("amplifybackend")
    scheme = doc["components"]["securitySchemes"]["sigv4"]
    assert scheme["x-amazon-signing-name"] == "amplifybackend"
    assert "Signature Version 4" in scheme["description"]
    assert doc["security"] == [{"sigv4": []}]
    assert doc["servers"] == [{"url": "http://127.0.0.1:4566"}]
    for schema in doc["components"]["schemas"].values():
        jsonschema.Draft202012Validator.check_schema(schema)
    refs = _refs(doc["paths"]) | _refs(doc["components"])
    assert refs <= {f"#/components/schemas/{n}" for n in doc["components"]["schemas"]}


def _refs(node) -> set[str]:
    if isinstance(node, dict):
        out = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        return out.union(*(_refs(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_refs(v) for v in node))
    return set()


def test_greedy_labels_and_literal_queries():
    iot = raw_service("iot")
    doc = openapi(iot, ["GetTopicRuleDestination"])
    assert list(doc["paths"]) == ["/destinations/{arn}"]
    chime = raw_service("chime")
    doc = openapi(chime, ["BatchSuspendUser", "BatchUnsuspendUser", "CreateUser"])
    _, path, op = _operations(doc)["BatchSuspendUser"]
    assert path == "/accounts/{accountId}/users"
    fixed = [p for p in op["parameters"] if p["name"] == "operation"]
    assert fixed == [{"name": "operation", "in": "query", "required": True,
                      "schema": {"type": "string", "enum": ["suspend"]},
                      "description": "a literal query parameter of the request URI"}]
    omitted = {o["operationId"] for o in doc["x-jobfuzz-omitted"]}
    assert omitted == {"BatchUnsuspendUser", "CreateUser"}  # same method and path: not representable


def test_iot_defaults_to_the_overlay_scope():
    doc = openapi("iot")
    assert set(_operations(doc)) == {op.name for op in load_service("iot").in_scope()}


def test_non_rest_json_is_refused():
    with pytest.raises(OpenApiError, match="importexport: protocol is query"):
        openapi("importexport")


@pytest.mark.parametrize("service", ["iot-jobs-data", "amplifybackend"])
def test_schemathesis_loads_the_document(service):
    schemathesis = pytest.importorskip("schemathesis")
    schema = schemathesis.openapi.from_dict(openapi(service))
    labels = [result.ok().label for result in schema.get_all_operations()]
    assert len(labels) == len(load_service(service).operations)


def _patterns(node, where=""):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "pattern" and isinstance(value, str):
                yield where, value
            else:
                yield from _patterns(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _patterns(value, f"{where}/{i}")


@pytest.mark.parametrize("service", ["iot-jobs-data", "iot", "amplifybackend"])
def test_every_pattern_is_anchored_so_a_whole_value_must_match(service):
    import re

    doc = openapi(service)
    found = list(_patterns(doc))
    assert found or service == "amplifybackend"  # its model has no pattern
    for where, pattern in found:
        assert pattern.startswith("^") and pattern.endswith("$"), where
        assert "\\Z" not in pattern, where  # Python-only: Schemathesis would drop the pattern
        re.compile(pattern)
    # the thing name pattern [a-zA-Z0-9:_-]+: a valid prefix followed by a bad character is refused
    if service == "iot-jobs-data":
        _, _, op = _operations(doc)["UpdateJobExecution"]
        schema = {p["name"]: p for p in op["parameters"]}["thingName"]["schema"]
        assert schema["pattern"].startswith("^(?:") and schema["pattern"].endswith(")$")
        jsonschema.validate("thing-1", schema)
        for bad in ("thing!", "a b", "e\u0301"):
            with pytest.raises(jsonschema.ValidationError):
                jsonschema.validate(bad, schema)


@pytest.mark.parametrize(("pattern", "anchored"), [
    ("[a-z]+", "^(?:[a-z]+)$"),
    ("[a-z]+|^[$]next", "^(?:[a-z]+|^[$]next)$"),  # an alternation is grouped, not anchored at its ends
    ("^[0-9]*$", "^[0-9]*$"),  # already whole: kept
    ("^(a|b)$", "^(a|b)$"),
    ("^a$|^b$", "^(?:^a$|^b$)$"),  # a top-level | : grouped (the same meaning)
    ("^a\\$", "^(?:^a\\$)$"),  # an escaped $ does not anchor
    ("[|]x", "^(?:[|]x)$"),
    # the schemas' whole-value form in Python: its \\Z (no ECMA-262 syntax) becomes $, not wrapped again
    ("^(?:[a-z]+|^[$]next)\\Z", "^(?:[a-z]+|^[$]next)$"),
    ("^(?:[)(]\\))\\Z", "^(?:[)(]\\))$"),
    ("^(?:a)|(?:b)\\Z", "^(?:^(?:a)|(?:b)\\Z)$"),  # not one group around the whole: wrapped
    ("^(?:a\\)\\Z", "^(?:^(?:a\\)\\Z)$"),  # an escaped ')' closes no group
])
def test_anchored(pattern, anchored):
    from specs.openapi import anchored as anchor

    assert anchor(pattern) == anchored


@pytest.mark.parametrize("service", ["iot-jobs-data", "iot", "amplifybackend"])
def test_sigv4_is_a_security_scheme_not_a_header_parameter(service):
    doc = openapi(service)
    scheme = doc["components"]["securitySchemes"]["sigv4"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "Authorization")
    assert scheme["x-amazon-signing-name"] == load_service(service).signing_name
    assert doc["security"] == [{"sigv4": []}]
    for _, _, op in _operations(doc).values():
        names = {p["name"].lower() for p in op.get("parameters", ()) if p["in"] == "header"}
        assert not names & {"authorization", "x-amz-date", "x-amz-security-token"}, op["operationId"]


@pytest.mark.parametrize("service", ["iot-jobs-data", "iot", "amplifybackend"])
def test_every_operation_lists_403_for_a_refused_authentication(service):
    """AWS answers an unsigned request of any operation 403 (MissingAuthenticationTokenException): the
    document that requires SigV4 says so, or a tool sending no signature calls the 403 undocumented."""
    for _, _, op in _operations(openapi(service)).values():
        refused = op["responses"]["403"]
        assert "MissingAuthenticationTokenException" in refused["x-amazon-error-codes"], op["operationId"]
        assert "AccessDeniedException" in refused["x-amazon-error-codes"]
