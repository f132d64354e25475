"""The figures of one or more ``bench/bench_schemathesis.py --json`` files, as one table.

A comparison of every planted fault can be run in parts (``--faults`` a part each, for instance in
two processes side by side); this reads the parts, checks that they were taken with the same scope,
budget and versions and that no fault appears twice, and prints what ``bench_schemathesis.py``
prints at the end of a run: the per-fault table, the counts, and the baselines (the failures each
tool reports on the correct emulator), the Schemathesis ones grouped by why they cannot count.
``--markdown`` prints the per-fault table in Markdown (for docs/benchmarks.md) instead.

    python bench/schemathesis_report.py /tmp/st-a.json /tmp/st-b.json [--markdown]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_schemathesis import REST_JSON, Finding, Row, excluded, labels, table

#: Schemathesis's name for a jobfuzz check where they differ (the rest share their names)
SAME_CHECK = {"use_after_delete": frozenset({"use_after_delete", "use_after_free"})}


class ReportError(Exception):
    """The files do not make one comparison."""


def load(paths: list[Path]) -> tuple[dict[str, Any], list[Row], dict[str, dict[str, list[Finding]]]]:
    """(settings, rows, baselines by tool and run) of the ``--json`` files, merged."""
    settings: dict[str, Any] | None = None
    rows: list[Row] = []
    base: dict[str, dict[str, list[Finding]]] = {"schemathesis": {}, "jobfuzz": {}}
    for path in paths:
        try:
            doc = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise ReportError(f"{path}: not a bench_schemathesis.py --json file ({exc})") from exc
        mine = {k: doc.get(k) for k in ("scope", "budget_s", "baseline_budget_s", "versions")}
        if settings is None:
            settings = mine
        elif mine != settings:
            diff = next(k for k in mine if mine[k] != settings[k])
            raise ReportError(f"{path}: {diff} is {mine[diff]!r}, the first file has {settings[diff]!r}")
        seen = {r.fault for r in rows}
        for raw in doc.get("rows") or []:
            if raw["fault"] in seen:
                raise ReportError(f"{path}: fault {raw['fault']} is in an earlier file as well")
            rows.append(Row(**raw))
        for tool, runs in base.items():
            for run, found in ((doc.get("baseline") or {}).get(tool) or {}).items():
                runs.setdefault(run, []).extend(Finding(**f) for f in found)
    if settings is None:
        raise ReportError("no file given")
    declared = set().union(*(_declared(service) for service in REST_JSON))
    for row in rows:
        _recount(row, declared)
    order = {name: i for i, name in enumerate(_catalogue())}
    rows.sort(key=lambda r: (r.st_found is None, order.get(r.fault, len(order))))
    return settings, rows, base


def _recount(row: Row, declared: set[str]) -> None:
    """Apply today's ``excluded`` to a row's Schemathesis hits (a file may predate a rule)."""
    if row.st_found is None:
        return
    kept = []
    for hit in row.st_hits:
        why = excluded(Finding(**{k: v for k, v in hit.items() if k != "why"}), declared)
        if why is None:
            kept.append(hit)
        else:
            row.st_excluded.append({**hit, "why": why})
    row.st_hits = kept
    row.st_found = bool(kept)
    row.st_at = min(h["at_s"] for h in kept) if kept else None


def _catalogue() -> list[str]:
    root = Path(__file__).resolve().parents[1]
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    from emulator.planted import FAULTS

    return list(FAULTS)


def _declared(service: str) -> set[str]:
    from specs.openapi import openapi

    return set(labels(openapi(service)).values())


def _why(f: Finding, declared: set[str]) -> str:
    reason = excluded(f, declared)
    if reason is None:
        return "counted"
    return "undeclared method" if reason.startswith("undeclared") else "authentication"


def baseline_summary(base: dict[str, dict[str, list[Finding]]]) -> str:
    """Each baseline run: its distinct failures, the Schemathesis ones by why they cannot count."""
    out = ["failures on the correct emulator (distinct operation, check, method and status):"]
    for run, found in sorted(base["schemathesis"].items()):
        service = run.split(" ", 1)[0]
        declared = _declared(service) if service in REST_JSON else set()
        distinct = {f.key: f for f in found}
        why = Counter(_why(f, declared) for f in distinct.values())
        out.append(f"  schemathesis {run}: {len(distinct)} ("
                   + ", ".join(f"{n} {k}" for k, n in sorted(why.items())) + ")")
        out.extend(f"    {f.operation}  {f.check}  {f.detail}  ({f.title})" for f in
                   sorted(distinct.values(), key=lambda f: f.key) if _why(f, declared) == "counted")
    for run, found in sorted(base["jobfuzz"].items()):
        distinct = {f.key: f for f in found}
        out.append(f"  jobfuzz {run}: {len(distinct) or 'none'}")
        out.extend(f"    {f.operation}  {f.check}  {f.detail}  ({f.title})"
                   for f in sorted(distinct.values(), key=lambda f: f.key))
    return "\n".join(out)


def own_check(row: Row, hits: list[dict[str, Any]], budget: float) -> float | None:
    """When a hit first names the check the fault was planted for (or Schemathesis's name for it).

    The stricter reading of "found": a planted fault is a wrapper around the correct emulator, and
    some wrappers also change answers beside the one they break (a call they answer before the
    emulator validates it is accepted however invalid), which any check may report."""
    names = SAME_CHECK.get(row.check, frozenset({row.check}))
    times = [h["at_s"] for h in hits if h["check"] in names and h["at_s"] <= budget]
    return min(times) if times else None


def markdown(rows: list[Row], budget: float) -> str:
    """The per-fault table, Markdown: for each tool, found and when (with the first failure that
    counted), and when a failure of the fault's own check came (``own_check``)."""
    def cell(found: bool | None, at: float | None, hits: list[dict[str, Any]]) -> str:
        if found is None:
            return "n/a"
        if not found:
            return "**no**"
        first = min(hits, key=lambda h: h["at_s"]) if hits else None
        return f"{at:.1f} s" + (f" `{first['check']}` {first['detail']}" if first else "")

    def own(found: bool | None, hits: list[dict[str, Any]], row: Row) -> str:
        at = own_check(row, hits, budget) if found else None
        return "" if found is None else ("no" if at is None else f"{at:.1f} s")

    lines = ["| fault | planted for | Schemathesis: first failure | own check | jobfuzz: first failure | own check |",
             "|---|---|---|---|---|---|"]
    lines += [f"| `{r.fault}` | `{r.check}` | {cell(r.st_found, r.st_at, r.st_hits)} | "
              f"{own(r.st_found, r.st_hits, r)} | "
              f"{cell(r.jf_found, r.jf_at, r.jf_hits)} | {own(r.jf_found, r.jf_hits, r)} |" for r in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n", 1)[0])
    ap.add_argument("files", nargs="+", type=Path, help="files written by bench_schemathesis.py --json")
    ap.add_argument("--markdown", action="store_true", help="print the per-fault table in Markdown")
    args = ap.parse_args(argv)
    try:
        settings, rows, base = load(args.files)
    except ReportError as exc:
        print(f"schemathesis_report: {exc}", file=sys.stderr)
        return 2
    if args.markdown:
        print(markdown(rows, settings["budget_s"]))
        return 0
    print(settings["versions"])
    print(f"scope {settings['scope']}; budget {settings['budget_s']:g} s a fault and tool; baselines "
          f"{settings['baseline_budget_s']:g} s a run; {len(args.files)} file(s)")
    print()
    print(table(rows))
    st = sum(1 for r in rows if r.st_found)
    jf = sum(1 for r in rows if r.jf_found)
    print(f"ratio jobfuzz / Schemathesis: {jf / st:.2f}" if st else "ratio: Schemathesis found none")
    budget = settings["budget_s"]
    st_own = sum(1 for r in rows if r.st_found and own_check(r, r.st_hits, budget) is not None)
    jf_own = sum(1 for r in rows if r.jf_found and own_check(r, r.jf_hits, budget) is not None)
    print(f"with a failure of the fault's own check: Schemathesis {st_own}, jobfuzz {jf_own}"
          + (f" (ratio {jf_own / st_own:.2f})" if st_own else ""))
    only_st = [r.fault for r in rows if r.st_found and not r.jf_found]
    print(f"found by Schemathesis and not by jobfuzz: {', '.join(only_st) or 'none'}")
    print()
    print(baseline_summary(base))
    return 0


if __name__ == "__main__":
    sys.exit(main())
