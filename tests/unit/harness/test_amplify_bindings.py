"""The AmplifyBackend operations on an existing auth resource, API resource or challenge token are
called on one the run made.

The overlay (specs/overlays/amplifybackend.yaml) once had recipes only for a backend and a storage
job, so GetBackendAuth, DeleteBackendAuth, GetBackendAPIModels, GetToken and the rest were called
with drawn names that named nothing, and never reached the emulator's code for an existing
resource: mutation testing found that an emulator whose token lookup never found a token, whose
DeleteBackendAuth crashed or whose GetBackendAPIModels never found the API passed the contract
suite. Its recipes ``backend_auth``, ``backend_api`` and ``login_token`` now make them, and the
bindings name them. Here each break is planted in the embedded emulator's handlers (the same
mutation, with monkeypatch) and the harness must report it on the operation it broke.
"""

from __future__ import annotations

import json

import botocore.session
import pytest

from emulator.services.amplifybackend.errors import not_found
from emulator.services.amplifybackend.resources import ResourceOps
from harness.engine import RunConfig
from harness.session import execute
from harness.targets import EmbeddedTarget
from specs.loader import load_service

_SESSION = botocore.session.get_session()
AB = "amplifybackend"


# -- the breaks: each is the correct handler with one mutation --------------------------------------
def _token_never_found(self, ctx, p):
    """``_token`` looks the token up under None instead of the SessionId: it never finds one."""
    app = self.app(ctx, p["AppId"])
    token = app.tokens.get(None)
    if token is not None and ctx.clock.now() >= token.expires:
        del app.tokens[token.session_id]
        token = None
    if token is None:
        raise not_found(ctx, "token", f"SessionId: expected a live challenge token of app "
                                      f"{p['AppId']!r}, got {p['SessionId']!r}")
    return token


def _delete_auth_without_env(self, ctx, p):
    """DeleteBackendAuth looks the resource up in no environment: it crashes on an existing one."""
    env = self._env_of(ctx, p)
    self._resource(ctx, None, "auth", p["ResourceName"])
    del env.auth[p["ResourceName"]]
    return self.start_job(ctx, p["AppId"], env.name)


def _api_models_of_no_name(self, ctx, p):
    """GetBackendAPIModels looks the API up under None: it never finds it."""
    env = self._env_of(ctx, p)
    api = self._resource(ctx, env, "api", None)
    models = {"api": p["ResourceName"], "schema": api.get("TransformSchema", "")}
    return {"Models": json.dumps(models),
            "ModelIntrospectionSchema": json.dumps({"version": 1, "models": {}}),
            "Status": "LATEST" if env.api_models_fresh.get(p["ResourceName"]) else "STALE"}


def _delete_api_models_of_none(self, ctx, p):
    """DeleteBackendAPI drops the models' state under None: it crashes on an existing API."""
    env = self._env_of(ctx, p)
    self._resource(ctx, env, "api", p["ResourceName"])
    del env.api[p["ResourceName"]]
    env.api_models_fresh.pop(None)
    return self.start_job(ctx, p["AppId"], env.name)


def _generate_models_of_no_kind(self, ctx, p):
    """GenerateBackendAPIModels looks the API up in no table: it crashes on an existing one."""
    env = self._env_of(ctx, p)
    self._resource(ctx, env, None, p["ResourceName"])
    env.api_models_fresh[p["ResourceName"]] = True
    return self.start_job(ctx, p["AppId"], env.name)


def _get_auth_without_ctx(self, ctx, p):
    """GetBackendAuth calls the lookup without its context: it crashes on every call."""
    env = self._env_of(ctx, p)
    return self._resource_view(p, p["ResourceName"], self._resource(env, "auth", p["ResourceName"]))


def _storage_of_no_name(self, ctx, p):
    """GetBackendStorage looks the storage up under None: it never finds it."""
    env = self._env_of(ctx, p)
    return self._resource_view(p, p["ResourceName"], self._resource(ctx, env, "storage", None))


#: break -> (the handler replaced, the broken handler, the operation it breaks, the check that finds it)
BREAKS = {
    "a-token-never-found": ("_token", _token_never_found, "GetToken", "read_after_write_consistency"),
    "b-delete-api-crashes": ("delete_backend_api", _delete_api_models_of_none, "DeleteBackendAPI",
                             "not_a_server_error"),
    "c-delete-auth-crashes": ("delete_backend_auth", _delete_auth_without_env, "DeleteBackendAuth",
                              "not_a_server_error"),
    "d-generate-models-crashes": ("generate_backend_api_models", _generate_models_of_no_kind,
                                  "GenerateBackendAPIModels", "not_a_server_error"),
    "e-api-models-never-found": ("get_backend_api_models", _api_models_of_no_name, "GetBackendAPIModels",
                                 "read_after_write_consistency"),
    "f-get-auth-crashes": ("get_backend_auth", _get_auth_without_ctx, "GetBackendAuth", "not_a_server_error"),
    "g-storage-never-found": ("get_backend_storage", _storage_of_no_name, "GetBackendStorage",
                              "read_after_write_consistency"),
}


def _run(operations):
    target = EmbeddedTarget()
    target._session = _SESSION
    config = RunConfig(services=(AB,), operations=tuple(f"{AB}.{op}" for op in operations),
                       phases=("boundary", "fuzz", "scenarios"), max_examples=5, seed=1)
    try:
        return execute(target, config)
    finally:
        target.close()


def test_the_operations_on_an_existing_resource_are_bound_to_one_the_run_makes() -> None:
    service = load_service(AB)
    expected = {
        "GetBackendAuth": "AuthResourceName", "UpdateBackendAuth": "AuthResourceName",
        "DeleteBackendAuth": "AuthResourceName", "GetBackendAPI": "ApiResourceName",
        "UpdateBackendAPI": "ApiResourceName", "DeleteBackendAPI": "ApiResourceName",
        "GenerateBackendAPIModels": "ApiResourceName", "GetBackendAPIModels": "ApiResourceName",
        "GetBackendStorage": "StorageResourceName", "UpdateBackendStorage": "StorageResourceName",
        "DeleteBackendStorage": "StorageResourceName",
    }
    for name, binding in expected.items():
        bound = dict(service.operation(name).bindings)
        assert bound == {"AppId": "AppId", "BackendEnvironmentName": "BackendEnvironmentName",
                         "ResourceName": binding}, name
    for name in ("GetToken", "DeleteToken"):
        assert dict(service.operation(name).bindings) == {"AppId": "AppId", "SessionId": "SessionId"}, name


@pytest.mark.parametrize("break_name", sorted(BREAKS))
def test_a_break_on_an_existing_resource_is_found(break_name, monkeypatch) -> None:
    method, broken, operation, check = BREAKS[break_name]
    monkeypatch.setattr(ResourceOps, method, broken)
    result = _run([operation])
    found = [r.failure for r in result.real_failures]
    assert any(f.operation == operation and f.check == check for f in found), (break_name, found)


def test_the_correct_emulator_passes_every_operation_the_breaks_touch() -> None:
    result = _run(sorted({op for _, _, op, _ in BREAKS.values()}))
    assert result.calls > 0
    assert result.real_failures == [], [r.failure for r in result.real_failures]
