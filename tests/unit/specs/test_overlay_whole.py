"""An overlay is checked whole when it is loaded, before any call: every path, need, recipe parameter,
template and rule value, each mistake one line naming the file and the place."""

from __future__ import annotations

import pytest

from specs import paths
from specs.cli import main as specs_main
from specs.loader import load_service, raw_service
from specs.overlay import OVERLAY_DIR, OverlayError

pytestmark = pytest.mark.usefixtures("fresh_overlays")

#: an overlay of IoT that loads clean; each test breaks one piece of it
GOOD = """
service: iot
resources:
  thing:
    create:
      - {service: iot, operation: CreateThing, params: {thingName: "{uid}"}, produces: {thingName: thingName}}
  job:
    needs: [thing]
    create:
      - service: iot
        operation: CreateJob
        params: {jobId: "{uid}", targets: ["{thingName}"], document: "{}"}
        produces: {jobId: jobId}
    delete:
      - {service: iot, operation: DeleteJob, params: {jobId: "{jobId}", force: true}}
pagination:
  ListJobs: {resource: job, id: jobId, binding: jobId}
bindings:
  DescribeJob: {jobId: jobId}
rules:
  CancelJobExecution:
    - {path: "statusDetails.*", kind: max_length, value: 1024, source: inferred}
    - {path: "keys(statusDetails)", kind: min_length, value: 1, source: inferred}
  CreateJob:
    - {path: "@", kind: one_of, value: [document, documentSource], source: inferred}
    - {path: "targets[*]", kind: min_length, value: 1, source: inferred}
  DescribeJob:
    - {path: jobId, kind: examples, value: ["{jobId}"], source: inferred}
state_machines:
  - name: job
    resource: job
    source: inferred
    states: [IN_PROGRESS, CANCELED, COMPLETED]
    initial: IN_PROGRESS
    terminal: [CANCELED, COMPLETED]
    read: {service: iot, operation: DescribeJob, params: {jobId: "{jobId}"}}
    state_path: job.status
    transitions:
      - {name: cancel, step: {service: iot, operation: CancelJob, params: {jobId: "{jobId}"}}, from: [IN_PROGRESS],
         to: CANCELED, source: inferred}
sequences:
  - name: read_back
    operation: DescribeJob
    source: doc
    needs: [job]
    steps:
      - service: iot
        operation: DescribeJob
        params: {jobId: "{jobId}"}
        produces: {readStatus: job.status}
        expect: {equals: {job.jobId: "{jobId}"}}
"""


def _error(overlay, text: str) -> OverlayError:
    file = overlay("iot", text)
    with pytest.raises(OverlayError) as info:
        load_service("iot")
    err = info.value
    assert "\n" not in str(err) and err.file == str(file)
    return err


def _broken(overlay, old: str, new: str) -> OverlayError:
    assert GOOD.count(old) == 1, old
    return _error(overlay, GOOD.replace(old, new))


def test_the_good_overlay_loads_with_jmespath_places(overlay):
    overlay("iot", GOOD)
    spec = load_service("iot")
    rules = {(r.path, r.kind) for r in spec.operation("CancelJobExecution").rules + spec.operation("CreateJob").rules}
    assert {("statusDetails{}", "max_length"), ("statusDetails{key}", "min_length"), ("", "one_of"),
            ("targets[]", "min_length")} <= rules


def test_the_shipped_overlays_load_clean():
    shipped = sorted(p.stem for p in OVERLAY_DIR.glob("*.yaml"))
    assert {"iot", "iot-jobs-data", "amplifybackend", "importexport", "sagemaker"} <= set(shipped)
    for name in shipped:  # every file, the ones an overlay alone adds (sagemaker) too
        load_service(name)


def test_the_sagemaker_overlay_reads_the_training_job_state_and_its_service_transitions():
    spec = load_service("sagemaker")
    [sm] = spec.state_machines
    assert (sm.state_path, sm.initial, set(sm.terminal)) == ("TrainingJobStatus", ("InProgress",),
                                                             {"Completed", "Failed", "Stopped"})
    by_service = {t.name: (t.sources, t.target, t.after) for t in sm.service_transitions}
    assert by_service["stopped"] == (("Stopping",), "Stopped", ("stop",))
    assert by_service["completes"][:2] == (("InProgress",), "Completed")
    assert [(t.name, t.target) for t in sm.transitions] == [("stop", "Stopping")]


def test_a_needs_typo(overlay):
    err = _broken(overlay, "needs: [thing]", "needs: [thnig]")
    assert str(err).endswith("resources/job/needs/0: no overlay has a resource 'thnig' (did you mean 'thing'?)")


def test_a_sequence_needs_typo(overlay):
    err = _broken(overlay, "needs: [job]\n    steps", "needs: [jbo]\n    steps")
    assert err.where == "sequences/0/needs/0" and "'jbo' (did you mean 'job'?)" in err.problem


def test_a_bad_state_path(overlay):
    err = _broken(overlay, "state_path: job.status", "state_path: job.state")
    assert err.where == "state_machines/0/state_path"
    assert err.problem == "DescribeJob output: job.state: Job has no member 'state' (members: " + \
        ", ".join(m.name for m in raw_service("iot").shapes["Job"].members) + ")"


def test_a_state_path_in_the_old_syntax(overlay):
    err = _broken(overlay, "state_path: job.status", "state_path: 'job{}'")
    assert (err.where, err.problem) == ("state_machines/0/state_path",
                                        "DescribeJob output: 'job{}' is the old path syntax: write 'job.*' (JMESPath)")


def test_an_unknown_produces_path(overlay):
    err = _broken(overlay, "produces: {jobId: jobId}", "produces: {jobId: job.jobId}")
    assert err.where == "resources/job/create/0/produces/jobId"
    assert err.problem == "CreateJob output: job: CreateJobResponse has no member 'job' (members: jobArn, jobId, " \
                          "description)"


def test_a_misspelled_recipe_parameter(overlay):
    err = _broken(overlay, 'params: {jobId: "{uid}", targets', 'params: {jobID: "{uid}", targets')
    assert (err.where, err.problem) == ("resources/job/create/0/params/jobID",
                                        "CreateJob has no input member 'jobID'; did you mean 'jobId'?")


def test_an_undefined_template(overlay):
    err = _broken(overlay, 'targets: ["{thingName}"]', 'targets: ["{thingArn}"]')
    assert err.where == "resources/job/create/0/params/targets"
    assert err.problem == "{thingArn} is not defined here: its needs and earlier steps define access_key, " \
                          "thingName, uid"


def test_a_template_a_state_machine_cannot_fill(overlay):
    err = _broken(overlay, 'CancelJob, params: {jobId: "{jobId}"}', 'CancelJob, params: {jobId: "{jobid}"}')
    assert err.where == "state_machines/0/transitions/0/step/params/jobId"
    assert err.problem.startswith("{jobid} is not defined here: the resource 'job' define access_key, jobId, ")


def test_a_wrong_value_type(overlay):
    err = _broken(overlay, 'examples, value: ["{jobId}"]', "examples, value: [12]")
    assert (err.where, err.problem) == ("rules/DescribeJob/0/value/0", "DescribeJob.jobId: 12 is not a string (JobId)")


def test_an_allowed_value_outside_the_enum(overlay):
    err = _broken(overlay, "sequences:", "output_rules:\n  DescribeJob:\n"
                                         "    - {path: job.status, kind: allowed, value: [DONE], source: model}\n"
                                         "sequences:")
    assert err.where == "output_rules/DescribeJob/0/value/0"
    assert err.problem.startswith("DescribeJob.job.status: 'DONE' is not in the enum of JobStatus (IN_PROGRESS, ")


def test_a_min_on_a_string(overlay):
    err = _broken(overlay, '"targets[*]", kind: min_length, value: 1', '"targets[*]", kind: min, value: 1')
    assert (err.where, err.problem) == ("rules/CreateJob/1/kind", "CreateJob.targets[*]: min needs a place of type "
                                                                  "integer or long or float or double, and "
                                                                  "TargetArn is a string")


def test_a_rule_place_in_the_old_syntax(overlay):
    err = _broken(overlay, '"statusDetails.*"', '"statusDetails{}"')
    assert (err.where, err.problem) == ("rules/CancelJobExecution/0/path", "CancelJobExecution: 'statusDetails{}' is "
                                                                           "the old path syntax: write "
                                                                           "'statusDetails.*' (JMESPath)")


def test_a_list_id_the_items_lack(overlay):
    err = _broken(overlay, "id: jobId, binding", "id: jobID, binding")
    assert err.where == "pagination/ListJobs/id"
    assert "JobSummary has no member 'jobID'" in err.problem


def test_a_list_binding_the_resource_does_not_produce(overlay):
    err = _broken(overlay, "binding: jobId}", "binding: jobArn}")
    assert (err.where, err.problem) == ("pagination/ListJobs/binding",
                                        "the resource 'job' produces no 'jobArn' (it produces: jobId)")


def test_an_expect_path_the_answer_lacks(overlay):
    err = _broken(overlay, 'equals: {job.jobId: "{jobId}"}', 'equals: {job.id: "{jobId}"}')
    assert err.where == "sequences/0/steps/0/expect/equals/job.id"
    assert "Job has no member 'id'" in err.problem


def test_specs_lint_exits_2_on_the_first_mistake(overlay, capsys):
    file = overlay("iot", GOOD.replace("needs: [thing]", "needs: [thnig]"))
    assert specs_main(["lint", "iot"]) == 2
    err = capsys.readouterr().err
    assert err == f"jobfuzz specs: {file}: resources/job/needs/0: no overlay has a resource 'thnig' " \
                  f"(did you mean 'thing'?)\n"


@pytest.mark.parametrize(("expr", "place"), [
    ("a.b", "a.b"), ("targets[*]", "targets[]"), ("statusDetails.*", "statusDetails{}"),
    ("keys(statusDetails)", "statusDetails{key}"), ("a[*].b.*", "a[].b{}"), ("@", ""),
])
def test_a_place_is_a_jmespath_subset(expr, place):
    assert paths.compile_place(expr) == place
    assert paths.jmespath_form(place) == expr


@pytest.mark.parametrize(("expr", "problem"), [
    ("targets[]", "'targets[]' is the old path syntax: write 'targets[*]' (JMESPath)"),
    ("a{key}", "'a{key}' is the old path syntax: write 'keys(a)' (JMESPath)"),
    ("", "'' is the old path syntax: write '@' (JMESPath)"),
    ("jobs[0].status", "'jobs[0].status' uses an index (a place is every item: '[*]'), which a place cannot use"),
    ("a[?b]", "'a[?b]' uses a filter projection, which a place cannot use"),
    ("keys(a).b", "'keys(a).b': keys() names map keys, which have no members: it goes last"),
])
def test_what_a_place_cannot_be(expr, problem):
    with pytest.raises(paths.PathError) as info:
        paths.compile_place(expr)
    assert str(info.value) == problem


def test_an_answer_path_reads_lists():
    assert paths.search("jobs[0].status", {"jobs": [{"status": "RUNNING"}]}) == "RUNNING"
    assert paths.search("jobs[*].status", {"jobs": [{"status": "A"}, {"status": "B"}]}) == ["A", "B"]
    assert paths.search("execution.status", {"execution": None}) is None
    batch = load_service("batch")
    shape = paths.resolve_answer(batch, batch.operations["DescribeJobs"].output, "jobs[0].status")
    assert shape.name == "JobStatus"
