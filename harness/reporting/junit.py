"""JUnit XML (``--junit-xml``): a testsuite a service, a testcase an (operation, check) pair that ran.

A failed pair carries ``<failure>`` with the message and how to reproduce it; a flaky one passes
with the details in ``<system-out>``, and so does one with warnings only (findings resting on
observations: under ``--strict`` they are failures); a crashed check is an ``<error>``; an operation the endpoint
does not implement is one ``<skipped>`` testcase, and so is every other operation asked for that no
check judged (``untested``: no answer, what it needs could not be made), with the reason.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

from harness.redaction import redact
from harness.reporting.matrix import build_matrix, split_qualified
from harness.repro import reproduce
from harness.results import FailureRecord, RunResult

__all__ = ["junit_tree", "write_junit"]

_UNSUPPORTED_CASE = "unsupported"
_UNTESTED_CASE = "untested"


def _clean(text: str) -> str:
    """XML 1.0 allows neither most control characters nor lone surrogates."""
    return "".join(ch if ch in "\t\n\r" or (ch >= " " and not 0xD800 <= ord(ch) <= 0xDFFF and ch not in "\ufffe\uffff")
                   else f"\\x{ord(ch):02x}" for ch in text)


def _details(rec: FailureRecord, endpoint: str) -> str:
    f = rec.failure
    repro = reproduce(rec, endpoint)
    lines = [f"[{f.check}] {f.service}.{f.operation}: {f.title}", "", f.message, ""]
    if f.status_code is not None or f.error_code:
        lines.append(f"answer: HTTP {f.status_code} {f.error_code or ''}".rstrip())
    lines.append(f"seed: {rec.seed}")
    if rec.first_seen:
        lines.append(rec.first_seen)
    if rec.case_file:
        lines.append(f"case file: {rec.case_file}")
    if repro.replay:
        lines += ["", "replay:", "  " + repro.replay]
    lines += ["", "aws CLI:"] + ["  " + c for c in repro.cli]
    lines += ["", "boto3:"] + ["\n".join("  " + ln for ln in s.splitlines()) for s in repro.boto3]
    lines += [f"note: {n}" for n in repro.notes]
    return _clean("\n".join(lines))


def junit_tree(result: RunResult) -> ET.ElementTree:
    """The run as JUnit XML: a test suite a service, a test case an (operation, check) pair."""
    return _root(result, _cases(result))


def _cases(result: RunResult) -> dict[str, list[ET.Element]]:
    """The test cases of each service: the matrix's cells, the unsupported and untested operations."""
    matrix = build_matrix(result)
    by_pair: dict[tuple[str, str], list[FailureRecord]] = defaultdict(list)
    for rec in result.failures:
        by_pair[(f"{rec.failure.service}.{rec.failure.operation}", rec.failure.check)].append(rec)
    crashes = {(c.operation, c.check): c for c in result.crashed_checks}
    failing, warned = {id(r) for r in result.real_failures}, {id(r) for r in result.warnings}

    suites: dict[str, list[ET.Element]] = defaultdict(list)
    for op in matrix.operations:
        service, _ = split_qualified(op)
        pairs = [c for c in matrix.checks if matrix.cell(op, c) != "not_run" or (op, c) in crashes]
        for check in pairs:
            case = ET.Element("testcase", classname=op, name=check, time="0")
            records = by_pair.get((op, check), [])
            real = [r for r in records if id(r) in failing]
            for rec in real:
                el = ET.SubElement(case, "failure", message=_clean(rec.failure.title), type=check)
                el.text = _details(rec, result.endpoint)
            if not real and matrix.cell(op, check) == "fail":
                ET.SubElement(case, "failure", message=f"{check} failed on {op}", type=check)
            crash = crashes.get((op, check))
            if crash is not None:
                el = ET.SubElement(case, "error", message=_clean(crash.error), type="CheckCrashed")
                el.text = _clean(f"the check {check} crashed on {op}: {crash.error}")
            told = [("flaky (passed on a rerun):\n", r) for r in records if r.flaky]
            told += [(f"warning (rests on an observation: {r.failure.reference}; --strict fails on it):\n", r)
                     for r in records if id(r) in warned]
            if told:
                out = ET.SubElement(case, "system-out")
                out.text = "\n\n".join(head + _details(r, result.endpoint) for head, r in told)
            suites[service].append(case)
    for op, why in sorted(result.unsupported.items()):
        service, _ = split_qualified(op)
        case = ET.Element("testcase", classname=op, name=_UNSUPPORTED_CASE, time="0")
        ET.SubElement(case, "skipped", message=_clean(f"the endpoint does not implement {op}: {why}"))
        suites[service].append(case)
    for op, why in sorted(result.untested.items()):
        if op in result.unsupported:
            continue  # its skipped case is above
        service, _ = split_qualified(op)
        case = ET.Element("testcase", classname=op, name=_UNTESTED_CASE, time="0")
        ET.SubElement(case, "skipped", message=_clean(f"{op} was not tested: {why}"))
        suites[service].append(case)
    for what, why in sorted(result.not_judged.items()):
        qualified, _, name = what.partition(": ")
        case = ET.Element("testcase", classname=qualified, name=name, time="0")
        ET.SubElement(case, "skipped", message=_clean(f"not judged: {why}"))
        suites[split_qualified(qualified)[0]].append(case)
    return suites


def _root(result: RunResult, suites: dict[str, list[ET.Element]]) -> ET.ElementTree:
    """The test suites (one a service, with the run's seed and endpoint) and their counts."""
    root = ET.Element("testsuites", name="jobfuzz", time=f"{float(result.duration_s):.3f}")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for service in sorted(suites):
        cases = suites[service]
        counts = {
            "tests": len(cases),
            "failures": sum(1 for c in cases if c.find("failure") is not None),
            "errors": sum(1 for c in cases if c.find("error") is not None and c.find("failure") is None),
            "skipped": sum(1 for c in cases if c.find("skipped") is not None),
        }
        suite = ET.SubElement(root, "testsuite", {"name": service, "time": "0",
                                                  **{k: str(v) for k, v in counts.items()}})
        props = ET.SubElement(suite, "properties")
        ET.SubElement(props, "property", name="seed", value=str(result.seed))
        ET.SubElement(props, "property", name="endpoint", value=_clean(result.endpoint))
        suite.extend(cases)
        for k, v in counts.items():
            totals[k] += v
    for k, v in totals.items():
        root.set(k, str(v))
    ET.indent(root)
    return ET.ElementTree(root)


def write_junit(result: RunResult, path: Path | str) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = io.StringIO()
    junit_tree(result).write(text, encoding="unicode")
    path.write_text("<?xml version='1.0' encoding='utf-8'?>\n" + redact(text.getvalue()), encoding="utf-8")
    return path
