"""Reproduction by hand: aws CLI lines that a shell splits back into the call, boto3 snippets that run."""

from __future__ import annotations

import datetime as dt
import json
import shlex

import pytest

from harness.model import Failure
from harness.repro import (
    EMULATOR_URL,
    aws_cli_command,
    boto3_snippet,
    reproduce,
    target_of,
    wrap_command,
)
from harness.results import FailureRecord
from harness.targets import PRIMARY_KEYS, SECOND_KEYS
from strategies.calls import Call, RawMutation, Violation

UPDATE = Call("iot-jobs-data", "UpdateJobExecution", {
    "jobId": "job 1",
    "thingName": "it's-a-thing",
    "status": "IN_PROGRESS",
    "statusDetails": {"progress": "50 %", "note": "say \"hi\" $HOME `id`"},
    "expectedVersion": 3,
    "includeJobExecutionState": True,
    "includeJobDocument": False,
})


def _options(words: list[str]) -> dict[str, str | bool]:
    """--name value pairs and bare --flags of a split aws line."""
    out: dict[str, str | bool] = {}
    i = 3
    while i < len(words):
        name = words[i]
        assert name.startswith("--"), words
        if i + 1 < len(words) and not words[i + 1].startswith("--"):
            out[name] = words[i + 1]
            i += 2
        else:
            out[name] = True
            i += 1
    return out


def test_update_job_execution_line_round_trips_through_shlex():
    line = aws_cli_command(UPDATE, "http://localhost:5000", "eu-west-1")
    words = shlex.split(line)
    assert words[:3] == ["aws", "iot-jobs-data", "update-job-execution"]
    opts = _options(words)
    assert opts["--job-id"] == "job 1"
    assert opts["--thing-name"] == "it's-a-thing"
    assert opts["--status"] == "IN_PROGRESS"
    assert json.loads(opts["--status-details"]) == UPDATE.params["statusDetails"]
    assert opts["--expected-version"] == "3"
    assert opts["--include-job-execution-state"] is True
    assert opts["--no-include-job-document"] is True
    assert "--include-job-document" not in opts
    assert opts["--endpoint-url"] == "http://localhost:5000"
    assert opts["--region"] == "eu-west-1"
    assert "\n" not in line


def test_embedded_lines_point_at_the_emulator_and_real_aws_at_nothing():
    assert _options(shlex.split(aws_cli_command(UPDATE, None, None)))["--endpoint-url"] == EMULATOR_URL
    real = _options(shlex.split(aws_cli_command(UPDATE, None, "us-west-2", real_aws=True)))
    assert "--endpoint-url" not in real and real["--region"] == "us-west-2"


def test_values_with_newlines_go_through_cli_input_json_on_one_line():
    manifest = "manifestVersion: 2.0\naccessKeyId: {access_key}\ndeviceId: 1234\n"
    call = Call("importexport", "CreateJob", {"JobType": "Import", "Manifest": manifest, "ValidateOnly": True})
    line = aws_cli_command(call, None, None)
    assert "\n" not in line
    words = shlex.split(line)
    assert words[:3] == ["aws", "importexport", "create-job"]
    assert json.loads(_options(words)["--cli-input-json"]) == call.params


def test_timestamps_and_blobs_become_text():
    when = dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    call = Call("iot", "ListJobs", {"maxResults": 5, "nextToken": b"\x01\x02", "when": when})
    opts = _options(shlex.split(aws_cli_command(call, None, None)))
    assert opts["--max-results"] == "5"
    assert opts["--next-token"] == "AQI="
    assert opts["--when"] == when.isoformat()


def test_wrapped_lines_are_the_same_command():
    line = aws_cli_command(UPDATE, None, None)
    parts = wrap_command(line, 60)
    assert len(parts) > 1
    assert all(p.endswith(" \\") for p in parts[:-1])
    joined = " ".join(p.removesuffix(" \\") for p in parts)
    assert shlex.split(joined) == shlex.split(line)


class _FakeClient:
    def __init__(self, log: dict):
        self.log = log
        self.meta = type("Meta", (), {"events": self})()

    def register_first(self, event, handler):
        self.log["handler"] = (event, handler)

    def __getattr__(self, name):
        def method(**params):
            self.log["method"], self.log["params"] = name, params
            return {"ok": True}
        return method


def _run(snippet: str, monkeypatch) -> dict:
    import boto3

    log: dict = {}

    def client(*args, **kwargs):
        log["args"], log["kwargs"] = args, kwargs
        return _FakeClient(log)

    monkeypatch.setattr(boto3, "client", client)
    exec(compile(snippet, "<snippet>", "exec"), {"print": lambda *a: log.setdefault("printed", a)})  # noqa: S102
    return log


def test_boto3_snippet_runs_and_sends_the_call(monkeypatch):
    when = dt.datetime(2024, 1, 2, tzinfo=dt.UTC)
    call = Call(UPDATE.service, UPDATE.operation, {**UPDATE.params, "at": when})
    log = _run(boto3_snippet(call, None, None), monkeypatch)
    assert log["args"] == ("iot-jobs-data",)
    assert log["kwargs"]["endpoint_url"] == EMULATOR_URL
    assert log["kwargs"]["region_name"] == "us-east-1"
    assert log["kwargs"]["aws_access_key_id"] == PRIMARY_KEYS[0]
    assert log["kwargs"]["config"].parameter_validation is False
    assert log["method"] == "update_job_execution"
    assert log["params"] == call.params
    assert log["printed"] == ({"ok": True},)
    assert "jobfuzz emulator" in boto3_snippet(call, None, None)
    assert "jobfuzz emulator" not in boto3_snippet(call, "http://h:1", None)


def test_boto3_snippet_fills_the_access_key_and_uses_the_identity(monkeypatch):
    call = Call("importexport", "CreateJob", {"JobType": "Import", "Manifest": "accessKeyId: {access_key}\n"})
    log = _run(boto3_snippet(call, "http://h:1", "eu-west-1", identity="second"), monkeypatch)
    assert log["kwargs"]["aws_access_key_id"] == SECOND_KEYS[0]
    assert log["kwargs"]["endpoint_url"] == "http://h:1"
    assert log["params"]["Manifest"] == f"accessKeyId: {SECOND_KEYS[0]}\n"


def test_boto3_snippet_applies_the_raw_break(monkeypatch):
    call = Call("iot-jobs-data", "UpdateJobExecution", {"jobId": "j", "thingName": "t", "status": "QUEUED"},
                mode="invalid", violation=Violation("", "malformed_body", "model", "not JSON"),
                raw=RawMutation("malformed_body", body=b"{not json"))
    log = _run(boto3_snippet(call, None, None), monkeypatch)
    event, handler = log["handler"]
    assert event == "before-send"
    request = type("Req", (), {"body": b"{}", "headers": {}})()
    handler(request)
    assert request.body == b"{not json" and request.headers["Content-Length"] == "9"


@pytest.mark.parametrize("endpoint, service, expected", [
    ("embedded", "iot", (None, None, False)),
    ("http://127.0.0.1:4566", "iot", ("http://127.0.0.1:4566", None, False)),
    ("iot=http://a:1, *=http://b:2", "iot", ("http://a:1", None, False)),
    ("iot=http://a:1, *=http://b:2", "importexport", ("http://b:2", None, False)),
    ("aws:eu-west-1", "iot", (None, "eu-west-1", True)),
])
def test_target_of_reads_every_endpoint_form(endpoint, service, expected):
    assert target_of(endpoint, service) == expected


def test_reproduce_gives_one_line_and_snippet_a_call_and_the_replay_command():
    create = Call("iot", "CreateJob", {"jobId": "{uid}", "targets": ["{thingArn}"]})
    rec = FailureRecord(Failure("use_after_delete", "iot-jobs-data", "UpdateJobExecution", "t", "m"),
                        sequence=[create, UPDATE], seed=1, case_file="cases/a b.json",
                        identities=["primary", "second"])
    repro = reproduce(rec, "http://h:1")
    assert len(repro.cli) == len(repro.boto3) == 2
    assert shlex.split(repro.replay) == ["jobfuzz", "replay", "cases/a b.json", "--endpoint-url", "http://h:1"]
    assert shlex.split(repro.cli[0])[:3] == ["aws", "iot", "create-job"]
    assert SECOND_KEYS[0] in repro.boto3[1]
    assert any("{access_key}" in n for n in repro.notes)
    short = reproduce(rec, "embedded", last=1)
    assert short.omitted == 1 and len(short.cli) == 1 and "update-job-execution" in short.cli[0]
