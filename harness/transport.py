"""The HTTP under a URL target's botocore clients, bounded: in time by the run's budget, in size by a cap.

An endpoint nobody here wrote may answer nothing, answer slowly, or answer 100 MB. botocore's own
session reads every answer whole with fixed timeouts; ``BoundedHttp`` replaces it on a URL target's
clients (``client._endpoint.http_session``) and

- gives each call connect and read timeouts no longer than what is left of the budget (at least
  ``MIN_TIMEOUT_S``: the reruns of failures at the end run within ``GRACE_S`` past it), and stops
  reading a body once the budget and its grace have passed;
- reads an answer only up to ``limits.max_bytes``: a larger one (by its Content-Length, before any
  of its body is read, or once the cap is passed) raises ``ResponseTooLarge`` with its status,
  headers and first bytes, and its connection is dropped rather than read to the end.

Failures come out as botocore's own exceptions (``ReadTimeoutError``, ``ConnectionClosedError``,
...), so that the client behaves as with its own session.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import urllib3
from botocore.awsrequest import AWSResponse
from botocore.exceptions import (
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    HTTPClientError,
    ReadTimeoutError,
)

__all__ = ["DEFAULT_MAX_RESPONSE_BYTES", "GRACE_S", "BoundedHttp", "Limits", "ResponseTooLarge"]

DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024
#: how long past the budget the run may still send (the reruns of its failures)
GRACE_S = 5.0
MIN_TIMEOUT_S = 1.0
_CHUNK = 64 * 1024
#: how much of an answer larger than the cap is kept (for the failure's message and the checks)
KEPT_BYTES = 4096


@dataclass
class Limits:
    """What bounds every call of a target; ``deadline`` (``time.monotonic()``) is set by the run."""

    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    max_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    deadline: float | None = None

    def left(self, grace: float = GRACE_S) -> float | None:
        """Seconds left until the deadline and ``grace`` (None: no deadline)."""
        if self.deadline is None:
            return None
        return self.deadline + grace - time.monotonic()

    def timeout(self) -> urllib3.Timeout:
        left = self.left(grace=0.0)
        if left is None:
            return urllib3.Timeout(connect=self.connect_timeout, read=self.read_timeout)
        left = max(left, MIN_TIMEOUT_S)
        return urllib3.Timeout(connect=min(self.connect_timeout, left), read=min(self.read_timeout, left))


class ResponseTooLarge(HTTPClientError):
    """An answer over the cap; ``head`` is its first bytes, ``size`` what is known of its size."""

    fmt = "{what}"

    def __init__(self, *, status: int, headers: dict[str, str], head: bytes, size: str, cap: int) -> None:
        self.status, self.headers, self.head, self.size, self.cap = status, headers, head, size, cap
        super().__init__(what=f"the answer is {size}, over the {cap}-byte cap (--max-response-bytes); "
                              f"the rest was not read")


class BoundedHttp:
    """A stand-in for botocore's HTTP session (``send(request) -> AWSResponse``, ``close()``)."""

    def __init__(self, limits: Limits, *, max_pool_connections: int = 16) -> None:
        self.limits = limits
        self._pool = urllib3.PoolManager(maxsize=max_pool_connections, retries=False)

    def close(self) -> None:
        self._pool.clear()

    def send(self, request: Any) -> AWSResponse:
        url = request.url
        try:
            raw = self._pool.urlopen(request.method, url, body=request.body, headers=dict(request.headers.items()),
                                     retries=False, redirect=False, assert_same_host=False,
                                     preload_content=False, decode_content=False, timeout=self.limits.timeout())
        except urllib3.exceptions.ConnectTimeoutError as exc:
            raise ConnectTimeoutError(endpoint_url=url, error=exc) from None
        except urllib3.exceptions.ReadTimeoutError as exc:
            raise ReadTimeoutError(endpoint_url=url, error=exc) from None
        except urllib3.exceptions.NewConnectionError as exc:
            raise EndpointConnectionError(endpoint_url=url, error=exc) from None
        except (urllib3.exceptions.ProtocolError, OSError) as exc:
            raise ConnectionClosedError(error=exc, request=request, endpoint_url=url) from None
        except urllib3.exceptions.HTTPError as exc:
            raise HTTPClientError(error=exc) from None
        # botocore copies any mapping into its HeadersDict (the stubs ask for HTTPHeaders), and
        # _content is its cache of the read body, which .content returns
        response = AWSResponse(url, raw.status, raw.headers, raw)  # type: ignore[arg-type]
        if not request.stream_output:
            response._content = self._read(raw, request)  # type: ignore[attr-defined]
        return response

    def _read(self, raw: Any, request: Any) -> bytes:
        """The body, up to the cap and the deadline; the connection is dropped on either."""
        cap = self.limits.max_bytes
        headers = {str(k): str(v) for k, v in raw.headers.items()}
        length = raw.headers.get("Content-Length")
        if length is not None and length.strip().isdigit() and int(length) > cap:
            _drop(raw)
            raise ResponseTooLarge(status=raw.status, headers=headers, head=b"", cap=cap,
                                   size=f"{int(length)} bytes (its Content-Length)")
        parts: list[bytes] = []
        total = 0
        try:
            while True:
                chunk = raw.read(_CHUNK)
                if not chunk:
                    break
                parts.append(chunk)
                total += len(chunk)
                if total > cap:
                    _drop(raw)
                    raise ResponseTooLarge(status=raw.status, headers=headers, head=b"".join(parts)[:KEPT_BYTES],
                                           size=f"more than {cap} bytes", cap=cap)
                left = self.limits.left()
                if left is not None and left <= 0:
                    _drop(raw)
                    raise ReadTimeoutError(endpoint_url=request.url, error="the run's budget ran out mid-answer")
        except urllib3.exceptions.ReadTimeoutError as exc:
            _drop(raw)
            raise ReadTimeoutError(endpoint_url=request.url, error=exc) from None
        except (urllib3.exceptions.ProtocolError, urllib3.exceptions.DecodeError, OSError) as exc:
            _drop(raw)
            raise ConnectionClosedError(error=exc, request=request, endpoint_url=request.url) from None
        raw.release_conn()
        return b"".join(parts)


def _drop(raw: Any) -> None:
    """Close the answer's connection without reading the rest (it is not reused)."""
    try:
        raw.close()
    finally:
        raw.release_conn()
