"""``jobfuzz``: run, replay, cleanup, diff, emulator, specs.

Exit status of ``run``: 0 no failure, 1 failures found, 2 could not run (with one line on stderr).
Exit status of ``replay``: 0 the case passes now, 1 it still fails, 2 could not run.
Exit status of ``cleanup``: 0 nothing with the prefix is left, 1 something is, 2 could not run.
Exit status of ``diff``: 0 the two endpoints answered alike, 1 they differ, 2 could not run.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, NoReturn

from harness import inputs
from harness.inputs import UsageError
from harness.model import CHECK_NAMES

__all__ = ["UsageError", "main"]

AWS_OPT_IN = "--i-accept-aws-charges"

#: the ranges of the numeric options (harness.inputs): past them a run cannot end or cannot be kept up
MAX_EXAMPLES = inputs.whole_number(1, 1_000_000)
BUDGET_SECONDS = inputs.number(0, 7 * 86400, "seconds")
SEED = inputs.whole_number(0, inputs.MAX_SEED)
WORKERS = inputs.whole_number(1, 64)
MAX_RATE = inputs.number(0.001, 100_000, "calls a second")
MAX_CALLS = inputs.whole_number(1, 10**9)
MAX_RESPONSE_BYTES = inputs.whole_number(1, 2**40)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="jobfuzz", description="Contract tests and fuzzing for the AWS job APIs.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = sub.add_parser("run", help="test a target (the embedded emulator by default)")
    add_target_options(run)
    run.add_argument("--service", action="append", default=[], metavar="NAME",
                     help="iot-jobs-data, iot (its job operations), amplifybackend, importexport (repeatable)")
    run.add_argument("--operation", action="append", default=[], metavar="NAME",
                     help="Operation or service.Operation (repeatable)")
    run.add_argument("--checks", default=None, help="comma-separated check names (default: all)")
    run.add_argument("--phases", default=None, help="comma-separated: boundary,fuzz,lifecycle,scenarios")
    run.add_argument("--max-examples", type=MAX_EXAMPLES, default=None, metavar="N")
    run.add_argument("--budget-seconds", type=BUDGET_SECONDS, default=None, metavar="S")
    run.add_argument("--seed", type=SEED, default=None)
    run.add_argument("--workers", type=WORKERS, default=1, metavar="N")
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
    run.add_argument("--max-response-bytes", type=MAX_RESPONSE_BYTES, default=None, metavar="N",
                     help="read answers up to N bytes (default 10 MB); a larger one is a failure")
    run.add_argument("--dry-run", action="store_true",
                     help="print what the run would create and call, send nothing, exit 0")
    add_safety_options(run)

    rep = sub.add_parser("replay", help="rerun a saved failure (a case file)")
    rep.add_argument("case_file", type=Path, metavar="CASE_FILE")
    add_target_options(rep)
    add_safety_options(rep)

    cln = sub.add_parser("cleanup", help="delete what an earlier run left (in its ledger, or carrying its run tag)")
    cln.add_argument("--prefix", required=True, help="the run's prefix (at least 4 characters)")
    add_target_options(cln)
    cln.add_argument("--ledger-dir", type=inputs.output_dir, default=None, metavar="DIR",
                     help="where runs record what they made (default .jobfuzz/runs)")
    cln.add_argument("--max-rate", type=MAX_RATE, default=None, metavar="N", help="calls a second")
    cln.add_argument("--dry-run", action="store_true", help="list what would be deleted, delete nothing")

    from harness.diff import add_arguments as add_diff_arguments

    add_diff_arguments(sub.add_parser("diff", help="send the same calls to two endpoints, report where they differ"))

    emu = sub.add_parser("emulator", help="serve the emulator over HTTP", add_help=False)
    emu.add_argument("rest", nargs=argparse.REMAINDER)
    spc = sub.add_parser("specs", help="list, show, lint or export the specs", add_help=False)
    spc.add_argument("rest", nargs=argparse.REMAINDER)
    return p


def add_target_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--endpoint-url", type=inputs.endpoint_url, action="append", default=[], metavar="URL|SERVICE=URL")
    p.add_argument("--target", choices=("embedded", "aws"), default=None)
    p.add_argument(AWS_OPT_IN, dest="aws_opt_in", action="store_true",
                   help="required with --target aws: calls a real account and may cost money")
    p.add_argument("--region", type=inputs.region, default=None)
    p.add_argument("--profile", default=None)
    p.add_argument("--plant", default=None, metavar="NAME[,NAME]",
                   help="embedded emulator: break it on purpose with these planted faults (--plant list)")
    p.add_argument("--second-identity", default=None, metavar="AKID:SECRET[:TOKEN]|profile:NAME|env")
    p.add_argument("--primary-identity", default=None, metavar="AKID:SECRET[:TOKEN]|profile:NAME|env",
                   help="credentials of the primary identity for --endpoint-url and the embedded emulator "
                        "(env: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN)")


def add_safety_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--max-rate", type=MAX_RATE, default=None, metavar="N",
                   help="at most N calls a second (default 5 with --target aws, else no cap)")
    p.add_argument("--max-calls", type=MAX_CALLS, default=None, metavar="N",
                   help="at most N calls in all, then stop and clean up (default 2000 with --target aws)")
    p.add_argument("--run-prefix", default=None, metavar="PREFIX",
                   help="--target aws: name resources with PREFIX (default jf and 6 random hex digits)")
    p.add_argument("--ledger-dir", type=inputs.output_dir, default=None, metavar="DIR",
                   help="--target aws: where the run records what it made (default .jobfuzz/runs)")


def build_target(args: Any, *, prefix: str | None = None) -> Any:
    """The target the options name. ``prefix``: the aws target's run prefix (cleanup's --prefix)."""
    from harness.targets import AwsTarget, EmbeddedTarget, TargetError, UrlTarget

    target: Any
    plant = _planted(getattr(args, "plant", None))
    if plant and (args.target == "aws" or args.endpoint_url):
        raise UsageError("--plant breaks the embedded emulator; for a URL, serve `jobfuzz emulator --plant NAME`")
    max_rate, max_calls = getattr(args, "max_rate", None), getattr(args, "max_calls", None)
    if args.target == "aws" and args.endpoint_url:
        raise UsageError("--target aws and --endpoint-url exclude each other")
    if args.target == "aws":
        missing = [opt for opt, given in ((AWS_OPT_IN, args.aws_opt_in), ("--region REGION", args.region))
                   if not given]
        if missing:
            raise UsageError(f"--target aws calls a real account: add {' and '.join(missing)}")
        if getattr(args, "primary_identity", None):
            raise UsageError("--primary-identity is for emulators: --target aws takes the standard credential "
                             "chain or --profile")
        try:
            target = AwsTarget(profile=args.profile, region=args.region,
                               prefix=prefix or getattr(args, "run_prefix", None),
                               max_rate=max_rate or AwsTarget.default_max_rate,
                               max_calls=max_calls or AwsTarget.default_max_calls,
                               ledger_dir=getattr(args, "ledger_dir", None),
                               # a dry run of `run` sends nothing; one of `cleanup` lists the account
                               resolve_credentials=getattr(args, "command", None) == "cleanup"
                               or not getattr(args, "dry_run", False))
        except TargetError as exc:
            raise UsageError(str(exc)) from None
        except Exception as exc:  # noqa: BLE001 - botocore's profile errors
            raise UsageError(f"--target aws: {exc}") from None
    elif args.endpoint_url:
        urls: dict[str | None, str] = {}
        for item in args.endpoint_url:
            service, sep, url = item.partition("=")
            if sep and not service.startswith(("http://", "https://")):
                urls[service] = url
            else:
                urls[None] = item
        target = UrlTarget(urls, region=args.region or "us-east-1")
        try:
            target.check_reachable()
        except TargetError as exc:
            raise UsageError(str(exc)) from None
    else:
        target = EmbeddedTarget(region=args.region or "us-east-1", plant=plant)
    if getattr(args, "max_response_bytes", None):
        target.limits.max_bytes = args.max_response_bytes
    if target.kind != "aws":
        if getattr(args, "primary_identity", None):
            target.identities["primary"] = _identity(args.primary_identity, "--primary-identity")
        if max_rate or max_calls:
            from harness.safety import CallLimiter

            target.limiter = CallLimiter(max_rate, max_calls)
    if args.second_identity:
        target.identities["second"] = _identity(args.second_identity)
    elif target.kind == "aws":
        target.identities.pop("second", None)
    from harness.redaction import protect

    protect(target.identities.values())  # before anything is signed: no output may show them
    return target


def _planted(text: str | None) -> tuple[str, ...]:
    """The fault names of ``--plant NAME[,NAME]`` (emulator.planted), checked."""
    if text is None:
        return ()
    from emulator.planted import UnknownFault, resolve

    try:
        faults = resolve(text)
    except UnknownFault as exc:
        raise UsageError(f"--plant: {exc}") from None
    if not faults:
        raise UsageError("--plant: expected fault names (--plant list names them)")
    return tuple(f.name for f in faults)


def _identity(text: str, option: str = "--second-identity") -> tuple[str, str, str | None]:
    """``AKID:SECRET[:TOKEN]``, ``profile:NAME`` or ``env`` (the AWS_* variables) as credentials."""
    if text == "env":
        import os

        key, secret = os.environ.get("AWS_ACCESS_KEY_ID"), os.environ.get("AWS_SECRET_ACCESS_KEY")
        if not key or not secret:
            raise UsageError(f"{option} env: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not both set")
        return key, secret, os.environ.get("AWS_SESSION_TOKEN") or None
    if text.startswith("profile:"):
        import botocore.session

        try:
            creds = botocore.session.Session(profile=text[8:]).get_credentials()
        except Exception as exc:  # noqa: BLE001 - botocore's profile errors
            raise UsageError(f"{option} {text}: {exc}") from None
        if creds is None:
            raise UsageError(f"{option} {text}: the profile has no credentials")
        frozen = creds.get_frozen_credentials()
        return frozen.access_key, frozen.secret_key, frozen.token
    parts = text.split(":")
    if len(parts) not in (2, 3) or not all(parts):
        raise UsageError(f"{option}: expected ACCESS_KEY_ID:SECRET[:SESSION_TOKEN], profile:NAME or env")
    return parts[0], parts[1], parts[2] if len(parts) == 3 else None


def _run_config(args: argparse.Namespace) -> Any:
    from harness.engine import DEFAULT_SERVICES, PHASES, RunConfig
    from harness.examples_db import DEFAULT_DB
    from specs.loader import available_services

    services = tuple(args.service) or DEFAULT_SERVICES
    known = set(available_services())
    for s in services:
        if s not in known:
            raise UsageError(f"--service: botocore has no service {s!r}")
    checks = tuple(c.strip() for c in args.checks.split(",") if c.strip()) if args.checks is not None else CHECK_NAMES
    if not checks:
        raise UsageError(f"--checks: expected check names (known: {', '.join(CHECK_NAMES)}), got {args.checks!r}")
    for c in checks:
        if c not in CHECK_NAMES:
            raise UsageError(f"--checks: unknown check {c!r} (known: {', '.join(CHECK_NAMES)})")
    phases = tuple(x.strip() for x in args.phases.split(",") if x.strip()) if args.phases is not None else PHASES
    if not phases:
        raise UsageError(f"--phases: expected phase names (known: {', '.join(PHASES)}), got {args.phases!r}")
    for ph in phases:
        if ph not in PHASES:
            raise UsageError(f"--phases: unknown phase {ph!r} (known: {', '.join(PHASES)})")
    return RunConfig(services=services, operations=tuple(args.operation), checks=checks, phases=phases,
                     max_examples=args.max_examples, budget_seconds=args.budget_seconds, seed=args.seed,
                     failures_dir=args.failures_dir, example_db=args.example_db or DEFAULT_DB,
                     shard=args.shard)


def cmd_run(args: argparse.Namespace) -> int:
    from harness.session import run_session

    config = _run_config(args)
    if getattr(args, "plant", None) and args.workers > 1:
        raise UsageError("--plant runs in one process: leave out --workers")
    target = build_target(args)
    return run_session(target, config, args, workers=args.workers)


def cmd_replay(args: argparse.Namespace) -> int:
    from harness.cases import CaseFileError, load_case
    from harness.replay import replay_case
    from harness.resources import ResourceError

    try:
        case = load_case(args.case_file)
    except CaseFileError as exc:
        raise UsageError(str(exc)) from None
    target = build_target(args)
    try:
        outcome = replay_case(case, target)
    except CaseFileError as exc:
        raise UsageError(f"{args.case_file}: {exc.where}: {exc.problem}") from None
    except ResourceError as exc:  # the endpoint would not make what the case's calls need
        raise UsageError(f"{args.case_file}: cannot replay: {exc}") from None
    finally:
        if getattr(target, "guard", None) is not None:  # a real account: delete what the replay made
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
    target = build_target(args, prefix=args.prefix)
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


def _quiet_on_broken_pipe(fn: Any) -> Any:
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

    return entry


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
        if (getattr(args, "plant", None) or "").strip() == "list":
            from emulator.planted import catalogue_text

            print(catalogue_text())
            return 0
        if args.command == "diff":
            from harness.diff import cmd_diff

            return cmd_diff(args)
        return {"run": cmd_run, "replay": cmd_replay, "cleanup": cmd_cleanup}[args.command](args)
    except UsageError as exc:
        print(str(exc).splitlines()[0], file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("jobfuzz: interrupted", file=sys.stderr)
        return 2
    except Exception as exc:  # overlay errors, example-db errors and the like: one line, exit 2
        from harness.examples_db import ExampleDbError
        from harness.targets import TargetError
        from specs.overlay import OverlayError

        if isinstance(exc, (OverlayError, ExampleDbError, TargetError)):
            print(f"jobfuzz: {exc}", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())
