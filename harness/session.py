"""A whole run as a user starts it: engine (or workers), flaky reruns, case files, reports, exit code."""

from __future__ import annotations

import sys
import types
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from typing import Any

from harness.engine import Engine, PlanError, RunConfig
from harness.results import RunResult

__all__ = ["execute", "merge", "run_session"]

VERSION = "0.1.0"


def execute(target: Any, config: RunConfig, reporter: Any = None) -> RunResult:
    """Run the engine, then rerun each failure once to tell flaky ones apart."""
    from harness.replay import replay_case

    engine = Engine(target, config, reporter)
    result = engine.run()
    for rec in result.failures:
        case = types.SimpleNamespace(calls=rec.sequence, identities=rec.identities, check=rec.failure.check,
                                     service=rec.failure.service, operation=rec.failure.operation,
                                     scenario=rec.scenario)
        try:
            rec.flaky = not replay_case(case, target).still_fails
        except Exception:  # noqa: BLE001 - a rerun that cannot run says nothing about flakiness
            rec.flaky = False
    return result


def _worker(target_args: dict[str, Any], config: RunConfig) -> RunResult:
    from harness.cli import build_target

    target = build_target(types.SimpleNamespace(**target_args))
    return execute(target, config)


def merge(results: list[RunResult]) -> RunResult:
    out = RunResult(seed=results[0].seed, endpoint=results[0].endpoint, checks_enabled=results[0].checks_enabled)
    seen = set()
    for r in results:
        out.calls += r.calls
        out.duration_s = max(out.duration_s, r.duration_s)
        out.unsupported.update(r.unsupported)
        out.transient.update(r.transient)
        out.crashed_checks.extend(r.crashed_checks)
        out.stopped_by_budget |= r.stopped_by_budget
        for rec in r.failures:
            if rec.failure.key not in seen:
                seen.add(rec.failure.key)
                out.failures.append(rec)
        for name, cov in r.coverage.items():
            mine = out.op(name, cov.errors_declared)
            mine.calls += cov.calls
            mine.statuses.update(cov.statuses)
            mine.errors_seen |= cov.errors_seen
            for check, (ok, bad) in cov.checks.items():
                cell = mine.checks.setdefault(check, [0, 0])
                cell[0] += ok
                cell[1] += bad
    return out


def _reporter(args: Any) -> Any:
    from harness.reporting.console import ConsoleReporter

    return ConsoleReporter(sys.stdout, verbose=False) if not getattr(args, "quiet", False) else None


def run_session(target: Any, config: RunConfig, args: Any, *, workers: int = 1) -> int:
    from harness.cli import UsageError

    if config.seed is None:
        import secrets

        config = replace(config, seed=secrets.randbelow(2**31))
    reporter = _reporter(args)
    try:
        if workers <= 1:
            result = execute(target, config, reporter)
        else:
            target_args = {k: getattr(args, k) for k in ("endpoint_url", "target", "aws_opt_in", "region",
                                                         "profile", "second_identity")}
            with ProcessPoolExecutor(max_workers=workers) as pool:
                futures = [pool.submit(_worker, target_args, replace(config, shard=(i, workers)))
                           for i in range(workers)]
                result = merge([f.result() for f in futures])
            result.seed = config.seed or 0
    except PlanError as exc:
        raise UsageError(str(exc)) from None
    finally:
        target.close()
    write_outputs(result, config, args, endpoint_kind=target.kind)
    if reporter is not None:
        reporter.on_finish(result)
    else:
        from harness.reporting.console import ConsoleReporter

        ConsoleReporter(sys.stdout).on_finish(result)
    return 1 if result.real_failures else 0


def write_outputs(result: RunResult, config: RunConfig, args: Any, *, endpoint_kind: str) -> None:
    from harness.cases import save_case

    if config.failures_dir is not None:
        for rec in result.failures:
            rec.case_file = str(save_case(rec, directory=config.failures_dir, endpoint_kind=endpoint_kind,
                                          harness_version=VERSION))
    if getattr(args, "report_json", None):
        from harness.reporting.json_report import write_json

        write_json(result, args.report_json)
    if getattr(args, "junit_xml", None):
        from harness.reporting.junit import write_junit

        write_junit(result, args.junit_xml)
    if getattr(args, "html", None):
        from harness.reporting.html import write_html

        write_html(result, args.html)
