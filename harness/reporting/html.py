"""One self-contained HTML page (``--html``): inline CSS, no script, no external resource."""

from __future__ import annotations

import datetime as _dt
from html import escape
from pathlib import Path

from harness.redaction import redact
from harness.reporting.console import summary_line
from harness.reporting.matrix import Matrix, build_matrix
from harness.repro import reproduce, wrap_command
from harness.results import FailureRecord, RunResult

__all__ = ["render_html", "write_html"]

_CSS = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto; max-width: 1200px;
       color: #1d1f21; padding: 0 1em; }
h1 { font-size: 1.5em; margin-bottom: .2em; } h2 { font-size: 1.2em; margin-top: 2em;
     border-bottom: 1px solid #ddd; padding-bottom: .2em; }
.summary { display: flex; flex-wrap: wrap; gap: .6em; margin: 1em 0; }
.stat { border: 1px solid #ddd; border-radius: 6px; padding: .4em .9em; background: #fafafa; }
.stat b { display: block; font-size: 1.3em; }
.stat.bad b { color: #b3261e; } .stat.good b { color: #1b7f3b; }
table { border-collapse: collapse; margin: .5em 0; }
th, td { border: 1px solid #ddd; padding: .25em .5em; text-align: left; vertical-align: top; }
table.matrix td.cell { text-align: center; width: 2.6em; font-weight: 600; }
table.matrix th.check { writing-mode: vertical-rl; transform: rotate(180deg); white-space: nowrap;
                        font-weight: 500; padding: .5em .2em; }
td.pass { background: #d7f2dd; color: #1b7f3b; } td.fail { background: #f8d3d0; color: #b3261e; }
td.flaky { background: #fcefc7; color: #8a6100; } td.not_run { background: #f3f3f3; color: #999; }
td.warn { background: #fdf3d9; color: #7a5200; }
.legend span { display: inline-block; padding: 0 .5em; margin-right: .5em; border: 1px solid #ddd; }
.failure { border: 1px solid #e6b8b4; border-left: 5px solid #b3261e; border-radius: 4px;
           padding: .6em 1em; margin: 1em 0; }
.failure.flaky { border-color: #ecd9a0; border-left-color: #c99700; }
.failure.warning { border-color: #ecd9a0; border-left-color: #7a5200; }
.failure h3 { margin: 0 0 .3em; font-size: 1.05em; }
.meta { color: #555; }
pre { background: #f6f8fa; border: 1px solid #e1e4e8; border-radius: 4px; padding: .6em; overflow-x: auto;
      white-space: pre-wrap; word-break: break-all; font-size: 12.5px; }
.seen { color: #1b7f3b; } .never { color: #8a6100; }
details summary { cursor: pointer; margin: .5em 0; }
code { background: #f0f0f0; padding: 0 .2em; border-radius: 3px; }
"""

_SYMBOL = {"pass": "✓", "fail": "✗", "flaky": "~", "not_run": "–", "warn": "!"}
_WORD = {"pass": "passed", "fail": "failed", "flaky": "flaky", "not_run": "not run", "warn": "warnings only"}


def _stat(label: str, value: object, cls: str = "") -> str:
    return f'<div class="stat {cls}"><b>{escape(str(value))}</b>{escape(label)}</div>'


def _summary(result: RunResult) -> str:
    real, flaky = len(result.real_failures), len(result.flaky_failures)
    parts = [
        _stat("failures", real, "bad" if real else "good"),
        _stat("flaky", flaky),
        _stat("warnings", len(result.warnings)),
        _stat("calls", result.calls),
        _stat("seconds", f"{float(result.duration_s):.1f}"),
        _stat("operations", len(result.coverage)),
        _stat("untested", len(result.untested), "bad" if result.untested else "good"),
        _stat("unsupported", len(result.unsupported)),
        _stat("seed", result.seed),
    ]
    return (f'<div class="summary">{"".join(parts)}</div>'
            f'<p class="meta">endpoint <code>{escape(result.endpoint)}</code> — {escape(summary_line(result))}</p>')


def _matrix(matrix: Matrix, unsupported: dict[str, str]) -> str:
    if not matrix.operations:
        return "<p>No operation was tested.</p>"
    head = "".join(f'<th class="check" title="{escape(c)}">{escape(c)}</th>' for c in matrix.checks)
    rows = []
    for op in matrix.operations:
        cells = []
        for check in matrix.checks:
            state = matrix.cell(op, check)
            passed, failed = matrix.counts.get((op, check), (0, 0))
            tip = f"{check} on {op}: {_WORD[state]} ({passed} passed, {failed} failed)"
            cells.append(f'<td class="cell {state}" title="{escape(tip)}">{_SYMBOL[state]}</td>')
        mark = ' <span class="meta">(unsupported)</span>' if op in unsupported else ""
        rows.append(f"<tr><th>{escape(op)}{mark}</th>{''.join(cells)}</tr>")
    legend = "".join(f'<span class="{s}">{_SYMBOL[s]} {_WORD[s]}</span>' for s in _SYMBOL)
    return (f'<table class="matrix"><thead><tr><th>operation</th>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table><p class="legend">{legend}</p>')


def _errors(result: RunResult) -> str:
    rows = []
    for op in sorted(result.coverage):
        cov = result.coverage[op]
        declared = list(cov.errors_declared)
        seen = [e for e in declared if e in cov.errors_seen]
        never = [e for e in declared if e not in cov.errors_seen]
        undeclared = sorted(cov.errors_seen - set(declared))
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(cov.statuses.items()))
        rows.append(
            f"<tr><th>{escape(op)}</th><td>{cov.calls}</td><td>{escape(statuses)}</td>"
            f'<td class="seen">{escape(", ".join(seen)) or "—"}</td>'
            f'<td class="never">{escape(", ".join(never)) or "—"}</td>'
            f"<td>{escape(', '.join(undeclared)) or '—'}</td></tr>")
    if not rows:
        return ""
    return ("<h2>Declared errors</h2><table><thead><tr><th>operation</th><th>calls</th><th>statuses</th>"
            "<th>declared, seen</th><th>declared, never seen</th><th>seen, not declared</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


def _failure(rec: FailureRecord, n: int, endpoint: str) -> str:
    f = rec.failure
    repro = reproduce(rec, endpoint)
    meta = [f"seed {rec.seed}", f"{len(rec.sequence)} call(s)"]
    if f.status_code is not None:
        meta.append(f"HTTP {f.status_code}")
    if f.error_code:
        meta.append(f.error_code)
    if rec.occurrences > 1:
        meta.append(f"seen {rec.occurrences} times")
    if rec.first_seen:
        meta.append(rec.first_seen)
    meta.append(f"rests on {f.basis}" + (f": {f.reference}" if f.reference else ""))
    kind = " flaky" if rec.flaky else " warning" if f.warning else ""
    parts = [
        f'<div class="failure{kind}">',
        f"<h3>{n}. <code>{escape(f.check)}</code> {escape(f.service)}.{escape(f.operation)}: {escape(f.title)}</h3>",
        f'<p class="meta">{escape(", ".join(meta))}</p>',
        f"<pre>{escape(f.message)}</pre>",
    ]
    if rec.case_file:
        parts.append(f"<p>case file: <code>{escape(rec.case_file)}</code></p>")
    if repro.replay:
        parts.append(f"<p>replay:</p><pre>{escape(repro.replay)}</pre>")
    cli = "\n".join("\n".join(wrap_command(line, 110)) for line in repro.cli)
    parts.append(f"<p>aws CLI ({len(repro.cli)} call(s), in order):</p><pre>{escape(cli)}</pre>")
    snippets = "\n\n".join(f"# call {i} of {len(repro.boto3)}\n{s}" for i, s in enumerate(repro.boto3, 1))
    parts.append(f"<details><summary>boto3 ({len(repro.boto3)} snippet(s))</summary><pre>{escape(snippets)}</pre>"
                 "</details>")
    parts += [f'<p class="meta">note: {escape(note)}</p>' for note in repro.notes]
    parts.append("</div>")
    return "\n".join(parts)


def _others(result: RunResult) -> str:
    out = []
    if result.gave_up:
        out.append(f"<h2>The run gave the endpoint up</h2><p>{escape(result.gave_up)}</p>")
    if result.untested:
        items = "".join(f"<li><code>{escape(op)}</code>: {escape(why)}</li>"
                        for op, why in sorted(result.untested.items()))
        out.append(f"<h2>Not tested ({len(result.untested)}): no answer the checks could judge</h2><ul>{items}</ul>")
    if result.not_judged:
        items = "".join(f"<li><code>{escape(what)}</code>: {escape(why)}</li>"
                        for what, why in sorted(result.not_judged.items()))
        out.append(f"<h2>Not judged ({len(result.not_judged)}): documented, but the run could not wait for it"
                   f"</h2><ul>{items}</ul>")
    if result.unsupported:
        items = "".join(f"<li><code>{escape(op)}</code>: {escape(why)}</li>"
                        for op, why in sorted(result.unsupported.items()))
        out.append(f"<h2>Unsupported by the endpoint</h2><ul>{items}</ul>")
    transient = {k: v for k, v in result.transient.items() if v}
    if transient:
        items = "".join(f"<li>{escape(k)}: {v}</li>" for k, v in sorted(transient.items()))
        out.append(f"<h2>Transient faults absorbed</h2><ul>{items}</ul>")
    if result.crashed_checks:
        items = "".join(f"<li><code>{escape(c.check)}</code> on {escape(c.operation)}: {escape(c.error)}</li>"
                        for c in result.crashed_checks)
        out.append(f"<h2>Checks that crashed</h2><ul>{items}</ul>")
    return "\n".join(out)


def render_html(result: RunResult) -> str:
    real, flaky = result.real_failures, result.flaky_failures
    stamp = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    body = [
        f"<h1>jobfuzz report</h1><p class=\"meta\">{escape(stamp)}</p>",
        _summary(result),
        "<h2>Operations × checks</h2>",
        _matrix(build_matrix(result), result.unsupported),
        _errors(result),
        f"<h2>Failures ({len(real)})</h2>",
        "\n".join(_failure(r, i, result.endpoint) for i, r in enumerate(real, 1)) or "<p>None.</p>",
    ]
    if result.warnings:
        body.append(f"<h2>Warnings ({len(result.warnings)}): what AWS was observed to do, which no page promises "
                    "(<code>--strict</code> fails on them)</h2>")
        body.append("\n".join(_failure(r, i, result.endpoint) for i, r in enumerate(result.warnings, 1)))
    if flaky:
        body.append(f"<h2>Flaky failures ({len(flaky)}): did not happen again on a rerun</h2>")
        body.append("\n".join(_failure(r, i, result.endpoint) for i, r in enumerate(flaky, 1)))
    body.append(_others(result))
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>jobfuzz report: {len(real)} failure(s)</title><style>{_CSS}</style></head>\n<body>\n"
            + "\n".join(body) + "\n</body></html>\n")


def write_html(result: RunResult, path: Path | str) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(redact(render_html(result)), encoding="utf-8")
    return path
