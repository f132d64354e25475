"""The pytest plugin: target options and fixtures that drive the same engine as ``jobfuzz run``.

``tests/contract/`` uses it: one test per operation in scope and one per lifecycle, against the
embedded emulator unless ``--endpoint-url`` or ``--target aws`` says otherwise; and one test per
case file in a folder given by ``--jobfuzz-cases`` (regressions). A test whose run found no failure
but left operations untested is skipped with the reasons (``skip_untested``), never passed.
"""

from __future__ import annotations

import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.model import CHECK_NAMES


def pytest_addoption(parser: pytest.Parser) -> None:
    g = parser.getgroup("jobfuzz", "jobfuzz contract tests")
    g.addoption("--endpoint-url", action="append", default=[], metavar="URL|SERVICE=URL",
                help="test this endpoint instead of the embedded emulator")
    g.addoption("--target", choices=("embedded", "aws"), default=None, dest="jobfuzz_target")
    g.addoption("--i-accept-aws-charges", action="store_true", dest="jobfuzz_aws_opt_in")
    g.addoption("--region", default=None, dest="jobfuzz_region")
    g.addoption("--profile", default=None, dest="jobfuzz_profile")
    g.addoption("--second-identity", default=None, dest="jobfuzz_second_identity")
    g.addoption("--jobfuzz-max-examples", type=int, default=10, help="examples per operation and phase")
    g.addoption("--jobfuzz-seed", type=int, default=1)
    g.addoption("--jobfuzz-checks", default=None, help="comma-separated check names")
    g.addoption("--jobfuzz-cases", default=None, metavar="DIR", help="replay every case file in DIR")


@pytest.fixture(scope="session")
def jobfuzz_target(request: pytest.FixtureRequest) -> Iterator[Any]:
    from harness.cli import UsageError, build_target

    opt = request.config.getoption
    args = types.SimpleNamespace(endpoint_url=opt("endpoint_url"), target=opt("jobfuzz_target"),
                                 aws_opt_in=opt("jobfuzz_aws_opt_in"), region=opt("jobfuzz_region"),
                                 profile=opt("jobfuzz_profile"), second_identity=opt("jobfuzz_second_identity"))
    try:
        target = build_target(args)
    except UsageError as exc:
        pytest.exit(str(exc), returncode=2)
    yield target
    target.close()


@pytest.fixture(scope="session")
def jobfuzz_config(request: pytest.FixtureRequest) -> Any:
    from harness.engine import RunConfig

    opt = request.config.getoption
    checks = tuple(c for c in (opt("jobfuzz_checks") or "").split(",") if c) or CHECK_NAMES
    return RunConfig(max_examples=opt("jobfuzz_max_examples"), seed=opt("jobfuzz_seed"), checks=checks,
                     example_db=":memory:")


def describe_failures(result: Any) -> str:
    lines = []
    for rec in result.real_failures:
        f = rec.failure
        lines.append(f"[{f.check}] {f.service}.{f.operation}: {f.title}\n    {f.message}")
    for crash in result.crashed_checks:
        lines.append(f"check {crash.check} crashed on {crash.operation}: {crash.error}")
    from harness.redaction import redact

    return redact("\n".join(lines))


def skip_untested(result: Any) -> None:
    """Skip (never pass) a test whose run left operations untested, with why: an operation the
    endpoint does not implement, did not answer, or could not make what it needs for."""
    if result.untested:
        pytest.skip("not tested: " + "; ".join(f"{op}: {why}" for op, why in sorted(result.untested.items())))


def jobfuzz_cases(config: pytest.Config) -> list[Path]:
    folder = config.getoption("jobfuzz_cases")
    return sorted(Path(folder).glob("*.json")) if folder else []
