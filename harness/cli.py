"""``jobfuzz``: run, replay, record, cleanup, diff, emulator, specs.

Exit status of ``run``: 0 no failure, 1 failures found (warnings too under ``--strict``), 2 could not
run (with one line on stderr), 3 operations asked for went untested.
Exit status of ``record``: 0 the recording was written, 2 could not run or nothing to keep.
Exit status of ``replay``: 0 the case passes now, 1 it still fails, 2 could not run.
Exit status of ``cleanup``: 0 nothing with the prefix is left, 1 something is, 2 could not run.
Exit status of ``diff``: 0 the two endpoints answered alike, 1 they differ, 2 could not run.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import NoReturn, TypeVar, cast

from harness import inputs
from harness.inputs import UsageError
from harness.options import (
    TargetOptions,
    add_observation_options,
    add_safety_options,
    add_target_options,
    build_target,
    observations_file,
    run_config,
)
from harness.targets import AwsTarget, TargetError

__all__ = ["UsageError", "main"]

class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="jobfuzz", description="Contract tests and fuzzing for the AWS job APIs.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = sub.add_parser("run", help="test a target (the embedded emulator by default)")
    add_target_options(run.add_argument)
    _add_plan_options(run)
    add_observation_options(run.add_argument)
    run.add_argument("--workers", type=inputs.WORKERS, default=1, metavar="N")
    run.add_argument("--shard", type=inputs.shard, default=None, metavar="I/N",
                     help="take the I-th of N slices of operations (0-based)")
    run.add_argument("--report-json", type=inputs.output_file, default=None, metavar="PATH")
    run.add_argument("--junit-xml", type=inputs.output_file, default=None, metavar="PATH")
    run.add_argument("--html", type=inputs.output_file, default=None, metavar="PATH")
    run.add_argument("--failures-dir", type=inputs.output_dir, default=".jobfuzz/failures", metavar="DIR")
    run.add_argument("--example-db", type=inputs.example_db, default=None, metavar="DIR|redis://HOST:PORT")
    run.add_argument("--quiet", action="store_true", help="no progress, only the final report")
    run.add_argument("--allow-untested", action="store_true",
                     help="exit 0 (not 3) when no failure was found but some operations went untested")
    run.add_argument("--max-response-bytes", type=inputs.MAX_RESPONSE_BYTES, default=None, metavar="N",
                     help="read answers up to N bytes (default 10 MB); a larger one is a failure")
    run.add_argument("--dry-run", action="store_true",
                     help="print what the run would create and call, send nothing, exit 0")
    add_safety_options(run.add_argument)

    rep = sub.add_parser("replay", help="rerun a saved failure (a case file)")
    rep.add_argument("case_file", type=Path, metavar="CASE_FILE")
    add_target_options(rep.add_argument)
    add_safety_options(rep.add_argument)
    add_observation_options(rep.add_argument, strict=False)

    rec = sub.add_parser("record", help="save an endpoint's answers for later runs to compare with (--observations)")
    rec.add_argument("--out", type=inputs.output_file, required=True, metavar="FILE", help="the recording to write")
    add_target_options(rec.add_argument)
    _add_plan_options(rec)
    add_safety_options(rec.add_argument)
    rec.add_argument("--quiet", action="store_true", help="no progress")
    rec.set_defaults(failures_dir=None, example_db=":memory:", shard=None, observations=None, strict=False)

    cln = sub.add_parser("cleanup", help="delete what an earlier run left (in its ledger, or carrying its run tag)")
    cln.add_argument("--prefix", required=True, help="the run's prefix (at least 4 characters)")
    add_target_options(cln.add_argument)
    cln.add_argument("--ledger-dir", type=inputs.output_dir, default=None, metavar="DIR",
                     help="where runs record what they made (default .jobfuzz/runs)")
    cln.add_argument("--max-rate", type=inputs.MAX_RATE, default=None, metavar="N", help="calls a second")
    cln.add_argument("--dry-run", action="store_true", help="list what would be deleted, delete nothing")

    from harness.diff import add_arguments as add_diff_arguments

    add_diff_arguments(sub.add_parser("diff", help="send the same calls to two endpoints, report where they differ"))

    emu = sub.add_parser("emulator", help="serve the emulator over HTTP", add_help=False)
    emu.add_argument("rest", nargs=argparse.REMAINDER)
    spc = sub.add_parser("specs", help="list, show, lint or export the specs", add_help=False)
    spc.add_argument("rest", nargs=argparse.REMAINDER)
    return p


def _add_plan_options(p: argparse.ArgumentParser) -> None:
    """What a run covers (``run``, ``record``): services, operations, checks, phases, examples, budget, seed."""
    p.add_argument("--service", action="append", default=[], metavar="NAME",
                   help="iot-jobs-data, iot (its job operations), amplifybackend, importexport (repeatable)")
    p.add_argument("--operation", action="append", default=[], metavar="NAME",
                   help="Operation or service.Operation (repeatable)")
    p.add_argument("--checks", default=None, help="comma-separated check names (default: all)")
    p.add_argument("--phases", default=None, help="comma-separated: boundary,fuzz,lifecycle,scenarios")
    p.add_argument("--max-examples", type=inputs.MAX_EXAMPLES, default=None, metavar="N")
    p.add_argument("--budget-seconds", type=inputs.BUDGET_SECONDS, default=None, metavar="S")
    p.add_argument("--seed", type=inputs.SEED, default=None)


def cmd_record(args: argparse.Namespace) -> int:
    from harness.engine import PlanError
    from harness.record import record
    from harness.reporting.console import ConsoleReporter
    from harness.session import VERSION

    config = run_config(args)
    target = build_target(TargetOptions.from_namespace(args))
    try:
        recording = record(target, config, None if args.quiet else ConsoleReporter(sys.stdout, verbose=False))
    except PlanError as exc:
        raise UsageError(str(exc)) from None
    finally:
        target.close()
    if not recording.answers:
        raise UsageError(f"record: no success answer to keep from {target.endpoint} in {recording.calls} calls; "
                         f"{args.out} not written")
    try:
        recording.write(args.out, VERSION)
    except OSError as exc:
        raise UsageError(f"--out {args.out}: cannot write: {exc.strerror or exc}") from None
    print(f"recorded {len(recording.answers)} answers of {len(recording.per_operation)} operations from "
          f"{target.endpoint} ({recording.calls} calls) to {args.out}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from harness.session import SessionOptions, run_session

    config = run_config(args)
    if args.plant and args.workers > 1:
        raise UsageError("--plant runs in one process: leave out --workers")
    options = TargetOptions.from_namespace(args)
    target = build_target(options)
    return run_session(target, config, SessionOptions(
        report_json=args.report_json, junit_xml=args.junit_xml, html=args.html, quiet=args.quiet,
        dry_run=args.dry_run, allow_untested=args.allow_untested, workers=args.workers, target=options))


def cmd_replay(args: argparse.Namespace) -> int:
    from harness.cases import CaseFileError, load_case
    from harness.replay import replay_case
    from harness.resources import ResourceError

    try:
        case = load_case(args.case_file)
    except CaseFileError as exc:
        raise UsageError(str(exc)) from None
    target = build_target(TargetOptions.from_namespace(args))
    try:
        outcome = replay_case(case, target, observations_file(args.observations))
    except CaseFileError as exc:
        raise UsageError(f"{args.case_file}: {exc.where}: {exc.problem}") from None
    except ResourceError as exc:  # the endpoint would not make what the case's calls need
        raise UsageError(f"{args.case_file}: cannot replay: {exc}") from None
    finally:
        if isinstance(target, AwsTarget):  # a real account: delete what the replay made
            from harness.cleanup import finish_run

            finish_run(target)
    print(f"{args.case_file}: [{case.check}] {case.service}.{case.operation}: {outcome.describe()}")
    for f in outcome.failures:
        print(f"  {f.message}")
    if outcome.unsupported:
        return 2
    return 1 if outcome.still_fails else 0


def cmd_cleanup(args: argparse.Namespace) -> int:
    from harness.cleanup import sweep
    from harness.safety import DEFAULT_LEDGER_DIR, Ledger, prefix_problem

    problem = prefix_problem(args.prefix)
    if problem:
        raise UsageError(problem)
    if args.target != "aws" and not args.endpoint_url:
        raise UsageError("cleanup needs --target aws (with --i-accept-aws-charges and --region) or --endpoint-url")
    folder = args.ledger_dir or DEFAULT_LEDGER_DIR
    path = Path(folder) / f"{args.prefix}.jsonl"  # that run's, not another's whose prefix starts alike
    try:
        ledgers = [Ledger.load(path)] if path.exists() else []
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"--ledger-dir {folder}: cannot read a ledger: {exc}") from None
    # a dry run of `cleanup` lists the account (one of `run` sends nothing and needs no credentials)
    target = build_target(replace(TargetOptions.from_namespace(args), run_prefix=args.prefix,
                                  resolve_credentials=True))
    if target.limiter is not None:
        target.limiter.draining = True  # cleanup is never cut short by a call cap
    try:
        report = sweep(target, args.prefix, ledgers=ledgers, dry_run=args.dry_run)
    finally:
        target.close()
    if args.dry_run:
        for item in report.would_delete:
            print(f"would delete: {item}")
    else:
        for ledger in ledgers:
            ledger.close()
        for item in report.deleted:
            print(f"deleted: {item}")
    for item in report.left:
        print(f"left: {item}")
    for item in report.untouched:
        print(f"not touched: {item}")
    unlisted = f"; found only through the ledger: {', '.join(report.not_listed)}" if report.not_listed else ""
    done = f"{len(report.would_delete)} would be deleted" if args.dry_run else f"{len(report.deleted)} deleted"
    print(f"cleanup --prefix {args.prefix}: {done}, {len(report.left)} left "
          f"({len(report.found)} found by listing, {sum(len(x) for x in ledgers)} in ledgers{unlisted})")
    return 1 if report.left else 0


#: the exit status when the reader of stdout went away (``jobfuzz specs list | head -1``): the one a
#: shell reports for a command ended by SIGPIPE, distinct from the statuses above
BROKEN_PIPE_STATUS = 141


_Main = TypeVar("_Main", bound=Callable[..., int])


def _quiet_on_broken_pipe(fn: _Main) -> _Main:
    """``fn`` ends quietly when stdout is a pipe its reader closed: no traceback, stdout pointed at
    devnull (so that the flush at exit does not fail again), exit status ``BROKEN_PIPE_STATUS``."""
    import contextlib
    import functools
    import os

    @functools.wraps(fn)
    def entry(argv: list[str] | None = None) -> int:
        try:
            try:
                return fn(argv)
            finally:  # (argparse's --help exits) a reader gone after the last write is told here
                sys.stdout.flush()
        except BrokenPipeError:
            devnull = os.open(os.devnull, os.O_WRONLY)
            with contextlib.suppress(OSError, ValueError):  # a stdout with no descriptor (captured)
                os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)
            return BROKEN_PIPE_STATUS

    return cast(_Main, entry)


@_quiet_on_broken_pipe
def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["emulator"]:
        from emulator.server import main as emulator_main

        return emulator_main(argv[1:]) or 0
    if argv[:1] == ["specs"]:
        from specs.cli import main as specs_main

        return specs_main(argv[1:])
    from harness.redaction import session

    with session():  # every console line, log record and file written is redacted
        return _main(argv)


def _main(argv: list[str]) -> int:
    try:
        args = _parser().parse_args(argv)
        if (getattr(args, "plant", None) or "").strip() == "list":  # run, replay, cleanup
            from emulator.planted import catalogue_text

            print(catalogue_text())
            return 0
        if args.command == "diff":
            from harness.diff import cmd_diff

            return cmd_diff(args)
        return {"run": cmd_run, "replay": cmd_replay, "cleanup": cmd_cleanup, "record": cmd_record}[args.command](args)
    except UsageError as exc:
        print(str(exc).splitlines()[0], file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("jobfuzz: interrupted", file=sys.stderr)
        return 2
    except Exception as exc:  # overlay errors, example-db errors and the like: one line, exit 2
        from harness.examples_db import ExampleDbError
        from specs.overlay import OverlayError

        if isinstance(exc, (OverlayError, ExampleDbError, TargetError)):
            print(f"jobfuzz: {exc}", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())
