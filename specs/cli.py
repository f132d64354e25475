"""``jobfuzz specs list | show SERVICE.Operation | lint | openapi SERVICE``.

``main(argv)`` takes the arguments after ``specs`` and returns the exit status: 0 done, 1 ``lint``
found an overlay piece without a source or a ``doc`` piece without a page, 2 could not run (unknown
service or operation, a bad overlay, bad arguments), with one line on stderr naming what was wrong.
``python -m specs ...`` runs the same.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import NoReturn, TextIO

from specs.loader import load_service
from specs.openapi import OpenApiError, openapi
from specs.overlay import OverlayError
from specs.show import show_operation

__all__ = ["SERVICES", "main"]

#: the services the harness covers (``iot`` means its job operations: the overlay's scope)
SERVICES = ("iot-jobs-data", "iot", "amplifybackend", "importexport")


class _Usage(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _Usage(message)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="jobfuzz specs", description="Inspect the specs the harness tests against.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    ls = sub.add_parser("list", help="every in-scope operation: service.Operation  METHOD URI")
    ls.add_argument("service", nargs="*", help=f"services (default: {', '.join(SERVICES)})")
    sh = sub.add_parser("show", help="everything the specs say about one operation")
    sh.add_argument("operation", help="SERVICE.Operation (or Operation when one service has it)")
    li = sub.add_parser("lint", help="where documentation and model disagree")
    li.add_argument("service", nargs="*", help=f"services (default: {', '.join(SERVICES)})")
    oa = sub.add_parser("openapi", help="an OpenAPI 3.1 document of a rest-json service")
    oa.add_argument("service")
    oa.add_argument("--output", "-o", help="write the document to FILE instead of stdout")
    oa.add_argument("--all-operations", action="store_true",
                    help="every operation of the model, not only the overlay's scope")
    return p


def _services(names: list[str]) -> list[str]:
    return list(dict.fromkeys(names)) or list(SERVICES)


def _resolve(name: str) -> tuple[str, str]:
    if "." in name:
        service, _, op = name.rpartition(".")
        if not service or not op:
            raise KeyError(f"expected SERVICE.Operation or Operation, got {name!r}")
        if op not in load_service(service).operations:
            raise KeyError(f"{service} has no operation {op!r}")
        return service, op
    owners = [s for s in SERVICES if name in load_service(s).operations]
    if len(owners) == 1:
        return owners[0], name
    if not owners:
        raise KeyError(f"no operation {name!r} in {', '.join(SERVICES)}; name it as SERVICE.Operation")
    raise KeyError(f"{name} is in {', '.join(owners)}; name it as SERVICE.Operation")


def cmd_list(services: list[str], out: TextIO) -> int:
    rows: list[tuple[str, str, str]] = []
    for name in services:
        svc = load_service(name)
        rows.extend((op.qualified, op.method, op.uri) for op in svc.in_scope())
    width = max((len(r[0]) for r in rows), default=0)
    out.writelines(f"{qualified.ljust(width)}  {method} {uri}\n" for qualified, method, uri in rows)
    return 0


def cmd_lint(services: list[str], out: TextIO) -> int:
    """Every finding; 1 when a piece of an overlay has no source or a doc piece names no page."""
    from specs.lint import lint, provenance

    missing = provenance(services)
    unloadable = {f.service for f in missing if f.kind == "no-source"}  # the schema refuses them
    order = {name: i for i, name in enumerate(services)}
    findings = sorted(missing + lint([s for s in services if s not in unloadable]), key=lambda f: order[f.service])
    current = None
    for f in findings:
        if f.service != current:
            current = f.service
            out.write(f"{current}\n")
        op = f"{f.operation}: " if f.operation else ""
        out.write(f"  [{f.kind}] {op}{f.where}: {f.message} ({f.source})\n")
    if missing:
        out.write(f"{len(missing)} piece(s) without a source or a page\n")
    return 1 if missing else 0


def cmd_openapi(service: str, output: str | None, all_operations: bool, out: TextIO) -> int:
    spec = load_service(service)
    doc = openapi(spec, list(spec.operations) if all_operations else None)
    text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    if output:
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise _Usage(f"cannot write {output}: {exc.strerror or exc}") from None
    else:
        out.write(text)
    return 0


def main(argv: list[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = _parser().parse_args(argv)
        if args.command == "list":
            return cmd_list(_services(args.service), out)
        if args.command == "show":
            service, op = _resolve(args.operation)
            out.write(show_operation(load_service(service), op))
            return 0
        if args.command == "lint":
            return cmd_lint(_services(args.service), out)
        return cmd_openapi(args.service, args.output, args.all_operations, out)
    except _Usage as exc:
        err.write(f"jobfuzz specs: {exc}\n")
    except KeyError as exc:  # unknown service or operation
        err.write(f"jobfuzz specs: {exc.args[0] if exc.args else exc}\n")
    except (OverlayError, OpenApiError) as exc:
        err.write(f"jobfuzz specs: {str(exc).splitlines()[0]}\n")
    return 2
