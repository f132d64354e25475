"""A binding's value goes to its place: a member, a list member as ``[value]``, or a member of each
item of a list (``computeEnvironmentOrder[*].computeEnvironment``, Batch CreateJobQueue)."""

from __future__ import annotations

from harness.binding import put_bound
from specs.loader import raw_service

BATCH = raw_service("batch")
QUEUE = BATCH.operations["CreateJobQueue"]
PLACE = "computeEnvironmentOrder[].computeEnvironment"


def test_each_item_gets_the_value_and_keeps_its_other_members():
    params = {"jobQueueName": "q", "computeEnvironmentOrder": [{"order": 1, "computeEnvironment": "a"},
                                                               {"order": 2}]}
    out = put_bound(params, PLACE, "arn:ce", BATCH, QUEUE)
    assert out["computeEnvironmentOrder"] == [{"order": 1, "computeEnvironment": "arn:ce"},
                                              {"order": 2, "computeEnvironment": "arn:ce"}]
    assert params["computeEnvironmentOrder"][0]["computeEnvironment"] == "a"  # the call's own params are kept


def test_an_absent_list_gets_one_item():
    assert put_bound({"jobQueueName": "q"}, PLACE, "arn:ce", BATCH, QUEUE)["computeEnvironmentOrder"] == [
        {"computeEnvironment": "arn:ce"}]


def test_a_member_and_a_list_member():
    iot = raw_service("iot")
    create = iot.operations["CreateJob"]
    assert put_bound({"jobId": "j"}, "targets", "arn:thing", iot, create) == {"jobId": "j", "targets": ["arn:thing"]}
    assert put_bound({}, "jobId", "j1", iot, create) == {"jobId": "j1"}
