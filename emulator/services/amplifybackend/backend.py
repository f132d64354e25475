"""The AmplifyBackend backend: apps, environments and jobs; the resource operations are in
``resources.py``.

Choices where the documentation is silent [INF]:

- Creating what already exists is not an error (the model has no conflict error): CreateBackend on
  an existing environment renames the app and starts a new job; Create*/Import* of a resource
  overwrites it; CloneBackend onto an existing target replaces it.
- Jobs outlive their environment: clients poll GetBackendJob after DeleteBackend and
  RemoveAllBackends, so GetBackendJob, UpdateBackendJob and ListBackendJobs look a job up by
  account, app, environment and id, whether or not the environment still exists. Every other
  operation on a deleted environment answers NotFoundException.
- RemoveAllBackends removes every environment of the app; the app itself (its name and Admin UI
  config) goes only with ``CleanAmplifyApp=true``, as that member's documentation says. Its job is
  reachable under every environment it removed.
- CreateBackendConfig may be the first call on an app (the Admin UI config belongs to the app, not
  to a backend environment), so it creates the app when it is missing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from emulator.core import Context, EmulatorConfig, Handler, Problem, ServiceError

from .errors import bad_request, not_found
from .resources import ResourceOps
from .state import App, Env, Job, Store, make_token, read_token

SERVICE = "amplifybackend"
#: MaxResults bounds of ListBackendJobs (the model's min and max), and the page size when absent [INF]
MAX_RESULTS_MIN, MAX_RESULTS_MAX, DEFAULT_PAGE = 1, 25, 25


class AmplifyBackendBackend(ResourceOps):
    services = (SERVICE,)

    def __init__(self, config: EmulatorConfig | None = None) -> None:
        self.config = config or EmulatorConfig()
        self._lock = threading.RLock()
        self.store = Store()

    # -- Backend protocol --------------------------------------------------------------------
    def handlers(self) -> dict[tuple[str, str], Handler]:
        ops: dict[str, Callable[[Context, dict[str, Any]], dict[str, Any]]] = {
            "CreateBackend": self.create_backend,
            "CloneBackend": self.clone_backend,
            "DeleteBackend": self.delete_backend,
            "RemoveAllBackends": self.remove_all_backends,
            "GetBackend": self.get_backend,
            "ListBackendJobs": self.list_backend_jobs,
            "GetBackendJob": self.get_backend_job,
            "UpdateBackendJob": self.update_backend_job,
            **self.resource_handlers(),
        }
        return {(SERVICE, name): self._locked(fn) for name, fn in ops.items()}

    def validation_error(self, service: str, operation: str, problem: Problem) -> ServiceError:
        return ServiceError("BadRequestException", problem.answer(operation), status=400)

    def reset(self) -> None:
        with self._lock:
            self.store = Store()

    def _locked(self, fn: Callable[[Context, dict[str, Any]], dict[str, Any]]) -> Handler:
        def handler(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
            with self._lock:
                return fn(ctx, params)
        handler.__name__ = fn.__name__
        return handler

    # -- lookups -----------------------------------------------------------------------------
    def app(self, ctx: Context, app_id: str) -> App:
        app = self.store.apps.get((ctx.account, app_id))
        if app is None:
            raise not_found(ctx, "app", f"AppId: expected an existing app, got {app_id!r}")
        return app

    def env(self, ctx: Context, app_id: str, env_name: str) -> tuple[App, Env]:
        app = self.store.apps.get((ctx.account, app_id))
        env = app.envs.get(env_name) if app else None
        if app is None or env is None:
            raise not_found(ctx, "backend environment",
                            f"BackendEnvironmentName: expected an existing backend environment of app "
                            f"{app_id!r}, got {env_name!r}")
        return app, env

    def start_job(self, ctx: Context, app_id: str, env: str, *, full: bool = True,
                  also_envs: frozenset[str] = frozenset()) -> dict[str, Any]:
        """Record a job made by ``ctx.operation`` and answer the job fields of its output.

        ``full`` outputs carry Operation and Error too; the storage and config outputs have only
        AppId, BackendEnvironmentName, JobId and Status.
        """
        job = self.store.new_job(ctx.account, app_id, env, ctx.operation, ctx.clock.now(), also_envs)
        view = job.view(ctx.clock.now(), self.config.amplify_job_seconds)
        keys = ("AppId", "BackendEnvironmentName", "JobId", "Operation", "Status", "Error") if full \
            else ("AppId", "BackendEnvironmentName", "JobId", "Status")
        return {k: view[k] for k in keys if k in view}

    def _job(self, ctx: Context, params: dict[str, Any]) -> Job:
        app_id, env, job_id = params["AppId"], params["BackendEnvironmentName"], params["JobId"]
        job = self.store.jobs.get((ctx.account, job_id))
        if job is None or not job.reachable_as(app_id, env):
            raise not_found(ctx, "job", f"JobId: expected a job of app {app_id!r}, backend environment "
                                        f"{env!r}, got {job_id!r}")
        return job

    def _job_view(self, ctx: Context, job: Job, env: str) -> dict[str, Any]:
        view = job.view(ctx.clock.now(), self.config.amplify_job_seconds)
        view["BackendEnvironmentName"] = env  # the name the caller reached it under
        return view

    # -- backends and environments -----------------------------------------------------------
    def create_backend(self, ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
        app_id, env_name, now = p["AppId"], p["BackendEnvironmentName"], ctx.clock.now()
        app = self.store.apps.get((ctx.account, app_id))
        if app is None:
            app = self.store.apps[(ctx.account, app_id)] = App(ctx.account, app_id, p["AppName"])
        app.app_name = p["AppName"]
        env = app.envs.get(env_name)
        if env is None:
            env = app.envs[env_name] = Env(name=env_name, created=now)
        env.resource_name = p.get("ResourceName")
        env.resource_config = dict(p.get("ResourceConfig") or {})
        return self.start_job(ctx, app_id, env_name)

    def clone_backend(self, ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
        app, env = self.env(ctx, p["AppId"], p["BackendEnvironmentName"])
        target = p["TargetEnvironmentName"]
        if not target:
            raise bad_request(ctx, "TargetEnvironmentName: expected a non-empty name, got ''")
        app.envs[target] = env.clone(target, ctx.clock.now())
        return self.start_job(ctx, app.app_id, env.name)

    def delete_backend(self, ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
        app, env = self.env(ctx, p["AppId"], p["BackendEnvironmentName"])
        del app.envs[env.name]
        return self.start_job(ctx, app.app_id, env.name)

    def remove_all_backends(self, ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
        app = self.app(ctx, p["AppId"])
        removed = list(app.envs)
        app.envs.clear()
        if p.get("CleanAmplifyApp"):
            del self.store.apps[(ctx.account, app.app_id)]
        first = removed[0] if removed else ""
        out = self.start_job(ctx, app.app_id, first, also_envs=frozenset(removed[1:]))
        out.pop("BackendEnvironmentName", None)  # not a member of this output
        return out

    def get_backend(self, ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
        app = self.app(ctx, p["AppId"])
        name = p.get("BackendEnvironmentName")
        if name is not None and name not in app.envs:
            raise not_found(ctx, "backend environment",
                            f"BackendEnvironmentName: expected an existing backend environment of app "
                            f"{app.app_id!r}, got {name!r}")
        out: dict[str, Any] = {"AppId": app.app_id, "AppName": app.app_name,
                               "BackendEnvironmentList": list(app.envs),
                               "AmplifyFeatureFlags": self.feature_flags()}
        env = app.envs.get(name) if name is not None else next(iter(app.envs.values()), None)
        if env is not None:
            out["BackendEnvironmentName"] = env.name
            out["AmplifyMetaConfig"] = self.meta_config(env)
        return out

    # -- jobs --------------------------------------------------------------------------------
    def list_backend_jobs(self, ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
        app_id, env_name = p["AppId"], p["BackendEnvironmentName"]
        jobs = self.store.jobs_under(ctx.account, app_id, env_name)
        app = self.store.apps.get((ctx.account, app_id))
        if not jobs and (app is None or env_name not in app.envs):
            raise not_found(ctx, "backend environment",
                            f"BackendEnvironmentName: expected a backend environment of app {app_id!r} "
                            f"that exists or has jobs, got {env_name!r}")
        limit = p.get("MaxResults")
        if limit is None:
            limit = DEFAULT_PAGE
        elif not MAX_RESULTS_MIN <= limit <= MAX_RESULTS_MAX:
            raise bad_request(ctx, f"MaxResults: expected {MAX_RESULTS_MIN}..{MAX_RESULTS_MAX}, got {limit}")
        after = 0
        if p.get("NextToken") is not None:
            seq = read_token(p["NextToken"], app_id, env_name)
            if seq is None:
                raise bad_request(ctx, f"NextToken: expected a token from an earlier ListBackendJobs "
                                       f"of app {app_id!r}, backend environment {env_name!r}, "
                                       f"got {p['NextToken']!r}")
            after = seq
        now, run = ctx.clock.now(), self.config.amplify_job_seconds
        picked = [j for j in jobs if j.seq > after
                  and (p.get("JobId") is None or j.job_id == p["JobId"])
                  and (p.get("Operation") is None or j.operation == p["Operation"])
                  and (p.get("Status") is None or j.status(now, run) == p["Status"])]
        page = picked[:limit]
        out: dict[str, Any] = {"Jobs": [self._job_view(ctx, j, env_name) for j in page]}
        if len(picked) > limit:
            out["NextToken"] = make_token(app_id, env_name, page[-1].seq)
        return out

    def get_backend_job(self, ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
        return self._job_view(ctx, self._job(ctx, p), p["BackendEnvironmentName"])

    def update_backend_job(self, ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
        # The effect is undocumented (D8): the given Operation and Status overwrite the job's [INF].
        job = self._job(ctx, p)
        if p.get("Operation") is not None:
            job.operation = p["Operation"]
        if p.get("Status") is not None:
            job.status_set = p["Status"]
        job.updated = ctx.clock.now()
        return self._job_view(ctx, job, p["BackendEnvironmentName"])
