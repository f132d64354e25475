"""The emulator inside botocore: a ``before-send`` handler answers each prepared request, so no
socket is ever opened. Everything before (serialisation, signing) and after (parsing, retries,
events) is botocore's own code path.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol
from urllib.parse import urlsplit

from botocore.awsrequest import AWSResponse

from emulator.protocol import RawResponse

_HeadersDict: type | None
try:  # the case-insensitive dict of prepared requests: read its entries without the Mapping layer
    from botocore.awsrequest import HeadersDict

    _HeadersDict = HeadersDict
except ImportError:  # pragma: no cover - an older or newer botocore
    _HeadersDict = None

__all__ = ["ENDPOINT_URL", "attach", "embedded_client"]

ENDPOINT_URL = "https://embedded.jobfuzz"


class _Handles(Protocol):
    def handle(self, method: str, path_and_query: str, headers: Any, body: bytes) -> RawResponse: ...


class _Body:
    """The raw stream botocore reads an answer from."""

    __slots__ = ("_data",)

    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        if self._data:
            yield self._data

    def read(self, amt: int | None = None) -> bytes:
        data, self._data = (self._data, b"") if amt is None else (self._data[:amt], self._data[amt:])
        return data


def _text(value: Any) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else str(value)


def _headers(headers: Any) -> dict[str, str]:
    entries = getattr(headers, "_dict", None) if type(headers) is _HeadersDict else None
    if type(entries) is dict:  # _HeaderKey -> value; str(key) is the name as botocore set it
        return {
            str(k): v.decode("latin-1") if type(v) is bytes else v if type(v) is str else _text(v)
            for k, v in entries.items()
        }
    return {_text(k): _text(v) for k, v in headers.items()}


def _body(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, (bytearray, memoryview)):
        return bytes(body)
    if isinstance(body, str):
        return body.encode("utf-8")
    if hasattr(body, "read"):  # a file-like body (streaming input)
        pos = body.tell() if hasattr(body, "tell") else None
        data = body.read()
        if pos is not None and hasattr(body, "seek"):
            body.seek(pos)
        return data.encode("utf-8") if isinstance(data, str) else bytes(data)
    return bytes(body)


def attach(client: Any, emulator: _Handles) -> None:
    """Answer every request of the botocore/boto3 ``client`` with ``emulator.handle``."""

    def before_send(request: Any, **_: Any) -> AWSResponse:
        url = request.url
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        raw = emulator.handle(request.method, target, _headers(request.headers), _body(request.body))
        # botocore copies any mapping into its HeadersDict (the stubs ask for HTTPHeaders), and
        # _content is its cache of the read body, which .content returns
        response = AWSResponse(url, raw.status, raw.headers, _Body(raw.body))  # type: ignore[arg-type]
        response._content = raw.body  # type: ignore[attr-defined]
        return response

    client.meta.events.register("before-send", before_send)


def embedded_client(
    service_name: str,
    emulator: _Handles,
    *,
    access_key: str = "jobfuzz-emulator-key-id",
    region: str = "us-east-1",
    **client_kwargs: Any,
) -> Any:
    """A boto3 client with dummy credentials whose every request ``emulator`` answers."""
    import boto3

    client_kwargs.setdefault("endpoint_url", ENDPOINT_URL)
    client_kwargs.setdefault("aws_secret_access_key", "jobfuzz-embedded-secret-not-a-real-key")
    # the stubs know boto3.client only for literal service names; this one comes at run time
    client = boto3.client(  # type: ignore[call-overload]
        service_name, region_name=region, aws_access_key_id=access_key, **client_kwargs
    )
    attach(client, emulator)
    return client
