"""harness.options: the target options as a value, built from a command line or from keywords, and
the target they name; the same options in the pytest plugin."""

from __future__ import annotations

import argparse
import pickle
import socket
import textwrap
from dataclasses import replace

import pytest

from harness.inputs import UsageError
from harness.options import TargetOptions, add_safety_options, add_target_options, build_target
from harness.targets import AwsTarget, EmbeddedTarget, UrlTarget

pytest_plugins = ["pytester"]


def _parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser()
    add_target_options(p.add_argument)
    add_safety_options(p.add_argument)
    return p.parse_args(argv)


@pytest.fixture
def listening():
    """A loopback port that accepts connections (UrlTarget checks it is reachable)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield f"http://127.0.0.1:{s.getsockname()[1]}"


def test_a_command_line_and_keywords_give_the_same_value(tmp_path):
    argv = ["--endpoint-url", "http://127.0.0.1:4566", "--endpoint-url", "iot=http://127.0.0.1:4567",
            "--region", "eu-west-1", "--second-identity", "AK:SK", "--max-rate", "2.5", "--max-calls", "7",
            "--ledger-dir", str(tmp_path)]
    assert TargetOptions.from_namespace(_parse(argv)) == TargetOptions(
        endpoint_urls=("http://127.0.0.1:4566", "iot=http://127.0.0.1:4567"), region="eu-west-1",
        second_identity="AK:SK", max_rate=2.5, max_calls=7, ledger_dir=tmp_path)
    assert TargetOptions.from_namespace(_parse([])) == TargetOptions()


def test_a_dry_run_resolves_no_credentials():
    args = _parse([])
    args.dry_run = True
    assert TargetOptions.from_namespace(args).resolve_credentials is False


@pytest.mark.parametrize(("keywords", "option"), [
    ({"region": "US-EAST-1"}, "--region"),
    ({"endpoint_urls": ("ftp://127.0.0.1",)}, "--endpoint-url"),
    ({"endpoint_urls": "http://127.0.0.1:4566"}, "--endpoint-url"),
    ({"target": "moto"}, "--target"),
    ({"max_rate": 0}, "--max-rate"),
    ({"max_calls": 0}, "--max-calls"),
    ({"max_response_bytes": -1}, "--max-response-bytes"),
])
def test_keywords_are_checked_as_the_command_line_is(keywords, option):
    with pytest.raises(UsageError) as raised:
        TargetOptions(**keywords)
    assert str(raised.value).startswith(option)


def test_the_value_goes_to_a_worker_process_as_it_is():
    options = TargetOptions(region="eu-west-1", second_identity="AK:SK", max_calls=3)
    assert pickle.loads(pickle.dumps(options)) == options


def test_build_target_embedded_by_default_with_its_options():
    target = build_target(TargetOptions(region="eu-west-1", primary_identity="AK:SK:TOK", max_calls=5,
                                        max_response_bytes=1000))
    assert isinstance(target, EmbeddedTarget)
    assert target.region == "eu-west-1"
    assert target.identities["primary"] == ("AK", "SK", "TOK")
    assert target.limiter.max_calls == 5
    assert target.limits.max_bytes == 1000


def test_build_target_urls_by_service(listening):
    target = build_target(TargetOptions(endpoint_urls=(listening, f"iot={listening}/iot")))
    assert isinstance(target, UrlTarget)
    assert target.endpoint_for("iot") == f"{listening}/iot"
    assert target.endpoint_for("importexport") == listening


def test_build_target_aws_with_a_prefix(tmp_path):
    options = TargetOptions(target="aws", aws_opt_in=True, region="us-east-1", run_prefix="jftest01",
                            ledger_dir=tmp_path, resolve_credentials=False)
    target = build_target(options)
    assert isinstance(target, AwsTarget)
    assert target.guard.prefix == "jftest01"
    assert "second" not in target.identities


@pytest.mark.parametrize(("options", "said"), [
    (TargetOptions(target="aws", region="us-east-1"), "--i-accept-aws-charges"),
    (TargetOptions(target="aws", aws_opt_in=True), "--region"),
    (TargetOptions(target="aws", aws_opt_in=True, region="us-east-1", endpoint_urls=("http://127.0.0.1:1",)),
     "exclude each other"),
    (TargetOptions(plant="no-such-fault"), "--plant"),
    (TargetOptions(second_identity="only-a-key"), "--second-identity"),
])
def test_build_target_refuses_with_one_line(options, said):
    with pytest.raises(UsageError, match=said):
        build_target(options)


def test_cleanup_prefix_is_the_run_prefix(tmp_path):
    base = TargetOptions(target="aws", aws_opt_in=True, region="us-east-1", ledger_dir=tmp_path,
                         resolve_credentials=False)
    assert build_target(replace(base, run_prefix="jfclean9")).guard.prefix == "jfclean9"


PLUGIN_TEST = textwrap.dedent("""
    def test_target(jobfuzz_target, jobfuzz_config):
        print("TARGET", jobfuzz_target.kind, jobfuzz_target.endpoint, jobfuzz_target.region,
              jobfuzz_config.checks, jobfuzz_config.max_examples)
""")


def test_the_plugin_takes_the_target_options_of_the_cli(pytester, listening):
    pytester.makepyfile(PLUGIN_TEST)
    result = pytester.runpytest("-s", "-p", "no:cacheprovider", "--endpoint-url", listening, "--region",
                                "eu-west-1", "--jobfuzz-checks", "not_a_server_error", "--jobfuzz-max-examples", "3")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([f"*TARGET url {listening} eu-west-1 ('not_a_server_error',) 3*"])


@pytest.mark.parametrize(("argv", "said"), [
    (["--region", "US-EAST-1"], "*--region*"),
    (["--jobfuzz-max-examples", "0"], "*--jobfuzz-max-examples*"),
])
def test_the_plugin_refuses_bad_options_as_the_cli_does(pytester, argv, said):
    pytester.makepyfile(PLUGIN_TEST)
    result = pytester.runpytest("-p", "no:cacheprovider", *argv)
    assert result.ret != 0
    result.stderr.fnmatch_lines([said])


@pytest.mark.parametrize(("argv", "said"), [
    (["--jobfuzz-checks", "no_such_check"], "*--jobfuzz-checks: unknown check 'no_such_check'*"),
    (["--target", "aws"], "*--target aws calls a real account*"),
])
def test_the_plugin_stops_on_options_that_name_no_target(pytester, argv, said):
    pytester.makepyfile(PLUGIN_TEST)
    result = pytester.runpytest("-p", "no:cacheprovider", *argv)
    assert result.ret == 2
    result.stdout.fnmatch_lines([said])


@pytest.mark.parametrize(("endpoint", "options"), [
    ("embedded", TargetOptions()),
    ("http://127.0.0.1:4566", TargetOptions(endpoint_urls=("http://127.0.0.1:4566",))),
    ("iot=http://a:1, *=http://b:2", TargetOptions(endpoint_urls=("iot=http://a:1", "http://b:2"))),
    ("aws:eu-west-1", TargetOptions(target="aws", region="eu-west-1")),
    ("embedded vs http://127.0.0.1:1", TargetOptions()),
])
def test_a_targets_endpoint_text_names_it_again(endpoint, options):
    assert TargetOptions.from_endpoint(endpoint) == options


def test_a_replay_line_names_every_url_of_the_run():
    from harness.model import Failure
    from harness.repro import reproduce
    from harness.results import FailureRecord
    from strategies.calls import Call

    rec = FailureRecord(Failure("not_a_server_error", "iot", "DescribeJob", "t", "m"),
                        sequence=[Call("iot", "DescribeJob", {"jobId": "j"})], seed=1, case_file="c.json")
    line = reproduce(rec, "iot=http://a:1, *=http://b:2").replay
    assert line == "jobfuzz replay c.json --endpoint-url iot=http://a:1 --endpoint-url http://b:2"
    assert reproduce(rec, "aws:us-east-1").replay == "jobfuzz replay c.json"


def test_warnings_fail_contract_tests_on_the_shipped_emulator_and_with_jobfuzz_strict():
    from harness.config import RunConfig
    from harness.pytest_plugin import strict

    lenient, asked = RunConfig(), RunConfig(strict=True)
    assert strict(EmbeddedTarget(), lenient)  # the project's account of AWS: what AWS was seen to answer, too
    assert not strict(EmbeddedTarget(plant=["iot-describe-thing-unmodelled-member"]), lenient)
    assert strict(EmbeddedTarget(plant=["iot-describe-thing-unmodelled-member"]), asked)
    url = UrlTarget({None: "http://127.0.0.1:9"})
    assert not strict(url, lenient) and strict(url, asked)
