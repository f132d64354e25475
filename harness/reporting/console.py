"""What a person watching the run sees: progress while it runs, then the matrix and every failure."""

from __future__ import annotations

import textwrap
import time
from collections.abc import Callable
from typing import TextIO

from harness.reporting.matrix import Matrix, abbreviation, build_matrix
from harness.repro import reproduce, wrap_command
from harness.results import FailureRecord, RunResult

__all__ = ["ConsoleReporter"]

WIDTH = 100
PLAIN_PROGRESS_EVERY_S = 5.0
SYMBOLS = {"pass": ".", "fail": "F", "flaky": "f", "not_run": "-", "warn": "W"}


class ConsoleReporter:
    """Receives the engine's events; ``on_finish`` prints the full report."""

    def __init__(self, stream: TextIO, *, verbose: bool = False,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream
        self.verbose = verbose
        self._clock = clock
        isatty = getattr(stream, "isatty", None)
        self.tty = bool(isatty and isatty())
        self._last_plain = clock()
        self._status_shown = False  # a progress line is on screen (TTY) and must be cleared first
        self._phase = ""
        self._operation = ""

    # -- low level -------------------------------------------------------------------------
    def _line(self, text: str = "") -> None:
        self._clear_status()
        self.stream.write(text + "\n")
        self.stream.flush()

    def _clear_status(self) -> None:
        if self._status_shown:
            self.stream.write("\r\x1b[K")
            self._status_shown = False

    def _status(self, text: str) -> None:
        self.stream.write("\r\x1b[K" + text[: WIDTH - 1])
        self.stream.flush()
        self._status_shown = True

    # -- events ----------------------------------------------------------------------------
    def on_start(self, plan_description: str, total_ops: int) -> None:
        self._line(f"jobfuzz: testing {total_ops} operation{'s' if total_ops != 1 else ''}")
        for chunk in textwrap.wrap(plan_description, WIDTH - 2):
            self._line("  " + chunk)

    def on_phase(self, phase: str, operation: str) -> None:
        changed = phase.split(" (")[0] != self._phase.split(" (")[0]
        self._phase, self._operation = phase, operation
        if self.verbose:
            self._line(f"[{phase}] {operation}")
        elif changed and not self.tty:
            self._line(f"phase {phase}")

    def on_progress(self, calls: int, failures: int, elapsed_s: float) -> None:
        text = f"{calls} calls, {failures} failure{'s' if failures != 1 else ''}, {elapsed_s:.0f} s"
        if self._phase:
            text += f"  [{self._phase}] {self._operation}"
        if self.tty:
            self._status(text)
            return
        now = self._clock()
        if now - self._last_plain >= PLAIN_PROGRESS_EVERY_S:
            self._last_plain = now
            self._line(text)

    def on_failure(self, record: FailureRecord) -> None:
        f = record.failure
        self._line(_clip(f"{'WARN' if f.warning else 'FAIL'} [{f.check}] {f.service}.{f.operation}: {f.title}"))

    def on_finish(self, result: RunResult) -> None:
        self._clear_status()
        matrix = build_matrix(result)
        self._line()
        self._table(matrix, result.unsupported)
        self._failures("Failures", result.real_failures, result)
        self._failures("Warnings (what AWS was observed to do, which no page promises; --strict fails on them)",
                       result.warnings, result)
        self._failures("Flaky failures (did not happen again on a rerun; not counted)",
                       result.flaky_failures, result)
        self._others(result)
        self._line(summary_line(result))

    # -- the report ------------------------------------------------------------------------
    def _table(self, matrix: Matrix, unsupported: dict[str, str]) -> None:
        if not matrix.operations:
            self._line("no operation was tested")
            return
        heads = [abbreviation(c) for c in matrix.checks]
        widths = [max(len(h), 1) for h in heads]
        columns = sum(w + 1 for w in widths)
        label_w = min(max(len(op) for op in matrix.operations), max(20, WIDTH - columns - 1))
        self._line(f"{'operation':<{label_w}} " + " ".join(h.center(w) for h, w in zip(heads, widths, strict=True)))
        for op in matrix.operations:
            label = op if len(op) <= label_w else op[: label_w - 1] + "…"
            cells = " ".join(SYMBOLS[matrix.cell(op, c)].center(w) for c, w in zip(matrix.checks, widths, strict=True))
            row = f"{label:<{label_w}} {cells}".rstrip()
            if op in unsupported and len(row) + 13 <= WIDTH:
                row += "  unsupported"
            self._line(row)
        self._line()
        legend = [f"{abbreviation(c)} {c}" for c in matrix.checks]
        self._wrapped("checks: ", ", ".join(legend))
        self._line("cells: . passed  F failed  f flaky  W warnings only  - not run")

    def _failures(self, heading: str, records: list[FailureRecord], result: RunResult) -> None:
        if not records:
            return
        self._line()
        self._line(f"{heading}: {len(records)}")
        for n, rec in enumerate(records, 1):
            f = rec.failure
            self._line()
            self._wrapped(f"{n}. ", f"[{f.check}] {f.service}.{f.operation}: {f.title}")
            for para in f.message.splitlines() or [""]:
                self._wrapped("   ", para)
            extra = []
            if f.status_code is not None:
                extra.append(f"HTTP {f.status_code}")
            if f.error_code:
                extra.append(f.error_code)
            extra.append(f"{len(rec.sequence)} call{'s' if len(rec.sequence) != 1 else ''}")
            if rec.occurrences > 1:
                extra.append(f"seen {rec.occurrences} times")
            if rec.first_seen:
                extra.append(rec.first_seen)
            self._line("   " + ", ".join(extra))
            self._wrapped("   rests on: ", f"{f.basis}" + (f": {f.reference}" if f.reference else ""))
            if rec.case_file:
                self._line(f"   case file: {rec.case_file}")
            self._repro(rec, result)

    def _repro(self, rec: FailureRecord, result: RunResult) -> None:
        repro = reproduce(rec, result.endpoint, last=None if self.verbose else 3)
        if repro.replay:
            self._line("   replay:")
            for part in wrap_command(repro.replay, WIDTH - 5):
                self._line("     " + part)
        if repro.cli:
            self._line("   aws CLI:" + (f" (the last {len(repro.cli)}; {repro.omitted} earlier calls in the case "
                                         "file)" if repro.omitted else ""))
            for line in repro.cli:
                for part in wrap_command(line, WIDTH - 5):
                    self._line("     " + part)
        if repro.boto3:
            snippets = repro.boto3 if self.verbose else repro.boto3[-1:]
            self._line("   boto3:" + ("" if self.verbose or len(repro.boto3) == 1 else " (the last call)"))
            for snippet in snippets:
                for line in snippet.splitlines():
                    self._line("     " + line)
        for note in repro.notes:
            self._wrapped("   note: ", note)

    def _others(self, result: RunResult) -> None:
        if result.untested:
            self._line()
            self._line(f"Not tested (no answer the checks could judge): {len(result.untested)}")
            for op, why in sorted(result.untested.items()):
                self._wrapped("  ", f"{op}: {why}")
        if result.not_judged:
            self._line()
            self._line(f"Not judged (documented, but the run could not wait for it): {len(result.not_judged)}")
            for what, why in sorted(result.not_judged.items()):
                self._wrapped("  ", f"{what}: {why}")
        if result.gave_up:
            self._line()
            self._wrapped("", f"The run gave the endpoint up: {result.gave_up}")
        if result.unsupported:
            self._line()
            self._line(f"Unsupported by the endpoint: {len(result.unsupported)}")
            for op, why in sorted(result.unsupported.items()):
                self._wrapped("  ", f"{op}: {why}")
        transient = {k: v for k, v in result.transient.items() if v}
        if transient:
            self._line()
            self._line("Transient faults absorbed (retried, not failures): "
                       + ", ".join(f"{k} {v}" for k, v in sorted(transient.items())))
        if result.crashed_checks:
            self._line()
            self._line(f"Checks that crashed (a harness bug, not an endpoint failure): {len(result.crashed_checks)}")
            for crash in result.crashed_checks:
                self._wrapped("  ", f"{crash.check} on {crash.operation}: {crash.error}")
        if result.stopped_by_budget:
            self._line()
            self._line("The time budget ran out before every phase finished.")
        self._line()

    def _wrapped(self, prefix: str, text: str) -> None:
        lines = textwrap.wrap(text, WIDTH, initial_indent=prefix, subsequent_indent=" " * len(prefix),
                              break_long_words=True, break_on_hyphens=False) or [prefix.rstrip()]
        for line in lines:
            self._line(line)


def summary_line(result: RunResult) -> str:
    real, flaky = len(result.real_failures), len(result.flaky_failures)
    untested = f", {len(result.untested)} operation{'s' if len(result.untested) != 1 else ''} not tested" \
        if result.untested else ""
    warned, waits = len(result.warnings), len(result.not_judged)
    warnings = f", {warned} warning{'s' if warned != 1 else ''}" if warned else ""
    not_judged = f", {waits} documented change{'s' if waits != 1 else ''} not waited for" if waits else ""
    return (f"{result.calls} calls in {result.duration_s:.1f} s, {real} failure{'s' if real != 1 else ''} "
            f"({flaky} flaky){warnings}{untested}{not_judged}, seed {result.seed}")


def _clip(text: str) -> str:
    return text if len(text) <= WIDTH else text[: WIDTH - 1] + "…"
