"""The operations × checks matrix every report shows, computed once from a RunResult."""

from __future__ import annotations

from dataclasses import dataclass

from harness.model import CHECK_NAMES
from harness.results import FailureRecord, RunResult

__all__ = ["ABBREVIATIONS", "CELL_STATES", "Matrix", "abbreviation", "build_matrix", "split_qualified"]

#: what a cell says: passed, failed, failed once and passed on a rerun, never ran, only warnings
#: (findings resting on observations, which fail the run only under --strict)
CELL_STATES = ("pass", "fail", "flaky", "not_run", "warn")

#: short column headers: the initials of the check name
ABBREVIATIONS = {name: "".join(part[0] for part in name.split("_")).upper() for name in CHECK_NAMES}


def abbreviation(check: str) -> str:
    return ABBREVIATIONS.get(check) or "".join(p[:1] for p in check.split("_")).upper() or check


def split_qualified(qualified: str) -> tuple[str, str]:
    service, _, operation = qualified.rpartition(".")
    return service, operation


@dataclass(frozen=True, slots=True)
class Matrix:
    checks: tuple[str, ...]  # columns, in the fixed check order
    operations: tuple[str, ...]  # rows: service.Operation, sorted
    cells: dict[tuple[str, str], str]  # (operation, check) -> one of CELL_STATES
    counts: dict[tuple[str, str], tuple[int, int]]  # (operation, check) -> (passed, failed)

    def cell(self, operation: str, check: str) -> str:
        return self.cells.get((operation, check), "not_run")

    def ran(self, operation: str) -> list[str]:
        """The checks that ran on ``operation`` (passed, failed or flaky)."""
        return [c for c in self.checks if self.cell(operation, c) != "not_run"]


def _qualified(rec: FailureRecord) -> str:
    return f"{rec.failure.service}.{rec.failure.operation}"


def build_matrix(result: RunResult) -> Matrix:
    failed: dict[tuple[str, str], bool] = {}  # -> True when any non-flaky failure
    warnings = {id(rec) for rec in result.warnings}
    warned: set[tuple[str, str]] = set()
    for rec in result.failures:
        key = (_qualified(rec), rec.failure.check)
        if id(rec) in warnings:
            warned.add(key)
            continue
        failed[key] = failed.get(key, False) or not rec.flaky
    used = set(result.checks_enabled) | {c for (_, c) in failed} | {c for (_, c) in warned}
    for cov in result.coverage.values():
        used |= {c for c, (ok, bad) in cov.checks.items() if ok or bad}
    checks = tuple(c for c in CHECK_NAMES if c in used) + tuple(sorted(used - set(CHECK_NAMES)))
    operations = tuple(sorted(set(result.coverage) | {op for (op, _) in failed} | {op for (op, _) in warned}))
    cells: dict[tuple[str, str], str] = {}
    counts: dict[tuple[str, str], tuple[int, int]] = {}
    for op in operations:
        found = result.coverage.get(op)
        for check in checks:
            ok, bad = (found.checks.get(check, (0, 0)) if found is not None else (0, 0))
            counts[(op, check)] = (ok, bad)
            if failed.get((op, check)) is True:
                state = "fail"
            elif (op, check) in failed:
                state = "flaky"
            elif (op, check) in warned:
                state = "warn"
            elif bad:
                state = "fail"
            elif ok:
                state = "pass"
            else:
                state = "not_run"
            cells[(op, check)] = state
    return Matrix(checks, operations, cells, counts)
