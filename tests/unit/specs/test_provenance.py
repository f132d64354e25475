"""Every overlay piece is traced to its source (and a doc piece to its page); values are typed by kind.

- the shipped overlays: every rule, output rule, documented error, state machine, version rule,
  transition and sequence has a ``source``, every ``doc`` one a page; ``specs lint`` exits 0;
- an overlay with pieces lacking them: ``specs lint`` lists each one and exits 1;
- a rule value of the wrong type for its kind (``max: "ten"``) is refused when loaded, by
  ``specs lint`` and by ``jobfuzz run`` (exit 2, one line, before any call).
"""

from __future__ import annotations

import io

import pytest
import yaml

from harness.cli import main as jobfuzz
from specs.cli import main as specs_main
from specs.lint import _pieces, provenance
from specs.loader import load_service
from specs.overlay import OVERLAY_DIR, OverlayError

pytestmark = pytest.mark.usefixtures("fresh_overlays")


def _specs(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return specs_main(list(argv), out=out, err=err), out.getvalue(), err.getvalue()


# -- the shipped overlays ---------------------------------------------------------------------------
#: every overlay file shipped: the covered services and those an overlay alone adds (sagemaker)
SHIPPED = tuple(sorted(p.stem for p in OVERLAY_DIR.glob("*.yaml")))


@pytest.mark.parametrize("service", SHIPPED)
def test_every_shipped_piece_has_a_source_and_every_doc_piece_a_page(service):
    data = yaml.safe_load((OVERLAY_DIR / f"{service}.yaml").read_text(encoding="utf-8"))
    pieces = [(place, piece) for place, _, piece in _pieces(data)]
    assert pieces
    for place, piece in pieces:
        assert piece.get("source") in ("model", "doc", "inferred"), place
        if piece["source"] == "doc":
            assert piece.get("doc", "").startswith("https://docs.aws.amazon.com/"), place
    assert provenance([service]) == []


def test_specs_lint_passes_on_the_shipped_overlays():
    code, out, err = _specs("lint", *SHIPPED)
    assert code == 0 and not err
    assert "[no-source]" not in out and "[no-page]" not in out


def test_the_job_document_rule_names_its_page():
    [rule] = [r for r in load_service("iot").operation("CreateJob").rules if r.kind == "format"]
    assert (rule.path, rule.value, rule.source) == ("document", "json", "doc")
    assert rule.doc == "https://docs.aws.amazon.com/iot/latest/developerguide/iot-jobs.html"


# -- pieces without a source or a page --------------------------------------------------------------
_UNTRACED = """
    service: iot-jobs-data
    doc_errors:
      - {operation: UpdateJobExecution, code: VersionMismatch, source: doc}
    rules:
      UpdateJobExecution:
        - {path: stepTimeoutInMinutes, kind: max, value: 10080}
        - {path: stepTimeoutInMinutes, kind: min, value: 1, source: doc}
        - {path: stepTimeoutInMinutes, kind: also, value: [-1], source: doc, doc: "https://docs.aws.amazon.com/x.html"}
    output_rules:
      DescribeJobExecution:
        - {path: "execution.statusDetails.*", kind: max_length, value: 1024, source: inferred}
    state_machines:
      - name: m
        resource: job
        states: [QUEUED, IN_PROGRESS]
        initial: QUEUED
        terminal: [IN_PROGRESS]
        read: {service: iot-jobs-data, operation: DescribeJobExecution}
        state_path: execution.status
        version: {field: execution.versionNumber, source: doc}
        transitions:
          - name: start
            step: {service: iot-jobs-data, operation: UpdateJobExecution}
            from: [QUEUED]
            to: IN_PROGRESS
"""


def test_lint_lists_every_piece_without_a_source_or_a_page_and_exits_1(overlay):
    file = overlay("iot-jobs-data", _UNTRACED)
    found = {(f.kind, f.where) for f in provenance(["iot-jobs-data"])}
    assert found == {
        ("no-page", "doc_errors/0"),
        ("no-source", "rules/UpdateJobExecution/0"),
        ("no-page", "rules/UpdateJobExecution/1"),
        ("no-source", "state_machines/0"),
        ("no-page", "state_machines/0/version"),
        ("no-source", "state_machines/0/transitions/0"),
    }
    code, out, err = _specs("lint", "iot-jobs-data")
    assert code == 1 and not err
    assert f"[no-source] UpdateJobExecution: rules/UpdateJobExecution/0: {file}: rules/UpdateJobExecution/0 " \
           f"(stepTimeoutInMinutes max) has no source" in out
    assert "[no-page] UpdateJobExecution: doc_errors/0:" in out and "(VersionMismatch)" in out
    assert out.rstrip().endswith("6 piece(s) without a source or a page")


def test_lint_goes_on_with_the_other_services_and_exits_1_for_a_missing_page(overlay):
    overlay("iot-jobs-data", """
        service: iot-jobs-data
        rules:
          UpdateJobExecution:
            - {path: stepTimeoutInMinutes, kind: max, value: 10080, source: doc}
    """)
    code, out, _ = _specs("lint", "iot-jobs-data", "iot")
    assert code == 1
    assert "[no-page] UpdateJobExecution: rules/UpdateJobExecution/0:" in out
    assert "[doc-rule]" in out  # the overlay still loads: the rest of the lint is there


# -- values of the wrong type -----------------------------------------------------------------------
_WRONG = [  # (rule, where below the value, what the line says)
    ('{path: stepTimeoutInMinutes, kind: max, value: "ten", source: doc}', "",
     "max: expected a number, got 'ten' (a string)"),
    ("{path: stepTimeoutInMinutes, kind: min, value: true, source: doc}", "",
     "min: expected a number, got True (a boolean)"),
    ("{path: stepTimeoutInMinutes, kind: also, value: -1, source: doc}", "",
     "also: expected a list of numbers, got -1 (an integer)"),
    ('{path: stepTimeoutInMinutes, kind: also, value: ["-1"], source: doc}', "/0",
     "also: expected a list of numbers, got '-1' (a string)"),
    ('{path: "statusDetails.*", kind: max_length, value: 10.5, source: doc}', "",
     "max_length: expected a whole number, 0 or more, got 10.5 (a number)"),
    ('{path: "statusDetails.*", kind: max_length, value: -1, source: doc}', "",
     "max_length: expected a whole number, 0 or more, got -1 (-1 is less than the minimum of 0)"),
    ("{path: jobId, kind: pattern, value: 5, source: doc}", "",
     "pattern: expected a regular expression (a non-empty string), got 5 (an integer)"),
    ("{path: status, kind: allowed, value: IN_PROGRESS, source: doc}", "",
     "allowed: expected a list of strings, numbers or booleans, got 'IN_PROGRESS' (a string)"),
    ('{path: thingName, kind: required, value: "yes", source: doc}', "",
     "required: expected true or false, got 'yes' (a string)"),
    ("{path: status, kind: examples, value: IN_PROGRESS, source: doc}", "",
     "examples: expected a list of values, got 'IN_PROGRESS' (a string)"),
    ("{path: status, kind: invalid, value: BOGUS, source: doc}", "",
     "invalid: expected a mapping {value, errors: [code, ...], rule}, got 'BOGUS' (a string)"),
    ("{path: status, kind: invalid, value: {value: BOGUS, errors: InvalidRequestException}, source: doc}", "/errors",
     "invalid: expected a mapping {value, errors: [code, ...], rule}, got 'InvalidRequestException' (a string)"),
    ("{path: jobId, kind: format, value: xml, source: doc}", "",
     "format: expected one of ['json'], got 'xml' ('xml' is not one of ['json'])"),
]


@pytest.mark.parametrize(("rule", "inside", "expected"), _WRONG)
def test_a_value_of_the_wrong_type_is_one_line_naming_file_place_and_expectation(overlay, rule, inside, expected):
    file = overlay("iot-jobs-data", f"""
        service: iot-jobs-data
        rules:
          UpdateJobExecution:
            - {{path: stepTimeoutInMinutes, kind: min, value: 1, source: doc, doc: "https://docs.aws.amazon.com/x"}}
            - {rule}
    """)
    with pytest.raises(OverlayError) as info:
        load_service("iot-jobs-data")
    err = info.value
    where = f"rules/UpdateJobExecution/1/value{inside}"
    assert (err.file, err.where, err.problem) == (str(file), where, expected)
    code, out, text = _specs("lint", "iot-jobs-data")
    assert code == 2 and not out
    assert text == f"jobfuzz specs: {file}: {where}: {expected}\n"


def test_a_page_that_is_not_a_url_is_refused(overlay):
    overlay("iot-jobs-data", """
        service: iot-jobs-data
        rules:
          UpdateJobExecution:
            - {path: stepTimeoutInMinutes, kind: max, value: 10080, source: doc, doc: UpdateJobExecution}
    """)
    with pytest.raises(OverlayError, match=r"rules/UpdateJobExecution/0/doc: 'UpdateJobExecution' does not match"):
        load_service("iot-jobs-data")


def test_a_format_rule_needs_a_string_place(overlay):
    overlay("iot-jobs-data", """
        service: iot-jobs-data
        rules:
          UpdateJobExecution:
            - {path: stepTimeoutInMinutes, kind: format, value: json, source: doc, doc: "https://docs.aws.amazon.com/x"}
    """)
    with pytest.raises(OverlayError, match=r"rules/UpdateJobExecution/0/path: UpdateJobExecution.stepTimeoutInMinutes: "
                                           r"a json document is a string, not a long"):
        load_service("iot-jobs-data")


def test_run_with_a_wrongly_typed_overlay_exits_2_before_any_call(overlay, monkeypatch, capsys):
    file = overlay("iot-jobs-data", """
        service: iot-jobs-data
        rules:
          UpdateJobExecution:
            - {path: stepTimeoutInMinutes, kind: max, value: "ten", source: doc}
    """)
    from harness import targets

    def no_call(*args, **kwargs):
        raise AssertionError("a call was sent")

    monkeypatch.setattr(targets.EmbeddedTarget, "send", no_call)
    code = jobfuzz(["run", "--service", "iot-jobs-data", "--max-examples", "1"])
    err = capsys.readouterr().err
    assert code == 2
    assert err == f"jobfuzz: {file}: rules/UpdateJobExecution/0/value: max: expected a number, got 'ten' (a string)\n"
