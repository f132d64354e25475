"""``jobfuzz diff``: the same calls and lifecycles sent to two endpoints, and where their answers differ.

The engine runs as for ``jobfuzz run``, against a ``LockstepTarget``: each call goes to A, then the
very same call (with B's own ids in place of A's, ``IdMap.to_b``) to B; A's answer drives the run
(resources, lifecycles, scenarios) and the pair is compared (``harness.diff_compare``). Each
distinct difference (operation, kind, path and the values that tell it apart) is kept once, with
the first call that showed it and both answers, and counted.

Exit status: 0 no difference, 1 differences found, 2 could not run (one line on stderr).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TextIO

from botocore.model import Shape

from harness import inputs
from harness.diff_compare import Difference, IdMap, compare, jsonable, summary
from harness.engine import Engine, PlanError, RunConfig
from harness.inputs import UsageError
from harness.model import Exchange
from harness.options import run_config
from harness.polling import Polling
from harness.reporting.console import PLAIN_PROGRESS_EVERY_S, ConsoleReporter
from harness.results import FailureRecord
from harness.targets import Target
from specs.loader import botocore_model
from strategies.calls import Call

__all__ = ["FORMAT", "DiffRecord", "DiffResult", "LockstepTarget", "print_diff", "run_diff", "side_target",
           "write_diff_json"]

FORMAT = "jobfuzz-diff/1"
_BODY_CHARS = 600


@dataclass
class DiffRecord:
    """One distinct difference, the first call that showed it, and how often it showed."""

    difference: Difference
    call: Call
    identity: str
    answer_a: Exchange
    answer_b: Exchange
    call_b: Call
    preceding: list[str] = field(default_factory=list)  # "service.Operation" of the example's earlier calls
    occurrences: int = 1


@dataclass
class DiffResult:
    endpoint_a: str
    endpoint_b: str
    seed: int = 0
    calls: int = 0  # calls sent to each endpoint
    duration_s: float = 0.0
    differences: dict[tuple[str, ...], DiffRecord] = field(default_factory=dict)
    unsupported: dict[str, str] = field(default_factory=dict)  # by A's answers
    stopped_by_budget: bool = False
    a_failures: int = 0  # contract failures the engine's checks found on A's answers (not differences)
    ids_paired: int = 0  # ids each endpoint made for the same thing, paired (IdMap)


class LockstepTarget:
    """Sends each call to A and to B; returns A's exchange and keeps what differs.

    To the engine it is A: its kind, identities, region and URLs; B follows with the same
    identities. ``engine`` (set once the engine is built) names the calls that led to a difference.
    """

    def __init__(self, a: Target, b: Target, result: DiffResult) -> None:
        self.a, self.b, self.result = a, b, result
        self.ids = IdMap()
        self.engine: Engine | None = None
        self.limiter = None
        b.identities = dict(a.identities)

    # -- A's face ------------------------------------------------------------------------------
    @property
    def kind(self) -> str:
        return self.a.kind

    @property
    def endpoint(self) -> str:
        return f"{self.a.endpoint} vs {self.b.endpoint}"

    @property
    def identities(self) -> dict[str, tuple[str, str, str | None]]:
        return self.a.identities

    @property
    def region(self) -> str:
        return self.a.region

    @property
    def transient(self) -> dict[str, int]:
        out = dict(self.a.transient)
        for k, v in self.b.transient.items():
            out[f"B {k}"] = v
        return out

    def access_key(self, identity: str = "primary") -> str:
        return self.a.access_key(identity)

    def endpoint_for(self, service: str) -> str | None:
        return self.a.endpoint_for(service)

    @property
    def polling(self) -> Polling | None:
        return self.a.polling

    @property
    def max_wait(self) -> float:
        return self.a.max_wait

    def advance_clock(self, seconds: float) -> None:
        for side in (self.a, self.b):
            getattr(side, "advance_clock", lambda s: None)(seconds)

    def close(self) -> None:
        self.a.close()
        self.b.close()

    # -- lockstep ------------------------------------------------------------------------------
    def send(self, call: Call, *, identity: str = "primary") -> Exchange:
        ids = self.ids
        call_b = self.for_b(call)
        ids.begin_call()
        ids.note_sent("a", [call.params, self.a.access_key(identity)])
        ids.note_sent("b", [call_b.params, self.b.access_key(identity)])
        ex_a = self.a.send(call, identity=identity)
        ex_b = self.b.send(call_b, identity=identity)
        self.result.calls += 1
        shape = _output_shape(call.service, call.operation)
        for d in compare(ex_a, ex_b, ids, shape):
            self._keep(d, call, call_b, identity, ex_a, ex_b)
        return ex_a

    def for_b(self, call: Call) -> Call:
        """``call`` as B must get it: B's ids where A's are."""
        params = self.ids.to_b(call.params)
        raw = call.raw
        if raw is not None and raw.body is not None:
            raw = replace(raw, body=self.ids.to_b(raw.body))
        if raw is not None and raw.extra is not None:
            raw = replace(raw, extra=self.ids.to_b(raw.extra))
        return replace(call, params=params, raw=raw)

    def _keep(self, d: Difference, call: Call, call_b: Call, identity: str, ex_a: Exchange, ex_b: Exchange) -> None:
        known = self.result.differences.get(d.key)
        if known is not None:
            known.occurrences += 1
            return
        preceding = [c.qualified for c in self.engine.sequence] if self.engine is not None else []
        self.result.differences[d.key] = DiffRecord(d, call, identity, ex_a, ex_b, call_b, preceding)


def _output_shape(service: str, operation: str) -> Shape | None:
    try:
        return botocore_model(service).operation_model(operation).output_shape
    except Exception:  # noqa: BLE001 - an operation botocore does not know: compared without a shape
        return None


def side_target(text: str, *, region: str) -> Target:
    """One side of a diff: a URL serving every service, ``embedded``, or ``embedded:FAULT[,FAULT]``
    (the embedded emulator with planted faults). Raises ValueError with the reason."""
    from harness.targets import EmbeddedTarget, TargetError, UrlTarget

    if text == "embedded" or text.startswith("embedded:"):
        plant: tuple[str, ...] = ()
        if text != "embedded":
            from emulator.planted import UnknownFault, resolve

            try:
                plant = tuple(f.name for f in resolve(text.partition(":")[2]))
            except UnknownFault as exc:
                raise ValueError(f"--endpoint-url {text}: {exc}") from None
        return EmbeddedTarget(region=region, plant=plant)
    if not text.startswith(("http://", "https://")):
        raise ValueError(f"--endpoint-url {text!r}: expected http://HOST:PORT, https://HOST, embedded or "
                         f"embedded:FAULT (one endpoint for every service on each side)")
    target = UrlTarget({None: text}, region=region)
    try:
        target.check_reachable()
    except TargetError as exc:
        raise ValueError(str(exc)) from None
    return target


def run_diff(a: Target, b: Target, config: RunConfig, *, progress: TextIO | None = None,
             labels: tuple[str, str] | None = None) -> DiffResult:
    """Run the engine with ``config`` on A and B in lockstep; ``progress``: where to show the phases
    and the counts while it runs (None: nowhere); ``labels``: how the report names A and B (default:
    their endpoints)."""
    result = DiffResult(*(labels or (a.endpoint, b.endpoint)))
    lockstep = LockstepTarget(a, b, result)
    reporter = _Progress(progress, result) if progress is not None else None
    started = time.monotonic()
    try:
        engine = Engine(lockstep, config, reporter)  # type: ignore[arg-type]  # a Target by duck typing
        lockstep.engine = engine
        run = engine.run()
    finally:
        lockstep.close()
        if reporter is not None:
            reporter.done()
    result.seed = run.seed
    result.duration_s = round(time.monotonic() - started, 3)
    result.unsupported = dict(run.unsupported)
    result.stopped_by_budget = run.stopped_by_budget
    result.a_failures = len(run.failures)
    result.ids_paired = lockstep.ids.paired
    return result


class _Progress(ConsoleReporter):
    """The run's phases and counts; A's own contract failures are not this command's report."""

    def __init__(self, stream: TextIO, result: DiffResult) -> None:
        super().__init__(stream)
        self.result = result

    def on_start(self, plan_description: str, total_ops: int) -> None:
        r = self.result
        self._line(f"jobfuzz diff: {total_ops} operation{'s' if total_ops != 1 else ''}, "
                   f"A {r.endpoint_a}, B {r.endpoint_b}")

    def on_failure(self, record: FailureRecord) -> None:
        pass

    def on_progress(self, calls: int, failures: int, elapsed_s: float) -> None:
        n = len(self.result.differences)
        text = f"{self.result.calls} calls to each, {n} difference{'s' if n != 1 else ''}, {elapsed_s:.0f} s"
        if self._phase:
            text += f"  [{self._phase}] {self._operation}"
        if self.tty:
            self._status(text)
        elif self._clock() - self._last_plain >= PLAIN_PROGRESS_EVERY_S:
            self._last_plain = self._clock()
            self._line(text)

    def done(self) -> None:
        self._clear_status()


# -- reports ---------------------------------------------------------------------------------------
def _body(ex: Exchange) -> Any:
    if ex.response is None:
        return None
    if ex.parsed is not None and 200 <= (ex.status or 0) < 300:
        return jsonable(ex.parsed)
    text = ex.response.body.decode("utf-8", "replace")
    return text if len(text) <= _BODY_CHARS else text[: _BODY_CHARS - 3] + "..."


def _answer(ex: Exchange) -> dict[str, Any]:
    return {"status": ex.status, "error_code": ex.error_code, "summary": summary(ex), "body": _body(ex)}


def _call(call: Call, identity: str) -> dict[str, Any]:
    return {"service": call.service, "operation": call.operation, "params": jsonable(call.params),
            "mode": call.mode, "identity": identity}


def diff_document(result: DiffResult) -> dict[str, Any]:
    records = sorted(result.differences.values(), key=lambda r: r.difference.key)
    return {
        "format": FORMAT,
        "summary": {"calls": result.calls, "duration_s": result.duration_s, "differences": len(records),
                    "seed": result.seed, "endpoints": {"a": result.endpoint_a, "b": result.endpoint_b},
                    "stopped_by_budget": result.stopped_by_budget, "a_failures": result.a_failures,
                    "ids_paired": result.ids_paired},
        "differences": [{
            "service": r.difference.service, "operation": r.difference.operation, "kind": r.difference.kind,
            "path": r.difference.path, "detail": r.difference.detail, "occurrences": r.occurrences,
            "call": _call(r.call, r.identity), "params_b": jsonable(r.call_b.params),
            "preceding_calls": r.preceding,
            "answers": {"a": _answer(r.answer_a), "b": _answer(r.answer_b)},
        } for r in records],
        "unsupported": dict(sorted(result.unsupported.items())),
    }


def write_diff_json(result: DiffResult, path: Path | str) -> Path:
    """Write the diff report to ``path`` (its folder is made if missing) in one step."""
    from harness.reporting.json_report import write_document

    return write_document(diff_document(result), path)


def _one_line(value: Any, limit: int = 300) -> str:
    text = json.dumps(jsonable(value), ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def print_diff(result: DiffResult, out: TextIO | None = None) -> None:
    out = out or sys.stdout
    records = sorted(result.differences.values(), key=lambda r: r.difference.key)
    budget = " (stopped by the budget)" if result.stopped_by_budget else ""
    print(f"jobfuzz diff: A {result.endpoint_a} vs B {result.endpoint_b}: {result.calls} calls to each, "
          f"{result.duration_s:.1f} s{budget}, seed {result.seed}, {result.ids_paired} ids paired", file=out)
    if not records:
        print("No difference: every answer of B matches A's (ids, times and request ids normalised).", file=out)
    else:
        print(f"{len(records)} difference{'s' if len(records) != 1 else ''}:", file=out)
    for r in records:
        d = r.difference
        where = f" at {d.path}" if d.path else ""
        print(f"\n  {d.qualified}: {d.kind}{where} (seen {r.occurrences} time{'s' if r.occurrences != 1 else ''})",
              file=out)
        print(f"    {d.detail}", file=out)
        who = "" if r.identity == "primary" else f" as {r.identity}"
        print(f"    call{who}: {r.call.qualified} {_one_line(r.call.params)}", file=out)
        if r.preceding:
            print(f"    after: {', '.join(r.preceding[-6:])}{' ...' if len(r.preceding) > 6 else ''}", file=out)
        print(f"    A: {summary(r.answer_a)} {_one_line(_body(r.answer_a))}", file=out)
        print(f"    B: {summary(r.answer_b)} {_one_line(_body(r.answer_b))}", file=out)
    if result.unsupported:
        print(f"\nNot implemented by A (no more calls sent to them): {', '.join(sorted(result.unsupported))}",
              file=out)
    if result.a_failures:
        print(f"\nA's answers alone also broke {result.a_failures} contract checks (`jobfuzz run` against A "
              "reports them).", file=out)


# -- the command -----------------------------------------------------------------------------------
def add_arguments(p: argparse.ArgumentParser) -> None:
    """The options of ``jobfuzz diff`` (harness.cli registers the subcommand)."""

    p.add_argument("--endpoint-url", type=_side, action="append", default=[], metavar="URL|embedded|embedded:FAULT",
                   help="give it twice: A (drives the run) then B; each serves every service")
    p.add_argument("--service", action="append", default=[], metavar="NAME",
                   help="iot-jobs-data, iot (its job operations), amplifybackend, importexport (repeatable)")
    p.add_argument("--operation", action="append", default=[], metavar="NAME",
                   help="Operation or service.Operation (repeatable)")
    p.add_argument("--phases", default=None, help="comma-separated: boundary,fuzz,lifecycle,scenarios")
    p.add_argument("--max-examples", type=inputs.MAX_EXAMPLES, default=None, metavar="N")
    p.add_argument("--budget-seconds", type=inputs.BUDGET_SECONDS, default=None, metavar="S")
    p.add_argument("--seed", type=inputs.SEED, default=None)
    p.add_argument("--region", type=inputs.region, default=None)
    p.add_argument("--report-json", type=inputs.output_file, default=None, metavar="PATH")
    p.add_argument("--quiet", action="store_true", help="no progress, only the final report")
    p.set_defaults(checks=None, shard=None, failures_dir=None, example_db=None)


def _side(text: str) -> str:
    """An ``--endpoint-url`` of diff: ``embedded[:FAULT]`` as it is, a URL checked (harness.inputs)."""
    return text if text == "embedded" or text.startswith("embedded:") else inputs.endpoint_url(text)


def cmd_diff(args: argparse.Namespace) -> int:
    urls = list(args.endpoint_url)
    if len(urls) != 2:
        raise UsageError(f"jobfuzz diff: expected --endpoint-url twice (A, then B), got it {len(urls)} time"
                         f"{'s' if len(urls) != 1 else ''}")
    config = run_config(args)
    region = args.region or "us-east-1"
    try:
        a = side_target(urls[0], region=region)
        b = side_target(urls[1], region=region)
    except ValueError as exc:
        raise UsageError(f"jobfuzz diff: {exc}") from None
    try:
        result = run_diff(a, b, config, progress=None if args.quiet else sys.stdout, labels=(urls[0], urls[1]))
    except PlanError as exc:
        raise UsageError(str(exc)) from None
    if args.report_json:
        write_diff_json(result, args.report_json)
    print_diff(result)
    return 1 if result.differences else 0
