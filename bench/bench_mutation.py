"""Mutation testing of the embedded emulator with mutmut, the contract suite as the test command.

mutmut 3 (``[tool.mutmut]`` in pyproject.toml) mutates ``emulator/`` but the fault wrappers
(planted.py, faults.py), the HTTP server (server.py, which the in-process contract suite never
reaches) and ``__main__.py``; the tests are ``tests/contract`` with their default options (10
examples an operation and phase, seed 1). A full run (about 8,600 mutants) does not fit in an hour
on two shared cores, so this script measures a uniform random sample:

1. a snapshot of the tree at ``--ref`` (``git archive``) in a work folder, so that the figures
   belong to one commit and edits in the working tree during the run do not leak in; every package
   but the mutated emulator is imported from the snapshot (``PYTHONPATH``), the emulator from
   mutmut's ``mutants/`` copy, whose trampolines switch one mutant on at a time;
2. ``mutmut run`` with a filter that matches nothing: it generates every mutant and records which
   contract tests reach each function (mutmut runs only those tests against a mutant);
3. ``--sample`` mutants drawn with ``random.Random(--seed)`` from the sorted list of all mutants;
4. the drawn mutants that a contract test reaches run in batches (``mutmut run NAME ...``, one
   child, under ``nice``, each worker forked from a process that ran no test); the others are
   "no tests" (code no contract test executes); with ``--verify``, every survivor runs again
   against the whole contract suite in a fresh process (``MUTANT_UNDER_TEST``), since mutmut only
   runs the tests that reached the mutated function, and cached code is reached by one test;
   ``--fresh N`` judges every mutant that way (N processes at a time) instead of by mutmut's
   runs, whose verdicts on cached code were found not to repeat from one run to the next (17 of
   104 kills of one sample did not repeat); mutmut then only makes the mutants;
5. the verdicts, the diff of every mutant not killed and the score with its 95 % Wilson interval
   go to ``--json``; ``--classes FILE`` (a JSON object: mutant name -> {"class": ..., "note": ...},
   class one of ``equivalent``, ``gap``, ``out-of-scope``) turns the survivors' classification into
   the score over the non-equivalent mutants. ``--names FILE`` reruns given mutants (one a line)
   instead of drawing, e.g. the survivors of a sample after a fix of the harness.

    python bench/bench_mutation.py [--sample 1000] [--seed 1] [--first N [--skip M]] [--ref HEAD]
                                   [--emulator-ref REF] [--batch 150] [--verify] [--workdir DIR]
                                   [--json PATH] [--classes FILE] [--names FILE] [--fresh N]
    python bench/bench_mutation.py --rescore PATH --classes FILE   # a saved run, classified later
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _support import machine

ROOT = Path(__file__).resolve().parent.parent
#: mutmut's exit codes (mutmut.stats.status_by_exit_code) folded into the verdicts reported here
VERDICTS = {1: "killed", 3: "killed", 0: "survived", 5: "no tests", 33: "no tests", 36: "timeout",
            24: "timeout", -24: "timeout", 152: "timeout", 255: "timeout", -9: "timeout", -11: "crashed"}
NOTHING = "emulator.__no_mutant_matches_this__*"
CLASSES = ("equivalent", "gap", "out-of-scope")


def snapshot(ref: str, into: Path, emulator_ref: str | None = None) -> Path:
    """``ref`` in ``into/tree``; with ``emulator_ref``, the emulator (and the mutmut configuration
    that names its files) from that commit instead: a harness change measured on the same mutants."""
    tree = into / "tree"
    tree.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    if emulator_ref is not None:
        shutil.rmtree(tree / "emulator")
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", emulator_ref, "emulator", "pyproject.toml"],
                                 check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    _forkserver(tree / "pyproject.toml")
    return tree


def _forkserver(pyproject: Path) -> None:
    """mutmut forks each mutant's worker from a process that has run no test. Its default forks
    from the process that ran the clean tests, whose emulator keeps the validators and codecs it
    compiled with the unmutated code: a mutant inside them would never run (and count as
    survived). Commits before the setting was added get it here."""
    text = pyproject.read_text("utf-8")
    if "process_isolation" not in text:
        pyproject.write_text(text.replace("[tool.mutmut]\n", '[tool.mutmut]\nprocess_isolation = "forkserver"\n', 1),
                             "utf-8")


def mutmut(tree: Path, *args: str, timeout: float | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONDONTWRITEBYTECODE": "1"}
    exe = shutil.which("mutmut") or str(Path(sys.executable).with_name("mutmut"))
    cmd = ["nice", "-n", "10", exe, *args]  # the console script: mutmut's own modules load once
    return subprocess.run(cmd, check=False, cwd=tree, env=env, capture_output=True, text=True, timeout=timeout)


def prepare(tree: Path) -> None:
    """Generate every mutant and collect which tests reach which function (mutmut's stats)."""
    proc = mutmut(tree, "run", "--max-children", "1", NOTHING, timeout=3600)
    if not (tree / "mutants" / "mutmut-stats.json").exists():
        sys.exit(f"bench_mutation: mutmut could not generate the mutants or run the contract suite "
                 f"(exit {proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")


def all_mutants(tree: Path) -> dict[str, int | None]:
    """Every generated mutant -> its recorded exit code (None: not run yet)."""
    out: dict[str, int | None] = {}
    for meta in sorted((tree / "mutants" / "emulator").rglob("*.py.meta")):
        out.update(json.loads(meta.read_text("utf-8")).get("exit_code_by_key", {}))
    return out


def covered(tree: Path) -> set[str]:
    stats = json.loads((tree / "mutants" / "mutmut-stats.json").read_text("utf-8"))
    return {name for name, tests in stats["tests_by_mangled_function_name"].items() if tests}


def verify(tree: Path, name: str, timeout: float = 900) -> bool:
    """Whether the whole contract suite, in a fresh process with ``name`` switched on, fails.

    mutmut runs a mutant against the tests that reached its function while it collected stats;
    code the emulator runs once and caches (compiled validators and codecs) is reached by the first
    test only, so a survivor there may be one that another test kills."""
    env = {**os.environ, "PYTHONPATH": f"{tree / 'mutants'}{os.pathsep}{tree}", "PYTHONDONTWRITEBYTECODE": "1",
           "MUTANT_UNDER_TEST": name}
    cmd = ["nice", "-n", "10", sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
           "-p", "no:randomly", "tests/contract"]
    try:
        proc = subprocess.run(cmd, check=False, cwd=tree / "mutants", env=env, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return True
    return proc.returncode != 0


def verdict(code: int | None) -> str:
    return "not run" if code is None else VERDICTS.get(code, "suspicious")


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    if n == 0:
        return 0.0, 0.0
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def show(tree: Path, name: str) -> str:
    proc = mutmut(tree, "show", name, timeout=120)
    lines = [ln for ln in proc.stdout.splitlines() if ln[:1] in "+-" and ln[:3] not in ("+++", "---")]
    return "\n".join(lines)


def score(rows: list[dict[str, Any]], classes: dict[str, dict[str, str]]) -> dict[str, Any]:
    counts = Counter(r["verdict"] for r in rows)
    killed = counts["killed"] + counts["timeout"]  # a mutant that hangs the suite is caught by it
    classified = Counter(classes.get(r["name"], {}).get("class", "unclassified")
                         for r in rows if r["verdict"] not in ("killed", "timeout"))
    equivalent = classified["equivalent"]
    n = len(rows) - equivalent
    low, high = wilson(killed, n)
    return {"drawn": len(rows), "verdicts": dict(counts), "survivor_classes": dict(classified),
            "killed_or_timeout": killed, "raw_score": killed / len(rows) if rows else 0.0,
            "non_equivalent": n, "score": killed / n if n else 0.0, "ci95": [low, high]}


def report(result: dict[str, Any]) -> None:
    print(f"verdicts: {result['verdicts']}")
    print(f"survivors (incl. no tests) by class: {result['survivor_classes']}")
    print(f"killed {result['killed_or_timeout']}/{result['drawn']} drawn ({result['raw_score']:.1%}); "
          f"over the {result['non_equivalent']} non-equivalent: {result['score']:.1%} "
          f"(95 % CI {result['ci95'][0]:.1%} .. {result['ci95'][1]:.1%})")


def rescore(saved: Path, classes: dict[str, dict[str, str]]) -> int:
    """The score of a saved run's verdicts under ``classes`` (a classification made after the run)."""
    try:
        doc = json.loads(saved.read_text("utf-8"))
        rows = [{"name": r["name"], "verdict": r["verdict"]} for r in doc["mutants"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(f"bench_mutation: --rescore {saved}: not a --json of this script ({exc})", file=sys.stderr)
        return 2
    print(f"ref {doc.get('ref')} ({doc.get('commit')}), {len(rows)} verdicts from {saved}")
    report(score(rows, classes))
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sample", type=int, default=1000, help="mutants drawn from all generated (default 1000)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--ref", default="HEAD", help="the commit measured (default HEAD)")
    ap.add_argument("--emulator-ref", default=None, help="the emulator (the mutated code) from this commit")
    ap.add_argument("--batch", type=int, default=150, help="mutants a mutmut run (default 150)")
    ap.add_argument("--workdir", type=Path, default=None, help="keep the snapshot and mutants/ here")
    ap.add_argument("--json", type=Path, default=None, help="write every verdict and the score here")
    ap.add_argument("--classes", type=Path, default=None, help="survivor classification (JSON)")
    ap.add_argument("--names", type=Path, default=None, help="run these mutants (one a line) instead of a sample")
    ap.add_argument("--first", type=int, default=None,
                    help="run only the first N drawn mutants that a contract test reaches")
    ap.add_argument("--skip", type=int, default=0,
                    help="with --first: leave out the first SKIP reached mutants (a second sample after a first)")
    ap.add_argument("--fresh", type=int, default=0, metavar="N",
                    help="judge every mutant by the whole contract suite in a fresh process (N at a time) "
                         "instead of mutmut's runs: slower, and the same verdict every time")
    ap.add_argument("--rescore", type=Path, default=None, metavar="JSON",
                    help="run nothing: the score of the verdicts a --json of an earlier run saved, with --classes")
    ap.add_argument("--verify", action="store_true",
                    help="rerun every survivor against the whole contract suite in a fresh process")
    args = ap.parse_args(argv)
    if args.sample < 1 or args.batch < 1:
        print("bench_mutation: --sample and --batch must be at least 1", file=sys.stderr)
        return 2
    classes: dict[str, dict[str, str]] = {}
    if args.classes is not None:
        try:
            classes = json.loads(args.classes.read_text("utf-8"))
        except (OSError, ValueError) as exc:
            print(f"bench_mutation: --classes {args.classes}: {exc}", file=sys.stderr)
            return 2
        bad = {k: v.get("class") for k, v in classes.items() if v.get("class") not in CLASSES}
        if bad:
            print(f"bench_mutation: --classes {args.classes}: unknown class for {next(iter(bad))!r}: "
                  f"{next(iter(bad.values()))!r} (known: {', '.join(CLASSES)})", file=sys.stderr)
            return 2
    if args.rescore is not None:
        return rescore(args.rescore, classes)

    work = args.workdir or Path(tempfile.mkdtemp(prefix="jobfuzz-mutation-"))
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", args.ref], check=True,
                            capture_output=True, text=True).stdout.strip()
    tree = work / "tree"
    started = time.monotonic()
    if not (tree / "mutants" / "mutmut-stats.json").exists():
        tree = snapshot(args.ref, work, args.emulator_ref)
        print(f"snapshot of {args.ref} ({commit}), emulator of {args.emulator_ref or args.ref}, in {tree}; "
              f"generating mutants and collecting stats ...", flush=True)
        prepare(tree)
    population = all_mutants(tree)
    reached = covered(tree)
    if args.names is not None:
        drawn = [n for n in args.names.read_text("utf-8").split() if n]
        unknown = [n for n in drawn if n not in population]
        if unknown:
            print(f"bench_mutation: --names {args.names}: no mutant {unknown[0]!r} at {args.ref}", file=sys.stderr)
            return 2
    else:
        drawn = random.Random(args.seed).sample(sorted(population), min(args.sample, len(population)))
    to_run = [n for n in drawn if n.partition("__mutmut_")[0] in reached]
    if args.first is not None:  # the first N reached, in drawn order: a uniform sample of the reached
        to_run = to_run[args.skip:args.skip + args.first]  # --skip: the next N after a first sample
        drawn = list(to_run)
    print(f"{len(population)} mutants, {len(drawn)} drawn (seed {args.seed}), {len(to_run)} reached by a "
          f"contract test", flush=True)
    if args.fresh:  # every verdict from the whole suite in a fresh process; mutmut only made the mutants
        fresh = {}
        t0 = time.monotonic()
        with ThreadPoolExecutor(max_workers=args.fresh) as pool:
            for name, killed in zip(to_run, pool.map(lambda n: verify(tree, n), to_run), strict=True):
                fresh[name] = killed
                if len(fresh) % 25 == 0 and len(fresh) < len(to_run):  # progress on a run of an hour
                    print(f"  {len(fresh)}/{len(to_run)} in {time.monotonic() - t0:.0f} s: "
                          f"{sum(fresh.values())} killed", flush=True)
        print(f"  {len(to_run)} run in fresh processes: {sum(fresh.values())} killed", flush=True)
    for i in range(0, 0 if args.fresh else len(to_run), args.batch):
        chunk = to_run[i:i + args.batch]
        t0 = time.monotonic()
        proc = mutmut(tree, "run", "--max-children", "1", *chunk)
        codes = all_mutants(tree)
        done = Counter(verdict(codes.get(n)) for n in to_run[:i + len(chunk)])
        print(f"  {i + len(chunk)}/{len(to_run)} in {time.monotonic() - t0:.0f} s (exit {proc.returncode}): "
              f"{dict(done)}", flush=True)
    codes = all_mutants(tree)
    if args.fresh:
        codes.update({n: 1 if killed else 0 for n, killed in fresh.items()})
    rechecked: set[str] = set()
    if args.verify:
        left = [n for n in to_run if verdict(codes.get(n)) == "survived"]
        print(f"verifying {len(left)} survivors with the whole contract suite ...", flush=True)
        rechecked = {n for n in left if verify(tree, n)}
        print(f"  {len(rechecked)} of them killed by the whole suite", flush=True)
    rows = []
    for name in drawn:
        v = verdict(codes.get(name)) if name in to_run else "no tests"
        if name in rechecked:
            v = "killed"
        row: dict[str, Any] = {"name": name, "verdict": v}
        if name in rechecked:
            row["killed_by"] = "the whole contract suite (mutmut's selected tests missed it)"
        if v not in ("killed", "timeout"):
            row["diff"] = show(tree, name)
            row.update(classes.get(name, {}))
        rows.append(row)
    result = score(rows, classes)
    elapsed = time.monotonic() - started
    print(f"\n{machine()}\nref {args.ref} ({commit}), {elapsed / 60:.1f} min")
    report(result)
    if args.json is not None:
        doc = {"ref": args.ref, "commit": commit, "emulator_ref": args.emulator_ref, "seed": args.seed,
               "sample": args.sample, "population": len(population), "elapsed_s": round(elapsed, 1),
               "result": result, "mutants": rows}
        args.json.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
