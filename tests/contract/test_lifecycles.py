"""The contract suite: every lifecycle state machine in the overlays, with its reference model."""

from __future__ import annotations

from dataclasses import replace

import pytest

from harness.engine import DEFAULT_SERVICES
from harness.pytest_plugin import describe_failures, skip_untested, strict
from harness.session import execute
from specs.loader import load_service

MACHINES = [(s, sm.name, sm.read.service, sm.read.operation)
            for s in DEFAULT_SERVICES for sm in load_service(s).state_machines]


@pytest.mark.parametrize("service,machine,read_service,read_op", MACHINES, ids=[m[1] for m in MACHINES])
def test_lifecycle(service, machine, read_service, read_op, jobfuzz_target, jobfuzz_config):
    sm = next(m for m in load_service(service).state_machines if m.name == machine)
    ops = tuple({f"{t.step.service}.{t.step.operation}" for t in sm.transitions} | {f"{read_service}.{read_op}"})
    scoped = tuple(o for o in ops if o.split(".")[0] in DEFAULT_SERVICES)
    config = replace(jobfuzz_config, operations=scoped, phases=("lifecycle",),
                     strict=strict(jobfuzz_target, jobfuzz_config))
    result = execute(jobfuzz_target, config)
    if jobfuzz_target.kind == "embedded":  # it implements every operation in scope
        assert not result.unsupported, f"{machine}: not implemented: {result.unsupported}"
        assert not result.untested, f"{machine}: not tested: {result.untested}"
    assert not result.real_failures and not result.crashed_checks, describe_failures(result)
    skip_untested(result)
