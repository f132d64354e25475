"""The options that name a target and shape a run, as values: what the CLI (``run``, ``replay``,
``cleanup``, ``diff``), ``--workers`` and the pytest plugin share.

``TargetOptions`` is built from parsed arguments (``TargetOptions.from_namespace``) or from keyword
arguments, and checked the same way either way; ``build_target`` makes the target it names.
``add_target_options`` and ``add_safety_options`` declare the options once, for an argparse parser
and for pytest's (``pytest_plugin``, with its own ``dest`` prefix). ``run_config`` turns the run
options (``--service``, ``--checks``, ``--phases``, ...) into a ``RunConfig``. The single values are
checked by ``harness.inputs``; what is wrong raises ``UsageError`` with one line naming the option.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Literal

from harness import inputs
from harness.engine import DEFAULT_SERVICES, PHASES, RunConfig
from harness.inputs import UsageError
from harness.model import CHECK_NAMES
from harness.targets import AwsTarget, EmbeddedTarget, Target, TargetError, UrlTarget

__all__ = ["AWS_OPT_IN", "TargetOptions", "add_observation_options", "add_safety_options", "add_target_options",
           "build_target", "observations_file", "parse_identity", "planted_faults", "run_config"]

AWS_OPT_IN = "--i-accept-aws-charges"

#: ``parser.add_argument`` or pytest's ``group.addoption``: the same keywords
AddOption = Callable[..., Any]

Identity = tuple[str, str, str | None]


@dataclass(frozen=True, slots=True)
class TargetOptions:
    """What names a target: the options of ``add_target_options`` and ``add_safety_options``."""

    endpoint_urls: tuple[str, ...] = ()  # URL or SERVICE=URL (--endpoint-url, repeatable)
    target: Literal["embedded", "aws"] | None = None
    aws_opt_in: bool = False
    region: str | None = None
    profile: str | None = None
    plant: str | None = None  # NAME[,NAME]: planted faults (emulator.planted) in the embedded emulator
    second_identity: str | None = None  # AKID:SECRET[:TOKEN] | profile:NAME | env
    primary_identity: str | None = None
    max_rate: float | None = None  # calls a second
    max_calls: int | None = None
    run_prefix: str | None = None  # --target aws: the prefix of what the run makes
    ledger_dir: Path | None = None
    max_response_bytes: int | None = None
    max_wait: float | None = None  # seconds one wait for a state may take (URL and aws targets)
    resolve_credentials: bool = True  # False for a dry run: --target aws needs no credentials to plan

    def __post_init__(self) -> None:
        """The checks argparse runs on the command line, for a value built from keywords."""
        if isinstance(self.endpoint_urls, str):
            raise UsageError("--endpoint-url: expected a tuple of URLs, got one string")
        if self.target not in (None, "embedded", "aws"):
            raise UsageError(f"--target: expected embedded or aws, got {self.target!r}")
        checked: tuple[tuple[str, Any, Callable[[str], Any]], ...] = (
            *(("--endpoint-url", url, inputs.endpoint_url) for url in self.endpoint_urls),
            ("--region", self.region, inputs.region), ("--max-rate", self.max_rate, inputs.MAX_RATE),
            ("--max-calls", self.max_calls, inputs.MAX_CALLS),
            ("--max-response-bytes", self.max_response_bytes, inputs.MAX_RESPONSE_BYTES),
            ("--max-wait", self.max_wait, inputs.MAX_WAIT))
        for option, value, check in checked:
            if value is not None:
                try:
                    check(str(value))
                except argparse.ArgumentTypeError as exc:
                    raise UsageError(f"{option}: {exc}") from None

    def urls(self) -> dict[str | None, str]:
        """``--endpoint-url`` by service (``None``: the URL for every other service)."""
        urls: dict[str | None, str] = {}
        for item in self.endpoint_urls:
            service, sep, url = item.partition("=")
            if sep and not service.startswith(("http://", "https://")):
                urls[service] = url
            else:
                urls[None] = item
        return urls

    @classmethod
    def from_endpoint(cls, endpoint: str) -> TargetOptions:
        """The options that name the target whose ``Target.endpoint`` text is ``endpoint``:
        ``embedded``, a URL, ``SERVICE=URL, *=URL`` pairs, or ``aws:REGION`` (opt-in not given)."""
        try:
            if endpoint.startswith("aws:"):
                return cls(target="aws", region=endpoint[4:] or None)
            if endpoint.startswith(("http://", "https://")):
                return cls(endpoint_urls=(endpoint,))
            pairs = [p.strip().split("=", 1) for p in endpoint.split(",") if "=" in p]
            return cls(endpoint_urls=tuple(url if svc == "*" else f"{svc}={url}" for svc, url in pairs))
        except UsageError:  # not a target's text (diff's "A vs B"): the embedded emulator
            return cls()

    @classmethod
    def from_namespace(cls, args: argparse.Namespace, *, dest_prefix: str = "") -> TargetOptions:
        """The options a parser filled (``dest_prefix``: the plugin's ``jobfuzz_``); those a command
        does not take keep their defaults."""
        given = vars(args)
        values = {f.name: given[dest_prefix + f.name] for f in fields(cls)
                  if f.name != "endpoint_urls" and given.get(dest_prefix + f.name) is not None}
        values["endpoint_urls"] = tuple(given.get(dest_prefix + "endpoint_url") or ())
        values["resolve_credentials"] = not given.get("dry_run", False)
        return cls(**values)


def add_target_options(add: AddOption, *, dest_prefix: str = "") -> None:
    """The options that choose the target: ``add`` is ``parser.add_argument`` or pytest's ``addoption``."""
    add("--endpoint-url", dest=f"{dest_prefix}endpoint_url", type=inputs.endpoint_url, action="append", default=[],
        metavar="URL|SERVICE=URL", help="test this endpoint (one for every service, or SERVICE=URL) instead of "
                                        "the embedded emulator")
    add("--target", dest=f"{dest_prefix}target", choices=("embedded", "aws"), default=None)
    add(AWS_OPT_IN, dest=f"{dest_prefix}aws_opt_in", action="store_true",
        help="required with --target aws: calls a real account and may cost money")
    add("--region", dest=f"{dest_prefix}region", type=inputs.region, default=None)
    add("--profile", dest=f"{dest_prefix}profile", default=None)
    add("--plant", dest=f"{dest_prefix}plant", default=None, metavar="NAME[,NAME]",
        help="embedded emulator: break it on purpose with these planted faults (--plant list)")
    add("--max-wait", dest=f"{dest_prefix}max_wait", type=inputs.MAX_WAIT, default=None, metavar="SECONDS",
        help="the longest a lifecycle waits for a state documented to come within a bound (default 3 with "
             "--endpoint-url, 600 with --target aws; a longer bound is not waited for)")
    add("--second-identity", dest=f"{dest_prefix}second_identity", default=None,
        metavar="AKID:SECRET[:TOKEN]|profile:NAME|env")
    add("--primary-identity", dest=f"{dest_prefix}primary_identity", default=None,
        metavar="AKID:SECRET[:TOKEN]|profile:NAME|env",
        help="credentials of the primary identity for --endpoint-url and the embedded emulator "
             "(env: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN)")


def add_safety_options(add: AddOption) -> None:
    """The caps and the run prefix (``run`` and ``replay``)."""
    add("--max-rate", type=inputs.MAX_RATE, default=None, metavar="N",
        help="at most N calls a second (default 5 with --target aws, else no cap)")
    add("--max-calls", type=inputs.MAX_CALLS, default=None, metavar="N",
        help="at most N calls in all, then stop and clean up (default 2000 with --target aws)")
    add("--run-prefix", default=None, metavar="PREFIX",
        help="--target aws: name resources with PREFIX (default jf and 6 random hex digits)")
    add("--ledger-dir", type=inputs.output_dir, default=None, metavar="DIR",
        help="--target aws: where the run records what it made (default .jobfuzz/runs)")


def build_target(options: TargetOptions) -> Target:
    """The target ``options`` name: the embedded emulator (the default), URLs, or a real account.
    Raises ``UsageError`` (one line) for options that exclude each other or name what is not there."""
    plant = planted_faults(options.plant)
    if plant and (options.target == "aws" or options.endpoint_urls):
        raise UsageError("--plant breaks the embedded emulator; for a URL, serve `jobfuzz emulator --plant NAME`")
    if options.target == "aws" and options.endpoint_urls:
        raise UsageError("--target aws and --endpoint-url exclude each other")
    target: Target
    if options.target == "aws":
        target = _aws_target(options)
    elif options.endpoint_urls:
        target = _url_target(options)
    else:
        target = EmbeddedTarget(region=options.region or "us-east-1", plant=plant)
    if options.max_response_bytes:
        target.limits.max_bytes = options.max_response_bytes
    if options.max_wait is not None:
        if target.polling is None:
            raise UsageError("--max-wait is for --endpoint-url and --target aws: the embedded emulator is not "
                             "waited for (the harness moves its clock)")
        target.max_wait = options.max_wait
    if target.kind != "aws":
        if options.primary_identity:
            target.identities["primary"] = parse_identity(options.primary_identity, "--primary-identity")
        if options.max_rate or options.max_calls:
            from harness.safety import CallLimiter

            target.limiter = CallLimiter(options.max_rate, options.max_calls)
    if options.second_identity:
        target.identities["second"] = parse_identity(options.second_identity)
    elif target.kind == "aws":
        target.identities.pop("second", None)
    from harness.redaction import protect

    protect(target.identities.values())  # before anything is signed: no output may show them
    return target


def _aws_target(options: TargetOptions) -> AwsTarget:
    region = options.region
    missing = [opt for opt, given in ((AWS_OPT_IN, options.aws_opt_in), ("--region REGION", region)) if not given]
    if missing or region is None:
        raise UsageError(f"--target aws calls a real account: add {' and '.join(missing)}")
    if options.primary_identity:
        raise UsageError("--primary-identity is for emulators: --target aws takes the standard credential "
                         "chain or --profile")
    try:
        return AwsTarget(profile=options.profile, region=region, prefix=options.run_prefix,
                         max_rate=options.max_rate or AwsTarget.default_max_rate,
                         max_calls=options.max_calls or AwsTarget.default_max_calls,
                         ledger_dir=options.ledger_dir, resolve_credentials=options.resolve_credentials)
    except TargetError as exc:
        raise UsageError(str(exc)) from None
    except Exception as exc:  # noqa: BLE001 - botocore's profile errors
        raise UsageError(f"--target aws: {exc}") from None


def _url_target(options: TargetOptions) -> UrlTarget:
    target = UrlTarget(options.urls(), region=options.region or "us-east-1")
    try:
        target.check_reachable()
    except TargetError as exc:
        raise UsageError(str(exc)) from None
    return target


def planted_faults(text: str | None) -> tuple[str, ...]:
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


def parse_identity(text: str, option: str = "--second-identity") -> Identity:
    """``AKID:SECRET[:TOKEN]``, ``profile:NAME`` or ``env`` (the AWS_* variables) as credentials."""
    if text == "env":
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
        if not frozen.access_key or not frozen.secret_key:
            raise UsageError(f"{option} {text}: the profile's credentials lack a key id or a secret key")
        return frozen.access_key, frozen.secret_key, frozen.token
    parts = text.split(":")
    if len(parts) not in (2, 3) or not all(parts):
        raise UsageError(f"{option}: expected ACCESS_KEY_ID:SECRET[:SESSION_TOKEN], profile:NAME or env")
    return parts[0], parts[1], parts[2] if len(parts) == 3 else None


def run_config(args: argparse.Namespace) -> RunConfig:
    """The ``RunConfig`` of ``run`` and ``diff``: services, operations, checks, phases, examples, budget."""
    from specs.loader import available_services

    services = tuple(args.service) or DEFAULT_SERVICES
    known = set(available_services())
    for s in services:
        if s not in known:
            raise UsageError(f"--service: botocore has no service {s!r}")
    return RunConfig(services=services, operations=tuple(args.operation),
                     checks=inputs.names(args.checks, CHECK_NAMES, "--checks", "check"),
                     phases=inputs.names(args.phases, PHASES, "--phases", "phase"),
                     max_examples=args.max_examples, budget_seconds=args.budget_seconds, seed=args.seed,
                     failures_dir=args.failures_dir, example_db=args.example_db or _default_db(),
                     shard=args.shard, observations=observations_file(getattr(args, "observations", None)),
                     strict=bool(getattr(args, "strict", False)))


def add_observation_options(add: AddOption, *, dest_prefix: str = "", strict: bool = True) -> None:
    """``--observations FILE`` (a recording of ``jobfuzz record``) and ``--strict`` (warnings fail the run)."""
    add("--observations", dest=f"{dest_prefix}observations", type=Path, default=None, metavar="FILE",
        help="compare answers with this recording of `jobfuzz record` too (besides the overlays' observations)")
    if strict:
        add("--strict", dest=f"{dest_prefix}strict", action="store_true",
            help="warnings (what AWS was observed to do, which no page promises) fail the run (exit 1)")


def observations_file(path: Path | None) -> Path | None:
    """``--observations FILE``, read and checked now (one line naming the place of what is wrong)."""
    if path is None:
        return None
    from harness.observations import ObservationsError, read_recording

    try:
        read_recording(path)
    except ObservationsError as exc:
        raise UsageError(str(exc)) from None
    return path


def _default_db() -> str:
    from harness.examples_db import DEFAULT_DB

    return DEFAULT_DB
