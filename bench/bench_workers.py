"""Scale-out: ``jobfuzz run --workers 1`` beside ``--workers 2`` on this machine.

    python bench/bench_workers.py [--rounds 3] [--max-examples 10] [--seed 1] [--skip-http]

Every round runs, in alternating order (1 then 2, then 2 then 1), the whole default run (the four
services, every phase and check) as ``python -m harness.cli run --quiet --max-examples N --seed S
--workers W --example-db :memory: --report-json PATH`` in a subprocess, against

embedded  the embedded emulator (the default target: each worker process has its own);
http      one ``python -m emulator`` subprocess (= ``jobfuzz emulator``) on 127.0.0.1, shared by
          the workers, its state reset before each run (``POST /_jobfuzz/reset``).

Three figures a run:

report rate  the report's ``summary.calls / summary.duration_s``; with workers, ``duration_s`` is
             the longest worker's engine time (it leaves out process start, loading the specs,
             starting the pool, the reruns of failures and the reports);
wall rate    ``summary.calls`` / the wall-clock time of the whole ``jobfuzz run`` process;
CPU          user + system seconds of the process and its workers (``RUSAGE_CHILDREN``), and of
             the HTTP emulator for ``http``; ``cores`` is CPU / wall (how much of the machine the
             run got), ``calls/CPU s`` what a call costs whatever else the machine runs.

The speed-up is the median of the rounds' ratios (2 workers / 1 worker). ``--balance`` adds, each
round, ``--shard 0/2`` and ``--shard 1/2`` run alone: the whole run's CPU over the larger half's is
the most two free cores could give (the work each half needs, whatever the load). The machine line and the
load average (before and after each target) say how busy the machine was: the two cores are
shared, and a figure taken under load understates what a second worker gives.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass

from _support import emulator_server, machine, median

WORKERS = (1, 2)
#: with --balance: the two halves, each in one process, one after the other
SHARDS = ("0/2", "1/2")


@dataclass(frozen=True, slots=True)
class RunFigures:
    calls: int
    duration_s: float  # the report's
    wall_s: float  # the process's
    cpu_s: float  # the process and its workers
    failures: int
    server_cpu_s: float = 0.0

    @property
    def report_rate(self) -> float:
        return self.calls / self.duration_s

    @property
    def wall_rate(self) -> float:
        return self.calls / self.wall_s


def _reset(url: str) -> None:
    req = urllib.request.Request(f"{url}/_jobfuzz/reset", method="POST", data=b"")
    with urllib.request.urlopen(req, timeout=10) as resp:
        resp.read()


def _children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def _cli_run(workers: int, args: argparse.Namespace, url: str | None, *extra: str) -> RunFigures:
    with tempfile.TemporaryDirectory(prefix="jobfuzz-bench-") as tmp:
        report = os.path.join(tmp, "report.json")
        cmd = [sys.executable, "-m", "harness.cli", "run", "--quiet",
               "--max-examples", str(args.max_examples),
               "--seed", str(args.seed), "--workers", str(workers), "--example-db", ":memory:",
               "--report-json", report, "--failures-dir", os.path.join(tmp, "failures")]
        if url:
            cmd += ["--endpoint-url", url]
        cmd += extra
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([os.getcwd(), os.environ.get("PYTHONPATH", "")]))
        cpu0 = _children_cpu()
        start = time.perf_counter()
        proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                              timeout=args.timeout, cwd=tmp, env=env, check=False)
        wall = time.perf_counter() - start
        cpu = _children_cpu() - cpu0
        if proc.returncode not in (0, 1, 3):  # 3: operations left untested (a budget cut the run)
            raise RuntimeError(f"jobfuzz run --workers {workers} exited {proc.returncode}: "
                               f"{proc.stderr.strip()[-500:]}")
        with open(report) as f:
            summary = json.load(f)["summary"]
    return RunFigures(int(summary["calls"]), float(summary["duration_s"]), wall, cpu,
                      int(summary["failures"]))


def _load() -> str:
    a, b, c = os.getloadavg()
    return f"{a:.2f} {b:.2f} {c:.2f}"


def _rounds(label: str, args: argparse.Namespace, url: str | None = None, server: object = None) -> None:
    print(f"\n[{label}] load average before: {_load()}", flush=True)
    runs: dict[int | str, list[RunFigures]] = {w: [] for w in (*WORKERS, *SHARDS)}
    steps: tuple[int | str, ...] = (*WORKERS, *SHARDS) if args.balance else WORKERS
    for r in range(args.rounds):
        for w in steps[r % len(steps):] + steps[:r % len(steps)]:  # rotating order
            if url:
                _reset(url)
            srv0 = server.cpu() if server is not None else 0.0  # type: ignore[attr-defined]
            fig = _cli_run(1, args, url, "--shard", w) if isinstance(w, str) else _cli_run(w, args, url)
            if server is not None:
                fig = RunFigures(fig.calls, fig.duration_s, fig.wall_s, fig.cpu_s, fig.failures,
                                 server.cpu() - srv0)  # type: ignore[attr-defined]
            runs[w].append(fig)
            option = "--shard" if isinstance(w, str) else "--workers"
            print(f"  round {r + 1} {option} {w}: {fig.calls} calls, report {fig.duration_s:.1f} s, "
                  f"wall {fig.wall_s:.1f} s, CPU {fig.cpu_s:.1f} s"
                  + (f" + emulator {fig.server_cpu_s:.1f} s" if server is not None else "")
                  + f", {fig.failures} failures", flush=True)
    print(f"  load average after: {_load()}")
    print(f"  {'':<12} {'report rate':>12} {'wall rate':>10} {'wall s':>7} {'CPU s':>6} {'cores':>6} "
          f"{'calls/CPU s':>12}   rounds (report rate)")
    for w in WORKERS:
        fs = runs[w]
        cpu = [f.cpu_s + f.server_cpu_s for f in fs]
        print(f"  --workers {w:<2} {median([f.report_rate for f in fs]):>9,.0f}/s "
              f"{median([f.wall_rate for f in fs]):>8,.0f}/s {median([f.wall_s for f in fs]):>7.1f} "
              f"{median(cpu):>6.1f} {median([c / f.wall_s for c, f in zip(cpu, fs, strict=True)]):>6.2f} "
              f"{median([f.calls / c for c, f in zip(cpu, fs, strict=True)]):>12,.0f}   "
              f"{', '.join(f'{f.report_rate:,.0f}' for f in fs)}")
    rep = [b.report_rate / a.report_rate for a, b in zip(runs[1], runs[2], strict=True)]
    wall = [b.wall_rate / a.wall_rate for a, b in zip(runs[1], runs[2], strict=True)]
    print(f"  speed-up of 2 workers: report rate x{median(rep):.2f} "
          f"(rounds: {', '.join(f'{x:.2f}' for x in rep)}), "
          f"wall rate x{median(wall):.2f} (rounds: {', '.join(f'{x:.2f}' for x in wall)})")
    if args.balance:
        cpus = {k: [f.cpu_s + f.server_cpu_s for f in runs[k]] for k in (1, *SHARDS)}
        bound = [whole / max(a, b) for whole, a, b in zip(*(cpus[k] for k in (1, *SHARDS)), strict=True)]
        print(f"  shards run one after the other: CPU {median(cpus[SHARDS[0]]):.1f} s and "
              f"{median(cpus[SHARDS[1]]):.1f} s (the whole run {median(cpus[1]):.1f} s); "
              "two free cores could run the whole at most "
              f"x{median(bound):.2f} faster than one (the whole run's CPU / the larger shard's; rounds: "
              f"{', '.join(f'{x:.2f}' for x in bound)})")
    calls = [f.calls for w in WORKERS for f in runs[w]]
    print(f"  calls a run: {min(calls)}..{max(calls)} (each process makes the resources of its own "
          "operations, so the setup calls differ with the split)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--max-examples", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=900, help="seconds a run may take at most")
    parser.add_argument("--skip-http", action="store_true", help="leave out the HTTP emulator rounds")
    parser.add_argument("--balance", action="store_true",
                        help="also run --shard 0/2 and 1/2 alone each round: how evenly the work splits")
    args = parser.parse_args(argv)
    print(f"machine: {machine()}")
    print(f"command: python {' '.join(sys.argv)}")
    print(f"runs: the default run (4 services, every phase and check), --max-examples {args.max_examples} "
          f"--seed {args.seed}, {args.rounds} rounds, --workers 1 and 2 in alternating order")
    started = time.monotonic()
    _rounds("embedded emulator", args)
    if not args.skip_http:
        with emulator_server() as server:
            label = f"HTTP emulator {server.url} (one process, shared by the workers)"
            _rounds(label, args, server.url, server)
    print(f"\n(total {time.monotonic() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
