"""The harness against a moto_server on loopback (``harness.moto_target``): what moto does not
implement is reported as unsupported, not as failures; a kept moto finding still fails; the
second identity is another account. Skipped when moto's server extra is not installed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.cli import main as jobfuzz
from harness.moto_target import SECOND_ACCOUNT, is_moto, moto_implements, moto_server, second_identity

pytest.importorskip("moto.server")

CASES = Path(__file__).parent.parent / "cases" / "moto"
DATA_PLANE = ("DescribeJobExecution", "GetPendingJobExecutions", "StartNextPendingJobExecution",
              "UpdateJobExecution", "StartCommandExecution")


@pytest.fixture(scope="module")
def moto_url():
    with moto_server() as url:
        yield url


def test_moto_is_told_from_other_endpoints(moto_url):
    assert is_moto(moto_url)
    assert moto_implements("iot", "GetJobDocument") is True
    assert moto_implements("iot", "UpdateJob") is False
    assert moto_implements("iot-jobs-data", "UpdateJobExecution") is False


def test_data_plane_is_unsupported_not_failures(moto_url, tmp_path, capsys):
    report = tmp_path / "r.json"
    code = jobfuzz(["run", "--service", "iot-jobs-data", "--phases", "boundary", "--max-examples", "1",
                    "--seed", "1", "--quiet", "--endpoint-url", moto_url, "--report-json", str(report),
                    "--failures-dir", str(tmp_path / "fails")])
    capsys.readouterr()
    # nothing of iot-jobs-data is judged: exit 2, or 1 if the iot calls that make the resources find
    # moto's own departures; never 0
    assert code in (1, 2)
    data = json.loads(report.read_text())
    assert {f"{u['service']}.{u['operation']}" for u in data["untested"]} == {f"iot-jobs-data.{op}" for op in DATA_PLANE}
    unsupported = data["unsupported"]
    assert {f"iot-jobs-data.{op}" for op in DATA_PLANE} <= set(unsupported), unsupported
    assert "serves no iot-jobs-data" in unsupported["iot-jobs-data.UpdateJobExecution"]
    assert [f for f in data["failures"] if f["service"] == "iot-jobs-data"] == []


def test_a_real_500_of_an_implemented_operation_still_fails(moto_url, capsys):
    case = CASES / "not_a_server_error-iot-GetJobDocument-04c5ad.json"
    assert jobfuzz(["replay", str(case), "--endpoint-url", moto_url]) == 1
    assert "still fails" in capsys.readouterr().out


def test_second_identity_is_another_account(moto_url):
    import boto3

    key, secret, _ = second_identity(moto_url)
    kw = {"endpoint_url": moto_url, "region_name": "us-east-1"}
    primary = boto3.client("iot", aws_access_key_id="jobfuzz-primary-key-id", aws_secret_access_key="x", **kw)
    second = boto3.client("iot", aws_access_key_id=key, aws_secret_access_key=secret, **kw)
    primary.create_thing(thingName="jobfuzz-isolation")
    with pytest.raises(second.exceptions.ResourceNotFoundException):
        second.describe_thing(thingName="jobfuzz-isolation")
    assert f":{SECOND_ACCOUNT}:" in second.create_thing(thingName="jobfuzz-isolation-2")["thingArn"]
