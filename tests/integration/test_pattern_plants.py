"""An endpoint that checks model patterns on a part of the value is found on every operation that
has a pattern-constrained input member, and the correct emulator gives no failure there.

The operations come from the models (every operation in the harness's scope whose input holds a
string with a ``pattern``, at any depth), not from a list kept by hand. The two planted faults
(``pattern-prefix-match``: ``re.match``; ``pattern-search-match``: ``re.search``) must each get a
``negative_data_rejection`` failure on each of them in a run of the boundary phase, the default
run's first (its pattern breaks are deterministic: no seed decides whether they are sent); the same
run on the correct emulator reports nothing at all.
"""

from __future__ import annotations

from typing import Any

import botocore.session
import pytest
from botocore.model import Shape

from emulator.planted import FAULTS
from harness.engine import RunConfig
from harness.model import CHECK_NAMES
from harness.session import execute
from harness.targets import EmbeddedTarget
from specs.loader import load_service

SERVICES = ("iot-jobs-data", "iot", "amplifybackend", "importexport")
PLANTS = ("pattern-prefix-match", "pattern-search-match")
SEED = 1
_SESSION = botocore.session.get_session()


def _has_pattern(shape: Shape, seen: set[str]) -> bool:
    if shape.name in seen:
        return False
    seen.add(shape.name)
    if shape.type_name == "string":
        return bool(shape.metadata.get("pattern"))
    if shape.type_name == "structure":
        return any(_has_pattern(m, seen) for m in shape.members.values())
    if shape.type_name == "list":
        return _has_pattern(shape.member, seen)
    if shape.type_name == "map":
        return _has_pattern(shape.key, seen) or _has_pattern(shape.value, seen)
    return False


def pattern_operations() -> dict[str, tuple[str, ...]]:
    """service -> its operations in scope with a pattern-constrained input member (from the model)."""
    out = {}
    for service in SERVICES:
        model = _SESSION.get_service_model(service)
        ops = []
        for op in load_service(service).in_scope():
            shape = model.operation_model(op.name).input_shape
            if shape is not None and _has_pattern(shape, set()):
                ops.append(f"{service}.{op.name}")
        out[service] = tuple(ops)
    return out


OPERATIONS = pattern_operations()
ALL = tuple(q for ops in OPERATIONS.values() for q in ops)
_RUNS: dict[str, Any] = {}


def _run(plant: str | None) -> Any:
    key = plant or ""
    if key not in _RUNS:
        target = EmbeddedTarget(plant=[plant] if plant else ())
        if hasattr(target, "_session"):
            target._session = _SESSION
        services = tuple(s for s, ops in OPERATIONS.items() if ops)
        config = RunConfig(services=services, operations=ALL, phases=("boundary",),
                           checks=CHECK_NAMES if plant is None else ("negative_data_rejection",), seed=SEED)
        _RUNS[key] = execute(target, config)
    return _RUNS[key]


def test_the_models_give_the_operations_with_patterns() -> None:
    # the Amplify Admin UI and Import/Export models constrain no string with a pattern
    assert OPERATIONS["amplifybackend"] == () and OPERATIONS["importexport"] == ()
    assert len(OPERATIONS["iot-jobs-data"]) >= 4 and len(OPERATIONS["iot"]) >= 10
    assert "iot.CancelJob" in ALL and "iot-jobs-data.UpdateJobExecution" in ALL
    for plant in PLANTS:
        assert FAULTS[plant].check == "negative_data_rejection"


@pytest.mark.parametrize("plant", PLANTS)
def test_every_operation_with_a_pattern_is_found(plant: str) -> None:
    result = _run(plant)
    # each a real failure: the rerun of a create that meets what its first call made (409) is no flake
    found = {f"{r.failure.service}.{r.failure.operation}" for r in result.failures
             if r.failure.check == "negative_data_rejection" and not r.flaky}
    missed = [q for q in ALL if q not in found]
    assert not missed, f"{plant}: no negative_data_rejection failure (not flaky) on {missed}"
    assert any("a valid value with '!' put at the end" in r.failure.message for r in result.failures)


def test_the_correct_emulator_gives_no_failure_there() -> None:
    result = _run(None)
    found = [f"[{r.failure.check}] {r.failure.service}.{r.failure.operation}: {r.failure.title}"
             for r in result.failures]
    assert not found and not result.crashed_checks, found
    assert result.calls > 300
