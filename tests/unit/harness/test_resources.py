"""Resource recipes: fresh names for a call that makes a resource, per-service resource keys."""

from __future__ import annotations

from typing import Any

import pytest

from harness.model import Exchange
from harness.resources import ResourceMaker
from specs.loader import load_service

SERVICES = ("iot", "iot-jobs-data", "amplifybackend", "importexport")


@pytest.fixture(scope="module")
def services() -> dict[str, Any]:
    return {name: load_service(name) for name in SERVICES}


def _maker(services: dict[str, Any]) -> ResourceMaker:
    def send(call: Any, identity: str, template: Any) -> Exchange:
        raise AssertionError(f"no call expected, got {call.service}.{call.operation}")

    return ResourceMaker(services, send, lambda identity="primary": "AKIDPRIMARY", prefix="jfab12")


# -- fresh names ---------------------------------------------------------------------------------
def test_fresh_names_rename_what_a_recipe_names_by_uid(services):
    maker = _maker(services)
    fixed = {"thingName": "a", "attributePayload": {"attributes": {"k": "v"}}}
    first = maker.fresh_names("iot", "CreateThing", fixed)
    second = maker.fresh_names("iot", "CreateThing", fixed)
    assert first["thingName"].startswith("jfab12") and second["thingName"].startswith("jfab12")
    assert first["thingName"] != second["thingName"]
    assert first["attributePayload"] == fixed["attributePayload"]  # the configuration is kept
    assert fixed["thingName"] == "a"  # the caller's params are not changed


def test_fresh_names_follow_the_recipe_template_and_share_one_uid(services):
    made = _maker(services).fresh_names("amplifybackend", "CreateBackend",
                                        {"AppId": "x", "AppName": "y", "BackendEnvironmentName": "z"})
    uid = made["AppId"]
    assert uid.startswith("jfab12")
    assert made["AppName"] == f"app-{uid}" and made["BackendEnvironmentName"] == f"env{uid}"


def test_fresh_names_leave_members_that_need_other_values(services):
    made = _maker(services).fresh_names("iot", "CreateJob", {"jobId": "j", "targets": ["arn:x"]})
    assert made["jobId"] != "j" and made["targets"] == ["arn:x"]  # targets is "{thingArn}"
    params = {"AppId": "a", "BackendEnvironmentName": "e", "ServiceName": "S3", "BucketName": "b"}
    storage = _maker(services).fresh_names("amplifybackend", "ImportBackendStorage", params)
    assert storage["BucketName"].startswith("bucket-jfab12") and storage["AppId"] == "a"


def test_fresh_names_without_a_recipe_change_nothing(services):
    params = {"thingName": "t", "jobId": "j"}
    assert _maker(services).fresh_names("iot", "DescribeJobExecution", params) == params


# -- one namespace of resource names -------------------------------------------------------------
BATCH_OVERLAY = """\
service: batch
resources:
  {name}:
    create:
      - service: batch
        operation: SubmitJob
        params: {{jobName: "{{uid}}", jobQueue: q, jobDefinition: d}}
        produces: {{batchJobId: jobId}}
"""


def _batch(tmp_path, monkeypatch, name: str) -> Any:
    from specs.overlay import OVERLAY_PATH_ENV

    (tmp_path / "batch.yaml").write_text(BATCH_OVERLAY.format(name=name))
    monkeypatch.setenv(OVERLAY_PATH_ENV, str(tmp_path))
    return load_service("batch")


def test_a_resource_name_two_overlays_define_is_refused_naming_both_files(services, tmp_path, monkeypatch):
    from specs.overlay import OverlayError

    batch = _batch(tmp_path, monkeypatch, "job")
    assert set(batch.resources) == {"job"}
    with pytest.raises(OverlayError) as err:
        _maker({**services, "batch": batch})
    text = str(err.value)
    assert "\n" not in text and "'job'" in text
    assert str(tmp_path / "batch.yaml") in text and "specs/overlays/iot.yaml" in text


def test_distinct_resource_names_across_overlays_are_kept(services, tmp_path, monkeypatch):
    maker = _maker({**services, "batch": _batch(tmp_path, monkeypatch, "batch_job")})
    assert maker.resources["batch_job"].service == "batch" and maker.resources["job"].service == "iot"
    assert maker.producer_of("batchJobId", "batch") == "batch_job"
    # every overlay shipped shares the namespace without a clash
    assert {r.service for r in _maker(services).resources.values()} == {"iot", "amplifybackend", "importexport"}


def test_a_sequence_that_needs_a_resource_no_overlay_has_is_refused(services, tmp_path, monkeypatch):
    from specs.overlay import OVERLAY_PATH_ENV, OverlayError

    (tmp_path / "batch.yaml").write_text(
        "service: batch\nsequences:\n  - {name: s, operation: SubmitJob, source: doc, needs: [batch_job],\n"
        "     steps: [{service: batch, operation: DescribeJobs, params: {jobs: [x]}, expect: {ok: true}}]}\n")
    monkeypatch.setenv(OVERLAY_PATH_ENV, str(tmp_path))
    with pytest.raises(OverlayError) as err:  # no overlay on the path has it: refused when loaded
        load_service("batch")
    assert err.value.where == "sequences/0/needs/0"
    assert "no overlay has a resource 'batch_job'" in str(err.value)
    with pytest.raises(OverlayError) as err:  # another overlay has it, but the run does not load that one
        _maker({"iot-jobs-data": services["iot-jobs-data"]})
    assert err.value.where == "sequences/0/needs"
    assert "no overlay of the run has a resource 'job'" in str(err.value)
    _maker(services)  # the shipped overlays' sequences need only resources they define


def test_the_cli_refuses_a_clash_with_one_line_and_exit_2(tmp_path, monkeypatch, capsys):
    from harness.cli import main

    _batch(tmp_path, monkeypatch, "job")
    code = main(["run", "--service", "iot", "--service", "batch", "--operation", "iot.DescribeJob",
                 "--phases", "boundary", "--max-examples", "1"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "resources/job" in err and "batch.yaml" in err, err
