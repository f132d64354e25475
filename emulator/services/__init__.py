"""The service backends the emulator serves, imported lazily from a registry.

Each entry names a class as ``module:Class`` and the botocore services it serves; the class is
constructed as ``Cls(config)``. A backend whose module (or class) does not exist is left out, and
its services answer every operation as not implemented (HTTP 501).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from emulator.core import Backend, EmulatorConfig

__all__ = ["REGISTRY", "BackendEntry", "load_backends", "register"]


@dataclass(frozen=True, slots=True)
class BackendEntry:
    target: str  # "package.module:ClassName"
    services: tuple[str, ...]


REGISTRY: list[BackendEntry] = [
    BackendEntry("emulator.services.iot:IotBackend", ("iot", "iot-jobs-data")),
    BackendEntry("emulator.services.amplifybackend:AmplifyBackendBackend", ("amplifybackend",)),
    BackendEntry("emulator.services.importexport:ImportExportBackend", ("importexport",)),
]


def register(target: str, services: tuple[str, ...]) -> None:
    """Add (or replace) the backend of ``services``."""
    REGISTRY[:] = [e for e in REGISTRY if not set(e.services) & set(services)]
    REGISTRY.append(BackendEntry(target, tuple(services)))


def _load_class(target: str) -> type | None:
    module_name, _, class_name = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        # only the backend's own module may be missing; a missing dependency of it is a bug
        if exc.name and (module_name == exc.name or module_name.startswith(exc.name + ".")):
            return None
        raise
    return getattr(module, class_name, None)


def load_backends(config: EmulatorConfig) -> list[Backend]:
    """One instance of every registered backend that exists."""
    out: list[Backend] = []
    for entry in REGISTRY:
        cls = _load_class(entry.target)
        if cls is not None:
            out.append(cls(config))
    return out
