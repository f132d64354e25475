# The handlers are typed on the backend they are mixed into (self: Backend), which mypy calls an
# erased self type not a supertype of the mixin:
# mypy: disable-error-code="misc"
"""AmplifyBackend resource operations: auth, API, storage, the Admin UI config, challenge tokens
and the S3 bucket list. Each resource lives in one backend environment under its ResourceName;
Get/Update/Delete of a missing one answer NotFoundException with its resource type.
"""

from __future__ import annotations

import copy
import json
import secrets
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from emulator.core import Context

from .errors import not_found
from .state import App, Env, Token

if TYPE_CHECKING:
    from .backend import AmplifyBackendBackend as Backend

Params = dict[str, Any]

#: seconds a challenge token lives [INF: Ttl is an undocumented string; the emulator answers seconds]
TOKEN_TTL = 600


def _merge(base: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    """``update`` laid over ``base``, nested structures merged member by member."""
    out = copy.deepcopy(base)
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


class ResourceOps:
    """Handlers mixed into :class:`AmplifyBackendBackend`."""

    def resource_handlers(self: Backend) -> dict[str, Callable[[Context, Params], Params]]:
        return {
            "CreateBackendAuth": self.create_backend_auth,
            "GetBackendAuth": self.get_backend_auth,
            "UpdateBackendAuth": self.update_backend_auth,
            "DeleteBackendAuth": self.delete_backend_auth,
            "ImportBackendAuth": self.import_backend_auth,
            "CreateBackendAPI": self.create_backend_api,
            "GetBackendAPI": self.get_backend_api,
            "UpdateBackendAPI": self.update_backend_api,
            "DeleteBackendAPI": self.delete_backend_api,
            "GenerateBackendAPIModels": self.generate_backend_api_models,
            "GetBackendAPIModels": self.get_backend_api_models,
            "CreateBackendStorage": self.create_backend_storage,
            "GetBackendStorage": self.get_backend_storage,
            "UpdateBackendStorage": self.update_backend_storage,
            "DeleteBackendStorage": self.delete_backend_storage,
            "ImportBackendStorage": self.import_backend_storage,
            "CreateBackendConfig": self.create_backend_config,
            "UpdateBackendConfig": self.update_backend_config,
            "RemoveBackendConfig": self.remove_backend_config,
            "CreateToken": self.create_token,
            "GetToken": self.get_token,
            "DeleteToken": self.delete_token,
            "ListS3Buckets": self.list_s3_buckets,
        }

    # -- shared ------------------------------------------------------------------------------
    @staticmethod
    def feature_flags() -> str:
        return json.dumps({"features": {"graphqltransformer": {"transformerversion": 2}}})

    @staticmethod
    def meta_config(env: Env) -> str:
        return json.dumps({"auth": sorted(env.auth), "api": sorted(env.api), "storage": sorted(env.storage)})

    def _resource(self: Backend, ctx: Context, env: Env, kind: str,
                  name: str) -> dict[str, Any]:
        table: dict[str, dict[str, Any]] = getattr(env, kind)
        if name not in table:
            raise not_found(ctx, kind, f"ResourceName: expected an existing {kind} resource of backend "
                                       f"environment {env.name!r}, got {name!r}")
        return table[name]

    def _env_of(self: Backend, ctx: Context, p: dict[str, Any]) -> Env:
        return self.env(ctx, p["AppId"], p["BackendEnvironmentName"])[1]

    def _resource_view(self, p: dict[str, Any], name: str, config: dict[str, Any]) -> dict[str, Any]:
        return {"AppId": p["AppId"], "BackendEnvironmentName": p["BackendEnvironmentName"],
                "ResourceName": name, "ResourceConfig": copy.deepcopy(config)}

    # -- auth --------------------------------------------------------------------------------
    def create_backend_auth(self: Backend, ctx: Context, p: Params) -> Params:
        env = self._env_of(ctx, p)
        env.auth[p["ResourceName"]] = copy.deepcopy(p["ResourceConfig"])
        return self.start_job(ctx, p["AppId"], env.name)

    def get_backend_auth(self: Backend, ctx: Context, p: Params) -> Params:
        env = self._env_of(ctx, p)
        return self._resource_view(p, p["ResourceName"], self._resource(ctx, env, "auth", p["ResourceName"]))

    def update_backend_auth(self: Backend, ctx: Context, p: Params) -> Params:
        env = self._env_of(ctx, p)
        current = self._resource(ctx, env, "auth", p["ResourceName"])
        env.auth[p["ResourceName"]] = _merge(current, p["ResourceConfig"])
        return self.start_job(ctx, p["AppId"], env.name)

    def delete_backend_auth(self: Backend, ctx: Context, p: Params) -> Params:
        env = self._env_of(ctx, p)
        self._resource(ctx, env, "auth", p["ResourceName"])
        del env.auth[p["ResourceName"]]
        return self.start_job(ctx, p["AppId"], env.name)

    def import_backend_auth(self: Backend, ctx: Context, p: Params) -> Params:
        # The input names no resource: the imported user pool's id names it [INF].
        env = self._env_of(ctx, p)
        env.auth[p["UserPoolId"]] = {
            "AuthResources": "IDENTITY_POOL_AND_USER_POOL" if p.get("IdentityPoolId") else "USER_POOL_ONLY",
            "Service": "COGNITO",
            "UserPoolConfigs": {"UserPoolName": p["UserPoolId"], "SignInMethod": "USERNAME",
                                "RequiredSignUpAttributes": []},
        }
        return self.start_job(ctx, p["AppId"], env.name)

    # -- API ---------------------------------------------------------------------------------
    def create_backend_api(self: Backend, ctx: Context, p: Params) -> Params:
        env = self._env_of(ctx, p)
        env.api[p["ResourceName"]] = copy.deepcopy(p["ResourceConfig"])
        env.api_models_fresh[p["ResourceName"]] = False
        return self.start_job(ctx, p["AppId"], env.name)

    def get_backend_api(self: Backend, ctx: Context, p: Params) -> Params:
        env = self._env_of(ctx, p)
        return self._resource_view(p, p["ResourceName"], self._resource(ctx, env, "api", p["ResourceName"]))

    def update_backend_api(self: Backend, ctx: Context, p: Params) -> Params:
        env = self._env_of(ctx, p)
        current = self._resource(ctx, env, "api", p["ResourceName"])
        env.api[p["ResourceName"]] = _merge(current, p.get("ResourceConfig") or {})
        env.api_models_fresh[p["ResourceName"]] = False
        return self.start_job(ctx, p["AppId"], env.name)

    def delete_backend_api(self: Backend, ctx: Context, p: Params) -> Params:
        env = self._env_of(ctx, p)
        self._resource(ctx, env, "api", p["ResourceName"])
        del env.api[p["ResourceName"]]
        env.api_models_fresh.pop(p["ResourceName"], None)
        return self.start_job(ctx, p["AppId"], env.name)

    def generate_backend_api_models(self: Backend, ctx: Context, p: Params) -> Params:
        env = self._env_of(ctx, p)
        self._resource(ctx, env, "api", p["ResourceName"])
        env.api_models_fresh[p["ResourceName"]] = True
        return self.start_job(ctx, p["AppId"], env.name)

    def get_backend_api_models(self: Backend, ctx: Context, p: Params) -> Params:
        env = self._env_of(ctx, p)
        api = self._resource(ctx, env, "api", p["ResourceName"])
        models = {"api": p["ResourceName"], "schema": api.get("TransformSchema", "")}
        return {"Models": json.dumps(models),
                "ModelIntrospectionSchema": json.dumps({"version": 1, "models": {}}),
                "Status": "LATEST" if env.api_models_fresh.get(p["ResourceName"]) else "STALE"}

    # -- storage -----------------------------------------------------------------------------
    def create_backend_storage(self: Backend, ctx: Context, p: Params) -> Params:
        env = self._env_of(ctx, p)
        config = copy.deepcopy(p["ResourceConfig"])
        config["Imported"] = False
        env.storage[p["ResourceName"]] = config
        return self.start_job(ctx, p["AppId"], env.name, full=False)

    def get_backend_storage(self: Backend, ctx: Context, p: Params) -> Params:
        env = self._env_of(ctx, p)
        return self._resource_view(p, p["ResourceName"],
                                   self._resource(ctx, env, "storage", p["ResourceName"]))

    def update_backend_storage(self: Backend, ctx: Context, p: Params) -> Params:
        env = self._env_of(ctx, p)
        current = self._resource(ctx, env, "storage", p["ResourceName"])
        current["Permissions"] = copy.deepcopy(p["ResourceConfig"]["Permissions"])
        current["ServiceName"] = p["ResourceConfig"]["ServiceName"]
        return self.start_job(ctx, p["AppId"], env.name, full=False)

    def delete_backend_storage(self: Backend, ctx: Context, p: Params) -> Params:
        env = self._env_of(ctx, p)
        self._resource(ctx, env, "storage", p["ResourceName"])
        del env.storage[p["ResourceName"]]
        return self.start_job(ctx, p["AppId"], env.name, full=False)

    def import_backend_storage(self: Backend, ctx: Context, p: Params) -> Params:
        # The input names no resource: the bucket names it, or "storage" without one [INF].
        env = self._env_of(ctx, p)
        config: dict[str, Any] = {"ServiceName": p["ServiceName"], "Imported": True}
        if p.get("BucketName") is not None:
            config["BucketName"] = p["BucketName"]
        env.storage[p.get("BucketName") or "storage"] = config
        return self.start_job(ctx, p["AppId"], env.name, full=False)

    # -- Admin UI config ---------------------------------------------------------------------
    def create_backend_config(self: Backend, ctx: Context, p: Params) -> Params:
        key = (ctx.account, p["AppId"])
        app = self.store.apps.get(key)
        if app is None:
            app = self.store.apps[key] = App(ctx.account, p["AppId"], p["AppId"])
        app.config = {"BackendManagerAppId": p.get("BackendManagerAppId") or p["AppId"]}
        env = next(iter(app.envs), "")
        return self.start_job(ctx, app.app_id, env, full=False)

    def update_backend_config(self: Backend, ctx: Context, p: Params) -> Params:
        app = self.app(ctx, p["AppId"])
        if app.config is None:
            app.config = {"BackendManagerAppId": app.app_id}
        if p.get("LoginAuthConfig") is not None:
            app.config["LoginAuthConfig"] = copy.deepcopy(p["LoginAuthConfig"])
        out = {"AppId": app.app_id, **copy.deepcopy(app.config)}
        return out

    def remove_backend_config(self: Backend, ctx: Context, p: Params) -> Params:
        # Removing a config that is not there is not an error [INF]: the output has only Error.
        app = self.app(ctx, p["AppId"])
        app.config = None
        return {}

    # -- challenge tokens --------------------------------------------------------------------
    def create_token(self: Backend, ctx: Context, p: Params) -> Params:
        app = self.app(ctx, p["AppId"])
        token = Token(session_id=str(uuid.uuid4()), challenge_code=f"{secrets.randbelow(10**6):06d}",
                      expires=ctx.clock.now() + TOKEN_TTL, ttl=TOKEN_TTL)
        app.tokens[token.session_id] = token
        return self._token_view(app.app_id, token)

    def _token(self: Backend, ctx: Context, p: dict[str, Any]) -> Token:
        app = self.app(ctx, p["AppId"])
        token = app.tokens.get(p["SessionId"])
        if token is not None and ctx.clock.now() >= token.expires:
            del app.tokens[token.session_id]
            token = None
        if token is None:
            raise not_found(ctx, "token", f"SessionId: expected a live challenge token of app "
                                          f"{p['AppId']!r}, got {p['SessionId']!r}")
        return token

    @staticmethod
    def _token_view(app_id: str, token: Token) -> dict[str, Any]:
        return {"AppId": app_id, "SessionId": token.session_id, "ChallengeCode": token.challenge_code,
                "Ttl": str(token.ttl)}

    def get_token(self: Backend, ctx: Context, p: Params) -> Params:
        return self._token_view(p["AppId"], self._token(ctx, p))

    def delete_token(self: Backend, ctx: Context, p: Params) -> Params:
        token = self._token(ctx, p)
        del self.store.apps[(ctx.account, p["AppId"])].tokens[token.session_id]
        return {"IsSuccess": True}

    # -- S3 buckets --------------------------------------------------------------------------
    def list_s3_buckets(self: Backend, ctx: Context, p: Params) -> Params:
        # The emulator's bucket list when it has one; else the buckets the account's storage names.
        if self.config.buckets is not None:
            names = sorted(self.config.buckets)
        else:
            names = sorted({cfg["BucketName"] for (acct, _), app in self.store.apps.items()
                            if acct == ctx.account for env in app.envs.values()
                            for cfg in env.storage.values() if cfg.get("BucketName")})
        stamp = datetime.fromtimestamp(ctx.clock.now(), tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return {"Buckets": [{"Name": n, "CreationDate": stamp} for n in names]}
