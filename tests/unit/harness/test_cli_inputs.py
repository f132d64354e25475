"""Every subcommand refuses bad input before any work: exit 2, one line on stderr naming the option
(or the file) and what was expected, never a traceback.

The table runs ``harness.cli.main`` in-process; the engine is made to fail the test if a run starts
(the input alone shows each of these is wrong, so nothing may be called).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import harness.engine
from harness.cli import main

CASES = Path(__file__).resolve().parents[2] / "cases"
LIFECYCLE_CASE = CASES / "importexport-CancelJob-lifecycle-binds-its-own-JobId.json"
RUN = ["run", "--operation", "UpdateJobExecution", "--max-examples", "1"]


def _files(tmp: Path) -> dict[str, str]:
    """Placeholders in the table: a folder, a file, and case files broken in each way."""
    (tmp / "afile").write_text("x")
    good = json.loads(LIFECYCLE_CASE.read_text())
    broken = {
        "notjson": "{not json",
        "version": json.dumps({**good, "format": "jobfuzz-case/99"}),
        "nokeys": json.dumps({k: v for k, v in good.items() if k != "calls"}),
        "service": json.dumps({**good, "service": "no-such-service"}),
    }
    for name, text in broken.items():
        (tmp / f"{name}.json").write_text(text)
    (tmp / "ledgers" / "jf123456.jsonl").mkdir(parents=True)  # the run's ledger, a folder
    return {"DIR": str(tmp), "FILE": str(tmp / "afile"), "LEDGERS": str(tmp / "ledgers"),
            **{name.upper(): str(tmp / f"{name}.json") for name in broken}}


# (argv, what the one line must contain)
TABLE: list[tuple[list[str], str]] = [
    # output paths
    ([*RUN, "--report-json", "/proc/x.json"], "--report-json"),
    ([*RUN, "--report-json", "DIR"], "--report-json"),
    ([*RUN, "--report-json", "FILE/r.json"], "--report-json"),
    ([*RUN, "--junit-xml", "DIR"], "--junit-xml"),
    ([*RUN, "--html", "DIR"], "--html"),
    ([*RUN, "--html", "/dev/null"], "--html"),
    ([*RUN, "--failures-dir", "FILE"], "--failures-dir"),
    ([*RUN, "--failures-dir", "FILE/sub"], "--failures-dir"),
    ([*RUN, "--example-db", "FILE"], "--example-db"),
    ([*RUN, "--example-db", "redis://127.0.0.1:99999"], "--example-db"),
    ([*RUN, "--ledger-dir", "FILE"], "--ledger-dir"),
    # region, endpoint
    ([*RUN, "--region", "not a region"], "--region"),
    ([*RUN, "--region", "US-EAST-1"], "--region"),
    ([*RUN, "--region", "us-east"], "--region"),
    ([*RUN, "--endpoint-url", "http://127.0.0.1:99999"], "--endpoint-url"),
    ([*RUN, "--endpoint-url", "http://127.0.0.1:port"], "--endpoint-url"),
    ([*RUN, "--endpoint-url", "iot=http://127.0.0.1:70000"], "--endpoint-url"),
    ([*RUN, "--endpoint-url", "=http://127.0.0.1:4566"], "--endpoint-url"),
    ([*RUN, "--endpoint-url", "ftp://127.0.0.1"], "--endpoint-url"),
    ([*RUN, "--endpoint-url", "http://"], "--endpoint-url"),
    # numbers
    ([*RUN, "--max-examples", "0"], "--max-examples"),
    ([*RUN, "--max-examples", "many"], "--max-examples"),
    ([*RUN, "--max-examples", "100000000000000000000"], "--max-examples"),
    ([*RUN, "--budget-seconds", "0"], "--budget-seconds"),
    ([*RUN, "--budget-seconds", "nan"], "--budget-seconds"),
    ([*RUN, "--budget-seconds", "inf"], "--budget-seconds"),
    ([*RUN, "--workers", "0"], "--workers"),
    ([*RUN, "--workers", "1000"], "--workers"),
    ([*RUN, "--max-rate", "0"], "--max-rate"),
    ([*RUN, "--max-rate", "1e-300"], "--max-rate"),
    ([*RUN, "--max-calls", "0"], "--max-calls"),
    ([*RUN, "--seed", "-1"], "--seed"),
    ([*RUN, "--seed", "10000000000000"], "--seed"),
    ([*RUN, "--seed", "x"], "--seed"),
    ([*RUN, "--shard", "2/2"], "--shard"),
    ([*RUN, "--shard", "1/0"], "--shard"),
    ([*RUN, "--shard", "0/1/2"], "--shard"),
    ([*RUN, "--shard", "half"], "--shard"),
    # names
    ([*RUN, "--service", "nope"], "--service"),
    ([*RUN, "--checks", "nope"], "--checks"),
    ([*RUN, "--phases", "nope"], "--phases"),
    ([*RUN, "--phases", ","], "--phases"),
    ([*RUN, "--checks", ""], "--checks"),
    (["run", "--operation", "NoSuchOperation"], "NoSuchOperation"),
    ([*RUN, "--plant", "no-such-fault"], "--plant"),
    ([*RUN, "--second-identity", "nocolon"], "--second-identity"),
    ([*RUN, "--target", "aws"], "--i-accept-aws-charges"),
    ([*RUN, "--bogus"], "--bogus"),
    # replay
    (["replay", "DIR/missing.json"], "missing.json"),
    (["replay", "DIR"], "DIR"),
    (["replay", "NOTJSON"], "invalid JSON"),
    (["replay", "VERSION"], "jobfuzz-case/99"),
    (["replay", "NOKEYS"], "calls"),
    (["replay", "SERVICE"], "no-such-service"),
    (["replay", str(LIFECYCLE_CASE), "--region", "mars-1"], "--region"),
    (["replay", str(LIFECYCLE_CASE), "--endpoint-url", "http://127.0.0.1:99999"], "--endpoint-url"),
    # diff
    (["diff", "--endpoint-url", "embedded"], "--endpoint-url"),
    (["diff", "--endpoint-url", "embedded", "--endpoint-url", "http://127.0.0.1:99999"], "--endpoint-url"),
    (["diff", "--endpoint-url", "embedded", "--endpoint-url", "embedded:no-such-fault"], "no-such-fault"),
    (["diff", "--endpoint-url", "embedded", "--endpoint-url", "embedded", "--report-json", "DIR"], "--report-json"),
    (["diff", "--endpoint-url", "embedded", "--endpoint-url", "embedded", "--seed", "-3"], "--seed"),
    (["diff", "--endpoint-url", "embedded", "--endpoint-url", "embedded", "--region", "x"], "--region"),
    (["diff", "--endpoint-url", "embedded", "--endpoint-url", "embedded", "--max-examples", "0"], "--max-examples"),
    # cleanup
    (["cleanup", "--prefix", "ab", "--endpoint-url", "http://127.0.0.1:4566"], "prefix"),
    (["cleanup", "--prefix", "jf123456"], "--endpoint-url"),
    (["cleanup", "--prefix", "jf123456", "--endpoint-url", "http://127.0.0.1:4566", "--ledger-dir", "FILE"],
     "--ledger-dir"),
    (["cleanup", "--prefix", "jf123456", "--endpoint-url", "http://127.0.0.1:4566", "--max-rate", "-1"],
     "--max-rate"),
    (["cleanup", "--prefix", "jf123456", "--endpoint-url", "http://127.0.0.1:99999"], "--endpoint-url"),
    (["cleanup", "--prefix", "jf123456", "--endpoint-url", "http://127.0.0.1:4566", "--ledger-dir", "LEDGERS"],
     "--ledger-dir"),
    # emulator
    (["emulator", "--port", "99999"], "--port"),
    (["emulator", "--port", "-1"], "--port"),
    (["emulator", "--port", "http"], "--port"),
    (["emulator", "--region", "not a region"], "--region"),
    (["emulator", "--fault-rate", "2"], "--fault-rate"),
    (["emulator", "--fault-rate", "nan"], "--fault-rate"),
    (["emulator", "--fault-latency", "inf", "--fault-rate", "0.5"], "--fault-latency"),
    (["emulator", "--bogus"], "--bogus"),
    # specs
    (["specs", "show", "NoSuchOperation"], "NoSuchOperation"),
    (["specs", "show", "iot.NoSuchOperation"], "NoSuchOperation"),
    (["specs", "show", "no-such-service.UpdateJob"], "no-such-service"),
    (["specs", "show", "."], "'.'"),
    (["specs", "show", ""], "''"),
    (["specs", "list", "no-such-service"], "no-such-service"),
    (["specs", "lint", "no-such-service"], "no-such-service"),
    (["specs", "openapi", "no-such-service"], "no-such-service"),
    (["specs", "openapi", "iot-jobs-data", "-o", "DIR"], "DIR"),
    (["specs", "openapi", "iot-jobs-data", "-o", "/proc/x.json"], "/proc/x.json"),
    (["specs", "nothing"], "nothing"),
]


@pytest.fixture
def no_run(monkeypatch):
    def refuse(self):
        raise AssertionError("a run started on bad input")

    monkeypatch.setattr(harness.engine.Engine, "run", refuse)


def _main(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as exc:  # the emulator's parser exits as argparse does
        return int(exc.code or 0)


@pytest.mark.parametrize(("argv", "named"), TABLE, ids=[" ".join(a)[:80] for a, _ in TABLE])
def test_bad_input_is_one_line_and_exit_2(argv, named, tmp_path, capsys, no_run, monkeypatch):
    monkeypatch.chdir(tmp_path)
    files = _files(tmp_path)
    argv = [_fill(a, files) for a in argv]
    named = _fill(named, files)
    code = _main(argv)
    out, err = capsys.readouterr()
    assert code == 2, (out, err)
    assert "Traceback" not in err + out
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert named in lines[0], lines[0]


def _fill(text: str, files: dict[str, str]) -> str:
    head, sep, tail = text.partition("/")
    return files.get(head, head) + sep + tail if head in files else text
