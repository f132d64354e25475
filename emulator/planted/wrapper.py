"""``PlantedEmulator``: the correct emulator with planted faults around its dispatch."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from typing import Any

from emulator.planted.base import Fault, Request
from emulator.planted.catalogue import resolve
from emulator.protocol import RawResponse


class PlantedEmulator:
    """``emulator`` with ``faults`` planted; other attributes pass through to it."""

    emulator: Any
    faults: tuple[Fault, ...]
    _dispatch: Any

    def __init__(self, emulator: Any, faults: str | Iterable[str | Fault]) -> None:
        if isinstance(emulator, PlantedEmulator):  # planted again: one wrapper with every fault
            faults, dispatch = (*emulator.faults, *resolve(faults)), emulator._dispatch
            emulator = emulator.emulator
        elif callable(getattr(type(emulator), "_call", None)):
            dispatch = emulator._call
        else:
            raise TypeError(f"PlantedEmulator wraps an emulator.app.Emulator, got {type(emulator).__name__} "
                            f"(a FaultyEmulator goes around the PlantedEmulator)")
        self.emulator = emulator
        self.faults = resolve(faults)
        self._local = threading.local()
        self._lock = threading.RLock()
        self._breakers = [f.make() for f in self.faults]
        self._dispatch = dispatch
        emulator._call = self._call  # the seam: the instance's dispatch goes through the faults

    def __getattr__(self, name: str) -> Any:
        return getattr(self.emulator, name)

    @property
    def planted(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.faults)

    def handle(self, method: str, path_and_query: str, headers: Mapping[str, str], body: bytes = b"") -> RawResponse:
        if path_and_query.startswith("/_jobfuzz/"):
            resp = self.emulator.handle(method, path_and_query, headers, body)
            if path_and_query.split("?", 1)[0].rstrip("/") == "/_jobfuzz/reset" and resp.status == 200:
                with self._lock:
                    self._breakers = [f.make() for f in self.faults]
            return resp
        self._local.request = None
        service = self.emulator.service_for(method, path_and_query, headers)
        lowered = {k.lower(): v for k, v in headers.items()}
        with self._lock:
            breakers = list(self._breakers)
        for breaker in breakers:
            got = breaker.receive(service, lowered, body or b"")
            if isinstance(got, RawResponse):
                return got
            if got is not None:
                body = got
        resp = self.emulator.handle(method, path_and_query, headers, body)
        req = self._local.request
        if req is not None:
            with self._lock:
                for breaker in reversed(self._breakers):
                    resp = breaker.respond(req, resp)
        return resp

    def _call(self, service: str, operation: str, params: dict[str, Any], account: str, region: str,
              rid: str) -> dict[str, Any]:
        req = Request(service, operation, params, account)
        self._local.request = req
        with self._lock:
            breakers = list(self._breakers)

        def chain(i: int, r: Request) -> dict[str, Any]:
            def proceed(params: dict[str, Any] | None = None, account: str | None = None) -> dict[str, Any]:
                nxt = Request(r.service, r.operation, r.params if params is None else params,
                              r.account if account is None else account)
                if i + 1 < len(breakers):
                    return chain(i + 1, nxt)
                return self._dispatch(nxt.service, nxt.operation, nxt.params, nxt.account, region, rid)
            return breakers[i].call(r, proceed)

        if not breakers:
            return self._dispatch(service, operation, params, account, region, rid)
        with self._lock:
            return chain(0, req)
