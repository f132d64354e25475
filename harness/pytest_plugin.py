"""The pytest plugin: target options and fixtures that drive the same engine as ``jobfuzz run``.

``tests/contract/`` uses it: one test per operation in scope and one per lifecycle, against the
embedded emulator unless ``--endpoint-url`` or ``--target aws`` says otherwise; and one test per
case file in a folder given by ``--jobfuzz-cases`` (regressions). A test whose run found no failure
but left operations untested is skipped with the reasons (``skip_untested``), never passed. A
warning (a finding resting on observations only) fails a test only with ``--jobfuzz-strict``, or
when the target is the embedded emulator as shipped (no ``--plant``): it is this project's account of
AWS, so it must answer what AWS was observed to answer too (``strict``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harness import inputs
from harness.engine import RunConfig
from harness.inputs import UsageError
from harness.model import CHECK_NAMES
from harness.options import TargetOptions, add_target_options, build_target, observations_file
from harness.results import RunResult
from harness.targets import Target

#: the plugin's options are stored under this prefix (pytest's own or another plugin's never clash)
DEST = "jobfuzz_"


def pytest_addoption(parser: pytest.Parser) -> None:
    g = parser.getgroup("jobfuzz", "jobfuzz contract tests")
    add_target_options(g.addoption, dest_prefix=DEST)  # the target options of ``jobfuzz run``
    g.addoption("--jobfuzz-max-examples", type=inputs.MAX_EXAMPLES, default=10,
                help="examples per operation and phase")
    g.addoption("--jobfuzz-seed", type=inputs.SEED, default=1)
    g.addoption("--jobfuzz-checks", default=None, help="comma-separated check names")
    g.addoption("--jobfuzz-cases", default=None, metavar="DIR", help="replay every case file in DIR")
    g.addoption("--jobfuzz-observations", type=Path, default=None, metavar="FILE",
                help="compare answers with this recording of `jobfuzz record` too")
    g.addoption("--jobfuzz-strict", action="store_true",
                help="warnings (what AWS was observed to do, which no page promises) fail the tests")


def target_options(config: pytest.Config) -> TargetOptions:
    """The target the pytest command line names (``--endpoint-url``, ``--target aws``, ...)."""
    return TargetOptions.from_namespace(config.option, dest_prefix=DEST)


def run_config(config: pytest.Config) -> RunConfig:
    """The run the contract tests make (each narrows it to its operation or lifecycle)."""
    opt = config.getoption
    return RunConfig(max_examples=opt("jobfuzz_max_examples"), seed=opt("jobfuzz_seed"),
                     checks=inputs.names(opt("jobfuzz_checks"), CHECK_NAMES, "--jobfuzz-checks", "check"),
                     example_db=":memory:", observations=observations_file(opt("jobfuzz_observations")),
                     strict=bool(opt("jobfuzz_strict")))


@pytest.fixture(scope="session")
def jobfuzz_target(request: pytest.FixtureRequest) -> Iterator[Target]:
    try:
        target = build_target(target_options(request.config))
    except UsageError as exc:
        pytest.exit(str(exc), returncode=2)
    yield target
    target.close()


@pytest.fixture(scope="session")
def jobfuzz_config(request: pytest.FixtureRequest) -> RunConfig:
    try:
        return run_config(request.config)
    except UsageError as exc:
        pytest.exit(str(exc), returncode=2)


def strict(target: Target, config: RunConfig) -> bool:
    """Whether warnings fail a contract test: ``--jobfuzz-strict``, or the embedded emulator as shipped."""
    return config.strict or (target.kind == "embedded" and not getattr(target, "planted", ()))


def describe_failures(result: RunResult) -> str:
    lines = []
    for rec in result.real_failures:
        f = rec.failure
        basis = f" (rests on {f.basis}: {f.reference})" if f.reference else ""
        lines.append(f"[{f.check}] {f.service}.{f.operation}: {f.title}{basis}\n    {f.message}")
    for crash in result.crashed_checks:
        lines.append(f"check {crash.check} crashed on {crash.operation}: {crash.error}")
    from harness.redaction import redact

    return redact("\n".join(lines))


def skip_untested(result: RunResult) -> None:
    """Skip (never pass) a test whose run left operations untested, with why: an operation the
    endpoint does not implement, did not answer, or could not make what it needs for."""
    if result.untested:
        pytest.skip("not tested: " + "; ".join(f"{op}: {why}" for op, why in sorted(result.untested.items())))


def jobfuzz_cases(config: pytest.Config) -> list[Path]:
    folder = config.getoption("jobfuzz_cases")
    return sorted(Path(folder).glob("*.json")) if folder else []
