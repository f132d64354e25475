"""Every operation botocore ships gets strategies: one valid call each, drawn with a fixed seed.

The whole corpus (about 18,000 operations in 400+ services) takes about a minute: strategies are
built once per operation and one call is drawn through Hypothesis's own draw machinery with a
deterministic seed. Each call must be accepted by botocore's ParamValidator and serialised by the
protocol's serializer (with validation off, as the harness's clients are), and keep every rule of
our validator except patterns: a handful of model patterns cannot be met (unsatisfiable ones such
as ``.*/^[\\d]{12}$/.*``, or lookarounds beyond the generator).
"""

from __future__ import annotations

import random

import pytest
from botocore.validate import ParamValidator
from hypothesis.control import BuildContext
from hypothesis.internal.conjecture.data import ConjectureData

from specs.loader import available_services, load_service, raw_service
from specs.validator import validate
from strategies import boundary_calls, from_operation, has_calls, invalid_calls, valid_calls
from strategies.wire import operation_model, serialise

JOB_SERVICES = ("iot-jobs-data", "iot", "amplifybackend", "importexport")


def draw(strategy, seed: int):
    data = ConjectureData(random=random.Random(seed), max_choices=10_000)
    with BuildContext(data, wrapped_test=None):
        return data.draw(strategy)


@pytest.mark.parametrize("service", available_services())
def test_every_operation_draws_a_valid_call(service):
    spec = raw_service(service)
    problems = []
    for i, op in enumerate(spec.operations.values()):
        call = draw(valid_calls(op, service=spec), i)
        model = operation_model(service, op.name)
        if model.input_shape is not None:
            report = ParamValidator().validate(call.params, model.input_shape)
            assert not report.has_errors(), f"{op.qualified}: {report.generate_report()}"
        assert serialise(op, call.params) is not None, f"{op.qualified}: botocore cannot serialise {call.params}"
        problems += [f"{p.message}" for p in validate(op, spec, call.params) if p.rule != "pattern"]
    assert problems == []


@pytest.mark.parametrize("service", JOB_SERVICES)
def test_every_job_service_operation_draws_every_mode(service):
    """Each mode draws, or says it has nothing to draw (only the invalid mode may: an input with
    no rule to break) and then gives an empty strategy rather than one that cannot be drawn from."""
    spec = load_service(service)
    for i, op in enumerate(spec.operations.values()):
        assert has_calls(op, service=spec, mode="valid") and has_calls(op, service=spec, mode="boundary")
        assert draw(from_operation(op, service=spec), i).mode == "valid"
        assert boundary_calls(op, service=spec)[0].violation is None
        assert draw(from_operation(op, service=spec, mode="boundary"), i).mode == "boundary"
        invalid = from_operation(op, service=spec, mode="invalid")
        if has_calls(op, service=spec, mode="invalid"):
            assert draw(invalid, i).violation is not None
        else:
            assert invalid_calls(op, service=spec) == [] and invalid.is_empty, op.qualified
