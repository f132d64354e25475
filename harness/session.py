"""A whole run as a user starts it: engine (or workers), flaky reruns, case files, reports, exit code."""

from __future__ import annotations

import contextlib
import functools
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, wait
from dataclasses import dataclass, field, replace
from importlib import metadata
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, TextIO

from harness.engine import Engine, PlanError, RunConfig, Stop
from harness.inputs import UsageError
from harness.model import Cause
from harness.options import TargetOptions, build_target
from harness.reporting.console import ConsoleReporter
from harness.results import FailureRecord, Reporter, RunResult
from harness.targets import AwsTarget, Target
from specs.types import Role

if TYPE_CHECKING:
    from harness.safety import Guard

__all__ = ["SessionOptions", "execute", "merge", "run_session", "worker_shard"]


def _version() -> str:
    """The installed package's version (pyproject.toml is the one place it is written)."""
    try:
        return metadata.version("jobfuzz")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "0+unknown"


VERSION = _version()


@dataclass(frozen=True, slots=True)
class SessionOptions:
    """What ``jobfuzz run`` does around the engine: reports, console, exit status, workers."""

    report_json: Path | None = None
    junit_xml: Path | None = None
    html: Path | None = None
    quiet: bool = False  # no progress, only the final report
    dry_run: bool = False  # print the plan, send nothing
    allow_untested: bool = False  # exit 0 (not 3) on a run with no failure but operations untested
    workers: int = 1
    #: what each worker builds its own target from (``workers`` > 1)
    target: TargetOptions = field(default_factory=TargetOptions)


def execute(target: Target, config: RunConfig, reporter: Reporter | None = None) -> RunResult:
    """Run the engine, then rerun each failure once to tell flaky ones apart.

    Ctrl-C (KeyboardInterrupt) ends the run early: what it found so far is returned, with
    ``result.interrupted`` set. On a guarded target (a real account) everything the run made is
    deleted at the end, also when the run is interrupted; ``result.safety`` says what was refused,
    sent and left.
    """
    engine = Engine(target, config, reporter)
    guarded = target if isinstance(target, AwsTarget) else None
    try:
        try:
            result = engine.run()
            _rerun_failures(result, target, config.observations)
        except KeyboardInterrupt:
            result = engine.result
            result.interrupted = True
    except BaseException:
        if guarded is not None:
            _finish(guarded, engine, interrupted=True)
        raise
    if guarded is not None:
        _finish(guarded, engine, interrupted=result.interrupted)
    return result


def _rerun_failures(result: RunResult, target: Target, observations: Path | None = None) -> None:
    import time

    from harness.replay import rerun
    from harness.transport import GRACE_S

    if result.gave_up is not None:
        return  # the endpoint stopped answering: each rerun would wait for it, and say nothing
    deadline = target.limits.deadline
    for rec in result.failures:
        if deadline is not None and time.monotonic() > deadline + GRACE_S:
            break  # past the budget and its grace: the rest stay failures (not rerun, not flaky)
        try:
            rec.flaky = not rerun(rec, target, observations).still_fails
        except Stop:
            break  # the endpoint stopped answering during the reruns: the rest stay failures
        except Exception:  # noqa: BLE001 - a rerun that cannot run says nothing about flakiness
            rec.flaky = False


def _finish(target: AwsTarget, engine: Engine, *, interrupted: bool = False) -> None:
    """Clean up after a run on a guarded target; on an interrupt, say on stderr what was done."""
    from harness.cleanup import finish_run, finish_summary

    prefix = target.guard.prefix
    try:
        report = finish_run(target, engine.resources)
    except BaseException:
        print(f"jobfuzz: cleanup of run {prefix} did not finish: {cleanup_hint(target)}", file=sys.stderr)
        raise
    engine.result.safety = finish_summary(target, report)
    if target.limiter is not None and target.limiter.reached:
        engine.result.stopped_by_budget = True
    if interrupted:
        print(f"jobfuzz: run {prefix}: cleanup deleted {len(report.deleted)} resources, "
              f"{len(report.left)} left" + (f": {cleanup_hint(target)}" if report.left else ""), file=sys.stderr)


def cleanup_hint(target: AwsTarget) -> str:
    """The command that removes what a run on ``target`` left."""
    where = (f"--endpoint-url {target.endpoint_url}" if getattr(target, "endpoint_url", None)
             else f"--target aws --i-accept-aws-charges --region {target.region}")
    return f"run jobfuzz cleanup --prefix {target.guard.prefix} {where}"


class _FailureLines(ConsoleReporter):
    """What a worker prints while it runs: each failure as it is found (the parent prints the rest)."""

    def on_start(self, plan_description: str, total_ops: int) -> None:
        pass

    def on_phase(self, phase: str, operation: str) -> None:
        pass

    def on_progress(self, calls: int, failures: int, elapsed_s: float) -> None:
        pass


def _ignore_ctrl_c() -> None:
    """A worker between slices ignores Ctrl-C: it would die with a traceback and lose nothing."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _interrupt_once(signum: int, frame: FrameType | None) -> None:
    """In a worker's slice the first Ctrl-C (the terminal's or the parent's) ends it; later ones wait."""
    _ignore_ctrl_c()
    raise KeyboardInterrupt


def _worker(options: TargetOptions, config: RunConfig, quiet: bool = True) -> RunResult:
    signal.signal(signal.SIGINT, _interrupt_once)
    try:
        target = build_target(options)
        return execute(target, config, None if quiet else _FailureLines(sys.stdout))
    finally:
        _ignore_ctrl_c()


def _run_workers(target: Target, config: RunConfig, options: SessionOptions) -> RunResult:
    """``options.workers`` processes, each a slice, each with its own target built from
    ``options.target``; on Ctrl-C each is told to stop and what they found is merged."""
    workers = options.workers
    interrupted = False
    with ProcessPoolExecutor(max_workers=workers, initializer=_ignore_ctrl_c) as pool:
        futures = [pool.submit(_worker, options.target,
                               replace(config, shard=worker_shard(config.shard, i, workers)), options.quiet)
                   for i in range(workers)]
        try:
            wait(futures)
        except KeyboardInterrupt:
            interrupted = True
            for child in multiprocessing.active_children():  # the pool's workers: each ends its slice
                with contextlib.suppress(ProcessLookupError):
                    os.kill(child.pid or 0, signal.SIGINT)
        results = []
        for f in futures:
            try:
                results.append(f.result())
            except KeyboardInterrupt:  # interrupted before its slice began: it found nothing
                interrupted = True
    result = merge(results) if results else RunResult(seed=0, endpoint=target.endpoint,
                                                       checks_enabled=tuple(config.checks))
    result.seed = config.seed or 0
    result.interrupted |= interrupted
    return result


def worker_shard(shard: tuple[int, int] | None, i: int, workers: int) -> tuple[int, int]:
    """The slice worker ``i`` of ``workers`` takes inside the run's own ``--shard S/N``.

    Operation ``k`` (in the plan's sorted order) is in slice ``S + N*i`` of ``N*workers`` when
    ``k % N == S`` and ``(k // N) % workers == i``: the workers split the run's shard between them
    and nothing outside it, so ``--shard`` and ``--workers`` together still cover every operation
    once across machines.
    """
    s, n = shard or (0, 1)
    return s + n * i, n * workers


def merge(results: list[RunResult]) -> RunResult:
    out = RunResult(seed=results[0].seed, endpoint=results[0].endpoint, checks_enabled=results[0].checks_enabled,
                    strict=results[0].strict)
    seen: dict[tuple[str, str, str, Cause], FailureRecord] = {}
    for r in results:
        out.calls += r.calls
        out.duration_s = max(out.duration_s, r.duration_s)
        out.unsupported.update(r.unsupported)
        out.transient.update(r.transient)
        out.crashed_checks.extend(r.crashed_checks)
        out.stopped_by_budget |= r.stopped_by_budget
        out.judged |= r.judged
        out.untested.update(r.untested)
        out.not_judged.update(r.not_judged)
        out.gave_up = out.gave_up or r.gave_up
        out.interrupted |= r.interrupted
        for rec in r.failures:
            known = seen.get(rec.failure.key)
            if known is None:  # a lifecycle can run in several workers: one entry, its occurrences summed
                seen[rec.failure.key] = rec
                out.failures.append(rec)
            else:
                known.occurrences += rec.occurrences
                if rec.first_seen_s is not None and (known.first_seen_s is None
                                                     or rec.first_seen_s < known.first_seen_s):
                    known.first_seen_s = rec.first_seen_s  # the earliest worker's (their clocks start together)
        for name, cov in r.coverage.items():
            mine = out.op(name, cov.errors_declared)
            mine.calls += cov.calls
            mine.statuses.update(cov.statuses)
            mine.errors_seen |= cov.errors_seen
            for check, (ok, bad) in cov.checks.items():
                cell = mine.checks.setdefault(check, [0, 0])
                cell[0] += ok
                cell[1] += bad
    for name in out.judged:  # judged by another worker (a lifecycle runs in one of them)
        out.untested.pop(name, None)
    return out


def run_session(target: Target, config: RunConfig, options: SessionOptions) -> int:
    """A whole run on ``target`` (``options.workers`` > 1: each worker builds its own from
    ``options.target``): the engine, the reports, and the exit status of ``jobfuzz run``."""
    if isinstance(target, AwsTarget) and options.workers > 1:
        raise UsageError("--target aws runs in one process (its caps and cleanup are the run's): drop --workers")
    if options.dry_run:
        try:
            describe_plan(target, config, sys.stdout)
        except PlanError as exc:
            raise UsageError(str(exc)) from None
        return 0
    if config.seed is None:
        import secrets

        config = replace(config, seed=secrets.randbelow(2**31))
    reporter = None if options.quiet else ConsoleReporter(sys.stdout, verbose=False)
    try:
        result = execute(target, config, reporter) if options.workers <= 1 else _run_workers(target, config, options)
    except PlanError as exc:
        raise UsageError(str(exc)) from None
    finally:
        target.close()
    written, problems = write_outputs(result, config, options, endpoint_kind=target.kind)
    (reporter or ConsoleReporter(sys.stdout)).on_finish(result)
    if isinstance(target, AwsTarget):
        print_safety(result, target, sys.stdout)
    if result.interrupted or problems:
        where = f"reports written to {', '.join(written)}" if written else "the report is above"
        said = [f"interrupted after {result.calls} calls; {where}"] if result.interrupted else []
        print(f"jobfuzz: {'; '.join(said + problems)}", file=sys.stderr)
        return 2
    status, line = exit_status(result, allow_untested=options.allow_untested)
    if line:
        print(f"jobfuzz: {line}", file=sys.stderr)
    return status


#: the exit status of a run that found no failure but left operations it was asked to test untested
UNTESTED_STATUS = 3


def exit_status(result: RunResult, *, allow_untested: bool = False) -> tuple[int, str | None]:
    """The exit status of ``run`` and the one line it writes on stderr (None: nothing to say).

    1: failures found (the line says so if the endpoint was then given up); 2: no failure, and the
    endpoint was given up (calls in a row with no answer) or nothing was judged; 3: no failure, but
    operations asked for went untested (0 with ``--allow-untested``); 0: no failure and every
    operation asked for was judged.
    """
    if result.real_failures:
        return 1, result.gave_up
    if result.gave_up:
        return 2, result.gave_up
    if not result.judged and result.untested:
        first, why = next(iter(sorted(result.untested.items())))
        return 2, (f"endpoint {result.endpoint} answered nothing judgeable: {len(result.untested)} operation"
                   f"{'s' if len(result.untested) != 1 else ''} untested (first, {first}: {why})")
    if result.untested and not allow_untested:
        total = len(result.untested) + len(result.judged)
        return UNTESTED_STATUS, (f"no failure, but {len(result.untested)} of the {total} operations asked for "
                                 f"went untested (listed in the report; --allow-untested exits 0 on them)")
    return 0, None


def print_safety(result: RunResult, target: AwsTarget, out: TextIO) -> None:
    """What the safety layer did in a run: prefix, caps, calls refused, cleanup."""
    s = result.safety
    if not s:
        return
    caps = []
    if s.get("max_rate"):
        caps.append(f"at most {s['max_rate']:g} calls/s")
    if s.get("max_calls"):
        caps.append(f"at most {s['max_calls']} calls")
    print(f"Safety: run prefix {s['prefix']} (tag jobfuzz:run={s['prefix']}); {s.get('calls_sent', 0)} calls sent"
          + (f" ({', '.join(caps)})" if caps else "") + f", {s.get('cleanup_calls', 0)} for cleanup", file=out)
    if s.get("stopped_by_max_calls"):
        print(f"  the run stopped at --max-calls {s['max_calls']}: it started no new work after it", file=out)
    if s.get("refused"):
        ops = ", ".join(f"{k} {v}" for k, v in s["refused_by_operation"].items())
        print(f"  not sent by the guard (not failures): {s['refused']} calls naming resources this run did not "
              f"make: {ops}", file=out)
    cleanup = s.get("cleanup") or {}
    left = cleanup.get("left") or []
    print(f"  cleanup: {cleanup.get('deleted', 0)} resources deleted, {len(left)} left", file=out)
    for item in left[:20]:
        print(f"    left: {item}", file=out)
    untouched = cleanup.get("untouched") or []
    if untouched:
        print(f"  not touched: {len(untouched)} listed resources carry the prefix, but neither the ledger nor the "
              f"run tag says they are the run's: {', '.join(u.split(':')[0] for u in untouched[:10])}"
              + (" ..." if len(untouched) > 10 else ""), file=out)
    if left:
        print(f"  {cleanup_hint(target)}", file=out)


def describe_plan(target: Target, config: RunConfig, out: TextIO) -> None:
    """A dry run: what a run would create (the recipes) and call (operations, phases), unsent."""
    engine = Engine(target, config)
    maker = engine.resources
    guard = target.guard if isinstance(target, AwsTarget) else None
    print(f"Dry run: nothing is sent. Target {target.endpoint}.", file=out)
    if guard is not None:
        lim = target.limiter
        print(f"Run prefix {guard.prefix}: every resource is named {guard.prefix}NNNNN and, where the create "
              f"operation takes tags, tagged jobfuzz:run={guard.prefix}.", file=out)
        print(f"Caps: at most {lim.max_rate:g} calls/s, at most {lim.max_calls} calls; the ledger is "
              f"{guard.ledger.path}.", file=out)
    print(f"Phases: {', '.join(config.phases)}. Checks: {', '.join(config.checks)}.", file=out)
    print(f"Operations ({len(engine.plan)}):", file=out)
    needed: list[str] = []
    for op in engine.plan:
        names = [b for _, b in op.bindings]
        recipes = maker.resources_for(names, op.service) if names and maker.can_bind(names) else []
        needed += [r for r in recipes if r not in needed]
        print(f"  {op.qualified}" + (f"  (on a {', '.join(recipes)} made first)" if recipes else ""), file=out)
    machines = [f"{name}.{sm.name}" for name in config.services for sm in engine.services[name].state_machines]
    if "lifecycle" in config.phases and machines:
        print(f"Lifecycles: {', '.join(machines)}", file=out)
        for name in config.services:
            for sm in engine.services[name].state_machines:
                _with_needs(maker.resources, sm.resource, needed)
    print("Resources it would create (recipes), each deleted at the end:", file=out)
    for name in needed:
        res = maker.resources[name]
        steps = "; ".join(f"{s.service}.{s.operation} {_params(s.params, guard)}" for s in res.create)
        removal = guard.specs.recipes.delete_steps.get(name, res.delete) if guard is not None else res.delete
        deletes = "; ".join(f"{s.service}.{s.operation}" for s in removal) or (
            f"its {', '.join(res.needs)}" if res.needs else "nothing: no delete operation")
        needs = f" (needs {', '.join(res.needs)})" if res.needs else ""
        print(f"  {name}{needs}: {steps} -> deleted by {deletes}", file=out)
    creates = [op.qualified for op in engine.plan if op.role is Role.CREATE]
    if creates and guard is not None:
        print(f"Calls to {', '.join(creates)} create resources as well: a name the call chooses carries the "
              "prefix (or the call is not sent), and cleanup deletes what they make (or what it lives in).", file=out)


def _with_needs(resources: dict[str, Any], name: str, out: list[str]) -> None:
    if name in out or name not in resources:
        return
    for dep in resources[name].needs:
        _with_needs(resources, dep, out)
    out.append(name)


def _params(params: dict[str, Any], guard: Guard | None) -> str:
    import json

    text = json.dumps(params, default=str)
    if guard is not None:
        text = text.replace("{uid}", f"{guard.prefix}NNNNN")
    return text if len(text) <= 120 else text[:117] + "..."


def write_outputs(result: RunResult, config: RunConfig, options: SessionOptions, *,
                  endpoint_kind: str) -> tuple[list[str], list[str]]:
    """Case files, then each report asked for. One that cannot be written (a full disk, a folder
    removed during the run) does not stop the others: returns what was written and what was not."""
    from harness.cases import save_case
    from harness.reporting.html import write_html
    from harness.reporting.json_report import write_json
    from harness.reporting.junit import write_junit

    written: list[str] = []
    problems: list[str] = []

    def attempt(option: str, where: Path, write: Callable[[], object]) -> bool:
        try:
            write()
        except OSError as exc:
            problems.append(f"{option} {where}: cannot write: {exc.strerror or exc}")
            return False
        return True

    def save_cases(folder: Path) -> None:
        for rec in result.failures:
            rec.case_file = str(save_case(rec, directory=folder, endpoint_kind=endpoint_kind,
                                          harness_version=VERSION))

    folder = config.failures_dir
    if folder is not None and result.failures and attempt("--failures-dir", folder, lambda: save_cases(folder)):
        written.append(f"{folder}{os.sep}")
    for option, path, writer in (("--report-json", options.report_json, write_json),
                                 ("--junit-xml", options.junit_xml, write_junit), ("--html", options.html, write_html)):
        if path and attempt(option, path, functools.partial(writer, result, path)):
            written.append(str(path))
    return written, problems
