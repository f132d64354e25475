"""The JSON report (``--report-json``): the format the README documents ("`--report-json PATH`"),
plus keys it allows adding.

Fixed keys: ``summary`` (calls, duration_s, failures, seed, endpoint), ``failures`` (one entry a
distinct, non-flaky failure) and ``coverage`` (by ``service.Operation``). Added: ``flaky``,
``unsupported``, ``transient`` (by kind; ``summary.transient`` is the total), ``crashed_checks``,
``checks_enabled``, per operation ``checks``, ``untested`` (each operation asked for that no check
judged: ``{"service", "operation", "reason"}``; ``summary.untested`` is their count), ``not_judged``
(documented behaviours the run could not judge, a bound past ``--max-wait``: ``{"what", "reason"}``;
``summary.not_judged`` is their count), ``gave_up``
(why the run gave the endpoint up, or null), on a real account ``safety`` (run prefix, calls the
guard refused, caps, cleanup), ``warnings`` (findings resting on observations only, entries as in
``failures``; ``summary.warnings`` is their count, ``summary.strict`` whether they fail the run:
under ``--strict`` they are in ``failures`` instead), and on every finding ``basis`` (``model``,
``doc``, ``observation``) and ``reference`` (the page, or where the answers were observed).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from harness.redaction import redact
from harness.reporting.matrix import build_matrix, split_qualified
from harness.results import FailureRecord, RunResult

__all__ = ["FORMAT", "report_document", "write_json"]

FORMAT = "jobfuzz-report/1"


def _failure(rec: FailureRecord) -> dict[str, Any]:
    f = rec.failure
    return {
        "check": f.check,
        "service": f.service,
        "operation": f.operation,
        "title": f.title,
        "message": f.message,
        "status_code": f.status_code,
        "error_code": f.error_code,
        "case_file": rec.case_file,
        "occurrences": rec.occurrences,
        "first_seen_s": rec.first_seen_s,
        "calls": len(rec.sequence),
        "seed": rec.seed,
        "basis": f.basis,
        "reference": f.reference,
    }


def report_document(result: RunResult) -> dict[str, Any]:
    """The report as a JSON-ready dict."""
    matrix = build_matrix(result)
    coverage: dict[str, Any] = {}
    for op in sorted(result.coverage):
        cov = result.coverage[op]
        checks = {}
        for check in matrix.checks:
            passed, failed = matrix.counts.get((op, check), (0, 0))
            state = matrix.cell(op, check)
            if state != "not_run":
                checks[check] = {"result": state, "passed": passed, "failed": failed}
        coverage[op] = {
            "calls": cov.calls,
            "statuses": {k: cov.statuses[k] for k in sorted(cov.statuses)},
            "errors_seen": sorted(cov.errors_seen),
            "errors_declared": list(cov.errors_declared),
            "errors_never_seen": [e for e in cov.errors_declared if e not in cov.errors_seen],
            "checks": checks,
        }
    real = result.real_failures
    return {
        "format": FORMAT,
        "summary": {
            "calls": result.calls,
            "duration_s": round(float(result.duration_s), 3),
            "failures": len(real),
            "seed": result.seed,
            "endpoint": result.endpoint,
            "flaky": len(result.flaky_failures),
            "unsupported": len(result.unsupported),
            "untested": len(result.untested),
            "not_judged": len(result.not_judged),
            "crashed_checks": len(result.crashed_checks),
            "stopped_by_budget": result.stopped_by_budget,
            "interrupted": result.interrupted,
            "transient": sum(v for v in result.transient.values() if v),
            "warnings": len(result.warnings),
            "strict": result.strict,
        },
        "failures": [_failure(r) for r in real],
        "warnings": [_failure(r) for r in result.warnings],
        "coverage": coverage,
        "flaky": [_failure(r) for r in result.flaky_failures],
        "unsupported": dict(sorted(result.unsupported.items())),
        "untested": [{"service": service, "operation": operation, "reason": why}
                     for (service, operation), why in ((split_qualified(q), w)
                                                       for q, w in sorted(result.untested.items()))],
        "not_judged": [{"what": what, "reason": why} for what, why in sorted(result.not_judged.items())],
        "gave_up": result.gave_up,
        "transient": {k: v for k, v in sorted(result.transient.items()) if v},
        "crashed_checks": [{"check": c.check, "operation": c.operation, "error": c.error}
                           for c in result.crashed_checks],
        "checks_enabled": list(result.checks_enabled or matrix.checks),
        **({"safety": result.safety} if result.safety else {}),
    }


def write_json(result: RunResult, path: Path | str) -> Path:
    """Write the report to ``path`` (its folder is made if missing) in one step."""
    return write_document(report_document(result), path)


def write_document(document: Any, path: Path | str) -> Path:
    """Write ``document`` as indented JSON to ``path`` (its folder is made if missing) in one step:
    a reader sees the old file or the whole new one, never a part. Secrets are redacted."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(redact(json.dumps(document, indent=2, ensure_ascii=False)) + "\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
