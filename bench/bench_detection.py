"""How fast jobfuzz finds each planted fault, and what it reports on the correct emulator.

For each fault of ``emulator.planted.FAULTS``: the engine of ``jobfuzz run`` on the embedded
emulator with that one fault planted, with the default settings for the fault's service (every
operation of the service in scope, every phase, every check, the default number of examples) and a
budget of 60 s. The run stops as soon as the expected check reports a failure on the expected
operation; the figure is the time from the start of the run to that failure (the engine records a
failure once Hypothesis has shrunk it, so shrinking is included). Then the same settings on the
correct emulator, once per service: every failure there is a false positive.

Prints one table and writes docs/planted.md (the catalogue with these figures).

    python bench/bench_detection.py [--budget 60] [--seed 1] [--jobs 2] [--fault NAME ...]
                                    [--docs docs/planted.md | --no-docs]
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import io
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _support import machine

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ("iot-jobs-data", "iot", "amplifybackend", "importexport")

#: why a fault is not found within the budget, where the reason is known (kept in docs/planted.md)
NOTES: dict[str, str] = {}


@dataclass
class Row:
    name: str
    check: str
    where: str  # service.Operation broken
    reported: str  # service.Operation the failure names
    found: bool = False
    seconds: float | None = None  # from the start of the run to the expected failure
    calls: int = 0
    duration: float = 0.0
    others: list[str] = field(default_factory=list)  # other failures reported before it
    crashed: list[str] = field(default_factory=list)


@dataclass
class Clean:
    service: str
    calls: int
    duration: float
    failures: list[str]
    crashed: list[str]


def _config(service: str, budget: float, seed: int) -> Any:
    from harness.engine import RunConfig

    return RunConfig(services=(service,), budget_seconds=budget, seed=seed)


def detect(name: str, budget: float, seed: int) -> Row:
    """One fault: run until its check fails on its operation, or the budget ends."""
    from emulator.planted import FAULTS
    from harness.engine import Engine, Stop
    from harness.targets import EmbeddedTarget

    fault = FAULTS[name]
    row = Row(fault.name, fault.check, fault.qualified, fault.reported)

    class Watch:
        engine: Any = None

        def on_failure(self, rec: Any) -> None:
            f = rec.failure
            if f.check == fault.check and f"{f.service}.{f.operation}" == fault.reported:
                if row.seconds is None:
                    row.seconds = round(self.engine.elapsed(), 2)
            elif row.seconds is None:
                row.others.append(f"{f.check} on {f.service}.{f.operation}")

        def __getattr__(self, attr: str) -> Any:
            return lambda *args, **kwargs: None

    class StopWhenFound(Engine):
        def check_budget(self) -> None:
            if row.seconds is not None:
                raise Stop()
            super().check_budget()

    watch = Watch()
    config = _config(fault.service, budget, seed)
    if fault.recorded:  # its check compares with what the correct emulator answered to the same run
        config = _recorded(config)
    engine = StopWhenFound(EmbeddedTarget(plant=[name]), config, watch)
    watch.engine = engine
    with contextlib.redirect_stdout(io.StringIO()):  # Hypothesis prints the steps of a stopped machine
        result = engine.run()
    row.found = row.seconds is not None
    row.calls, row.duration = result.calls, result.duration_s
    row.crashed = sorted({f"{c.check} on {c.operation}" for c in result.crashed_checks})
    return row


def _recorded(config: Any) -> Any:
    """``config`` compared with a recording (``jobfuzz record``) of the correct emulator's run of it."""
    from dataclasses import replace

    from harness.record import record
    from harness.targets import EmbeddedTarget

    folder = Path(tempfile.mkdtemp(prefix="jobfuzz-bench-recording-"))
    atexit.register(shutil.rmtree, folder, True)
    with contextlib.redirect_stdout(io.StringIO()):
        recording = record(EmbeddedTarget(), config)
    recording.write(folder / "recording.json", "bench")
    return replace(config, observations=folder / "recording.json")


def clean(service: str, budget: float, seed: int) -> Clean:
    """The same settings on the correct emulator: every failure is a false positive."""
    from harness.engine import Engine
    from harness.targets import EmbeddedTarget

    with contextlib.redirect_stdout(io.StringIO()):
        result = Engine(EmbeddedTarget(), _config(service, budget, seed)).run()
    failures = [f"[{r.failure.check}] {r.failure.service}.{r.failure.operation}: {r.failure.title}"
                for r in result.failures]
    crashed = sorted({f"{c.check} on {c.operation}: {c.message}" for c in result.crashed_checks})
    return Clean(service, result.calls, result.duration_s, failures, crashed)


# -- output ------------------------------------------------------------------------------------------
def _timing_notes(rows: list[Row]) -> list[str]:
    found = sorted((r.seconds, r.name) for r in rows if r.found and r.seconds is not None)
    if not found:
        return []
    median = statistics.median(t for t, _ in found)
    slowest, name = found[-1]
    return [f"- Time to the expected failure: median {median:.1f} s, slowest {slowest:.1f} s (`{name}`)."]


def _seconds(row: Row) -> str:
    return f"{row.seconds:.1f}" if row.seconds is not None else "—"


def table(rows: list[Row]) -> str:
    width = max(len(r.name) for r in rows)
    lines = [f"{'fault':<{width}}  {'check':<28}  {'found':<9}  {'time s':>6}  {'calls':>6}"]
    for r in rows:
        lines.append(f"{r.name:<{width}}  {r.check:<28}  {'found' if r.found else 'NOT FOUND':<9}  "
                     f"{_seconds(r):>6}  {r.calls:>6}")
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def markdown(rows: list[Row], cleans: list[Clean], *, budget: float, seed: int, machine_line: str,
             when: str) -> str:
    from emulator.planted import FAULTS

    found = sum(r.found for r in rows)
    out = [
        "# Planted faults",
        "",
        "`emulator/planted/` is a catalogue of deliberate breaks of documented behaviour. Each is applied",
        "around the correct emulator (its request dispatch or its raw answer), never inside its code, and",
        "each names the check that should find it. They show what the harness catches, and how fast:",
        "",
        "```",
        "jobfuzz run --plant iotdata-terminal-restart --service iot-jobs-data   # the embedded emulator, broken",
        "jobfuzz emulator --plant iotdata-terminal-restart,ie-get-status-stale  # the same over HTTP",
        "jobfuzz run --plant list                                              # the catalogue",
        "jobfuzz replay .jobfuzz/failures/<case>.json --plant iotdata-terminal-restart  # exit 1: still fails",
        "jobfuzz replay .jobfuzz/failures/<case>.json                                   # exit 0: correct emulator",
        "```",
        "",
        "`tests/integration/test_planted.py` holds every fault to its check in a small run (the operations",
        "and phases that reach it, a fixed seed) and the correct emulator to no failure in the same runs.",
        "The two faults of every service, `pattern-prefix-match` and `pattern-search-match` (model patterns",
        "checked with `re.match` or `re.search` instead of against the whole value), are held by",
        "`tests/integration/test_pattern_plants.py` to a `negative_data_rejection` failure on every",
        "operation whose input has a pattern (listed from the models); the table names one of them.",
        "",
        "## Detection",
        "",
        "`python bench/bench_detection.py`: for each fault, the engine of `jobfuzz run` with the fault",
        "planted and the default settings of its service (`--service SERVICE`: every operation, phase and",
        f"check, the default examples, seed {seed}), a budget of {budget:g} s, stopped once the expected",
        "check fails on the expected operation. *Time* is from the start of the run to that failure,",
        "shrinking included; *calls* counts every call the run sent.",
        "",
        "The faults of `observed_conformance` break no documented rule: they depart from what the",
        "service was observed to answer (docs/checks.md, \"How sure a finding is\"), so each is found",
        "against a recording of the correct emulator's run of the same settings (`jobfuzz record`, made",
        "first, not timed), as a warning; the correct emulator, compared with its own recording and with",
        "the overlays' observations, gives none.",
        "",
        f"Measured {when} on: {machine_line}.",
        "",
        f"Found: **{found} of {len(rows)}**.",
        "",
        "| fault | check | breaks | failure on | found | time (s) | calls | what it breaks |",
        "|---|---|---|---|---|---:|---:|---|",
    ]
    for r in rows:
        fault = FAULTS[r.name]
        out.append(f"| `{r.name}` | `{r.check}` | {r.where} | {r.reported} | "
                   f"{'yes' if r.found else '**no**'} | {_seconds(r)} | {r.calls} | {_cell(fault.description)} |")
    missed = [r for r in rows if not r.found]
    if missed:
        out += ["", "### Not found within the budget", ""]
        for r in missed:
            why = NOTES.get(r.name, "no failure of the expected check on the expected operation within the budget")
            seen = f" Other failures it caused: {', '.join(sorted(set(r.others)))}." if r.others else ""
            out.append(f"- `{r.name}` ({r.check} on {r.reported}): {why}.{seen}")
    out += [
        "",
        "What the figures show about the harness:",
        "",
        *_timing_notes(rows),
        "- Breadth first: every operation gets its first boundary and invalid calls, every lifecycle its",
        "  sweep (every transition from every state, with the waits the service owes) and every scenario",
        "  check its turn before the long searches, so no fault waits on the phases before its own.",
        "- A budget that ends while a failure is being shrunk keeps the smallest failure found so far.",
        "",
        "## The correct emulator",
        "",
        f"The same settings without a fault ({budget:g} s budget, seed {seed}): every failure is a false",
        "positive of the harness.",
        "",
        "| service | calls | duration (s) | failures | crashed checks |",
        "|---|---:|---:|---:|---:|",
    ]
    for c in cleans:
        out.append(f"| {c.service} | {c.calls} | {c.duration:.1f} | {len(c.failures)} | {len(c.crashed)} |")
    listed = [(c.service, f) for c in cleans for f in c.failures + [f"crashed: {x}" for x in c.crashed]]
    if listed:
        out += ["", "False positives seen:", ""]
        out += [f"- {_cell(f)}" for _, f in listed]
    out.append("")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=60.0, help="seconds a run (default 60)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1), help="runs at once")
    parser.add_argument("--fault", action="append", default=[], metavar="NAME", help="only these (repeatable)")
    parser.add_argument("--docs", type=Path, default=ROOT / "docs" / "planted.md")
    parser.add_argument("--no-docs", action="store_true", help="print only; leave docs/planted.md as it is")
    parser.add_argument("--json", type=Path, default=None, metavar="PATH", help="also save the figures here")
    parser.add_argument("--from-json", type=Path, default=None, metavar="PATH",
                        help="run nothing: print and write the docs from figures saved with --json")
    args = parser.parse_args()
    if args.from_json is not None:
        saved = json.loads(args.from_json.read_text())
        args.budget, args.seed = saved["budget"], saved["seed"]
        rows, cleans = [Row(**r) for r in saved["rows"]], [Clean(**c) for c in saved["cleans"]]
        report(rows, cleans, args, saved["machine"], saved["date"])
        return

    from emulator.planted import FAULTS, resolve

    faults = resolve(args.fault) if args.fault else tuple(FAULTS.values())
    services = [s for s in SERVICES if not args.fault or any(f.service == s for f in faults)]
    line = machine()
    print(line, flush=True)
    started = time.strftime("%Y-%m-%d")
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        jobs = [pool.submit(detect, f.name, args.budget, args.seed) for f in faults]
        cleaning = [pool.submit(clean, s, args.budget, args.seed) for s in services]
        rows = []
        for job in jobs:
            rows.append(job.result())
            r = rows[-1]
            print(f"{r.name}: {'found' if r.found else 'NOT FOUND'} {_seconds(r)} s ({r.calls} calls)", flush=True)
        cleans = [c.result() for c in cleaning]
    if args.json is not None:
        args.json.write_text(json.dumps({"machine": line, "date": started, "budget": args.budget, "seed": args.seed,
                                         "rows": [asdict(r) for r in rows], "cleans": [asdict(c) for c in cleans]},
                                        indent=1))
    report(rows, cleans, args, line, started)


def report(rows: list[Row], cleans: list[Clean], args: Any, line: str, started: str) -> None:
    print()
    print(table(rows))
    print()
    for c in cleans:
        print(f"correct emulator, {c.service}: {len(c.failures)} false positives, {len(c.crashed)} crashed checks "
              f"({c.calls} calls, {c.duration:.1f} s)")
        for f in c.failures + [f"crashed: {x}" for x in c.crashed]:
            print(f"  {f}")
    if not args.no_docs and not args.fault:
        args.docs.write_text(markdown(rows, cleans, budget=args.budget, seed=args.seed, machine_line=line,
                                      when=started), encoding="utf-8")
        print(f"\nwrote {args.docs}")


if __name__ == "__main__":
    main()
