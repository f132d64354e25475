"""The planted partial-match faults: what each accepts that AWS refuses, and what both refuse."""

from __future__ import annotations

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from emulator.app import Emulator
from emulator.inprocess import embedded_client
from emulator.planted import PlantedEmulator

RAW = Config(parameter_validation=False, retries={"total_max_attempts": 1})


def _client(plant: str | None):
    emulator = Emulator() if plant is None else PlantedEmulator(Emulator(), plant)
    iot = embedded_client("iot", emulator, config=RAW)
    iot.create_thing(thingName="thing-1")
    return iot


def _describe(iot, name: str) -> str:
    try:
        return iot.describe_thing(thingName=name)["thingName"]
    except ClientError as err:
        return err.response["Error"]["Code"]


@pytest.mark.parametrize(("name", "correct", "prefix", "search"), [
    ("thing-1", "thing-1", "thing-1", "thing-1"),
    ("thing-1!", "InvalidRequestException", "thing-1", "thing-1"),  # a bad character after a valid value
    ("!thing-1", "InvalidRequestException", "InvalidRequestException", "thing-1"),  # before it
    ("thing-1\u200d", "InvalidRequestException", "thing-1", "thing-1"),
    ("!!!", "InvalidRequestException", "InvalidRequestException", "InvalidRequestException"),  # no part matches
])
def test_each_fault_reads_the_part_its_match_finds(name: str, correct: str, prefix: str, search: str) -> None:
    assert _describe(_client(None), name) == correct
    assert _describe(_client("pattern-prefix-match"), name) == prefix
    assert _describe(_client("pattern-search-match"), name) == search


@pytest.mark.parametrize("plant", [None, "pattern-prefix-match", "pattern-search-match"])
def test_map_keys_are_read_the_same_way(plant: str | None) -> None:
    emulator = Emulator() if plant is None else PlantedEmulator(Emulator(), plant)
    iot = embedded_client("iot", emulator, config=RAW)
    data = embedded_client("iot-jobs-data", emulator, config=RAW)
    arn = iot.create_thing(thingName="thing-1")["thingArn"]
    iot.create_job(jobId="job-1", targets=[arn], document="{}")
    details = {"step!": "one"}
    if plant is None:
        with pytest.raises(ClientError) as info:
            data.start_next_pending_job_execution(thingName="thing-1", statusDetails=details)
        assert info.value.response["Error"]["Code"] == "InvalidRequestException"
        assert "Map keys must satisfy constraint" in info.value.response["Error"]["Message"]
    else:
        execution = data.start_next_pending_job_execution(thingName="thing-1", statusDetails=details)["execution"]
        assert execution["statusDetails"] == {"step": "one"}
