"""Operation roles and the not-found / not-yours answers: stated in an overlay's ``roles``, else
derived from the model (a paginator lists) and the recipes (what makes and deletes a resource), the
name's verb last (and listed by lint). A bad entry stops loading with one line naming file and place."""

from __future__ import annotations

import pytest

from specs.lint import lint, provenance
from specs.loader import load_service
from specs.overlay import OverlayError
from specs.types import Absence, Role

pytestmark = pytest.mark.usefixtures("fresh_overlays")
SERVICES = ("iot", "iot-jobs-data", "amplifybackend", "importexport", "sagemaker")
PAGE = "https://docs.aws.amazon.com/iot/latest/apireference/API_CancelJob.html"


def test_every_operation_in_scope_of_the_shipped_overlays_has_a_stated_or_model_role():
    for name in SERVICES:
        for op in load_service(name).in_scope():
            assert op.role_source in ("doc", "paginator"), (op.qualified, op.role_source)
    assert not [f for f in lint(SERVICES) if f.kind in ("role-guessed", "not-found-ambiguous")]
    assert not [f for f in provenance(SERVICES) if f.where.startswith("roles/")]


def test_the_shipped_roles():
    iot = load_service("iot")
    # a cancel that keeps what it is given (reasonCode, comment) is an update, read back after it
    assert iot.operation("CancelJob").role is Role.UPDATE and iot.operation("CancelJob").role.mutating
    gone = iot.operation("DeleteThing").not_found  # the page: a success; the model: ResourceNotFoundException
    assert gone == Absence(errors=("ResourceNotFoundException",), ok=True, source="doc", doc=gone.doc)
    listing = iot.operation("ListJobExecutionsForThing")
    assert (listing.role, listing.role_source) == (Role.LIST, "paginator")
    assert listing.not_found.errors == ("ResourceNotFoundException",)
    assert listing.not_yours.absent == "executionSummaries" and listing.not_yours.errors == listing.not_found.errors
    data = load_service("iot-jobs-data")
    assert data.operation("StartCommandExecution").role is Role.CREATE
    ie = load_service("importexport")
    assert ie.operation("CancelJob").role is Role.ACTION  # stated: the recipe's removal, yet the job stays
    assert ie.operation("ListJobs").not_yours.absent == "Jobs[].JobId"


def test_without_roles_the_model_and_the_recipes_decide_and_lint_lists_the_guesses(overlay):
    overlay("iot", """
        service: iot
        scope: [CreateThing, DeleteThing, DescribeThing, ListJobs, CancelJob]
        errors: {not_found: [ResourceNotFoundException]}
        resources:
          thing:
            create: [{service: iot, operation: CreateThing, params: {thingName: "{uid}"},
                      produces: {thingName: thingName}}]
            delete: [{service: iot, operation: DeleteThing, params: {thingName: "{thingName}"}}]
    """)
    iot = load_service("iot")
    got = {op.name: (op.role, op.role_source) for op in iot.in_scope()}
    assert got == {"CreateThing": (Role.CREATE, "recipe"), "DeleteThing": (Role.DELETE, "recipe"),
                   "DescribeThing": (Role.READ, "name"), "ListJobs": (Role.LIST, "paginator"),
                   "CancelJob": (Role.ACTION, "name")}
    assert iot.operation("DescribeThing").not_found.errors == ("ResourceNotFoundException",)
    assert iot.operation("DescribeThing").not_yours == iot.operation("DescribeThing").not_found
    assert iot.operation("ListJobs").not_yours.absent == "jobs"
    guessed = sorted(f.operation for f in lint(["iot"]) if f.kind == "role-guessed")
    assert guessed == ["CancelJob", "DescribeThing"]


def test_a_code_meaning_invalid_and_not_found_is_told_apart_by_its_message(overlay):
    overlay("iot", f"""
        service: iot
        scope: [DescribeJob, CancelJob]
        errors: {{validation: [InvalidRequestException], not_found: [InvalidRequestException]}}
        roles:
          DescribeJob:
            role: read
            not_found: {{error: [InvalidRequestException], message: "(?i)does not exist"}}
            source: doc
            doc: "{PAGE}"
    """)
    iot = load_service("iot")
    found = iot.operation("DescribeJob").not_found
    assert found.refuses("InvalidRequestException", "Job jf1 does not exist")
    assert not found.refuses("InvalidRequestException", "jobId: expected at most 64 characters")
    assert not found.refuses("ResourceNotFoundException", "does not exist")
    ambiguous = [f.operation for f in lint(["iot"]) if f.kind == "not-found-ambiguous"]
    assert ambiguous == ["CancelJob"]  # the code alone: no message tells the two apart


def test_what_not_yours_looks_like(overlay):
    overlay("iot", f"""
        service: iot
        roles:
          CancelJob: {{role: action, not_yours: {{ok: true}}, source: doc, doc: "{PAGE}"}}
          DescribeJob: {{not_yours: {{error: [ResourceNotFoundException], empty: "job.targets"}}, source: inferred}}
    """)
    iot = load_service("iot")
    assert iot.operation("CancelJob").not_yours.ok and not iot.operation("CancelJob").not_found.answers_ok
    yours = iot.operation("DescribeJob").not_yours
    assert (yours.errors, yours.empty, yours.source) == (("ResourceNotFoundException",), "job.targets", "inferred")
    assert iot.operation("DescribeJob").role_source == "name"  # the entry states no role


@pytest.mark.parametrize(("entry", "where", "says"), [
    ("CancelJob: {role: stop, source: doc}", "roles/CancelJob/role", "'stop' is not one of"),
    ("CancelJob: {source: doc}", "roles/CancelJob", "states nothing: give role, not_found or not_yours"),
    ("CancelJob: {role: action}", "roles/CancelJob", "'source' is a required property"),
    ("NoSuchOp: {role: read, source: doc}", "roles/NoSuchOp", "iot has no operation 'NoSuchOp'"),
    ("CancelJob: {not_found: {message: x}, source: doc}", "roles/CancelJob/not_found", "needs 'error'"),
    ("CancelJob: {not_found: {error: [X], message: '('}, source: doc}", "roles/CancelJob/not_found/message",
     "is not a regular expression"),
    ("CancelJob: {not_yours: {empty: 'jobs[', ok: true}, source: doc}", "roles/CancelJob/not_yours",
     "a success looks one way"),
    ("CancelJob: {not_yours: {absent: 'jobs[?'}, source: doc}", "roles/CancelJob/not_yours/absent",
     "is not a JMESPath expression"),
    ("CancelJob: {not_found: {error: []}, source: doc}", "roles/CancelJob/not_found/error", "should be non-empty"),
])
def test_a_bad_roles_entry_is_one_line_naming_file_and_place(overlay, entry, where, says):
    file = overlay("iot", f"service: iot\nroles:\n  {entry}\n")
    with pytest.raises(OverlayError) as info:
        load_service("iot")
    err = info.value
    assert "\n" not in str(err) and err.file == str(file)
    assert err.where == where and says in err.problem, str(err)


def test_cancel_job_execution_is_an_update_whose_missing_execution_is_not_found():
    """The worked example of docs/adding-an-operation-role.md."""
    op = load_service("iot").operation("CancelJobExecution")
    assert (op.role, op.role_source) == (Role.UPDATE, "doc") and op.role.mutating
    assert op.not_found.refuses("ResourceNotFoundException") and op.not_yours == op.not_found
