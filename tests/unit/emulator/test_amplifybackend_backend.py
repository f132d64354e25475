"""AmplifyBackend backend, called directly with a Context and botocore-named params."""

from __future__ import annotations

import json

import botocore.session
import pytest

from emulator.core import Clock, Context, EmulatorConfig, Problem, ServiceError
from emulator.services.amplifybackend import AmplifyBackendBackend

ACCOUNT, OTHER = "test-primary-key-id", "test-second-key-id"
START = 1_732_300_000.0

AUTH_CONFIG = {"AuthResources": "USER_POOL_ONLY", "Service": "COGNITO",
               "UserPoolConfigs": {"RequiredSignUpAttributes": ["EMAIL"], "SignInMethod": "EMAIL",
                                   "UserPoolName": "pool"}}
API_CONFIG = {"ApiName": "api1", "Service": "AppSync", "TransformSchema": "type T @model { id: ID! }"}
STORAGE_CONFIG = {"BucketName": "bkt", "ServiceName": "S3", "Permissions": {"Authenticated": ["READ"]}}


class Env:
    def __init__(self, **config) -> None:
        self.config = EmulatorConfig(**config)
        self.backend = AmplifyBackendBackend(self.config)
        self.handlers = self.backend.handlers()
        self.clock = Clock(start=START)

    def call(self, op: str, account: str = ACCOUNT, **params):
        ctx = Context(service="amplifybackend", operation=op, account=account, region="us-east-1",
                      clock=self.clock)
        return self.handlers[("amplifybackend", op)](ctx, params)

    def error(self, op: str, account: str = ACCOUNT, **params) -> ServiceError:
        with pytest.raises(ServiceError) as info:
            self.call(op, account, **params)
        return info.value

    def job(self, job_id: str, app: str = "app1", env: str = "dev", account: str = ACCOUNT) -> dict:
        return self.call("GetBackendJob", account, AppId=app, BackendEnvironmentName=env, JobId=job_id)

    def job_ids(self, app: str = "app1", env: str = "dev", account: str = ACCOUNT, **filters) -> list[str]:
        page = self.call("ListBackendJobs", account, AppId=app, BackendEnvironmentName=env, **filters)
        return [j["JobId"] for j in page["Jobs"]]

    def backend_env(self, app: str = "app1", env: str = "dev") -> dict:
        return self.call("CreateBackend", AppId=app, AppName=f"name-{app}", BackendEnvironmentName=env)


@pytest.fixture
def e() -> Env:
    return Env()


def test_handlers_cover_every_model_operation(e: Env) -> None:
    model = botocore.session.get_session().get_service_model("amplifybackend")
    assert {op for _, op in e.handlers} == set(model.operation_names)
    assert len(e.handlers) == 31


def test_job_outputs_only_carry_members_of_their_output_shape(e: Env) -> None:
    model = botocore.session.get_session().get_service_model("amplifybackend")
    e.backend_env()
    outputs = {
        "CreateBackend": e.backend_env("app2"),
        "CreateBackendStorage": e.call("CreateBackendStorage", AppId="app1", BackendEnvironmentName="dev",
                                       ResourceName="s", ResourceConfig=STORAGE_CONFIG),
        "RemoveAllBackends": e.call("RemoveAllBackends", AppId="app2"),
    }
    for op, out in outputs.items():
        members = set(model.operation_model(op).output_shape.members)
        assert set(out) <= members, op
        assert "JobId" in out and "Status" in out


def test_create_backend_starts_job_in_progress_then_completed(e: Env) -> None:
    out = e.backend_env()
    assert out["Operation"] == "CreateBackend" and out["Status"] == "IN_PROGRESS"
    assert out["AppId"] == "app1" and out["BackendEnvironmentName"] == "dev"
    job = e.call("GetBackendJob", AppId="app1", BackendEnvironmentName="dev", JobId=out["JobId"])
    assert job["Status"] == "IN_PROGRESS"
    assert job["CreateTime"] == job["UpdateTime"] == str(int(START * 1000))
    e.clock.advance(5.0)
    job = e.call("GetBackendJob", AppId="app1", BackendEnvironmentName="dev", JobId=out["JobId"])
    assert job["Status"] == "COMPLETED"
    assert job["UpdateTime"] == str(int((START + 5) * 1000))
    assert isinstance(job["CreateTime"], str) and "Error" not in job


def test_job_seconds_is_configurable() -> None:
    e = Env(amplify_job_seconds=100.0)
    job_id = e.backend_env()["JobId"]
    e.clock.advance(99)
    assert e.job(job_id)["Status"] == "IN_PROGRESS"
    e.clock.advance(1)
    assert e.job(job_id)["Status"] == "COMPLETED"


def test_update_backend_job_overwrites_status_and_operation_and_keeps_them(e: Env) -> None:
    job_id = e.backend_env()["JobId"]
    e.clock.advance(1)
    out = e.call("UpdateBackendJob", AppId="app1", BackendEnvironmentName="dev", JobId=job_id,
                 Status="FAILED", Operation="Renamed")
    assert out["Status"] == "FAILED" and out["Operation"] == "Renamed" and out["JobId"] == job_id
    assert out["UpdateTime"] == str(int((START + 1) * 1000))
    assert out["CreateTime"] == str(int(START * 1000))
    e.clock.advance(60)  # a set status is not moved on by the clock
    got = e.call("GetBackendJob", AppId="app1", BackendEnvironmentName="dev", JobId=job_id)
    assert got == out


def test_update_backend_job_without_fields_only_touches_update_time(e: Env) -> None:
    job_id = e.backend_env()["JobId"]
    e.clock.advance(2)
    out = e.call("UpdateBackendJob", AppId="app1", BackendEnvironmentName="dev", JobId=job_id)
    assert out["Status"] == "IN_PROGRESS" and out["Operation"] == "CreateBackend"
    assert out["UpdateTime"] == str(int((START + 2) * 1000))


@pytest.mark.parametrize("op", ["GetBackendJob", "UpdateBackendJob"])
def test_job_not_found_under_wrong_app_env_account_or_id(e: Env, op: str) -> None:
    job_id = e.backend_env()["JobId"]
    e.backend_env("app1", "prod")
    for app, env, jid, account in [("app1", "prod", job_id, ACCOUNT), ("other", "dev", job_id, ACCOUNT),
                                   ("app1", "dev", "nope", ACCOUNT), ("app1", "dev", job_id, OTHER)]:
        err = e.error(op, account, AppId=app, BackendEnvironmentName=env, JobId=jid, Status="FAILED")
        assert err.code == "NotFoundException" and err.status == 404
        assert err.fields == {"resourceType": "job"} and op in err.message


def test_jobs_stay_readable_after_delete_backend_but_env_ops_fail(e: Env) -> None:
    e.backend_env()
    deleted = e.call("DeleteBackend", AppId="app1", BackendEnvironmentName="dev")
    assert deleted["Operation"] == "DeleteBackend"
    got = e.call("GetBackendJob", AppId="app1", BackendEnvironmentName="dev", JobId=deleted["JobId"])
    assert got["Operation"] == "DeleteBackend"
    listed = e.call("ListBackendJobs", AppId="app1", BackendEnvironmentName="dev")
    assert [j["Operation"] for j in listed["Jobs"]] == ["CreateBackend", "DeleteBackend"]
    for op in ("DeleteBackend", "CloneBackend"):
        err = e.error(op, AppId="app1", BackendEnvironmentName="dev", TargetEnvironmentName="x")
        assert err.code == "NotFoundException" and err.fields["resourceType"] == "backend environment"
    assert e.call("GetBackend", AppId="app1")["BackendEnvironmentList"] == []


def test_list_backend_jobs_unknown_env_is_not_found(e: Env) -> None:
    err = e.error("ListBackendJobs", AppId="none", BackendEnvironmentName="dev")
    assert err.code == "NotFoundException" and err.status == 404


def test_list_backend_jobs_paginates_in_creation_order_without_overlap(e: Env) -> None:
    e.backend_env()
    made = [e.call("ImportBackendStorage", AppId="app1", BackendEnvironmentName="dev", ServiceName="S3",
                   BucketName=f"b{i}")["JobId"] for i in range(6)]
    seen, token, pages = [], None, 0
    while True:
        params = {"MaxResults": 2} | ({"NextToken": token} if token else {})
        page = e.call("ListBackendJobs", AppId="app1", BackendEnvironmentName="dev",
                      Operation="ImportBackendStorage", **params)
        assert len(page["Jobs"]) <= 2
        seen += [j["JobId"] for j in page["Jobs"]]
        pages += 1
        token = page.get("NextToken")
        if not token:
            break
    assert seen == made and pages == 3


def test_list_backend_jobs_new_jobs_between_pages_are_not_missed(e: Env) -> None:
    first = e.backend_env()["JobId"]
    second = e.call("CloneBackend", AppId="app1", BackendEnvironmentName="dev",
                    TargetEnvironmentName="t")["JobId"]
    page = e.call("ListBackendJobs", AppId="app1", BackendEnvironmentName="dev", MaxResults=1)
    assert [j["JobId"] for j in page["Jobs"]] == [first]
    third = e.call("DeleteBackend", AppId="app1", BackendEnvironmentName="t")  # other env: not listed
    fourth = e.call("ImportBackendStorage", AppId="app1", BackendEnvironmentName="dev", ServiceName="S3")
    rest = e.call("ListBackendJobs", AppId="app1", BackendEnvironmentName="dev", NextToken=page["NextToken"])
    assert [j["JobId"] for j in rest["Jobs"]] == [second, fourth["JobId"]]
    assert third["JobId"] not in [j["JobId"] for j in rest["Jobs"]] and "NextToken" not in rest


def test_list_backend_jobs_filters(e: Env) -> None:
    created = e.backend_env()["JobId"]
    e.clock.advance(10)
    cloned = e.call("CloneBackend", AppId="app1", BackendEnvironmentName="dev",
                    TargetEnvironmentName="t")["JobId"]

    ids = e.job_ids
    assert ids(Status="COMPLETED") == [created]
    assert ids(Status="IN_PROGRESS") == [cloned]
    assert ids(Operation="CloneBackend") == [cloned]
    assert ids(JobId=created) == [created]
    assert ids(JobId=created, Operation="CloneBackend") == []


@pytest.mark.parametrize("bad", [0, 26, -1])
def test_list_backend_jobs_max_results_bounds(e: Env, bad: int) -> None:
    e.backend_env()
    err = e.error("ListBackendJobs", AppId="app1", BackendEnvironmentName="dev", MaxResults=bad)
    assert err.code == "BadRequestException" and err.status == 400 and "MaxResults" in err.message
    assert str(bad) in err.message and "1..25" in err.message


@pytest.mark.parametrize("token", ["garbage!", "eyJ4IjoxfQ", ""])
def test_list_backend_jobs_bad_token(e: Env, token: str) -> None:
    e.backend_env()
    err = e.error("ListBackendJobs", AppId="app1", BackendEnvironmentName="dev", NextToken=token)
    assert err.code == "BadRequestException" and "NextToken" in err.message


def test_list_backend_jobs_token_of_another_env_is_refused(e: Env) -> None:
    e.backend_env()
    e.call("CloneBackend", AppId="app1", BackendEnvironmentName="dev", TargetEnvironmentName="t")
    token = e.call("ListBackendJobs", AppId="app1", BackendEnvironmentName="dev", MaxResults=1)["NextToken"]
    e.backend_env("app1", "t")
    err = e.error("ListBackendJobs", AppId="app1", BackendEnvironmentName="t", NextToken=token)
    assert err.code == "BadRequestException"


def test_account_isolation(e: Env) -> None:
    job_id = e.backend_env()["JobId"]
    for op, params in [("GetBackend", {}), ("ListBackendJobs", {"BackendEnvironmentName": "dev"}),
                       ("DeleteBackend", {"BackendEnvironmentName": "dev"}), ("RemoveAllBackends", {}),
                       ("CreateToken", {})]:
        err = e.error(op, OTHER, AppId="app1", **params)
        assert err.code == "NotFoundException", op
    # the same names in another account are a different app
    other_job = e.call("CreateBackend", OTHER, AppId="app1", AppName="theirs", BackendEnvironmentName="dev")
    assert e.call("GetBackend", AppId="app1")["AppName"] == "name-app1"
    assert e.job_ids(account=OTHER) == [other_job["JobId"]]
    assert e.job(job_id)["JobId"] == job_id
    assert e.error("GetBackendJob", OTHER, AppId="app1", BackendEnvironmentName="dev",
                   JobId=job_id).code == "NotFoundException"


def test_get_backend(e: Env) -> None:
    e.backend_env()
    e.call("CreateBackend", AppId="app1", AppName="renamed", BackendEnvironmentName="prod")
    out = e.call("GetBackend", AppId="app1")
    assert out["AppName"] == "renamed" and out["BackendEnvironmentList"] == ["dev", "prod"]
    assert out["BackendEnvironmentName"] == "dev"
    assert json.loads(out["AmplifyMetaConfig"]) == {"auth": [], "api": [], "storage": []}
    assert isinstance(json.loads(out["AmplifyFeatureFlags"]), dict)
    prod = e.call("GetBackend", AppId="app1", BackendEnvironmentName="prod")
    assert prod["BackendEnvironmentName"] == "prod"
    err = e.error("GetBackend", AppId="app1", BackendEnvironmentName="nope")
    assert err.code == "NotFoundException" and err.fields["resourceType"] == "backend environment"
    err = e.error("GetBackend", AppId="nope")
    assert err.code == "NotFoundException" and err.fields["resourceType"] == "app"


def test_clone_backend_copies_resources(e: Env) -> None:
    e.backend_env()
    e.call("CreateBackendAuth", AppId="app1", BackendEnvironmentName="dev", ResourceName="auth1",
           ResourceConfig=AUTH_CONFIG)
    out = e.call("CloneBackend", AppId="app1", BackendEnvironmentName="dev", TargetEnvironmentName="copy")
    assert out["Operation"] == "CloneBackend" and out["BackendEnvironmentName"] == "dev"
    got = e.call("GetBackendAuth", AppId="app1", BackendEnvironmentName="copy", ResourceName="auth1")
    assert got["ResourceConfig"] == AUTH_CONFIG
    assert e.error("CloneBackend", AppId="app1", BackendEnvironmentName="zzz",
                   TargetEnvironmentName="x").code == "NotFoundException"


def test_remove_all_backends_keeps_app_unless_cleaned(e: Env) -> None:
    e.backend_env()
    e.backend_env("app1", "prod")
    out = e.call("RemoveAllBackends", AppId="app1")
    assert out["Operation"] == "RemoveAllBackends" and "BackendEnvironmentName" not in out
    assert e.call("GetBackend", AppId="app1")["BackendEnvironmentList"] == []
    for env in ("dev", "prod"):  # its job is reachable under every env it removed
        assert e.job(out["JobId"], env=env)["JobId"] == out["JobId"]
    assert e.error("CreateBackendAuth", AppId="app1", BackendEnvironmentName="dev", ResourceName="a",
                   ResourceConfig=AUTH_CONFIG).code == "NotFoundException"
    e.call("RemoveAllBackends", AppId="app1", CleanAmplifyApp=True)
    assert e.error("GetBackend", AppId="app1").code == "NotFoundException"
    assert e.error("RemoveAllBackends", AppId="app1").code == "NotFoundException"


def test_auth_lifecycle(e: Env) -> None:
    e.backend_env()
    base = {"AppId": "app1", "BackendEnvironmentName": "dev", "ResourceName": "auth1"}
    assert e.error("GetBackendAuth", **base).fields == {"resourceType": "auth"}
    assert e.error("UpdateBackendAuth", **base, ResourceConfig=AUTH_CONFIG).code == "NotFoundException"
    out = e.call("CreateBackendAuth", **base, ResourceConfig=AUTH_CONFIG)
    assert out["Operation"] == "CreateBackendAuth" and out["Status"] == "IN_PROGRESS"
    assert e.call("GetBackendAuth", **base) == {**base, "ResourceConfig": AUTH_CONFIG}
    e.call("UpdateBackendAuth", **base, ResourceConfig={
        "AuthResources": "IDENTITY_POOL_AND_USER_POOL", "Service": "COGNITO",
        "UserPoolConfigs": {"Mfa": {"MFAMode": "OFF"}}})
    cfg = e.call("GetBackendAuth", **base)["ResourceConfig"]
    assert cfg["AuthResources"] == "IDENTITY_POOL_AND_USER_POOL"
    assert cfg["UserPoolConfigs"]["UserPoolName"] == "pool"
    assert cfg["UserPoolConfigs"]["Mfa"] == {"MFAMode": "OFF"}
    assert e.call("DeleteBackendAuth", **base)["Operation"] == "DeleteBackendAuth"
    assert e.error("GetBackendAuth", **base).code == "NotFoundException"
    assert e.error("DeleteBackendAuth", **base).code == "NotFoundException"


def test_import_backend_auth(e: Env) -> None:
    e.backend_env()
    out = e.call("ImportBackendAuth", AppId="app1", BackendEnvironmentName="dev", NativeClientId="n",
                 UserPoolId="us-east-1_abc", WebClientId="w", IdentityPoolId="idp")
    assert out["Operation"] == "ImportBackendAuth"
    got = e.call("GetBackendAuth", AppId="app1", BackendEnvironmentName="dev", ResourceName="us-east-1_abc")
    assert got["ResourceConfig"]["AuthResources"] == "IDENTITY_POOL_AND_USER_POOL"
    assert e.error("ImportBackendAuth", AppId="app1", BackendEnvironmentName="x", NativeClientId="n",
                   UserPoolId="p", WebClientId="w").code == "NotFoundException"


def test_api_lifecycle_and_models(e: Env) -> None:
    e.backend_env()
    base = {"AppId": "app1", "BackendEnvironmentName": "dev", "ResourceName": "api1"}
    assert e.error("GetBackendAPI", **base).fields == {"resourceType": "api"}
    assert e.error("GenerateBackendAPIModels", **base).code == "NotFoundException"
    e.call("CreateBackendAPI", **base, ResourceConfig=API_CONFIG)
    assert e.call("GetBackendAPI", **base)["ResourceConfig"] == API_CONFIG
    assert e.call("GetBackendAPIModels", **base)["Status"] == "STALE"
    assert e.call("GenerateBackendAPIModels", **base)["Operation"] == "GenerateBackendAPIModels"
    models = e.call("GetBackendAPIModels", **base)
    assert models["Status"] == "LATEST" and json.loads(models["Models"])["api"] == "api1"
    e.call("UpdateBackendAPI", **base, ResourceConfig={"ApiName": "renamed"})
    got = e.call("GetBackendAPI", **base)["ResourceConfig"]
    assert got["ApiName"] == "renamed" and got["Service"] == "AppSync"
    assert e.call("GetBackendAPIModels", **base)["Status"] == "STALE"
    e.call("DeleteBackendAPI", **base)
    assert e.error("GetBackendAPI", **base).code == "NotFoundException"
    assert e.error("UpdateBackendAPI", **base).code == "NotFoundException"
    assert e.error("GetBackendAPIModels", **base).code == "NotFoundException"


def test_storage_lifecycle(e: Env) -> None:
    e.backend_env()
    base = {"AppId": "app1", "BackendEnvironmentName": "dev", "ResourceName": "store1"}
    assert e.error("GetBackendStorage", **base).fields == {"resourceType": "storage"}
    out = e.call("CreateBackendStorage", **base, ResourceConfig=STORAGE_CONFIG)
    assert set(out) == {"AppId", "BackendEnvironmentName", "JobId", "Status"}
    job = e.call("GetBackendJob", AppId="app1", BackendEnvironmentName="dev", JobId=out["JobId"])
    assert job["Operation"] == "CreateBackendStorage"
    got = e.call("GetBackendStorage", **base)["ResourceConfig"]
    assert got == {**STORAGE_CONFIG, "Imported": False}
    e.call("UpdateBackendStorage", **base, ResourceConfig={
        "ServiceName": "S3", "Permissions": {"Authenticated": ["READ", "DELETE"]}})
    perms = e.call("GetBackendStorage", **base)["ResourceConfig"]["Permissions"]
    assert perms["Authenticated"] == ["READ", "DELETE"]
    assert set(e.call("DeleteBackendStorage", **base, ServiceName="S3")) == {
        "AppId", "BackendEnvironmentName", "JobId", "Status"}
    assert e.error("GetBackendStorage", **base).code == "NotFoundException"
    assert e.error("DeleteBackendStorage", **base, ServiceName="S3").code == "NotFoundException"


def test_import_storage_and_list_s3_buckets(e: Env) -> None:
    e.backend_env()
    e.call("ImportBackendStorage", AppId="app1", BackendEnvironmentName="dev", ServiceName="S3",
           BucketName="bkt")
    got = e.call("GetBackendStorage", AppId="app1", BackendEnvironmentName="dev", ResourceName="bkt")
    assert got["ResourceConfig"] == {"ServiceName": "S3", "Imported": True, "BucketName": "bkt"}
    assert [b["Name"] for b in e.call("ListS3Buckets")["Buckets"]] == ["bkt"]
    assert e.call("ListS3Buckets", OTHER)["Buckets"] == []
    fixed = Env(buckets=frozenset({"z", "a"}))
    assert [b["Name"] for b in fixed.call("ListS3Buckets")["Buckets"]] == ["a", "z"]


def test_backend_config(e: Env) -> None:
    out = e.call("CreateBackendConfig", AppId="fresh", BackendManagerAppId="mgr")
    assert set(out) == {"AppId", "BackendEnvironmentName", "JobId", "Status"}
    assert out["Status"] == "IN_PROGRESS"
    assert e.call("GetBackend", AppId="fresh")["BackendEnvironmentList"] == []
    login = {"AwsCognitoRegion": "us-east-1", "AwsUserPoolsId": "p"}
    upd = e.call("UpdateBackendConfig", AppId="fresh", LoginAuthConfig=login)
    assert upd == {"AppId": "fresh", "BackendManagerAppId": "mgr", "LoginAuthConfig": login}
    assert e.call("RemoveBackendConfig", AppId="fresh") == {}
    assert "LoginAuthConfig" not in e.call("UpdateBackendConfig", AppId="fresh")
    assert e.error("UpdateBackendConfig", AppId="none").code == "NotFoundException"
    assert e.error("RemoveBackendConfig", AppId="none").code == "NotFoundException"


def test_tokens(e: Env) -> None:
    e.backend_env()
    tok = e.call("CreateToken", AppId="app1")
    assert tok["AppId"] == "app1" and len(tok["ChallengeCode"]) == 6 and tok["Ttl"] == "600"
    assert e.call("GetToken", AppId="app1", SessionId=tok["SessionId"]) == tok
    assert e.error("GetToken", OTHER, AppId="app1", SessionId=tok["SessionId"]).code == "NotFoundException"
    assert e.call("DeleteToken", AppId="app1", SessionId=tok["SessionId"]) == {"IsSuccess": True}
    err = e.error("GetToken", AppId="app1", SessionId=tok["SessionId"])
    assert err.code == "NotFoundException" and err.fields == {"resourceType": "token"}
    assert e.error("DeleteToken", AppId="app1", SessionId=tok["SessionId"]).code == "NotFoundException"
    expiring = e.call("CreateToken", AppId="app1")
    e.clock.advance(600)
    assert e.error("GetToken", AppId="app1", SessionId=expiring["SessionId"]).code == "NotFoundException"


def test_resource_ops_need_the_env(e: Env) -> None:
    e.backend_env()
    for op, extra in [("CreateBackendAuth", {"ResourceConfig": AUTH_CONFIG}),
                      ("CreateBackendAPI", {"ResourceConfig": API_CONFIG}),
                      ("CreateBackendStorage", {"ResourceConfig": STORAGE_CONFIG})]:
        err = e.error(op, AppId="app1", BackendEnvironmentName="nope", ResourceName="r", **extra)
        assert err.code == "NotFoundException" and err.status == 404
        assert err.fields["resourceType"] == "backend environment" and "'nope'" in err.message


def test_validation_error_is_bad_request(e: Env) -> None:
    err = e.backend.validation_error("amplifybackend", "ListBackendJobs",
                                     Problem("MaxResults", "max", "expected at most 25, got 26"))
    assert err.code == "BadRequestException" and err.status == 400
    assert err.message == "ListBackendJobs.MaxResults: expected at most 25, got 26"


def test_reset_forgets_everything(e: Env) -> None:
    job_id = e.backend_env()["JobId"]
    e.backend.reset()
    assert e.error("GetBackend", AppId="app1").code == "NotFoundException"
    assert e.error("GetBackendJob", AppId="app1", BackendEnvironmentName="dev", JobId=job_id).code \
        == "NotFoundException"


def test_handlers_are_thread_safe(e: Env) -> None:
    import threading
    e.backend_env()

    def work() -> None:
        for _ in range(50):
            e.call("ImportBackendStorage", AppId="app1", BackendEnvironmentName="dev", ServiceName="S3")
    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ids, token = [], None
    while True:
        page = e.call("ListBackendJobs", AppId="app1", BackendEnvironmentName="dev",
                      **({"NextToken": token} if token else {}))
        ids += [j["JobId"] for j in page["Jobs"]]
        token = page.get("NextToken")
        if not token:
            break
    assert len(ids) == len(set(ids)) == 201


def test_every_output_matches_its_model_shape(e: Env) -> None:
    from botocore.validate import ParamValidator
    model = botocore.session.get_session().get_service_model("amplifybackend")
    base = {"AppId": "app1", "BackendEnvironmentName": "dev"}
    job_id = e.backend_env()["JobId"]
    script = [
        ("CreateBackendConfig", {"AppId": "app1", "BackendManagerAppId": "m"}),
        ("UpdateBackendConfig", {"AppId": "app1", "LoginAuthConfig": {"AwsCognitoRegion": "us-east-1"}}),
        ("CreateBackendAuth", {**base, "ResourceName": "a", "ResourceConfig": AUTH_CONFIG}),
        ("UpdateBackendAuth", {**base, "ResourceName": "a", "ResourceConfig": {
            "AuthResources": "USER_POOL_ONLY", "Service": "COGNITO", "UserPoolConfigs": {}}}),
        ("GetBackendAuth", {**base, "ResourceName": "a"}),
        ("ImportBackendAuth", {**base, "NativeClientId": "n", "UserPoolId": "p", "WebClientId": "w"}),
        ("DeleteBackendAuth", {**base, "ResourceName": "a"}),
        ("CreateBackendAPI", {**base, "ResourceName": "api", "ResourceConfig": API_CONFIG}),
        ("UpdateBackendAPI", {**base, "ResourceName": "api"}),
        ("GetBackendAPI", {**base, "ResourceName": "api"}),
        ("GenerateBackendAPIModels", {**base, "ResourceName": "api"}),
        ("GetBackendAPIModels", {**base, "ResourceName": "api"}),
        ("DeleteBackendAPI", {**base, "ResourceName": "api"}),
        ("CreateBackendStorage", {**base, "ResourceName": "s", "ResourceConfig": STORAGE_CONFIG}),
        ("UpdateBackendStorage", {**base, "ResourceName": "s", "ResourceConfig": {
            "ServiceName": "S3", "Permissions": {"Authenticated": ["READ"]}}}),
        ("GetBackendStorage", {**base, "ResourceName": "s"}),
        ("DeleteBackendStorage", {**base, "ResourceName": "s", "ServiceName": "S3"}),
        ("ImportBackendStorage", {**base, "ServiceName": "S3", "BucketName": "b"}),
        ("ListS3Buckets", {}),
        ("GetBackend", {"AppId": "app1"}),
        ("ListBackendJobs", {**base, "MaxResults": 1}),
        ("GetBackendJob", {**base, "JobId": job_id}),
        ("UpdateBackendJob", {**base, "JobId": job_id, "Status": "FAILED"}),
        ("CloneBackend", {**base, "TargetEnvironmentName": "copy"}),
        ("DeleteBackend", {"AppId": "app1", "BackendEnvironmentName": "copy"}),
        ("RemoveBackendConfig", {"AppId": "app1"}),
        ("RemoveAllBackends", {"AppId": "app1", "CleanAmplifyApp": True}),
    ]
    e.backend_env("app2")
    token = e.call("CreateToken", AppId="app2")
    script += [("GetToken", {"AppId": "app2", "SessionId": token["SessionId"]}),
               ("DeleteToken", {"AppId": "app2", "SessionId": token["SessionId"]})]
    covered = {"CreateBackend", "CreateToken"}
    for op, params in script:
        out = e.call(op, **params)
        report = ParamValidator().validate(out, model.operation_model(op).output_shape)
        assert not report.has_errors(), f"{op}: {report.generate_report()}"
        covered.add(op)
    assert covered == set(model.operation_names)
