"""Planted faults: named, deliberate breaks of documented behaviour, off unless asked for.

``PlantedEmulator(Emulator(), ["iotdata-terminal-restart"])`` has the emulator's ``handle``
interface and answers like it, except where a planted fault breaks one documented rule. Each fault
is a ``Breaker`` placed around the correct emulator at two seams, never inside its code:

- ``call``: around the emulator's dispatch of one request (``Emulator._call``: model validation,
  then the backend's handler). A breaker sees the operation, the typed params and the account; it
  may rewrite the params before validation, call on with another account, turn an error into a
  success, change an error's code or status, raise, or rewrite the result;
- ``respond``: the raw HTTP answer, for breaks the serialiser would not let through (a wrong type
  in a success body);
- ``receive``: the raw request before it is parsed, for breaks of how a request no SDK sends is
  answered (a body that is not JSON answered 500, or read as an empty one).

A breaker keeps what it learns (who created what, the answers it caches) for itself, from the
traffic it sees, not from the backends' state. ``PlantedEmulator`` installs its dispatch hook on
the emulator instance it wraps: hand it a fresh ``Emulator``. ``jobfuzz emulator --plant NAME`` and
``jobfuzz run --plant NAME`` (embedded target) serve a planted emulator; ``FAULTS`` is the
catalogue (docs/planted.md lists it with the harness's detection figures).

The package: ``base`` (the seams and ``Fault``), ``breakers`` (the breakers faults of any service
are made of), one catalogue module a service (``iot_jobs_data``, ``iot``, ``amplifybackend``,
``importexport``: its faults and the pieces only they use), ``patterns`` (the faults of every
service: model patterns checked on a part of the value), ``wire`` (requests no SDK sends),
``catalogue`` (``FAULTS`` in that order, ``resolve``) and ``wrapper`` (``PlantedEmulator``).
"""

from __future__ import annotations

from emulator.planted.base import Breaker, Fault, Request
from emulator.planted.catalogue import FAULTS, UnknownFault, catalogue_text, resolve
from emulator.planted.wrapper import PlantedEmulator

__all__ = ["FAULTS", "Breaker", "Fault", "PlantedEmulator", "Request", "UnknownFault", "catalogue_text", "resolve"]
