"""Shared setup of the IoT backend tests: an ``Env`` that calls handlers directly."""

from __future__ import annotations

import pytest

from emulator.core import Clock, Context, EmulatorConfig, ServiceError, account_id
from emulator.services.iot import IotBackend

ACCOUNT, OTHER = "test-primary-key-id", "test-second-key-id"
START = 1_732_300_000.0
REGION = "us-east-1"


class Env:
    ACCOUNT, OTHER, START, REGION = ACCOUNT, OTHER, START, REGION

    def __init__(self, **options) -> None:
        self.backend = IotBackend(EmulatorConfig(region=REGION), **options)
        self.handlers = self.backend.handlers()
        self.clock = Clock(start=START)

    def call(self, service: str, op: str, account: str = ACCOUNT, **params):
        ctx = Context(service=service, operation=op, account=account, region=REGION,
                      clock=self.clock)
        return self.handlers[(service, op)](ctx, params)

    def iot(self, op: str, account: str = ACCOUNT, **params):
        return self.call("iot", op, account, **params)

    def data(self, op: str, account: str = ACCOUNT, **params):
        return self.call("iot-jobs-data", op, account, **params)

    def error(self, service: str, op: str, account: str = ACCOUNT, **params) -> ServiceError:
        with pytest.raises(ServiceError) as info:
            self.call(service, op, account, **params)
        return info.value

    def thing(self, name: str, account: str = ACCOUNT) -> str:
        return self.iot("CreateThing", account, thingName=name)["thingArn"]

    def job(self, job_id: str, *things: str, account: str = ACCOUNT, **extra) -> dict:
        arns = [self.thing(t, account) for t in things]
        return self.iot("CreateJob", account, jobId=job_id, targets=arns,
                        document='{"op":"install"}', **extra)

    @staticmethod
    def arn(name: str, account: str = ACCOUNT, kind: str = "thing", region: str = REGION) -> str:
        return f"arn:aws:iot:{region}:{account_id(account)}:{kind}/{name}"

    def status(self, job_id: str, thing: str) -> str:
        return self.iot("DescribeJobExecution", jobId=job_id, thingName=thing)["execution"]["status"]


@pytest.fixture
def env() -> Env:
    return Env()



@pytest.fixture
def make_env():
    """An Env with IotBackend options, e.g. ``make_env(allow_queued_to_terminal=False)``."""
    return Env
