"""What counts as finding a fault in the Schemathesis comparison (bench/bench_schemathesis.py) and
how bench/schemathesis_report.py merges runs taken in parts. No Schemathesis needed: the rules work on
the saved failures."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from bench_schemathesis import Finding, Row, excluded
from schemathesis_report import ReportError, load, own_check

DECLARED = {"GET /things/{thingName}", "PUT /jobs/{jobId}/cancel"}


def _st(check: str, detail: str, message: str = "", request: str = "GET /things/{thingName}",
        at: float = 1.0) -> Finding:
    return Finding("schemathesis", "GET /things/{thingName}", check, "t", at, detail, message, request)


def test_a_negative_case_whose_invalid_part_is_the_authorization_header_does_not_count() -> None:
    missing = _st("negative_data_rejection", "GET -> 200", "Invalid data should have been rejected\n"
                  "Invalid component: Missing `Authorization` at header")
    required = _st("negative_data_rejection", "GET -> 200",
                   "Invalid component: parameter `Authorization` in header - violates `required`")
    other = _st("negative_data_rejection", "GET -> 200",
                "Invalid component: parameter `namespaceId` in query - namespaceId: Value not matching")

    assert "Authorization" in (excluded(missing, DECLARED) or "")
    assert "Authorization" in (excluded(required, DECLARED) or "")
    assert excluded(other, DECLARED) is None
    assert excluded(_st("ignored_auth", "GET -> 200"), DECLARED) == "authentication check"
    assert excluded(_st("not_a_server_error", "TRACE -> 501", request="GET /things/{thingName}"),
                    DECLARED) == "undeclared method TRACE /things/{thingName}"


def test_own_check_takes_schemathesis_names_and_the_budget() -> None:
    row = Row("f", "use_after_delete", "iot", "DeleteThing", st_found=True)
    hits = [asdict(_st("negative_data_rejection", "DELETE -> 200", at=2.0)),
            asdict(_st("use_after_free", "GET -> 200", at=43.8))]

    assert own_check(row, hits, 60.0) == 43.8
    assert own_check(row, hits, 40.0) is None  # after the budget: not found
    assert own_check(row, hits[:1], 60.0) is None


def _write(path: Path, rows: list[Row], budget: float = 60.0) -> Path:
    path.write_text(json.dumps({"scope": "service", "budget_s": budget, "baseline_budget_s": 2 * budget,
                                "versions": "v", "rows": [asdict(r) for r in rows],
                                "baseline": {"schemathesis": {}, "jobfuzz": {"iot": []}}}))
    return path


def test_load_merges_parts_and_recounts_under_the_current_rules(tmp_path: Path) -> None:
    auth_only = asdict(_st("negative_data_rejection", "PUT -> 200",
                           "Invalid component: Missing `Authorization` at header", "PUT /jobs/{jobId}/cancel"))
    a = Row("iot-cancel-job-not-applied", "read_after_write_consistency", "iot", "CancelJob", st_found=True,
            st_at=1.0, st_hits=[auth_only], jf_found=True, jf_at=4.3)
    b = Row("ie-get-status-stale", "read_after_write_consistency", "importexport", "GetStatus", st_found=None,
            jf_found=True, jf_at=2.7)

    _, rows, base = load([_write(tmp_path / "a.json", [b]), _write(tmp_path / "b.json", [a])])

    assert [r.fault for r in rows] == ["iot-cancel-job-not-applied", "ie-get-status-stale"]  # rest-json first
    assert rows[0].st_found is False and rows[0].st_at is None
    assert rows[0].st_excluded[0]["why"].startswith("the only invalid part")
    assert base["jobfuzz"] == {"iot": []}


def test_load_refuses_parts_that_are_not_one_comparison(tmp_path: Path) -> None:
    row = Row("ie-get-status-stale", "read_after_write_consistency", "importexport", "GetStatus", st_found=None)
    first = _write(tmp_path / "a.json", [row])

    with pytest.raises(ReportError, match="fault ie-get-status-stale is in an earlier file"):
        load([first, _write(tmp_path / "b.json", [row])])
    with pytest.raises(ReportError, match="budget_s is 30.0, the first file has 60.0"):
        load([first, _write(tmp_path / "c.json", [], budget=30.0)])
