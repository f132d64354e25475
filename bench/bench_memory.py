"""Memory of a long ``jobfuzz run``: the harness's resident set over a run of several minutes.

    python bench/bench_memory.py [--minutes 10] [--every 5] [--max-examples 100000]

Starts one ``python -m emulator`` on 127.0.0.1 (= ``jobfuzz emulator``) and one ``jobfuzz run
--endpoint-url URL --budget-seconds MINUTES*60 --max-examples N --seed 1 --quiet`` against it (a
subprocess in a fresh folder: every service, operation and phase, with so many examples that the
budget, not the plan, ends the run), and samples the resident set size of both processes every
``--every`` seconds from ``/proc/PID/status`` (VmRSS, and VmHWM for the peak).

The harness process should stay flat: what it keeps grows with the plan (operations, checks,
distinct failures), not with the calls. The emulator's process holds every resource the run made
(things, jobs, executions, Amplify apps, Import/Export jobs), as the real service does, so its
memory grows with the calls; it is printed beside the harness's for scale, not judged.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _support import emulator_server, machine, median

ROOT = Path(__file__).resolve().parents[1]


def _status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of ``pid`` in KiB (empty once the process is gone)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            return {k: int(v.split()[0]) for k, v in (line.split(":", 1) for line in f) if k in ("VmRSS", "VmHWM")}
    except (OSError, ValueError):
        return {}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--every", type=float, default=5.0, help="seconds between samples")
    parser.add_argument("--max-examples", type=int, default=100_000)
    args = parser.parse_args(argv)
    print(f"machine: {machine()}")
    print(f"command: python {' '.join(sys.argv)}")
    budget = args.minutes * 60
    samples: list[tuple[float, int, int]] = []  # (seconds, harness RSS KiB, emulator RSS KiB)
    with emulator_server() as server, tempfile.TemporaryDirectory(prefix="jobfuzz-bench-mem-") as tmp:
        report = os.path.join(tmp, "report.json")
        cmd = [sys.executable, "-m", "harness.cli", "run", "--endpoint-url", server.url, "--quiet", "--seed", "1",
               "--budget-seconds", str(budget), "--max-examples", str(args.max_examples),
               "--report-json", report, "--failures-dir", os.path.join(tmp, "failures")]
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        start = time.monotonic()
        proc = subprocess.Popen(cmd, cwd=tmp, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        peak = 0
        try:
            while proc.poll() is None and time.monotonic() - start < budget + 300:
                harness = _status(proc.pid)
                if harness:
                    peak = max(peak, harness.get("VmHWM", 0))
                    samples.append((time.monotonic() - start, harness["VmRSS"], _status(server.pid).get("VmRSS", 0)))
                time.sleep(args.every)
        finally:
            if proc.poll() is None:
                proc.kill()
            _, err = proc.communicate(timeout=30)
        if proc.returncode not in (0, 1, 3):  # 3: operations left untested (a budget cut the run)
            print(f"jobfuzz run exited {proc.returncode}: {err.strip()[-500:]}")
            return 2
        with open(report) as f:
            summary = json.load(f)["summary"]
    print(f"\n[memory] jobfuzz run against jobfuzz emulator over HTTP, budget {budget:.0f} s, sampled every "
          f"{args.every:g} s: {summary['calls']:,} calls in {summary['duration_s']:.0f} s, "
          f"{summary['failures']} failures")
    print("  t (s)   harness RSS (MiB)   emulator RSS (MiB)")
    marks = sorted({min(range(len(samples)), key=lambda i: abs(samples[i][0] - t))
                    for t in (10, 30, 60, 120, 300, budget / 2, budget - 10, budget)})
    for i in marks:
        t, h, e = samples[i]
        print(f"  {t:6.0f}   {h / 1024:17.1f}   {e / 1024:18.1f}")
    after = [s for s in samples if s[0] >= 60]
    if len(after) >= 4:
        first = median([h for _, h, _ in after[:3]])
        last = median([h for _, h, _ in after[-3:]])
        minutes = (after[-1][0] - after[0][0]) / 60
        growth = (last - first) / 1024 / max(minutes, 1e-9)
        print(f"  harness after the first minute: {first / 1024:.1f} -> {last / 1024:.1f} MiB "
              f"({growth:+.2f} MiB a minute); peak (VmHWM) {peak / 1024:.1f} MiB")
        print(f"  flat (under 1 MiB a minute after the first): {'yes' if abs(growth) < 1 else 'no'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
