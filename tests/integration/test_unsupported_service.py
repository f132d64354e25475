"""A service the emulator does not serve is reported as unsupported, never as passing checks."""

from __future__ import annotations

import pytest

from emulator.app import Emulator
from emulator.server import EmulatorServer
from harness.engine import RunConfig
from harness.session import execute
from harness.targets import EmbeddedTarget, UrlTarget

# braket: no overlay, so no recipe reaches another service first (batch has one, which calls iam)
CONFIG = RunConfig(services=("braket",), operations=("braket.SearchJobs", "braket.GetJob"), phases=("boundary",),
                   max_examples=2, seed=1)


def _assert_unsupported(result) -> None:
    assert set(result.unsupported) == {"braket.SearchJobs", "braket.GetJob"}, result.unsupported
    assert all("HTTP 501 NotImplemented" in why and "'braket'" in why for why in result.unsupported.values())
    assert not result.failures and not result.crashed_checks
    # each operation was asked once and not judged: no check counts a pass on a refusal
    for qualified in result.unsupported:
        cov = result.coverage[qualified]
        assert cov.calls == 1 and dict(cov.statuses) == {"501": 1}
        assert not any(passed for passed, _ in cov.checks.values()), cov.checks


def test_embedded_emulator_reports_an_unserved_service_as_unsupported():
    _assert_unsupported(execute(EmbeddedTarget(), CONFIG))


@pytest.mark.timeout(120)
def test_emulator_over_http_reports_an_unserved_service_as_unsupported():
    server = EmulatorServer(Emulator()).start()
    try:
        _assert_unsupported(execute(UrlTarget({None: server.url}), CONFIG))
    finally:
        server.stop()
