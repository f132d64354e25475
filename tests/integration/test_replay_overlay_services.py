"""Replay and the flaky rerun load the services a case names, not only the four built-in ones: a case
file of an overlay-added service (Batch, `specs/overlays/batch.yaml`) replayed against a fresh
moto_server still fails. Skipped when moto's server extra is not installed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("moto.server", reason="moto with its server extra is not installed (pip install -e '.[moto]')")

from moto.server import ThreadedMotoServer

from harness.cases import load_case
from harness.config import DEFAULT_SERVICES
from harness.options import TargetOptions, build_target
from harness.replay import case_services, replay_case, rerun
from harness.results import FailureRecord

CASES = Path(__file__).parent.parent / "cases" / "moto"
#: a sequence of the Batch overlay (ListJobs without a status lists only RUNNING jobs): moto lists all
SEQUENCE_CASE = CASES / "read_after_write_consistency-batch-ListJobs-c9a836.json"


@pytest.fixture
def moto_url() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"  # moto's default configuration, as the case was found
    finally:
        server.stop()


def test_case_services_puts_the_case_service_first() -> None:
    case = load_case(SEQUENCE_CASE)
    services = case_services(case.service, case.calls, case.scenario)
    assert services[:2] == ("batch", "iam")
    assert set(DEFAULT_SERVICES) <= set(services)


def test_batch_sequence_case_still_fails_on_a_fresh_moto_server(moto_url: str) -> None:
    case = load_case(SEQUENCE_CASE)
    assert case.scenario is not None and case.scenario["kind"] == "sequence"
    outcome = replay_case(case, build_target(TargetOptions(endpoint_urls=(moto_url,))))
    assert outcome.calls > 0, outcome.describe()
    assert outcome.still_fails, outcome.describe()
    assert {f.check for f in outcome.failures} == {"read_after_write_consistency"}
    assert "list_without_status_is_running_only" in outcome.failures[0].title


def test_flaky_rerun_of_a_batch_failure_is_not_called_flaky(moto_url: str) -> None:
    case = load_case(SEQUENCE_CASE)
    failure = replay_case(case, build_target(TargetOptions(endpoint_urls=(moto_url,)))).failures[0]
    record = FailureRecord(failure, sequence=list(case.calls), seed=0, identities=list(case.identities),
                           scenario=case.scenario)
    assert rerun(record, build_target(TargetOptions(endpoint_urls=(moto_url,)))).still_fails
