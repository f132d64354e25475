"""Endpoints nobody here wrote: a run on them ends, within its budget, with a truthful exit status.

Each endpoint (tests/integration/hostile.py) is served on 127.0.0.1. What must hold:

- a run that judged nothing exits 2 with one line, and lists every operation as not tested in every
  report; an endpoint that answers nothing is given up within the first calls;
- whatever comes back (wrong types, HTML, random bytes, truncated JSON, 100 MB) is a finding or
  an untested operation, never a traceback; the setup calls (recipes) as much as the tested ones;
- an answer over the size cap is a failure naming its size; memory, messages and case files stay small.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hostile import HUGE_BYTES, hostile
from processes import ROOT

from harness.cli import main

IOT_JOBS_DATA = 5  # the operations of iot-jobs-data, each of which needs a thing made by iot.CreateThing


def _run(tmp_path: Path, url: str, *extra: str) -> tuple[int, dict]:
    """``jobfuzz run`` in this process on ``url``: its exit status and JSON report."""
    report = tmp_path / "report.json"
    argv = ["run", "--endpoint-url", url, "--service", "iot-jobs-data", "--max-examples", "2", "--seed", "1",
            "--budget-seconds", "20", "--quiet", "--failures-dir", str(tmp_path / "failures"),
            "--example-db", str(tmp_path / "examples"), "--report-json", str(report),
            "--junit-xml", str(tmp_path / "junit.xml"), "--html", str(tmp_path / "report.html"), *extra]
    status = main(argv)
    return status, json.loads(report.read_text())


def _untested(doc: dict) -> dict[str, str]:
    return {f"{u['service']}.{u['operation']}": u["reason"] for u in doc["untested"]}


def _assert_listed_everywhere(tmp_path: Path, doc: dict, count: int) -> None:
    """The untested operations are in the JSON report (with the count), JUnit (skipped) and HTML."""
    assert doc["summary"]["untested"] == count and len(doc["untested"]) == count
    skipped = [c for c in ET.parse(tmp_path / "junit.xml").iter("testcase") if c.find("skipped") is not None]
    assert {c.get("classname") for c in skipped} >= set(_untested(doc))
    html = (tmp_path / "report.html").read_text()
    assert f"Not tested ({count})" in html


@pytest.mark.parametrize("mode", ["close", "garbage"])
def test_an_endpoint_that_answers_no_http_is_given_up_with_exit_2(mode, tmp_path, capsys):
    with hostile(mode) as url:
        status, doc = _run(tmp_path, url)
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2
    assert len(err) == 1 and "answered nothing judgeable" in err[0] and url in err[0]
    assert doc["summary"]["calls"] < 10  # given up within the first calls, not after retries
    assert doc["gave_up"] and doc["failures"] == []
    _assert_listed_everywhere(tmp_path, doc, IOT_JOBS_DATA)
    # nothing came back: no check counted as passed on the calls that got no answer
    assert all(not cell["passed"] for cov in doc["coverage"].values() for cell in cov["checks"].values())


def test_a_silent_endpoint_is_given_up_within_the_budget(tmp_path):
    """Accepts, reads, never answers: the run ends on its own with exit 2 (the subprocess's timeout
    is only the test's guard: the run's calls are bounded by its 3 s budget)."""
    with hostile("silent") as url:
        proc = subprocess.run([sys.executable, "-m", "harness.cli", "run", "--endpoint-url", url, "--service",
                               "iot-jobs-data", "--budget-seconds", "3", "--quiet", "--failures-dir",
                               str(tmp_path / "f"), "--example-db", str(tmp_path / "db"),
                               "--report-json", str(tmp_path / "r.json")],
                              check=False, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and "answered nothing judgeable" in proc.stderr
    assert "ReadTimeoutError" in proc.stderr
    doc = json.loads((tmp_path / "r.json").read_text())
    assert doc["summary"]["calls"] <= 3 and doc["transient"] == {}  # a timeout is not retried
    assert len(doc["untested"]) == IOT_JOBS_DATA


def test_an_http_server_as_target_tests_nothing_and_says_so(tmp_path, capsys):
    """``python3 -m http.server``: 501 for CreateThing (unsupported), so no thing, so every
    iot-jobs-data operation is untested: exit 2, each listed with why."""
    with hostile("http_server") as url:
        status, doc = _run(tmp_path, url)
    out = capsys.readouterr()
    assert status == 2
    assert "answered nothing judgeable" in out.err
    assert f"Not tested (no answer the checks could judge): {IOT_JOBS_DATA}" in out.out
    assert f"{IOT_JOBS_DATA} operations not tested" in out.out.strip().splitlines()[-1]
    assert "iot.CreateThing" in doc["unsupported"]
    reasons = _untested(doc)
    assert all("could not make thing" in why and "501" in why for why in reasons.values()), reasons
    _assert_listed_everywhere(tmp_path, doc, IOT_JOBS_DATA)


@pytest.mark.parametrize("mode", ["wrong_types", "html", "truncated", "binary"])
def test_whatever_a_setup_call_gets_back_is_a_finding_not_a_crash(mode, tmp_path):
    """CreateThing (a recipe's call) answered 200 with a body that is not its output: a
    response_schema_conformance failure on it, and what needs the thing is untested, with why."""
    with hostile(mode) as url:
        status, doc = _run(tmp_path, url)
    assert status == 1
    found = {(f["check"], f["service"], f["operation"]) for f in doc["failures"]}
    assert ("response_schema_conformance", "iot", "CreateThing") in found
    reasons = _untested(doc)
    assert len(reasons) == IOT_JOBS_DATA and all("could not make thing" in r for r in reasons.values()), reasons


@pytest.mark.parametrize("mode", ["huge", "chunked"])
def test_an_answer_over_the_cap_is_a_failure_naming_its_size_and_nothing_grows(mode, tmp_path):
    """100 MB answers (announced, or chunked without a length): each is cut at the cap, reported
    under response_schema_conformance with its size; the run's peak memory stays under 600 MB and
    its messages and case files keep a few KB."""
    probe = ("import resource, subprocess, sys; rc = subprocess.run(sys.argv[1:]).returncode; "
             "print(rc, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    report = tmp_path / "report.json"
    with hostile(mode) as url:
        proc = subprocess.run([sys.executable, "-c", probe, sys.executable, "-m", "harness.cli", "run",
                               "--endpoint-url", url, "--service", "iot-jobs-data", "--max-examples", "2",
                               "--budget-seconds", "10", "--quiet", "--failures-dir", str(tmp_path / "failures"),
                               "--example-db", str(tmp_path / "db"), "--report-json", str(report)],
                              check=False, cwd=ROOT, capture_output=True, text=True, timeout=120)
    rc, max_rss_kb = (int(x) for x in proc.stdout.split()[-2:])
    assert rc == 1, proc.stderr
    assert max_rss_kb < 600 * 1024, f"peak RSS {max_rss_kb // 1024} MB"
    doc = json.loads(report.read_text())
    too_large = [f for f in doc["failures"] if f["title"] == "answer larger than the size cap"]
    assert too_large and all(f["check"] == "response_schema_conformance" for f in too_large)
    size = f"{HUGE_BYTES} bytes" if mode == "huge" else "more than 10485760 bytes"
    assert size in too_large[0]["message"]
    assert all(len(f["message"]) <= 5000 for f in doc["failures"])
    case_files = list((tmp_path / "failures").glob("*.json"))
    assert case_files and max(p.stat().st_size for p in case_files) < 20_000


def test_a_message_quoting_a_body_keeps_a_few_kb_and_says_what_was_cut():
    from harness.model import Failure

    f = Failure("response_schema_conformance", "iot", "CreateThing", "t", "body: " + "x" * 100_000)
    assert len(f.message) < 5000
    assert re.search(r"\[\d+ more characters cut\]$", f.message)


def test_the_size_cap_is_an_option(tmp_path):
    """--max-response-bytes: a 2 KB answer over a 1 KB cap is cut (binary mode sends 2048 bytes)."""
    with hostile("binary") as url:
        status, doc = _run(tmp_path, url, "--max-response-bytes", "1024")
    assert status == 1
    assert any("1024-byte cap" in f["message"] for f in doc["failures"])
