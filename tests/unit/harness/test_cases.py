"""Case files: round trip, no credentials written, and one clear error for every malformed file."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from harness.cases import FORMAT, CaseFileError, case_name, iter_cases, load_case, save_case
from harness.model import Failure
from harness.results import FailureRecord
from strategies.calls import Call, RawMutation, Violation

# shaped like AWS credentials (a long-term and a temporary key id, a 40-character secret), which is
# what the scrubbing must catch; put together at run time so that no credential-shaped literal sits
# in the source
FAKE_KEY_ID = "AKIA" + "CASESTESTKEYID01"
FAKE_SECRET = "CaSeSt3sTsEcReT/kEy+" + "nOtReAlAnYwHeRe00000"
SESSION_KEY_ID = "ASIA" + "CASESTESTKEYID02"


def _record(calls: list[Call], *, identities: list[str] | None = None, scenario: dict | None = None,
            cause: str = "") -> FailureRecord:
    failure = Failure("state_transition_conformance", "iot-jobs-data", "UpdateJobExecution",
                      "a terminal execution changed status", "SUCCEEDED -> IN_PROGRESS was accepted",
                      cause=cause, status_code=200)
    return FailureRecord(failure=failure, sequence=calls, seed=42, identities=identities or [],
                         scenario=scenario, flaky=False)


def _update(**params) -> Call:
    base = {"jobId": "job-1", "thingName": "thing-1", "status": "SUCCEEDED"}
    return Call("iot-jobs-data", "UpdateJobExecution", {**base, **params})


def test_round_trip_keeps_datetimes_bytes_and_nested_params(tmp_path):
    when = dt.datetime(2024, 5, 1, 12, 30, 15, 250000, tzinfo=dt.UTC)
    create = Call("iot", "CreateJob", {
        "jobId": "job-1", "targets": ["arn:aws:iot:us-east-1:123456789012:thing/thing-1"],
        "document": '{"op": "reboot"}',
        "schedulingConfig": {"startTime": "2024-05-01T12:00", "endBehavior": "CANCEL",
                             "maintenanceWindows": [{"startTime": "cron(0 0 * * ? *)", "durationInMinutes": 30}]},
    }, produces=(("jobArn", "jobArn"),))
    invalid = Call("iot-jobs-data", "UpdateJobExecution",
                   {"jobId": "job-1", "thingName": "thing-1", "status": "IN_PROGRESS",
                    "statusDetails": {"k": "x" * 1025}, "when": when, "blob": b"\x00\xffbinary",
                    "nested": {"list": [b"a", {"t": when}]}, "keys": {12345: "int key"}},
                   mode="invalid",
                   violation=Violation("statusDetails{}", "max_length", "model", "expected at most 1024, got 1025",
                                       ("InvalidRequestException",)),
                   raw=RawMutation("malformed_body", body=b"{not json"))
    rec = _record([create, invalid], identities=["primary", "second"],
                  scenario={"kind": "lifecycle", "service": "iot-jobs-data", "machine": "execution",
                            "steps": ["start", "succeed"]})
    path = save_case(rec, directory=tmp_path / "cases", endpoint_kind="embedded", harness_version="0.1.0")
    assert path.parent == tmp_path / "cases" and path.name == case_name(rec)

    case = load_case(path)
    assert (case.format, case.harness_version, case.check) == (FORMAT, "0.1.0", "state_transition_conformance")
    assert (case.service, case.operation, case.seed, case.flaky) == ("iot-jobs-data", "UpdateJobExecution", 42, False)
    assert case.title == rec.failure.title and case.message == rec.failure.message
    assert case.identities == ("primary", "second")
    assert case.endpoint_kind == "embedded"
    assert case.scenario == rec.scenario
    first, second = case.calls
    assert first.params == create.params and first.produces == (("jobArn", "jobArn"),)
    assert second.params == invalid.params
    assert second.params["when"] == when and second.params["when"].tzinfo is not None
    assert second.params["blob"] == b"\x00\xffbinary"
    assert second.params["nested"]["list"] == [b"a", {"t": when}]
    assert (second.mode, second.violation, second.raw) == ("invalid", invalid.violation, invalid.raw)

    doc = json.loads(path.read_text())
    assert doc["calls"][1]["params"]["when"] == {"$datetime": when.isoformat()}
    assert doc["calls"][1]["params"]["blob"] == {"$bytes": "AP9iaW5hcnk="}
    assert doc["calls"][1]["params"]["keys"] == {"$map": [[12345, "int key"]]}
    assert second.params["keys"] == {12345: "int key"}


def test_the_name_is_deterministic_and_depends_on_the_cause(tmp_path):
    a = _record([_update()], cause="terminal")
    b = _record([_update(status="FAILED")], cause="terminal")
    c = _record([_update()], cause="version")
    assert case_name(a) == case_name(b) != case_name(c)
    assert case_name(a).startswith("state_transition_conformance-iot-jobs-data-UpdateJobExecution-")
    assert case_name(a).endswith(".json") and len(case_name(a).rsplit("-", 1)[1]) == len("3fa2c1.json")
    save_case(a, directory=tmp_path, endpoint_kind="url", harness_version="0.1.0")
    save_case(c, directory=tmp_path, endpoint_kind="url", harness_version="0.1.0")
    assert [p.name for p in iter_cases(tmp_path)] == sorted([case_name(a), case_name(c)])


def test_credentials_are_never_written(tmp_path):
    manifest = f"manifestVersion: 2.0\naccessKeyId: {FAKE_KEY_ID}\ndeviceId: ABCDE\n"
    call = Call("importexport", "CreateJob", {
        "JobType": "Import", "Manifest": manifest, "ValidateOnly": False,
        "Extra": {"token": FAKE_SECRET, "keys": [f"{SESSION_KEY_ID} {FAKE_SECRET}"]},
        "SecretAccessKey": "short-but-named-secret",
    })
    rec = _record([call])
    rec.failure.message = f"the manifest key {FAKE_KEY_ID} was echoed by http://10.1.2.3:4566/2010-06-01/"
    path = save_case(rec, directory=tmp_path, endpoint_kind="aws", harness_version="0.1.0")
    text = path.read_text()
    for secret in (FAKE_KEY_ID, FAKE_SECRET, SESSION_KEY_ID, "short-but-named-secret"):
        assert secret not in text
    assert str(tmp_path) not in text  # nothing tied to this machine
    case = load_case(path)
    params = case.calls[0].params
    assert params["Manifest"] == "manifestVersion: 2.0\naccessKeyId: {access_key}\ndeviceId: ABCDE\n"
    assert params["Extra"] == {"token": "<redacted>", "keys": ["{access_key} <redacted>"]}
    assert params["SecretAccessKey"] == "<redacted>"
    assert "calls/0/params/Manifest" in case.redacted
    assert case.message == "the manifest key {access_key} was echoed by <endpoint>/2010-06-01/"
    assert "10.1.2.3" not in text


def test_ordinary_40_character_values_are_kept(tmp_path):
    job_id = "a" * 40  # a long id is not a secret: no mix of cases and digits
    rec = _record([_update(jobId=job_id, thingName="0123456789" * 4)])
    case = load_case(save_case(rec, directory=tmp_path, endpoint_kind="embedded", harness_version="0.1.0"))
    assert case.calls[0].params["jobId"] == job_id
    assert case.calls[0].params["thingName"] == "0123456789" * 4


# -- malformed files ------------------------------------------------------------------------------

@pytest.fixture
def good(tmp_path) -> dict:
    rec = _record([_update(), _update(status="FAILED"), _update(status="IN_PROGRESS")])
    return json.loads(save_case(rec, directory=tmp_path, endpoint_kind="embedded",
                                harness_version="0.1.0").read_text())


def _write(tmp_path: Path, doc) -> Path:
    path = tmp_path / "broken.json"
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    return path


def _error(path: Path) -> CaseFileError:
    with pytest.raises(CaseFileError) as info:
        load_case(path)
    err = info.value
    assert str(path) in str(err) and "\n" not in str(err)
    assert str(err) == f"{path}: {err.where}: {err.problem}"
    return err


def test_unreadable_file(tmp_path):
    err = _error(tmp_path / "missing.json")
    assert err.where == "(file)" and "cannot read" in err.problem


def test_invalid_json_names_line_and_column(tmp_path):
    err = _error(_write(tmp_path, '{\n  "format": "jobfuzz-case/1",\n  "check": oops\n}'))
    assert err.where == "line 3, column 12" and "invalid JSON" in err.problem


def test_wrong_format_version(tmp_path, good):
    good["format"] = "jobfuzz-case/9"
    err = _error(_write(tmp_path, good))
    assert err.where == "format" and "jobfuzz-case/9" in err.problem


@pytest.mark.parametrize("field", ["check", "seed", "calls", "harness_version"])
def test_missing_top_level_field(tmp_path, good, field):
    del good[field]
    err = _error(_write(tmp_path, good))
    assert err.where == "(top level)" and err.problem == f"missing field {field!r}"


def test_missing_field_in_a_call(tmp_path, good):
    del good["calls"][2]["params"]
    err = _error(_write(tmp_path, good))
    assert err.where == "calls/2" and err.problem == "missing field 'params'"


def test_wrong_type_in_a_call(tmp_path, good):
    good["calls"][2]["params"] = ["not", "an", "object"]
    err = _error(_write(tmp_path, good))
    assert err.where == "calls/2/params" and err.problem == "expected object, got array"


def test_bad_violation_in_a_call(tmp_path, good):
    good["calls"][1]["violation"] = {"path": "x", "rule": "max"}
    err = _error(_write(tmp_path, good))
    assert err.where == "calls/1/violation" and "missing field" in err.problem


def test_bad_datetime_in_params(tmp_path, good):
    good["calls"][0]["params"]["when"] = {"$datetime": "yesterday"}
    err = _error(_write(tmp_path, good))
    assert err.where == "calls/0/params/when" and "ISO 8601" in err.problem


def test_unknown_service(tmp_path, good):
    good["calls"][1]["service"] = "no-such-service"
    err = _error(_write(tmp_path, good))
    assert err.where == "calls/1/service" and "no-such-service" in err.problem


def test_unknown_operation(tmp_path, good):
    good["calls"][2]["operation"] = "UpdateJobExecutions"
    err = _error(_write(tmp_path, good))
    assert err.where == "calls/2/operation" and "UpdateJobExecutions" in err.problem


def test_unknown_top_level_operation(tmp_path, good):
    good["operation"] = "Nope"
    err = _error(_write(tmp_path, good))
    assert err.where == "operation"


def test_unknown_check(tmp_path, good):
    good["check"] = "looks_fine_to_me"
    err = _error(_write(tmp_path, good))
    assert err.where == "check" and "looks_fine_to_me" in err.problem


def test_not_an_object(tmp_path):
    err = _error(_write(tmp_path, "[1, 2]"))
    assert err.where == "(top level)" and err.problem == "expected object, got array"


def test_the_harness_own_key_ids_become_the_template(tmp_path):
    from harness.targets import PRIMARY_KEYS, SECOND_KEYS

    manifest = f"accessKeyId: {PRIMARY_KEYS[0]}\nnotes: {SECOND_KEYS[0]} {PRIMARY_KEYS[0]}-suffix\n"
    call = Call("importexport", "CreateJob", {"JobType": "Import", "Manifest": manifest, "ValidateOnly": False})
    path = save_case(_record([call]), directory=tmp_path, endpoint_kind="embedded", harness_version="0.1.0")
    params = load_case(path).calls[0].params
    assert params["Manifest"] == f"accessKeyId: {{access_key}}\nnotes: {{access_key}} {PRIMARY_KEYS[0]}-suffix\n"
