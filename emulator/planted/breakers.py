"""Breakers that any service's faults are made of, and the small pieces they take."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from emulator.core import ServiceError
from emulator.planted.base import Breaker, Proceed, Request, _on
from emulator.protocol import RawResponse


class _Before(Breaker):
    """Rewrite (or refuse, or crash on) the params of ``where`` before the emulator sees them."""

    def __init__(self, where: str, fn: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
        self.where, self.fn = where, fn

    def call(self, req: Request, proceed: Proceed) -> dict[str, Any]:
        return proceed(params=self.fn(dict(req.params))) if _on(req, self.where) else proceed()


class _After(Breaker):
    """Rewrite the result of a successful ``where``."""

    def __init__(self, where: str, fn: Callable[[Request, dict[str, Any]], dict[str, Any]]) -> None:
        self.where, self.fn = where, fn

    def call(self, req: Request, proceed: Proceed) -> dict[str, Any]:
        result = proceed()
        return self.fn(req, result) if _on(req, self.where) else result


class _Accept(Breaker):
    """Answer ``where``'s refusals with ``codes`` as a success (the change is not made)."""

    def __init__(self, where: str, codes: Iterable[str], answer: Callable[[Request, ServiceError], dict[str, Any]],
                 when: Callable[[Request, ServiceError], bool] | None = None) -> None:
        self.where, self.codes, self.answer, self.when = where, frozenset(codes), answer, when

    def call(self, req: Request, proceed: Proceed) -> dict[str, Any]:
        if not _on(req, self.where):
            return proceed()
        try:
            return proceed()
        except ServiceError as err:
            if err.code in self.codes and (self.when is None or self.when(req, err)):
                return self.answer(req, err)
            raise


class _Reword(Breaker):
    """Answer ``where``'s errors with ``codes`` under another code or HTTP status."""

    def __init__(self, where: str, codes: Iterable[str], *, code: str | None = None,
                 status: int | None = None) -> None:
        self.where, self.codes, self.code, self.status = where, frozenset(codes), code, status

    def call(self, req: Request, proceed: Proceed) -> dict[str, Any]:
        try:
            return proceed()
        except ServiceError as err:
            if not _on(req, self.where) or err.code not in self.codes:
                raise
            raise ServiceError(self.code or err.code, err.message, status=self.status or err.status,
                               fields=err.fields) from None


class _Skip(Breaker):
    """Acknowledge ``where`` without doing it."""

    def __init__(self, where: str, answer: Callable[[Request], dict[str, Any]]) -> None:
        self.where, self.answer = where, answer

    def call(self, req: Request, proceed: Proceed) -> dict[str, Any]:
        return self.answer(req) if _on(req, self.where) else proceed()


class _Body(Breaker):
    """Rewrite the raw body of ``where``'s success answers (``fn`` takes and gives text)."""

    def __init__(self, where: str, fn: Callable[[str], str]) -> None:
        self.where, self.fn = where, fn

    def respond(self, req: Request, resp: RawResponse) -> RawResponse:
        if not _on(req, self.where) or not 200 <= resp.status < 300:
            return resp
        return RawResponse(resp.status, dict(resp.headers), self.fn(resp.body.decode("utf-8")).encode("utf-8"))


def _json(fn: Callable[[dict[str, Any]], None]) -> Callable[[str], str]:
    def rewrite(text: str) -> str:
        data = json.loads(text or "{}")
        fn(data)
        return json.dumps(data)
    return rewrite


def _xml(tag: str, value: str) -> Callable[[str], str]:
    return lambda text: re.sub(rf"<{tag}>[^<]*</{tag}>", f"<{tag}>{value}</{tag}>", text)


class _Stale(Breaker):
    """Serve the first successful answer of ``where`` for each resource, whatever happens later."""

    def __init__(self, where: str, key: Callable[[dict[str, Any]], Any]) -> None:
        self.where, self.key = where, key
        self.cache: dict[tuple[str, Any], RawResponse] = {}

    def respond(self, req: Request, resp: RawResponse) -> RawResponse:
        if not _on(req, self.where) or not 200 <= resp.status < 300:
            return resp
        return self.cache.setdefault((req.account, self.key(req.params)), resp)


class _Index(Breaker):
    """Learn, from successful calls, a fact about a resource by its id (owner, parent)."""

    def __init__(self, learn: Mapping[str, Callable[[Request, dict[str, Any]], Iterable[tuple[Any, Any]]]]) -> None:
        self.learn = dict(learn)
        self.index: dict[Any, Any] = {}

    def call(self, req: Request, proceed: Proceed) -> dict[str, Any]:
        result = self.act(req, proceed)
        fn = self.learn.get(f"{req.service}.{req.operation}")
        if fn is not None:
            self.index.update(fn(req, result))
        return result

    def act(self, req: Request, proceed: Proceed) -> dict[str, Any]:
        return proceed()


class _Retried(_Index):
    """A not-found answer (``codes``) on ``where`` is retried with what the index learnt of ``key``."""

    def __init__(self, where: str, codes: Iterable[str], key: Callable[[dict[str, Any]], Any],
                 learn: Mapping[str, Callable[[Request, dict[str, Any]], Iterable[tuple[Any, Any]]]]) -> None:
        super().__init__(learn)
        self.where, self.codes, self.key = where, frozenset(codes), key


class _AnyAccount(_Retried):
    """A not-found answer on ``where`` is retried as the account that created the resource."""

    def act(self, req: Request, proceed: Proceed) -> dict[str, Any]:
        try:
            return proceed()
        except ServiceError as err:
            owner = self.index.get(self.key(req.params)) if _on(req, self.where) else None
            if err.code in self.codes and owner not in (None, req.account):
                return proceed(account=owner)
            raise


class _AnyParent(_Retried):
    """A not-found answer on ``where`` is retried with the parents the child really has."""

    def act(self, req: Request, proceed: Proceed) -> dict[str, Any]:
        try:
            return proceed()
        except ServiceError as err:
            parents = self.index.get((req.account, self.key(req.params))) if _on(req, self.where) else None
            if err.code in self.codes and parents:
                return proceed(params={**req.params, **parents})
            raise


class _Overlap(Breaker):
    """Each page after the first starts with the last item of the page before."""

    def __init__(self, where: str, token: str, limit: str, items: str) -> None:
        self.where, self.token, self.limit, self.items = where, token, limit, items
        self.last: dict[Any, Any] = {}

    def call(self, req: Request, proceed: Proceed) -> dict[str, Any]:
        if not _on(req, self.where):
            return proceed()
        p = dict(req.params)
        repeat = self.last.get(p.get(self.token)) if p.get(self.token) is not None else None
        if repeat is not None and p.get(self.limit):
            p[self.limit] = max(1, p[self.limit] - 1)
        result = dict(proceed(params=p))
        items = list(result.get(self.items) or [])
        if repeat is not None:
            items.insert(0, repeat)
        result[self.items] = items
        if result.get(self.token) is not None and items:
            self.last[result[self.token]] = items[-1]
        return result


# -- small pieces the catalogue uses ----------------------------------------------------------------
def _crash(what: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def fn(p: dict[str, Any]) -> dict[str, Any]:
        raise RuntimeError(f"planted crash: {what}")
    return fn


def _crash_if(test: Callable[[dict[str, Any]], bool], what: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda p: _crash(what)(p) if test(p) else p


def _without(*names: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda p: {k: v for k, v in p.items() if k not in names}


def _refuse_if(
    test: Callable[[dict[str, Any]], bool], code: str, message: str
) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def fn(p: dict[str, Any]) -> dict[str, Any]:
        if test(p):
            raise ServiceError(code, message, status=400)
        return p
    return fn


def _clamp(name: str, top: int) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def fn(p: dict[str, Any]) -> dict[str, Any]:
        if isinstance(p.get(name), int) and p[name] > top:
            p[name] = top
        return p
    return fn


def _set(key: str, value: Any) -> Callable[[Request, dict[str, Any]], dict[str, Any]]:
    return lambda req, result: {**result, key: value}


def _drop(*path: str) -> Callable[[dict[str, Any]], None]:
    """Remove the member at ``path`` (``"job", "createdAt"``) from a JSON answer."""
    def fn(data: dict[str, Any]) -> None:
        for key in path[:-1]:
            data = data.get(key) or {}
        data.pop(path[-1], None)
    return fn


def _put(member: str, value: Any, *under: str) -> Callable[[dict[str, Any]], None]:
    """Set ``member`` (when absent) in the object at ``under`` of a JSON answer."""
    def fn(data: dict[str, Any]) -> None:
        for key in under:
            data = data.get(key) or {}
        data.setdefault(member, value)
    return fn


def _status_to(value: str, *path: str) -> Callable[[dict[str, Any]], None]:
    def fn(data: dict[str, Any]) -> None:
        for key in path[:-1]:
            data = data.get(key) or {}
        if path[-1] in data:
            data[path[-1]] = value
    return fn


def _number(key: str) -> Callable[[dict[str, Any]], None]:
    def fn(data: dict[str, Any]) -> None:
        if key in data:
            data[key] = 1700000000000
    return fn
