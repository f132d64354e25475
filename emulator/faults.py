"""Fault mode: transient failures injected around a correct emulator, off by default.

``FaultyEmulator(emulator, FaultConfig(rate=0.2))`` has the emulator's ``handle`` interface. With
probability ``rate`` a request meets one of ``kinds`` (drawn uniformly) instead of, or before,
the real answer:

- ``throttle``: the service's modelled throttling error (iot-jobs-data ThrottlingException 429,
  iot ThrottlingException 400, amplifybackend TooManyRequestsException 429, importexport a 503
  query error ServiceUnavailable);
- ``unavailable``: ServiceUnavailableException 503 (amplifybackend: GatewayTimeoutException 504;
  importexport: ServiceUnavailable 503);
- ``latency``: wait ``latency_s`` seconds, then answer normally;
- ``drop``: no answer. ``handle`` raises ``DropConnection`` (a botocore ``ConnectionClosedError``):
  in-process botocore sees a closed connection; over HTTP the server closes the socket.

The backends never see a faulted request (except ``latency``), so state stays as if it was never
sent. Admin routes are never faulted. ``injected`` counts what was injected, by kind.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ConnectionClosedError

from emulator.protocol import RawResponse
from emulator.protocol.query import QueryProtocol
from emulator.protocol.restjson import RestJsonProtocol

__all__ = ["KINDS", "DropConnection", "FaultConfig", "FaultyEmulator"]

KINDS: tuple[str, ...] = ("throttle", "unavailable", "latency", "drop")

#: service -> kind -> (code, status)
_ERRORS: dict[str, dict[str, tuple[str, int]]] = {
    "iot-jobs-data": {
        "throttle": ("ThrottlingException", 429),
        "unavailable": ("ServiceUnavailableException", 503),
    },
    "iot": {"throttle": ("ThrottlingException", 400), "unavailable": ("ServiceUnavailableException", 503)},
    "amplifybackend": {
        "throttle": ("TooManyRequestsException", 429),
        "unavailable": ("GatewayTimeoutException", 504),
    },
    "importexport": {"throttle": ("ServiceUnavailable", 503), "unavailable": ("ServiceUnavailable", 503)},
}
_DEFAULT = {"throttle": ("ThrottlingException", 429), "unavailable": ("ServiceUnavailableException", 503)}


class DropConnection(ConnectionClosedError):
    """The connection is dropped without an answer."""

    def __init__(self, endpoint_url: str = "jobfuzz-emulator (injected drop)") -> None:
        super().__init__(endpoint_url=endpoint_url)


@dataclass(frozen=True, slots=True)
class FaultConfig:
    rate: float
    kinds: tuple[str, ...] = KINDS
    latency_s: float = 0.05
    seed: int | None = None

    def __post_init__(self) -> None:
        kinds = (self.kinds,) if isinstance(self.kinds, str) else tuple(self.kinds)
        object.__setattr__(self, "kinds", kinds)
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError(f"fault rate: expected a number in [0, 1], got {self.rate}")
        unknown = [k for k in kinds if k not in KINDS]
        if unknown or not kinds:
            raise ValueError(
                f"fault kinds: expected some of {', '.join(KINDS)}, got {', '.join(kinds) or 'none'}"
            )
        if self.latency_s < 0:
            raise ValueError(f"fault latency: expected at least 0 seconds, got {self.latency_s}")


class FaultyEmulator:
    """``emulator`` with faults injected at ``config.rate``; other attributes pass through."""

    def __init__(self, emulator: Any, config: FaultConfig) -> None:
        self.emulator = emulator
        self.fault_config = config
        self._rng = random.Random(config.seed)
        self._lock = threading.Lock()
        self.injected: dict[str, int] = {k: 0 for k in config.kinds}

    def __getattr__(self, name: str) -> Any:
        return getattr(self.emulator, name)

    def _draw(self) -> str | None:
        cfg = self.fault_config
        with self._lock:
            if self._rng.random() >= cfg.rate:
                return None
            kind = cfg.kinds[self._rng.randrange(len(cfg.kinds))]
            self.injected[kind] += 1
            return kind

    def handle(
        self, method: str, path_and_query: str, headers: Mapping[str, str], body: bytes = b""
    ) -> RawResponse:
        if path_and_query.startswith("/_jobfuzz/"):
            return self.emulator.handle(method, path_and_query, headers, body)
        kind = self._draw()
        if kind is None:
            return self.emulator.handle(method, path_and_query, headers, body)
        if kind == "latency":
            time.sleep(self.fault_config.latency_s)
            return self.emulator.handle(method, path_and_query, headers, body)
        if kind == "drop":
            raise DropConnection()
        service = self.emulator.service_for(method, path_and_query, headers)
        code, status = _ERRORS.get(service or "", _DEFAULT)[kind]
        message = f"injected fault ({kind}): {code}"
        if service == "importexport":
            return QueryProtocol.error(code, message, status, str(uuid.uuid4()), "Receiver")
        return RestJsonProtocol.error(code, message, status, {}, str(uuid.uuid4()))
