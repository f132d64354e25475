"""The contract suite: every operation in scope, through every single-call phase and scenario.

Runs against the embedded emulator with no option; ``--endpoint-url URL`` points it elsewhere. On
the embedded emulator as shipped a warning fails a test as a failure does (as ``--jobfuzz-strict``
makes it elsewhere: ``harness.pytest_plugin.strict``).
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from harness.engine import DEFAULT_SERVICES
from harness.pytest_plugin import describe_failures, skip_untested, strict
from harness.session import execute
from specs.loader import load_service

OPERATIONS = [op.qualified for s in DEFAULT_SERVICES for op in load_service(s).in_scope()]


@pytest.mark.parametrize("operation", OPERATIONS)
def test_operation(operation, jobfuzz_target, jobfuzz_config):
    config = replace(jobfuzz_config, operations=(operation,), phases=("boundary", "fuzz", "scenarios"),
                     strict=strict(jobfuzz_target, jobfuzz_config))
    result = execute(jobfuzz_target, config)
    if jobfuzz_target.kind == "embedded":  # it implements every operation in scope, and its recipes' calls
        assert not result.unsupported, f"{operation}: not implemented: {result.unsupported}"
        assert not result.untested, f"{operation}: not tested: {result.untested}"
    assert not result.real_failures and not result.crashed_checks, describe_failures(result)
    skip_untested(result)  # not implemented, no answer, nothing it needs could be made: skipped, never passed
