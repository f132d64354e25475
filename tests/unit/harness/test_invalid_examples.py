"""Documented rules the overlays state as invalid examples reach the endpoint and are judged.

The overlay (specs/overlays/importexport.yaml) holds one invalid manifest for each documented rule
of ManifestFileRef_*: a required field left out (bucket, deviceId, returnAddress, eraseDevice), a
value outside its set (acl, serviceLevel, manifestVersion), a logPrefix too long, another access
key. Mutation testing found that an emulator which stopped checking a manifest field passed the
contract suite; here such a break is planted around the correct emulator (a local fault, not in
the catalogue): CreateJob fills in a missing deviceId, so a manifest without one is accepted.
Likewise IoT DeleteThing with an expectedVersion the thing does not have (the model: rejected with
VersionConflictException): an emulator that ignored it passed the suite.
"""

from __future__ import annotations

import botocore.session
import yaml

from emulator.planted import Breaker, Fault
from harness.engine import RunConfig
from harness.session import execute
from harness.targets import EmbeddedTarget
from specs.loader import load_service

_SESSION = botocore.session.get_session()


class _DeviceIdOptional(Breaker):
    def call(self, req, proceed):
        manifest = req.params.get("Manifest")
        if req.service == "importexport" and req.operation == "CreateJob" and isinstance(manifest, str):
            try:
                doc = yaml.safe_load(manifest)
            except yaml.YAMLError:
                return proceed()
            if isinstance(doc, dict) and "deviceId" not in doc:
                doc["deviceId"] = "0000"
                return proceed(params={**req.params, "Manifest": yaml.safe_dump(doc)})
        return proceed()


DEVICE_ID_OPTIONAL = Fault("ie-device-id-optional", "negative_data_rejection", "importexport", "CreateJob",
                           "CreateJob accepts a manifest without deviceId; documented: deviceId is required",
                           _DeviceIdOptional, phases=("boundary",), plan=("importexport.CreateJob",))


class _VersionIgnored(Breaker):
    def call(self, req, proceed):
        if req.service == "iot" and req.operation == "DeleteThing" and "expectedVersion" in req.params:
            return proceed(params={k: v for k, v in req.params.items() if k != "expectedVersion"})
        return proceed()


VERSION_IGNORED = Fault("iot-delete-thing-version-ignored", "negative_data_rejection", "iot", "DeleteThing",
                        "DeleteThing ignores expectedVersion; the model: a mismatch is a VersionConflictException",
                        _VersionIgnored, phases=("boundary",), plan=("iot.DeleteThing",))


def _run(plant=(), service="importexport", operation="importexport.CreateJob"):
    target = EmbeddedTarget(plant=plant)
    target._session = _SESSION
    config = RunConfig(services=(service,), operations=(operation,), phases=("boundary",), max_examples=5, seed=1)
    try:
        return execute(target, config)
    finally:
        target.close()


def test_every_documented_manifest_rule_is_an_invalid_call_of_create_and_update() -> None:
    service = load_service("importexport")
    for name in ("CreateJob", "UpdateJob"):
        rules = {r.value["rule"] for r in service.operation(name).rules
                 if r.kind == "invalid" and r.path == "Manifest" and r.source == "doc"}
        assert {"well_formed", "required_field", "access_key", "acl", "manifest_version", "service_level",
                "log_prefix_length"} <= rules


def test_a_manifest_field_the_endpoint_stops_checking_is_found() -> None:
    result = _run(plant=(DEVICE_ID_OPTIONAL,))
    found = [r.failure for r in result.real_failures if r.failure.check == "negative_data_rejection"]
    assert found, [r.failure for r in result.real_failures]
    assert all(f.operation == "CreateJob" for f in found)


def test_the_correct_emulator_refuses_every_invalid_manifest() -> None:
    assert _run().real_failures == []


def test_a_delete_that_ignores_a_stale_version_is_found() -> None:
    result = _run(plant=(VERSION_IGNORED,), service="iot", operation="iot.DeleteThing")
    found = [r.failure for r in result.real_failures if r.failure.check == "negative_data_rejection"]
    assert found and all(f.operation == "DeleteThing" for f in found), [r.failure for r in result.real_failures]
    assert _run(service="iot", operation="iot.DeleteThing").real_failures == []
