"""The loader builds a spec for every operation botocore ships, and the four overlays apply."""

from __future__ import annotations

import pytest

from specs.loader import available_services, botocore_model, load_service, raw_service
from specs.paths import resolve

FOUR = ("iot-jobs-data", "iot", "amplifybackend", "importexport")


def test_every_operation_of_every_botocore_service_builds():
    services = available_services()
    assert len(services) > 300
    total = 0
    for name in services:
        spec = raw_service(name)
        model = botocore_model(name)
        assert set(spec.operations) == set(model.operation_names), name
        for op in spec.operations.values():
            for shape in (op.input, op.output):
                assert shape is None or shape in spec.shapes, (name, op.name, shape)
            for err in op.errors:
                assert err.shape in spec.shapes, (name, op.name, err.code)
        total += len(spec.operations)
    assert total > 10000


@pytest.mark.parametrize("name", FOUR)
def test_the_four_overlays_load(name):
    spec = load_service(name)
    assert spec.in_scope()
    assert spec.common_errors
    assert any(op.validation_errors for op in spec.in_scope())


def test_iot_scope_is_the_job_part():
    iot = load_service("iot")
    names = [op.name for op in iot.in_scope()]
    assert "UpdateJob" in names and "CreateThing" in names
    assert "CreateTopicRule" not in names
    assert len(iot.operations) > 100  # the model keeps every operation; the scope selects


def test_overlay_rules_and_doc_errors_land_on_the_operation():
    op = load_service("iot-jobs-data").operation("UpdateJobExecution")
    kinds = {(r.path, r.kind): r for r in op.rules}
    assert kinds[("stepTimeoutInMinutes", "max")].value == 10080
    assert kinds[("stepTimeoutInMinutes", "max")].source == "doc"
    assert kinds[("statusDetails", "max_length")].source == "inferred"
    assert op.error("VersionMismatch").status == 409
    assert op.error("VersionMismatch").source == "doc"
    assert op.validation_errors == ("InvalidRequestException",)


def test_importexport_errors_get_the_overlay_status_where_the_model_has_none():
    raw = raw_service("importexport").operation("CancelJob")
    assert all(e.status is None for e in raw.errors)
    op = load_service("importexport").operation("CancelJob")
    assert {e.status for e in op.errors} == {400}


def test_members_carry_wire_names_and_locations():
    spec = load_service("amplifybackend")
    req = spec.shapes[spec.operation("GetBackendJob").input]
    app = req.member_named("AppId")
    assert (app.wire_name, app.location, app.required) == ("appId", "uri", True)


def test_timestamp_format_is_read_from_the_shape():
    spec = raw_service("iot")
    created = spec.shapes[spec.shapes["Job"].member_named("createdAt").shape]
    assert created.type == "timestamp"
    # s3 declares rfc822 / iso8601 on some timestamp shapes: a serialization trait the spec keeps
    s3 = raw_service("s3")
    formats = {s.timestamp_format for s in s3.shapes.values() if s.type == "timestamp"}
    assert formats - {None}, formats


def test_paths_resolve_nested_list_and_map_places():
    spec = load_service("iot-jobs-data")
    op = spec.operation("UpdateJobExecution")
    assert resolve(spec, op.input, "statusDetails{}").type == "string"
    assert resolve(spec, op.output, "executionState.versionNumber").type == "long"


def test_unknown_service_and_operation_are_key_errors():
    with pytest.raises(KeyError, match="no service 'nope'"):
        raw_service("nope")
    with pytest.raises(KeyError, match="has no operation 'Nope'"):
        load_service("iot").operation("Nope")
