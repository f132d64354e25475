"""The safety layer on its own: prefixes, the model-driven run tag, the guard, caps, the ledger."""

from __future__ import annotations

import itertools
import json

import pytest

from harness.cleanup import list_operations
from harness.engine import Stop
from harness.model import Exchange, RawResponse
from harness.resources import RUN_TAG_KEY, add_run_tag, run_tag_member
from harness.safety import CallLimiter, Guard, Ledger, SpecIndex, new_prefix, prefix_problem
from specs.loader import load_service
from strategies.calls import Call, Violation

PREFIX = "jftest01"


def ok(call: Call, parsed: dict | None = None) -> Exchange:
    return Exchange(call=call, request=None, response=RawResponse(200, {}, b"{}"), parsed=parsed or {})


def error(call: Call, code: str, status: int = 404) -> Exchange:
    return Exchange(call=call, request=None, response=RawResponse(status, {}, b"{}"), parsed={}, error_code=code)


@pytest.fixture
def guard(tmp_path) -> Guard:
    return Guard(PREFIX, ledger=Ledger(tmp_path / f"{PREFIX}.jsonl"))


# -- prefixes ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("prefix", ["", None, "jf1", "abc"])
def test_an_empty_or_short_prefix_is_refused(prefix):
    problem = prefix_problem(prefix)
    assert problem is not None and ("empty" in problem or "at least 4" in problem)


@pytest.mark.parametrize("prefix", ["JF12", "1abc", "jf-12", "jf 12", "a" * 17])
def test_a_prefix_that_would_not_fit_every_id_pattern_is_refused(prefix):
    assert "lowercase letters and digits" in prefix_problem(prefix)


def test_new_prefixes_are_valid_and_differ():
    prefixes = {new_prefix() for _ in range(20)}
    assert len(prefixes) == 20
    assert all(prefix_problem(p) is None and p.startswith("jf") for p in prefixes)


# -- the run tag, from the model ----------------------------------------------------------------------

@pytest.mark.parametrize(("service", "operation", "expected"), [
    ("iot", "CreateJob", ("tags", "list")),
    ("iot", "CreateCommand", ("tags", "list")),
    ("iot", "CreatePackage", ("tags", "map")),
    ("iot", "CreateThing", None),  # no tags member in the model
    ("iot", "CreateTopicRule", None),  # a tags string (a query), not tags
    ("importexport", "CreateJob", None),
    ("amplifybackend", "CreateBackend", None),
])
def test_the_tags_member_comes_from_the_model(service, operation, expected):
    spec = load_service(service)
    assert run_tag_member(spec.operation(operation), spec) == expected


def test_the_run_tag_is_added_to_a_list_and_replaces_an_old_one():
    spec = load_service("iot")
    op = spec.operation("CreateJob")
    params = {"jobId": "x", "tags": [{"Key": "team", "Value": "a"}, {"Key": RUN_TAG_KEY, "Value": "old"}]}
    out = add_run_tag(params, ("tags", "list"), PREFIX, service=spec, op=op)
    assert out["tags"] == [{"Key": "team", "Value": "a"}, {"Key": RUN_TAG_KEY, "Value": PREFIX}]
    assert params["tags"][1]["Value"] == "old"  # the call's own params are not changed
    assert add_run_tag({}, ("tags", "list"), PREFIX)["tags"] == [{"Key": RUN_TAG_KEY, "Value": PREFIX}]


def test_the_run_tag_in_a_map_keeps_to_the_models_limit():
    spec = load_service("iot")
    op = spec.operation("CreatePackage")
    assert add_run_tag({"tags": {"a": "b"}}, ("tags", "map"), PREFIX, service=spec, op=op)["tags"] == {
        "a": "b", RUN_TAG_KEY: PREFIX}
    full = {f"k{i}": "v" for i in range(50)}  # the model's maximum
    assert add_run_tag({"tags": full}, ("tags", "map"), PREFIX, service=spec, op=op) is None
    assert add_run_tag({"tags": "not a map"}, ("tags", "map"), PREFIX) is None


# -- the guard --------------------------------------------------------------------------------------

def test_what_is_ours(guard):
    guard.made.add("ABCDE")
    assert guard.ours(f"{PREFIX}00001")
    assert guard.ours(f"arn:aws:iot:us-east-1:123456789012:thing/{PREFIX}00001")
    assert guard.ours("ABCDE")
    assert not guard.ours("someone-elses-thing")
    assert not guard.ours("arn:aws:iot:us-east-1:123456789012:thing/someone-elses-thing")
    assert not guard.ours(f"x{PREFIX}")
    assert not guard.ours(5)


def test_a_bound_identifier_that_is_not_ours_is_refused(guard):
    call, reason = guard.vet(Call("iot", "DescribeThing", {"thingName": "someone-elses-thing"}))
    assert reason is not None and "someone-elses-thing" in reason and PREFIX in reason
    call, reason = guard.vet(Call("iot", "DescribeThing", {"thingName": f"{PREFIX}00001"}))
    assert reason is None and call.params == {"thingName": f"{PREFIX}00001"}


def test_every_item_of_a_bound_list_must_be_ours(guard):
    guard.made.add("MINE1")
    _, reason = guard.vet(Call("importexport", "GetShippingLabel", {"jobIds": ["MINE1", "THEIRS"]}))
    assert reason is not None and "THEIRS" in reason
    assert guard.vet(Call("importexport", "GetShippingLabel", {"jobIds": ["MINE1"]}))[1] is None
    arn = "arn:aws:iot:us-east-1:123456789012:thing/other"
    assert guard.vet(Call("iot", "CreateJob", {"jobId": f"{PREFIX}1", "targets": [arn]}))[1] is not None


def test_a_number_names_a_resource_only_beside_an_identifier_of_ours(guard):
    ours = {"thingName": f"{PREFIX}00001", "jobId": f"{PREFIX}00002", "executionNumber": 7}
    guard.made.update((ours["thingName"], ours["jobId"]))
    assert guard.vet(Call("iot", "DeleteJobExecution", ours))[1] is None
    assert guard.vet(Call("iot", "DeleteJobExecution", {"executionNumber": 7}))[1] is not None


def test_the_prefix_lets_a_read_name_a_resource_but_never_a_write(guard):
    theirs = f"{PREFIX}theirjob"  # made before the run, by someone who picked a name like the prefix
    assert guard.vet(Call("iot", "DescribeJob", {"jobId": theirs}))[1] is None
    for op, params in (("DeleteJob", {"jobId": theirs, "force": True}), ("UpdateJob", {"jobId": theirs}),
                       ("CancelJob", {"jobId": theirs}), ("DeleteThing", {"thingName": f"{PREFIX}thing"}),
                       ("CreateJob", {"jobId": f"{PREFIX}9", "targets": [f"arn:aws:iot:r:1:thing/{PREFIX}x"]})):
        _, reason = guard.vet(Call("iot", op, params))
        assert reason is not None and "carries the prefix" in reason and "a write names only" in reason, op
    made = Call("iot", "CreateJob", {"jobId": f"{PREFIX}00002", "targets": ["arn:aws:iot:r:1:thing/x"]})
    guard.observe(made, ok(made, {"jobId": f"{PREFIX}00002", "jobArn": "arn:aws:iot:r:1:job/jftest0100002"}),
                  "primary")
    assert guard.vet(Call("iot", "DeleteJob", {"jobId": f"{PREFIX}00002", "force": True}))[1] is None


def test_a_generated_name_of_a_new_resource_gets_the_prefix(guard):
    call, reason = guard.vet(Call("iot", "CreateThing", {"thingName": "sensor-1"}))
    assert reason is None and call.params["thingName"] == f"{PREFIX}sensor-1"
    at_max = "a" * 128  # thingName: at most 128 characters
    call, reason = guard.vet(Call("iot", "CreateThing", {"thingName": at_max}))
    assert reason is None and len(call.params["thingName"]) == 128 and call.params["thingName"].startswith(PREFIX)
    assert guard.renamed == 2


def test_a_name_the_call_breaks_on_purpose_is_refused_not_renamed(guard):
    broken = Call("iot", "CreateThing", {"thingName": "bad name!"}, mode="invalid",
                  violation=Violation("thingName", "pattern", "model", "breaks the pattern"))
    _, reason = guard.vet(broken)
    assert reason is not None and "cannot be given it" in reason


def test_a_create_with_a_tags_member_is_tagged(guard):
    thing_arn = f"arn:aws:iot:us-east-1:123456789012:thing/{PREFIX}00001"
    guard.made.add(f"{PREFIX}00001")
    call, reason = guard.vet(Call("iot", "CreateJob", {"jobId": f"{PREFIX}00002", "targets": [thing_arn]}))
    assert reason is None and call.params["tags"] == [{"Key": RUN_TAG_KEY, "Value": PREFIX}]
    # a call that breaks the tags member on purpose keeps it as drawn
    broken = Call("iot", "CreateJob", {"jobId": f"{PREFIX}00003", "targets": [thing_arn], "tags": "x"},
                  mode="invalid", violation=Violation("tags", "type", "model", "not a list"))
    assert guard.vet(broken)[0].params["tags"] == "x"


def test_an_operation_outside_the_model_is_refused(guard):
    assert "not in the model" in guard.vet(Call("iot", "NoSuchOperation", {}))[1]


def test_observe_learns_service_chosen_ids_and_records_them(guard, tmp_path):
    create = Call("importexport", "CreateJob", {"JobType": "Import", "Manifest": "m", "ValidateOnly": False})
    guard.observe(create, ok(create, {"JobId": "ABCDE"}), "primary")
    assert guard.ours("ABCDE")
    assert guard.vet(Call("importexport", "GetStatus", {"JobId": "ABCDE"}))[1] is None
    [(_, entry)] = guard.ledger.open_entries()
    assert entry["resource"] == "ie_job" and entry["values"] == {"JobId": "ABCDE"}
    cancel = Call("importexport", "CancelJob", {"JobId": "ABCDE"})
    guard.observe(cancel, ok(cancel, {"Success": True}), "primary")
    assert guard.ledger.open_entries() == []


def test_a_delete_answered_not_found_removes_the_entry_too(guard):
    create = Call("iot", "CreateThing", {"thingName": f"{PREFIX}00001"})
    guard.observe(create, ok(create, {"thingName": f"{PREFIX}00001", "thingArn": "arn"}), "primary")
    other = Call("iot", "DeleteThing", {"thingName": f"{PREFIX}00009"})
    guard.observe(other, ok(other), "primary")
    assert len(guard.ledger.open_entries()) == 1
    delete = Call("iot", "DeleteThing", {"thingName": f"{PREFIX}00001"})
    guard.observe(delete, error(delete, "ResourceNotFoundException"), "primary")
    assert guard.ledger.open_entries() == []


def test_a_create_is_in_the_ledger_before_it_is_sent(guard):
    create = Call("iot", "CreateThing", {"thingName": f"{PREFIX}00001"})
    pending = guard.before_send(create, "primary")
    [(_, entry)] = guard.ledger.open_entries()  # the run may die here: the thing is on record
    assert entry["values"] == {"thingName": f"{PREFIX}00001"}
    guard.observe(create, ok(create, {"thingName": f"{PREFIX}00001", "thingArn": "arn:t"}), "primary", pending)
    assert [e["values"] for _, e in guard.ledger.open_entries()] == [
        {"thingName": f"{PREFIX}00001", "thingArn": "arn:t"}]
    again = guard.before_send(create, "primary")  # made again, refused this time: the first stays
    guard.observe(create, error(create, "ResourceAlreadyExistsException", 409), "primary", again)
    assert len(guard.ledger.open_entries()) == 1
    assert guard.before_send(Call("iot", "DescribeThing", {"thingName": "x"}), "primary") is None


# -- recipes, deletes and lists ---------------------------------------------------------------------

def test_a_recipe_without_delete_steps_is_deleted_by_the_models_delete_operation():
    recipes = SpecIndex().recipes
    [step] = recipes.delete_steps["command"]
    assert (step.service, step.operation, step.params) == ("iot", "DeleteCommand", {"commandId": "{commandId}"})
    assert [s.operation for s in recipes.delete_steps["thing"]] == ["DeleteThing"]


def test_list_operations_are_found_from_the_model():
    specs = SpecIndex()
    res = specs.recipes.resources
    things = list_operations(specs, res["thing"], "thingName")
    assert [(op.name, key) for op, key in things] == [("ListThings", "things")]
    assert ("ListJobs", "jobs") in [(op.name, key) for op, key in list_operations(specs, res["job"], "jobId")]
    assert list_operations(specs, res["backend"], "AppId") == []  # ListBackendJobs needs an AppId


# -- caps -------------------------------------------------------------------------------------------

class FakeClock:
    """Time moves only when the limiter sleeps; ``short``: each sleep wakes after that fraction less
    than it was asked (a timer on another clock may), and ``start`` has a fraction that sums of 0.2
    do not hit exactly."""

    def __init__(self, start: float = 100.3, short: float = 0.0) -> None:
        self.now = start
        self.short = short
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds * (1 - self.short)


def _busiest_second(times: list[float]) -> int:
    """The most calls in any window [t, t + 1 s)."""
    return max(sum(1 for u in times[i:] if u - t < 1.0) for i, t in enumerate(times))


@pytest.mark.parametrize("short", [0.0, 0.01, 0.3])
def test_no_second_holds_more_calls_than_the_rate_cap(short):
    clock = FakeClock(short=short)
    limiter = CallLimiter(max_rate=5, clock=clock, sleep=clock.sleep)
    times = []
    for _ in range(51):
        limiter.acquire()
        times.append(clock.now)
    assert all(times[i + 5] - times[i] >= 1.0 for i in range(len(times) - 5))
    assert _busiest_second(times) == 5
    assert times[-1] - times[0] < 10.5  # and the cap is used: 51 calls in about 10 s, not more
    assert limiter.sent == 51


def test_after_a_pause_the_window_is_free_again_but_never_more():
    clock = FakeClock()
    limiter = CallLimiter(max_rate=3, clock=clock, sleep=clock.sleep)
    times = []
    for pause in (0, 0, 0, 0, 2.5, 0, 0, 0, 0.1, 0):
        clock.now += pause
        limiter.acquire()
        times.append(clock.now)
    assert _busiest_second(times) == 3
    assert times[4] == times[5] == times[6] and times[7] == pytest.approx(times[4] + 1.0, abs=0.03)


def test_a_rate_below_one_is_one_call_every_so_many_seconds():
    clock = FakeClock()
    limiter = CallLimiter(max_rate=0.5, clock=clock, sleep=clock.sleep)
    times = []
    for _ in range(4):
        limiter.acquire()
        times.append(clock.now)
    assert [b - a for a, b in itertools.pairwise(times)] == pytest.approx([2.0, 2.0, 2.0], abs=0.03)


def test_the_total_cap_stops_the_run_but_not_the_cleanup():
    limiter = CallLimiter(max_calls=3)
    for _ in range(3):
        limiter.acquire()
    with pytest.raises(Stop):
        limiter.acquire()
    assert limiter.reached and limiter.sent == 3
    limiter.draining = True
    limiter.acquire()
    assert limiter.sent == 3 and limiter.drained == 1


# -- the ledger -------------------------------------------------------------------------------------

def test_the_ledger_survives_a_kill_and_goes_once_empty(tmp_path):
    path = tmp_path / "jfabcd01.jsonl"
    ledger = Ledger(path)
    a = ledger.add("thing", "iot", {"thingName": "jfabcd0100001"}, "primary")
    b = ledger.add("ie_job", "importexport", {"JobId": "ABCDE"}, "primary")
    assert ledger.add("thing", "iot", {"thingName": "jfabcd0100001"}, "primary") == a  # made again
    ledger.mark_deleted(a)
    with path.open("a") as out:
        out.write('{"n": 2, "made": "thi')  # the run was killed mid-line
    loaded = Ledger.load(path)
    assert [(i, e["values"]) for i, e in loaded.open_entries()] == [(b, {"JobId": "ABCDE"})]
    assert all("secret" not in line.lower() for line in path.read_text().splitlines())
    loaded.mark_deleted(b)
    assert [json.loads(x) for x in path.read_text().splitlines()[-1:]] == [{"deleted": b}]
    assert Ledger.load(path).open_entries() == []
    loaded.close()
    assert not path.exists()
