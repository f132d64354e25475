"""Schemathesis against the same planted faults as jobfuzz, with the same time budget.

For each planted fault of a rest-json service (``emulator.planted.FAULTS``), this script starts
``jobfuzz emulator --plant NAME`` on a free loopback port and runs

- Schemathesis's CLI on the OpenAPI 3.1 document ``jobfuzz specs openapi SERVICE`` exports for the
  fault's service, every check on (``--checks all``), every phase, signed with SigV4 by the auth
  provider in ``bench/sigv4_auth.py`` (loaded through ``SCHEMATHESIS_HOOKS``), ``--max-time BUDGET``;
- jobfuzz's engine (``harness.session.execute``) on the same services through a ``UrlTarget``, every
  check and phase, ``budget_seconds=BUDGET``;

each against a fresh planted emulator. Both tools also run once per service against the correct
emulator: the failures each reports there are its baseline (false positives, or places where the
tool's model of the API differs from the service's).

A fault counts as found by a tool when, within the budget, the tool reports a failure on the fault's
operation (the broken one, or the one where its effect shows, ``Fault.reported``) whose
(operation, check, request method, HTTP status) the same tool does not also report against the
correct emulator. Any check counts, not only the one the fault was planted for, except two kinds of
Schemathesis failure no planted fault can cause (``excluded``): its authentication checks (no
planted fault is about authentication; the emulator refuses an unsigned request with 403, as AWS
does) and its probes with methods the operation does not declare (answered before any operation of
the document runs). Import/Export is query protocol: it
has no OpenAPI form, Schemathesis cannot test it, and its faults count as not found by Schemathesis.

Usage (from the repository root, with the ``schemathesis`` extra installed)::

    python bench/bench_schemathesis.py                      # every fault, 60 s each
    python bench/bench_schemathesis.py --budget 20 --faults iotdata-update-crash-on-document,iot-not-found-status
    python bench/bench_schemathesis.py --json /tmp/st.json  # also write every failure seen
    python bench/schemathesis_report.py /tmp/st-a.json /tmp/st-b.json  # runs taken in parts, as one table

The whole catalogue takes about 100 minutes in one process on 2 cores; run it in parts (``--faults``,
each part with its own baselines) and merge them with ``bench/schemathesis_report.py``
(docs/benchmarks.md, "Bug-finding power").

Everything binds 127.0.0.1; every subprocess is stopped by the script, and Schemathesis is killed
when it runs past its budget by more than ``--grace`` seconds (failures after the budget do not count).
Work files (specs, NDJSON reports, Hypothesis data) go to a temporary folder, never the repository.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from _support import printed_url, stop  # noqa: E402 - the bench folder is on the path only from here

REST_JSON = ("iot-jobs-data", "iot", "amplifybackend")
QUERY = ("importexport",)
HOOKS = ROOT / "bench" / "sigv4_auth.py"

#: request-side patterns longer than this are clipped for Schemathesis (see ``clip_patterns``)
LONG_PATTERN = 1000
#: the clipped classes keep their members up to this code point (ASCII)
CLIP_TOP = 0x007F


# -- processes -----------------------------------------------------------------------------------
def _jobfuzz() -> list[str]:
    script = Path(sys.executable).with_name("jobfuzz")
    return [str(script)] if script.exists() else [sys.executable, "-m", "harness.cli"]


#: what ``jobfuzz emulator --plant NAME`` serves, for a checkout whose CLI lacks the option
_SERVE_PLANTED = """
import sys
from emulator.app import Emulator
from emulator.planted import PlantedEmulator
from emulator.server import EmulatorServer
server = EmulatorServer(PlantedEmulator(Emulator(), sys.argv[1]), host="127.0.0.1", port=0)
print(f"planted {sys.argv[1]}: {server.url}", flush=True)
server.serve_forever()
"""
_PLANT_OPTION: list[bool] = []


def _cli_has_plant() -> bool:
    if not _PLANT_OPTION:
        out = subprocess.run([*_jobfuzz(), "emulator", "--help"], cwd=ROOT, capture_output=True, text=True,
                             timeout=60, check=False)
        _PLANT_OPTION.append("--plant" in out.stdout)
        if not _PLANT_OPTION[0]:
            print("note: `jobfuzz emulator` has no --plant here; serving emulator.planted.PlantedEmulator "
                  "through emulator.server.EmulatorServer instead", flush=True)
    return _PLANT_OPTION[0]


@contextlib.contextmanager
def emulator(plant: str | None, *, cwd: Path, timeout: float = 30) -> Iterator[str]:
    """``jobfuzz emulator --host 127.0.0.1 --port 0 [--plant NAME]``; yields the URL it prints."""
    cmd = [*_jobfuzz(), "emulator", "--host", "127.0.0.1", "--port", "0"]
    if plant and _cli_has_plant():
        cmd += ["--plant", plant]
    elif plant:
        cmd = [sys.executable, "-c", _SERVE_PLANTED, plant]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (str(ROOT), os.environ.get("PYTHONPATH"))))}
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = printed_url(proc, timeout)
        if url is None:
            err = proc.stderr.read() if proc.poll() is not None and proc.stderr else ""
            raise RuntimeError(f"jobfuzz emulator {'--plant ' + plant if plant else ''} did not start: "
                               f"{err.strip().splitlines()[-1] if err.strip() else 'no URL printed'}")
        # keep the pipes drained so the server never blocks on a full pipe
        for stream in (proc.stdout, proc.stderr):
            threading.Thread(target=stream.read, daemon=True).start()
        yield url
    finally:
        stop(proc)


# -- the OpenAPI documents ----------------------------------------------------------------------
def export_openapi(service: str, cwd: Path) -> dict[str, Any]:
    """``jobfuzz specs openapi SERVICE``, parsed."""
    out = subprocess.run([*_jobfuzz(), "specs", "openapi", service], cwd=cwd, capture_output=True, text=True,
                         timeout=120, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"jobfuzz specs openapi {service}: {out.stderr.strip() or out.returncode}")
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def _classes(pattern: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each bracket expression ``[...]`` at the top level of ``pattern``."""
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if c == "[":
            j = i + 1
            if j < n and pattern[j] == "^":
                j += 1
            if j < n and pattern[j] == "]":
                j += 1
            while j < n and pattern[j] != "]":
                j += 2 if pattern[j] == "\\" else 1
            yield i, j + 1
            i = j + 1
            continue
        i += 1


def _compact(members: list[int]) -> str:
    ranges: list[tuple[int, int]] = []
    for cp in members:
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1] = (ranges[-1][0], cp)
        else:
            ranges.append((cp, cp))
    parts = [f"\\u{a:04x}" if a == b else f"\\u{a:04x}-\\u{b:04x}" for a, b in ranges]
    return "[" + "".join(parts) + "]"


def clip_pattern(pattern: str, top: int = CLIP_TOP) -> str:
    """``pattern`` with each character class cut down to its members at or below ``top``.

    The result matches a subset of what ``pattern`` matches, so a value drawn from it is still
    valid. Classes that already stay below ``top`` come out equivalent (in a compact form).
    """
    out, last = [], 0
    for start, end in _classes(pattern):
        cls = re.compile(pattern[start:end])
        members = [cp for cp in range(top + 1) if cls.fullmatch(chr(cp))]
        out.append(pattern[last:start])
        out.append(_compact(members) if members else pattern[start:end])
        last = end
    out.append(pattern[last:])
    return "".join(out)


def clip_patterns(doc: dict[str, Any], *, limit: int = LONG_PATTERN, top: int = CLIP_TOP) -> list[str]:
    """Clip the long patterns of request parameters and bodies in ``doc`` (in place).

    The botocore models write "no control characters" as Java's ``[^\\p{C}]``; the export spells it
    out as an explicit class of every allowed code point (JSON Schema's ECMA-262 regexes take no
    ``\\p`` without the ``u`` flag), some 11 000 characters. Hypothesis builds Schemathesis's string
    strategies from the pattern character by character, about 0.6 million characters a pattern, so
    an operation with such a field (UpdateJobExecution.statusDetails, CancelJob.comment, ...) gets a
    handful of test cases a minute; Schemathesis also folds the length into the pattern
    (``^[...]{1,30720}$``), which takes seconds to compile for a large class. Clipping the classes to
    their ASCII members keeps every drawn value valid and makes generation fast (the cost: no
    non-ASCII text in those fields). Response schemas keep their patterns, so response validation is
    unchanged. Returns where patterns were clipped.
    """
    clipped: list[str] = []
    components = (doc.get("components") or {}).get("schemas") or {}
    copies: dict[str, str] = {}

    def needs(node: Any, seen: frozenset[str] = frozenset()) -> bool:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
                name = ref.rsplit("/", 1)[1]
                return name not in seen and needs(components.get(name), seen | {name})
            if isinstance(node.get("pattern"), str) and len(node["pattern"]) > limit:
                return True
            return any(needs(v, seen) for v in node.values())
        if isinstance(node, list):
            return any(needs(v, seen) for v in node)
        return False

    def walk(node: Any, where: str) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
                name = ref.rsplit("/", 1)[1]
                if name in components and needs(components[name]):
                    if name not in copies:
                        copies[name] = f"{name}__request"
                        components[copies[name]] = {}
                        components[copies[name]] = walk(json.loads(json.dumps(components[name])), name)
                    return {**node, "$ref": f"#/components/schemas/{copies[name]}"}
                return node
            new = {k: walk(v, f"{where}/{k}") for k, v in node.items()}
            p = new.get("pattern")
            if isinstance(p, str) and len(p) > limit:
                new["pattern"] = clip_pattern(p, top)
                clipped.append(where)
            return new
        if isinstance(node, list):
            return [walk(v, f"{where}[{i}]") for i, v in enumerate(node)]
        return node

    for item in (doc.get("paths") or {}).values():
        for method, op in item.items():
            if not isinstance(op, dict):
                continue
            for key in ("parameters", "requestBody"):
                if key in op:
                    op[key] = walk(op[key], f"{op.get('operationId', method)}.{key}")
    return clipped


def labels(doc: dict[str, Any]) -> dict[str, str]:
    """operationId -> Schemathesis's label (``METHOD /path``)."""
    return {op["operationId"]: f"{method.upper()} {path}" for path, item in doc["paths"].items()
            for method, op in item.items() if isinstance(op, dict) and "operationId" in op}


# -- Schemathesis --------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Finding:
    tool: str
    operation: str  # Schemathesis: "METHOD /path"; jobfuzz: "service.Operation"
    check: str
    title: str
    at_s: float  # seconds after the tool's engine started
    detail: str = ""  # the request method and the HTTP status of the answer that failed
    message: str = ""
    request: str = ""  # Schemathesis: the failing case's method and path template

    @property
    def key(self) -> tuple[str, str, str]:
        """What makes two failures the same: operation, check, method and status."""
        return self.operation, self.check, self.detail


@dataclass
class ToolRun:
    findings: list[Finding] = field(default_factory=list)
    ran_s: float = 0.0
    cases: int = 0
    note: str = ""


def run_schemathesis(spec: Path, url: str, budget: float, *, work: Path, grace: float,
                     seed: int | None, operation_ids: Iterable[str] = ()) -> ToolRun:
    """``schemathesis run`` with every check and phase, SigV4-signed; its failures within ``budget``.

    ``operation_ids``: test only these operations of the document (all when empty)."""
    report = work / f"st-{time.monotonic_ns()}.ndjson"
    cmd = [sys.executable, "-m", "schemathesis.cli", "run", str(spec), "--url", url, "--checks", "all",
           "--max-time", str(max(1, round(budget))), "--continue-on-failure", "--generation-database", "none",
           "--report", "ndjson", "--report-ndjson-path", str(report), "--no-color"]
    for op_id in operation_ids:
        cmd += ["--include-operation-id", op_id]
    if seed is not None:
        cmd += ["--seed", str(seed)]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": str(HOOKS)}
    started = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=work, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    killed = False
    try:
        _, err = proc.communicate(timeout=budget + grace + 30)  # + spec loading
    except subprocess.TimeoutExpired:
        killed = True
        err = ""
    finally:
        stop(proc)
    run = ToolRun(ran_s=round(time.monotonic() - started, 1))
    if killed:
        run.note = f"killed {grace:.0f} s past the budget"
    if not report.exists():
        run.note = (run.note + "; " if run.note else "") + f"no report (exit {proc.returncode}): " + \
            (err.strip().splitlines()[-1] if err and err.strip() else "")
        return run
    parse_ndjson(report, budget, run)
    return run


def parse_ndjson(path: Path, budget: float, run: ToolRun) -> None:
    """Failures from Schemathesis's NDJSON event stream, timed from its ``EngineStarted`` event."""
    t0: float | None = None
    for line in path.read_text().splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue  # a line cut short when the run was killed
        (kind, body), = event.items()
        if kind == "EngineStarted":
            t0 = body["timestamp"]
        elif kind == "ScenarioFinished" and t0 is not None:
            rec = body.get("recorder") or {}
            interactions = rec.get("interactions") or {}
            cases = rec.get("cases") or {}
            run.cases += len(rec.get("cases") or {})
            for case_id, checks in (rec.get("checks") or {}).items():
                for check in checks:
                    if check.get("status") != "failure":
                        continue
                    failure = (check.get("failure_info") or {}).get("failure") or {}
                    exchange = interactions.get(case_id) or {}
                    at = exchange.get("timestamp") or body["timestamp"]
                    if at - t0 > budget:
                        continue
                    method = (exchange.get("request") or {}).get("method", "?")
                    status = (exchange.get("response") or {}).get("status_code", "none")
                    case = (cases.get(case_id) or {}).get("value") or {}
                    run.findings.append(Finding("schemathesis", failure.get("operation") or rec.get("label", "?"),
                                                check["name"], failure.get("title", ""), round(at - t0, 1),
                                                f"{method} -> {status}", (failure.get("message") or "")[:300],
                                                f"{str(case.get('method', '?')).upper()} {case.get('path', '?')}"))
        elif kind == "NonFatalError":
            run.note = (run.note + "; " if run.note else "") + "errors during the run"


# -- jobfuzz -------------------------------------------------------------------------------------
class _Timing:
    """A reporter that notes when each failure is recorded."""

    def __init__(self) -> None:
        self.t0 = time.monotonic()
        self.at: dict[int, float] = {}

    def on_start(self, *_: Any) -> None:
        self.t0 = time.monotonic()

    def on_failure(self, record: Any) -> None:
        self.at[id(record)] = time.monotonic() - self.t0

    def __getattr__(self, name: str) -> Any:
        return lambda *a, **k: None


def run_jobfuzz(services: Iterable[str], url: str, budget: float, *, seed: int | None,
                operations: Iterable[str] = ()) -> ToolRun:
    """``harness.session.execute`` on a ``UrlTarget``: every check and phase, ``budget`` seconds.

    ``operations``: test only these (``service.Operation``); their setup calls still run."""
    from harness.engine import RunConfig
    from harness.session import execute
    from harness.targets import UrlTarget

    timing = _Timing()
    started = time.monotonic()
    config = RunConfig(services=tuple(services), operations=tuple(operations), budget_seconds=budget, seed=seed,
                       example_db=":memory:")
    result = execute(UrlTarget({None: url}), config, timing)
    run = ToolRun(ran_s=round(time.monotonic() - started, 1), cases=result.calls)
    for rec in result.failures:
        if rec.flaky:
            continue  # did not happen again when its calls were replayed
        f = rec.failure
        run.findings.append(Finding("jobfuzz", f"{f.service}.{f.operation}", f.check, f.title,
                                    round(timing.at.get(id(rec), result.duration_s), 1),
                                    f"-> {f.status_code if f.status_code is not None else 'none'}", f.message[:300]))
    return run


# -- the benchmark -------------------------------------------------------------------------------
#: Schemathesis checks about authentication. The emulator refuses a request without credentials
#: with 403, as AWS does (``missing_required_header`` still fails: it expects 401), and no planted
#: fault is about authentication: a new failure of these is not counted as finding a fault (it is
#: listed apart).
AUTH_CHECKS = frozenset({"ignored_auth", "missing_required_header"})


#: how Schemathesis names the Authorization header as the invalid part of a negative case: the
#: export declares SigV4 as a required ``apiKey`` header, so a case without it is "invalid data",
#: and the emulator (authenticating nothing) answers it as the default account
_AUTH_COMPONENT = re.compile(
    r"Invalid component: (Missing `Authorization` at header|parameter `Authorization` in header)")


def excluded(finding: Finding, declared: set[str]) -> str | None:
    """Why a Schemathesis failure says nothing about a planted fault (None: it may).

    - an authentication check (``AUTH_CHECKS``), or a negative case whose invalid part is the
      missing Authorization header (``_AUTH_COMPONENT``): the same thing seen by another check;
    - a request no operation of the document declares: Schemathesis's unsupported-method probes
      (TRACE, QUERY, ... on a path), which the HTTP server answers (501) before any operation is
      dispatched, so no planted fault can change the answer. The baseline has them on whichever
      operations its run happened to probe, not on all. ``declared``: every ``METHOD /path``.
    """
    if finding.check in AUTH_CHECKS:
        return "authentication check"
    if finding.check == "negative_data_rejection" and _AUTH_COMPONENT.search(finding.message):
        return "the only invalid part is the missing Authorization header"
    method = finding.detail.split(" ", 1)[0]
    path = finding.request.split(" ", 1)[1] if " " in finding.request else "?"
    if method != "?" and path != "?" and f"{method} {path}" not in declared:
        return f"undeclared method {method} {path}"
    return None


@dataclass
class Row:
    fault: str
    check: str
    service: str
    operation: str
    st_found: bool | None  # None: not testable by Schemathesis
    st_at: float | None = None
    jf_found: bool | None = None  # None: not run
    jf_at: float | None = None
    st_hits: list[dict[str, Any]] = field(default_factory=list)
    #: new failures on the fault's operations that do not count (see ``excluded``), with the reason
    st_excluded: list[dict[str, Any]] = field(default_factory=list)
    #: every distinct failure Schemathesis reported in the fault's runs, on any operation
    st_all: list[dict[str, Any]] = field(default_factory=list)
    jf_hits: list[dict[str, Any]] = field(default_factory=list)
    st_cases: int = 0
    jf_calls: int = 0
    note: str = ""
    #: bench/bench_detection.py's figure (embedded emulator, the expected check), with --with-detection
    det_found: bool | None = None
    det_at: float | None = None


def services_of(fault: Any) -> tuple[str, ...]:
    return tuple(dict.fromkeys(q.split(".", 1)[0] for q in (fault.qualified, fault.reported, *fault.plan)))


def focus_of(fault: Any) -> tuple[str, ...]:
    """The operations a focused run tests: the broken one, where it shows, and the fault's plan."""
    return tuple(dict.fromkeys((fault.qualified, fault.reported, *fault.plan)))


class Bench:
    def __init__(self, args: argparse.Namespace, work: Path) -> None:
        self.args, self.work = args, work
        self.baseline_budget = args.baseline_budget or 2 * args.budget
        self.specs: dict[str, Path] = {}
        self.labels: dict[str, dict[str, str]] = {}
        self.st_base: dict[tuple[str, tuple[str, ...]], ToolRun] = {}
        self.jf_base: dict[tuple[tuple[str, ...], tuple[str, ...]], ToolRun] = {}

    def spec(self, service: str) -> Path:
        if service not in self.specs:
            doc = export_openapi(service, self.work)
            self.labels[service] = labels(doc)
            clipped = [] if self.args.keep_patterns else clip_patterns(doc)
            self.specs[service] = self.work / f"{service}.openapi.json"
            self.specs[service].write_text(json.dumps(doc))
            print(f"openapi {service}: {len(self.labels[service])} operations"
                  + (f", {len(clipped)} long request patterns clipped" if clipped else ""), flush=True)
        return self.specs[service]

    # what each tool runs on for a fault
    def st_plan(self, fault: Any) -> list[tuple[str, tuple[str, ...]]]:
        """(service, operation ids) a Schemathesis run each; ids empty: the whole document."""
        out = []
        for service in services_of(fault):
            self.spec(service)
            if self.args.scope == "service":
                out.append((service, ()))
                continue
            ids = tuple(op for s, op in (q.split(".", 1) for q in focus_of(fault))
                        if s == service and op in self.labels[service])
            if ids:
                out.append((service, ids))
        return out

    def jf_plan(self, fault: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
        return services_of(fault), (focus_of(fault) if self.args.scope == "operation" else ())

    # baselines: the same runs against the correct emulator, cached
    def st_baseline(self, service: str, ids: tuple[str, ...]) -> ToolRun:
        key = (service, ids)
        if key not in self.st_base:
            with emulator(None, cwd=self.work) as url:
                run = run_schemathesis(self.spec(service), url, self.baseline_budget, work=self.work,
                                       grace=self.args.grace, seed=self.args.seed, operation_ids=ids)
            self.st_base[key] = run
            print(f"baseline schemathesis {service}{' ' + ','.join(ids) if ids else ''}: "
                  f"{len({f.key for f in run.findings})} distinct failures in {run.cases} cases", flush=True)
        return self.st_base[key]

    def jf_baseline(self, services: tuple[str, ...], ops: tuple[str, ...]) -> ToolRun:
        key = (services, ops)
        if key not in self.jf_base:
            with emulator(None, cwd=self.work) as url:
                run = run_jobfuzz(services, url, self.baseline_budget, seed=self.args.seed, operations=ops)
            self.jf_base[key] = run
            print(f"baseline jobfuzz {','.join(services)}{' ' + ','.join(ops) if ops else ''}: "
                  f"{len({f.key for f in run.findings})} distinct failures in {run.cases} calls", flush=True)
        return self.jf_base[key]

    def run_fault(self, fault: Any) -> Row:
        row = Row(fault.name, fault.check, fault.service, fault.operation, st_found=None)
        if all(s in REST_JSON for s in services_of(fault)):
            self._schemathesis(fault, row)
        else:
            row.note = "query protocol: no OpenAPI form, not testable by Schemathesis (counted as not found)"
        if not self.args.skip_jobfuzz:
            self._jobfuzz(fault, row)
        if self.args.with_detection:
            self._detection(fault, row)
        return row

    def _detection(self, fault: Any, row: Row) -> None:
        """bench/bench_detection.py's ``detect``: the embedded emulator, stopped at the expected check."""
        bench_dir = str(ROOT / "bench")
        if bench_dir not in sys.path:
            sys.path.insert(0, bench_dir)
        import bench_detection

        with contextlib.redirect_stdout(sys.stderr):
            seed = self.args.seed if self.args.seed is not None else 1
            det = bench_detection.detect(fault.name, self.args.budget, seed)
        row.det_found, row.det_at = det.found, det.seconds

    def _schemathesis(self, fault: Any, row: Row) -> None:
        plan = self.st_plan(fault)
        ops = {self.labels[s][op] for s, op in (q.split(".", 1) for q in (fault.qualified, fault.reported))
               if op in self.labels.get(s, {})}
        baseline = {f.key for service, ids in plan for f in self.st_baseline(service, ids).findings}
        share = self.args.budget / len(plan)  # one document a run: the budget is split between them
        findings: list[Finding] = []
        notes = []
        for service, ids in plan:
            with emulator(fault.name, cwd=self.work) as url:
                run = run_schemathesis(self.spec(service), url, share, work=self.work, grace=self.args.grace,
                                       seed=self.args.seed, operation_ids=ids)
            findings += run.findings
            row.st_cases += run.cases
            if run.note:
                notes.append(run.note)
        new = sorted((f for f in findings if f.operation in ops and f.key not in baseline), key=lambda f: f.at_s)
        declared = {label for s, _ in plan for label in self.labels[s].values()}
        hits = [f for f in new if excluded(f, declared) is None]
        row.st_found = bool(hits)
        row.st_at = hits[0].at_s if hits else None
        row.st_hits = [asdict(f) for f in _distinct(hits, 1000)]
        row.st_excluded = [{**asdict(f), "why": excluded(f, declared)}
                           for f in _distinct(f for f in new if excluded(f, declared) is not None)]
        row.st_all = [asdict(f) for f in _distinct(sorted(findings, key=lambda f: f.at_s), 1000)]
        if notes:
            row.note = "; ".join(notes)

    def _jobfuzz(self, fault: Any, row: Row) -> None:
        services, ops = self.jf_plan(fault)
        baseline = {f.key for f in self.jf_baseline(services, ops).findings}
        with emulator(fault.name, cwd=self.work) as url:
            run = run_jobfuzz(services, url, self.args.budget, seed=self.args.seed, operations=ops)
        hits = sorted((f for f in run.findings if f.operation in {fault.qualified, fault.reported}
                       and f.key not in baseline), key=lambda f: f.at_s)
        row.jf_found = bool(hits)
        row.jf_at = hits[0].at_s if hits else None
        row.jf_hits = [asdict(f) for f in _distinct(hits)]
        row.jf_calls = run.cases


def _distinct(findings: Iterable[Finding], limit: int = 6) -> list[Finding]:
    out: dict[tuple[str, str, str], Finding] = {}
    for f in findings:
        out.setdefault(f.key, f)
    return list(out.values())[:limit]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n", 1)[0])
    ap.add_argument("--budget", type=float, default=60.0, help="seconds per fault and tool (default 60)")
    ap.add_argument("--baseline-budget", type=float, default=None,
                    help="seconds for each run on the correct emulator (default 2 x --budget)")
    ap.add_argument("--faults", default="", help="comma-separated fault names (default: all)")
    ap.add_argument("--scope", choices=("service", "operation"), default="service",
                    help="service: both tools test the fault's whole services; operation: only the fault's "
                         "operations (broken, reported, plan) - jobfuzz still makes its setup calls")
    ap.add_argument("--grace", type=float, default=30.0, help="seconds Schemathesis may overrun before it is killed")
    ap.add_argument("--seed", type=int, default=None, help="seed for both tools (default: random)")
    ap.add_argument("--keep-patterns", action="store_true",
                    help="give Schemathesis the export as it is (long request patterns unclipped)")
    ap.add_argument("--skip-jobfuzz", action="store_true", help="run Schemathesis only")
    ap.add_argument("--with-detection", action="store_true",
                    help="also run bench/bench_detection.py's detect() for each fault (embedded emulator, "
                         "stopped at the expected check) and show it as a third column")
    ap.add_argument("--json", type=Path, default=None, help="write the rows and baselines here")
    args = ap.parse_args(argv)
    # a TERM stops the run like Ctrl-C: the servers and Schemathesis are stopped on the way out
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    try:
        import schemathesis  # noqa: F401 - only whether it is installed
    except ImportError:
        print("bench_schemathesis: Schemathesis is not installed (pip install -e '.[schemathesis]')", file=sys.stderr)
        return 2
    from emulator.planted import FAULTS, resolve

    faults = resolve(args.faults) if args.faults else tuple(FAULTS.values())
    rest = [f for f in faults if all(s in REST_JSON for s in services_of(f))]
    print(_versions(), flush=True)
    print(f"scope {args.scope}; budget {args.budget:g} s a fault and tool; baselines "
          f"{args.baseline_budget or 2 * args.budget:g} s a run; {len(rest)} rest-json faults, "
          f"{len(faults) - len(rest)} query-protocol faults", flush=True)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="jobfuzz-bench-st-") as tmp:
        bench = Bench(args, Path(tmp))
        rows = []
        for fault in sorted(faults, key=lambda f: f not in rest):  # rest-json first
            row = bench.run_fault(fault)
            rows.append(row)
            print(_line(row), flush=True)
    print()
    print(table(rows))
    print()
    print(baselines(bench))
    print(f"\ntotal {time.monotonic() - started:.0f} s")
    if args.json is not None:
        args.json.write_text(json.dumps({
            "scope": args.scope, "budget_s": args.budget, "baseline_budget_s": bench.baseline_budget,
            "versions": _versions(), "rows": [asdict(r) for r in rows],
            "baseline": {
                "schemathesis": {f"{s} {','.join(ids)}".strip(): [asdict(f) for f in _distinct(r.findings, 1000)]
                                 for (s, ids), r in bench.st_base.items()},
                "jobfuzz": {f"{','.join(s)} {','.join(o)}".strip(): [asdict(f) for f in _distinct(r.findings, 1000)]
                            for (s, o), r in bench.jf_base.items()}},
        }, indent=1))
    return 0


def _mark(found: bool | None, at: float | None) -> str:
    if found is None:
        return "-"
    return f"yes {at:.1f} s" if found else "no"


def _line(row: Row) -> str:
    st = "n/a (query protocol)" if row.st_found is None else _mark(row.st_found, row.st_at)
    extra = ""
    if row.st_hits:
        extra = "  [" + ", ".join(f"{h['check']} {h['detail']}" for h in row.st_hits[:3]) + "]"
    elif row.st_excluded:
        extra = "  [only excluded: " + ", ".join(f"{h['check']} ({h['why']})" for h in row.st_excluded[:2]) + "]"
    return f"{row.fault}: schemathesis {st}  jobfuzz {_mark(row.jf_found, row.jf_at)}{extra}"


def table(rows: list[Row]) -> str:
    detection = any(r.det_found is not None for r in rows)
    head = ["fault", "check", "service", "Schemathesis", "jobfuzz"] + (["bench_detection"] if detection else [])
    def cell(found: bool | None, at: float | None, hits: list[dict[str, Any]]) -> str:
        return _mark(found, at) + (f" ({hits[0]['check']})" if found and hits else "")

    body = [[r.fault, r.check, r.service,
             "no (n/a)" if r.st_found is None else cell(r.st_found, r.st_at, r.st_hits),
             cell(r.jf_found, r.jf_at, r.jf_hits)] + ([_mark(r.det_found, r.det_at)] if detection else [])
            for r in rows]
    widths = [max(len(x) for x in col) for col in zip(head, *body, strict=True)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() for line in [head, *body]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    st = sum(1 for r in rows if r.st_found)
    st_auth = sum(1 for r in rows if r.st_found or r.st_excluded)
    jf = sum(1 for r in rows if r.jf_found)
    testable = sum(1 for r in rows if r.st_found is not None)
    lines += ["", f"faults: {len(rows)} ({testable} rest-json, {len(rows) - testable} query protocol)",
              (f"found by Schemathesis: {st} of {len(rows)} ({st} of the {testable} it can test; "
               f"{st_auth} if the excluded failures counted)"),
              f"found by jobfuzz:      {jf} of {len(rows)}"
              + (f" ({sum(1 for r in rows if r.jf_found and r.st_found is not None)} of the {testable} rest-json)"
                 if any(r.jf_found is not None for r in rows) else " (not run)")]
    if detection:
        lines.append(f"bench_detection:       {sum(1 for r in rows if r.det_found)} of {len(rows)}")
    return "\n".join(lines)


def baselines(bench: Bench) -> str:
    out = ["failures on the correct emulator (baselines):"]
    for (service, ids), run in bench.st_base.items():
        out.append(f"  schemathesis {service}{' ' + ','.join(ids) if ids else ''}: {run.cases} cases, "
                   f"{run.ran_s:.0f} s{', ' + run.note if run.note else ''}")
        out.extend(f"    {f.operation}  {f.check}  {f.detail}  ({f.title})"
                   for f in sorted(_distinct(run.findings, 1000), key=lambda f: f.key))
    for (services, ops), run in bench.jf_base.items():
        found = _distinct(run.findings, 1000)
        out.append(f"  jobfuzz {','.join(services)}{' ' + ','.join(ops) if ops else ''}: {run.cases} calls, "
                   f"{run.ran_s:.0f} s: {len(found) or 'none'}")
        out.extend(f"    {f.operation}  {f.check}  {f.detail}  ({f.title})" for f in sorted(found, key=lambda f: f.key))
    return "\n".join(out)


def _versions() -> str:
    import platform
    from importlib.metadata import version

    parts = []
    for name in ("schemathesis", "hypothesis", "botocore", "jobfuzz"):
        try:
            parts.append(f"{name} {version(name)}")
        except Exception:  # noqa: BLE001 - a package without metadata
            parts.append(f"{name} ?")
    return f"Python {platform.python_version()}; " + ", ".join(parts) + f"; {os.cpu_count()} cores"


if __name__ == "__main__":
    sys.exit(main())
