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
    resolve_templates,
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
    exec(compile(snippet, "<snippet>", "exec"), {"print": lambda *a: log.setdefault("printed", a)})
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
    assert "{thingArn} is a value a call before these returned" in repro.notes
    short = reproduce(rec, "embedded", last=1)
    assert short.omitted == 1 and len(short.cli) == 1 and "update-job-execution" in short.cli[0]


# -- templates of a recorded sequence ------------------------------------------------------------
THING = Call("iot", "CreateThing", {"thingName": "{uid}"}, produces=(("thingName", "thingName"),
                                                                      ("thingArn", "thingArn")))
JOB = Call("iot", "CreateJob", {"jobId": "{uid}", "targets": ["{thingArn}"], "document": '{"operation":"x"}'},
           produces=(("jobId", "jobId"), ("jobArn", "jobArn")))
EXECUTION = Call("iot", "DescribeJobExecution", {"thingName": "{thingName}", "jobId": "{jobId}"},
                 produces=(("executionNumber", "execution.executionNumber"),))
UPDATE_BOUND = Call("iot-jobs-data", "UpdateJobExecution",
                    {"thingName": "{thingName}", "jobId": "{jobId}", "status": "IN_PROGRESS"})


def test_names_the_sequence_chose_fill_later_calls_even_when_their_maker_is_left_out():
    rec = FailureRecord(Failure("state_transition_conformance", "iot-jobs-data", "UpdateJobExecution", "t", "m"),
                        sequence=[THING, JOB, EXECUTION, UPDATE_BOUND], seed=1)
    repro = reproduce(rec, "embedded", last=1)
    assert repro.omitted == 3
    opts = _options(shlex.split(repro.cli[0]))
    assert opts["--thing-name"].startswith("jfr") and opts["--job-id"].startswith("jfr")
    assert opts["--thing-name"] != opts["--job-id"]  # one name a call that makes something
    assert "{" not in repro.cli[0]
    assert "'thingName': 'jfr" in repro.boto3[0] and "{jobId}" not in repro.boto3[0]
    assert not any(n.startswith("{") for n in repro.notes)  # nothing left to explain


def test_a_value_only_the_service_chooses_stays_a_template_with_where_it_comes_from():
    rec = FailureRecord(Failure("not_a_server_error", "iot", "DeleteJobExecution", "t", "m"),
                        sequence=[THING, JOB, EXECUTION,
                                  Call("iot", "DeleteJobExecution", {"thingName": "{thingName}", "jobId": "{jobId}",
                                                                     "executionNumber": "{executionNumber}"})],
                        seed=1)
    repro = reproduce(rec, "embedded", last=2)
    assert "--target-arn" not in repro.cli[-1]
    assert _options(shlex.split(repro.cli[-1]))["--execution-number"] == "{executionNumber}"
    assert ("{executionNumber} is execution.executionNumber in the answer of call 3 "
            "(iot DescribeJobExecution)") in repro.notes
    failure = Failure("not_a_server_error", "iot", "CreateJob", "t", "m")
    created = reproduce(FailureRecord(failure, sequence=[THING, JOB], seed=1), "embedded")
    # the thing's ARN is the service's: left for the reader, with the call that answers it
    assert _options(shlex.split(created.cli[1]))["--targets"] == '["{thingArn}"]'
    assert "{thingArn} is thingArn in the answer of call 1 (iot CreateThing)" in created.notes


def test_resolve_templates_uses_the_prefix_and_keeps_what_is_no_template():
    calls, sources = resolve_templates([THING, JOB, UPDATE_BOUND], prefix="jfrtest")
    assert calls[0].params == {"thingName": "jfrtest00001"}
    assert calls[1].params["jobId"] == "jfrtest00002" and calls[1].params["document"] == '{"operation":"x"}'
    assert calls[2].params["thingName"] == "jfrtest00001" and calls[2].params["jobId"] == "jfrtest00002"
    assert calls[0].produces == THING.produces  # still a recorded call
    assert set(sources) == {"thingArn", "jobArn"}
