"""Overlay observations: an answer the AWS CLI reference prints, kept as given, read when the overlay loads."""

from __future__ import annotations

import pytest

from specs.loader import load_service
from specs.overlay import OverlayError, observed_answer

pytestmark = pytest.mark.usefixtures("fresh_overlays")


def test_the_shipped_observations_name_their_page_and_read_as_json():
    for service in ("iot", "iot-jobs-data"):
        spec = load_service(service)
        seen = [(op, o) for op in spec.operations.values() for o in op.observations]
        assert seen, service
        for op, o in seen:
            assert o.doc.startswith("https://docs.aws.amazon.com/cli/latest/reference/"), (op.name, o.doc)
            assert o.form == "cli"
            assert isinstance(observed_answer(o.answer, o.form, op.protocol), dict)


def test_a_cli_answer_may_carry_a_comma_before_its_last_brace_as_the_page_prints_it():
    assert observed_answer('{"a": {"b": 1},\n}', "cli", "rest-json") == {"a": {"b": 1}}
    with pytest.raises(ValueError, match="not a JSON text"):
        observed_answer('{"a": 1,}', "wire", "rest-json")  # a wire answer is the body as it came
    with pytest.raises(ValueError, match="not well-formed XML"):
        observed_answer("<GetStatusResponse>", "wire", "query")


def test_an_unreadable_answer_is_refused_naming_its_place(overlay):
    file = overlay("iot-jobs-data", """
        service: iot-jobs-data
        observations:
          DescribeJobExecution:
            - {source: doc, doc: "https://docs.aws.amazon.com/cli/latest/reference/iot-jobs-data/x.html",
               form: cli, answer: "{execution: 1}"}
    """)
    with pytest.raises(OverlayError) as info:
        load_service("iot-jobs-data")
    assert (info.value.file, info.value.where) == (str(file), "observations/DescribeJobExecution/0/answer")
    assert "not a JSON text" in info.value.problem


def test_an_observation_without_its_page_is_refused(overlay):
    overlay("iot-jobs-data", """
        service: iot-jobs-data
        observations:
          DescribeJobExecution:
            - {source: doc, form: cli, answer: "{}"}
    """)
    with pytest.raises(OverlayError, match="doc"):
        load_service("iot-jobs-data")


def test_specs_show_lists_an_operations_observed_answers_with_their_page():
    from specs.show import show_operation

    text = show_operation(load_service("iot"), "CreateThing")
    page = "https://docs.aws.amazon.com/cli/latest/reference/iot/create-thing.html"
    assert text.count(f"observed answer (cli): {page}") == 2
