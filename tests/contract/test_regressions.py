"""Every saved case file replays clean: the kept regressions of failures found and fixed."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.cases import load_case
from harness.replay import replay_case

CASES = sorted((Path(__file__).parent.parent / "cases").glob("*.json"))


@pytest.mark.parametrize("case_file", CASES, ids=[c.stem for c in CASES])
def test_case_replays_clean(case_file, jobfuzz_target):
    outcome = replay_case(load_case(case_file), jobfuzz_target)
    assert not outcome.still_fails, outcome.describe()


def test_cases_folder_from_option(request, jobfuzz_target):
    from harness.pytest_plugin import jobfuzz_cases

    files = jobfuzz_cases(request.config)
    if not files:
        pytest.skip("no --jobfuzz-cases folder given")
    for f in files:
        outcome = replay_case(load_case(f), jobfuzz_target)
        assert not outcome.still_fails, f"{f}: {outcome.describe()}"
