"""The catalogue of planted faults: every service's, by name, and how names are resolved."""

from __future__ import annotations

from collections.abc import Iterable

from emulator.planted import amplifybackend, importexport, iot, iot_jobs_data, patterns, readback, wire
from emulator.planted.base import Fault

FAULTS: dict[str, Fault] = {
    f.name: f
    for module in (iot_jobs_data, iot, amplifybackend, importexport, patterns, wire, readback)
    for f in module.FAULTS
}


class UnknownFault(ValueError):
    """A fault name that is not in the catalogue."""


def resolve(names: str | Iterable[str | Fault]) -> tuple[Fault, ...]:
    """The faults named in ``names`` (a comma-separated string, or names, or faults)."""
    items = [n.strip() for n in names.split(",")] if isinstance(names, str) else list(names)
    out: list[Fault] = []
    for item in items:
        if isinstance(item, Fault):
            fault: Fault | None = item
        elif not item:
            continue
        else:
            fault = FAULTS.get(item)
        if fault is None:
            raise UnknownFault(f"unknown fault {item!r} (known: {', '.join(FAULTS)})")
        if fault not in out:
            out.append(fault)
    return tuple(out)


def catalogue_text() -> str:
    """The catalogue as ``--plant list`` prints it: name, check, operation, description."""
    width = max(len(n) for n in FAULTS)
    lines = []
    for f in FAULTS.values():
        lines.append(f"{f.name:<{width}}  {f.check}  {f.qualified}")
        lines.append(f"{'':<{width}}  {f.description}")
    return "\n".join(lines)

