"""A nested binding, a member inside each item of an input list (Batch CreateJobQueue's
``computeEnvironmentOrder[*].computeEnvironment``), is filled end to end: the recipe makes the
compute environment on a moto_server, the call carries its ARN in every item, the recorded call its
template, and moto accepts the queue. (It used to load, then crash the run with a botocore KeyError:
the place was sent as a parameter name.) Skipped when moto's server extra is not installed."""

from __future__ import annotations

import textwrap

import pytest

pytest.importorskip("moto.server", reason="moto with its server extra is not installed (pip install -e '.[moto]')")

import specs.overlay
from harness.binding import bind_call
from harness.engine import Engine, RunConfig
from harness.moto_target import moto_server
from harness.targets import UrlTarget
from strategies.calls import Call

OVERLAY = """
service: batch
scope: [CreateComputeEnvironment, CreateJobQueue]
resources:
  batch_role:
    create:
      - service: iam
        operation: CreateRole
        params: {RoleName: "{uid}", AssumeRolePolicyDocument: '{"Version":"2012-10-17","Statement":[]}'}
        produces: {serviceRoleArn: Role.Arn}
  compute_environment:
    needs: [batch_role]
    create:
      - service: batch
        operation: CreateComputeEnvironment
        params: {computeEnvironmentName: "{uid}", type: UNMANAGED, serviceRole: "{serviceRoleArn}"}
        produces: {computeEnvironmentArn: computeEnvironmentArn}
bindings:
  CreateJobQueue: {"computeEnvironmentOrder[*].computeEnvironment": computeEnvironmentArn}
"""


def test_a_member_of_each_list_item_is_bound_and_sent(tmp_path, monkeypatch):
    (tmp_path / "batch.yaml").write_text(textwrap.dedent(OVERLAY), encoding="utf-8")
    monkeypatch.setenv("JOBFUZZ_OVERLAY_PATH", str(tmp_path))
    specs.overlay._apply_cached.cache_clear()
    with moto_server(log=tmp_path / "moto.log") as server:
        for key, value in server.env().items():
            monkeypatch.setenv(key, value)
        engine = Engine(UrlTarget({None: server.url}), RunConfig(services=("batch",), phases=("boundary",), seed=1))
        op = engine.services["batch"].operations["CreateJobQueue"]
        assert op.bindings == (("computeEnvironmentOrder[].computeEnvironment", "computeEnvironmentArn"),)
        order = [{"order": 1, "computeEnvironment": "drawn"}, {"order": 2, "computeEnvironment": "drawn"}]
        call = Call("batch", "CreateJobQueue", {"jobQueueName": "jfq1", "priority": 1, "state": "ENABLED",
                                                "computeEnvironmentOrder": order})
        sent, recorded, bound = bind_call(engine.ctx, op, call, {})
        made = [v for v in sent.params["computeEnvironmentOrder"]]
        assert bound and len(made) == 2 and made[0]["computeEnvironment"] == made[1]["computeEnvironment"]
        assert made[0]["computeEnvironment"].startswith("arn:aws:batch:") and made[1]["order"] == 2
        assert recorded.params["computeEnvironmentOrder"][0]["computeEnvironment"] == "{computeEnvironmentArn}"
        ex, _ = engine.ctx.send(sent)
        assert ex.status == 200, ex.response.body
        assert ex.parsed["jobQueueName"] == "jfq1"
    specs.overlay._apply_cached.cache_clear()
