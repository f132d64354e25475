"""On an account, a run and ``jobfuzz cleanup`` delete only what is the run's: what its ledger
holds or what carries its run tag. A name that starts with the prefix is never enough.

The account is a loopback server (``fake_account``) that answers the sweep's list, tag and delete
calls and records every request. It holds resources made outside the run, some named with the
prefix, beside the run's own (in its ledger, or tagged ``jobfuzz:run=<prefix>``).
"""

from __future__ import annotations

import json

import pytest
from fake_account import Account, account

from harness.cli import main
from harness.safety import Ledger

REGION = "us-east-1"
AWS = ["--target", "aws", "--i-accept-aws-charges", "--region", REGION]
ARN = "arn:aws:iot:us-east-1:123456789012"


@pytest.fixture
def aws_env(monkeypatch, tmp_path):
    """The standard credential chain, and botocore's endpoint override pointed at the fake account."""
    for k in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        monkeypatch.delenv(k, raising=False)
    env = {"AWS_ACCESS_KEY_ID": "fake-account-key-id", "AWS_SECRET_ACCESS_KEY": "fake-account-secret-000000",
           "AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": str(tmp_path / "no-config"),
           "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials")}
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    monkeypatch.chdir(tmp_path)

    @__import__("contextlib").contextmanager
    def at(acct: Account):
        with account(acct) as a:
            monkeypatch.setenv("AWS_ENDPOINT_URL", a.server.url)
            yield a

    return at


def named_in(acct: Account, names: list[str]) -> list[str]:
    """Writes to the account that name any of ``names`` (in the path or the body)."""
    return [f"{r.method} {r.path}" for r in acct.writes() for n in names if n in r.path or n.encode() in r.body]


def test_the_end_of_run_sweep_deletes_what_carries_the_run_tag_and_nothing_else(aws_env, tmp_path, capsys):
    theirs_jobs = ["jfsafe02theirjob", "jfsafe02other", "other-job"]
    acct = Account(jobs={"jfsafe02theirjob": {}, "jfsafe02tagged": {"jobfuzz:run": "jfsafe02"},
                         "jfsafe02other": {"jobfuzz:run": "jfsafe02x", "team": "b"}, "other-job": {}},
                   things={"jfsafe02thing": {}})
    with aws_env(acct) as a:
        code = main(["run", *AWS, "--run-prefix", "jfsafe02", "--ledger-dir", str(tmp_path / "runs"),
                     "--operation", "iot.ListJobs", "--phases", "fuzz", "--max-examples", "3", "--seed", "2",
                     "--max-rate", "1000", "--report-json", str(tmp_path / "report.json")])
        out = capsys.readouterr().out
        assert code in (0, 1), out
        assert any(r.path.startswith("/jobs") and r.method == "GET" for r in a.server.requests)
        assert named_in(a, [*theirs_jobs, "jfsafe02thing"]) == []
        assert sorted(a.jobs) == sorted(theirs_jobs) and list(a.things) == ["jfsafe02thing"]
        assert [f"{r.method} {r.path.split('?')[0]}" for r in a.writes()] == ["DELETE /jobs/jfsafe02tagged"]
    cleanup = json.loads((tmp_path / "report.json").read_text())["safety"]["cleanup"]
    assert cleanup["deleted"] == 1 and cleanup["left"] == []
    assert sorted(u.split(":")[0] for u in cleanup["untouched"]) == [
        "job jfsafe02other", "job jfsafe02theirjob", "thing jfsafe02thing"]
    assert "not touched: 3" in out


def _earlier_runs(tmp_path) -> None:
    """The ledger of run ``test`` (a thing and its job), and of another run, ``testing``."""
    ours = Ledger(tmp_path / "runs" / "test.jsonl")
    ours.add("thing", "iot", {"thingName": "test00001", "thingArn": f"{ARN}:thing/test00001"}, "primary")
    ours.add("job", "iot", {"jobId": "test00002", "jobArn": f"{ARN}:job/test00002"}, "primary")
    other = Ledger(tmp_path / "runs" / "testing.jsonl")
    other.add("job", "iot", {"jobId": "testingjob-of-another-team"}, "primary")
    ours._out.close(), other._out.close()  # as a killed run leaves them: nothing marked deleted


def _account() -> Account:
    return Account(
        things={"test00001": {}, "testthing-of-another-team": {}},
        jobs={"test00002": {"jobfuzz:run": "test"}, "testingjob-of-another-team": {"jobfuzz:run": "testing"},
              "testtagged": {"jobfuzz:run": "test"}, "testjob-untagged": {}, "other-job": {}},
        commands={"testcommand": {"team": "a"}})


THEIRS = ["testthing-of-another-team", "testingjob-of-another-team", "testjob-untagged", "other-job", "testcommand"]


def test_cleanup_deletes_the_ledger_and_the_tagged_and_never_what_only_carries_the_prefix(aws_env, tmp_path, capsys):
    _earlier_runs(tmp_path)
    with aws_env(_account()) as a:
        code = main(["cleanup", "--prefix", "test", *AWS, "--ledger-dir", str(tmp_path / "runs")])
        out = capsys.readouterr().out
        assert code == 0, out
        assert named_in(a, THEIRS) == []
        assert sorted(a.things) == ["testthing-of-another-team"]
        assert sorted(a.jobs) == ["other-job", "testingjob-of-another-team", "testjob-untagged"]
        assert list(a.commands) == ["testcommand"]
    for deleted in ("thing test00001", "job test00002", "job testtagged"):
        assert f"deleted: {deleted}" in out
    for kept in ("thing testthing-of-another-team", "job testingjob-of-another-team", "job testjob-untagged",
                 "command testcommand"):
        assert f"not touched: {kept}: carries the prefix, but no ledger holds it" in out
    assert not (tmp_path / "runs" / "test.jsonl").exists() and (tmp_path / "runs" / "testing.jsonl").exists()


def test_a_cleanup_dry_run_on_an_account_lists_what_it_would_delete_and_writes_nothing(aws_env, tmp_path, capsys):
    _earlier_runs(tmp_path)
    with aws_env(_account()) as a:
        code = main(["cleanup", "--prefix", "test", *AWS, "--ledger-dir", str(tmp_path / "runs"), "--dry-run"])
        out = capsys.readouterr()
        assert code == 0, out.err
        assert a.writes() == [] and a.server.requests, "a dry run lists the account and changes nothing"
        assert len(a.jobs) == 5 and len(a.things) == 2
    would = sorted(line for line in out.out.splitlines() if line.startswith("would delete:"))
    assert would == ["would delete: job test00002", "would delete: job testtagged", "would delete: thing test00001"]
    assert "not touched: job testjob-untagged" in out.out
    assert (tmp_path / "runs" / "test.jsonl").exists()
