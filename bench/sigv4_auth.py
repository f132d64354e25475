"""AWS Signature Version 4 for Schemathesis: sign every request Schemathesis sends with botocore.

OpenAPI has no SigV4 security scheme, so ``jobfuzz specs openapi SERVICE`` declares an ``apiKey``
scheme on the ``Authorization`` header and names the service's signing name in
``x-amazon-signing-name``. This module registers a Schemathesis auth provider
(``@schemathesis.auth()``, a class with ``get`` and ``set``) that reads that signing name from the
operation's schema and signs the request as it finally goes out on the wire: ``get`` gives a
``requests`` auth object bound to the signing name; ``set`` attaches it to the case, which is
where Schemathesis's own ``requests``-auth provider puts it (``schemathesis.auth.set_from_requests``).
Signing then happens on the prepared request (method, URL with its encoded query, headers and the
exact body bytes), after every serializer and hook has run, so the signature always covers what is
sent.

Use it with the CLI through Schemathesis's hooks mechanism::

    SCHEMATHESIS_HOOKS=bench.sigv4_auth schemathesis run iot.json --url http://127.0.0.1:4566

(run from the repository root, or put ``bench/`` on ``PYTHONPATH`` and name ``sigv4_auth``).

The module also registers the string format ``json`` that the export gives a member an overlay
rule ``format: json`` holds for (IoT CreateJob's ``document``): Schemathesis then draws JSON texts
there, as the documentation asks, instead of any string.

Credentials: ``JOBFUZZ_SIGV4_ACCESS_KEY`` / ``JOBFUZZ_SIGV4_SECRET_KEY`` / ``JOBFUZZ_SIGV4_REGION``
when set, else fake ones that the jobfuzz emulator accepts (it takes the access key id for the
account and does not check the secret). ``JOBFUZZ_SIGV4_SERVICE`` forces a signing name for schemas
that do not carry ``x-amazon-signing-name``. Importing the module registers the provider once.
"""

from __future__ import annotations

import os
from typing import Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from harness.targets import PRIMARY_KEYS

__all__ = ["ACCESS_KEY", "REGION", "SECRET_KEY", "SigV4Provider", "SigV4RequestsAuth", "signing_name_of"]

#: the emulator's account is the access key id; the secret is never checked there. By default the
#: harness's primary identity, so both tools act in the same account
ACCESS_KEY = os.environ.get("JOBFUZZ_SIGV4_ACCESS_KEY", PRIMARY_KEYS[0])
SECRET_KEY = os.environ.get("JOBFUZZ_SIGV4_SECRET_KEY", PRIMARY_KEYS[1])
REGION = os.environ.get("JOBFUZZ_SIGV4_REGION", "us-east-1")

#: headers a client may change after signing; botocore leaves the same ones unsigned
_UNSIGNED = frozenset({"user-agent", "expect", "transfer-encoding", "x-amzn-trace-id", "connection",
                       "accept-encoding", "content-length"})


def _requests_auth_base() -> type:
    try:
        from requests.auth import AuthBase
    except ImportError:  # requests comes with Schemathesis; without it, a plain callable does
        return object
    return AuthBase  # type: ignore[no-any-return]


class SigV4RequestsAuth(_requests_auth_base()):  # type: ignore[misc]
    """A ``requests`` auth that signs a prepared request with SigV4 for ``signing_name``."""

    def __init__(self, signing_name: str, *, access_key: str = ACCESS_KEY, secret_key: str = SECRET_KEY,
                 region: str = REGION, token: str | None = None) -> None:
        self.signing_name = signing_name
        self.region = region
        self.credentials = Credentials(access_key, secret_key, token)

    def __repr__(self) -> str:  # never the secret
        return f"SigV4RequestsAuth({self.signing_name!r}, region={self.region!r})"

    def __call__(self, request: Any) -> Any:
        """Sign ``request`` (a ``requests.PreparedRequest``) in place and give it back."""
        body = request.body
        if isinstance(body, str):
            body = body.encode("utf-8")
        elif body is not None and not isinstance(body, (bytes, bytearray)):
            body = b"".join(body)  # a generator body: read it once, send what was signed
            request.body = body
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _UNSIGNED}
        for name in ("Authorization", "X-Amz-Date", "X-Amz-Security-Token", "X-Amz-Content-SHA256"):
            headers.pop(name, None)
        aws = AWSRequest(method=request.method, url=request.url, data=body or b"", headers=headers)
        SigV4Auth(self.credentials, self.signing_name, self.region).add_auth(aws)
        for name in ("Authorization", "X-Amz-Date", "X-Amz-Security-Token"):
            request.headers.pop(name, None)
            if name in aws.headers:
                request.headers[name] = aws.headers[name]
        return request


def signing_name_of(raw_schema: dict[str, Any]) -> str | None:
    """The SigV4 signing name an OpenAPI document from ``jobfuzz specs openapi`` declares."""
    forced = os.environ.get("JOBFUZZ_SIGV4_SERVICE")
    if forced:
        return forced
    schemes = ((raw_schema.get("components") or {}).get("securitySchemes") or {})
    for scheme in schemes.values():
        if isinstance(scheme, dict) and scheme.get("x-amazon-signing-name"):
            return str(scheme["x-amazon-signing-name"])
    return None


class SigV4Provider:
    """Schemathesis auth provider: the ``get``/``set`` protocol of ``@schemathesis.auth()``."""

    def __init__(self) -> None:
        self._signers: dict[str, SigV4RequestsAuth] = {}

    def signer(self, signing_name: str) -> SigV4RequestsAuth:
        if signing_name not in self._signers:
            self._signers[signing_name] = SigV4RequestsAuth(signing_name)
        return self._signers[signing_name]

    def get(self, case: Any, ctx: Any) -> SigV4RequestsAuth | None:
        operation = getattr(ctx, "operation", None) or case.operation
        name = signing_name_of(operation.schema.raw_schema)
        if name is None:
            raise RuntimeError(
                f"{operation.label}: the schema names no SigV4 signing name (x-amazon-signing-name in "
                "components.securitySchemes); set JOBFUZZ_SIGV4_SERVICE")
        return self.signer(name)

    def set(self, case: Any, data: SigV4RequestsAuth, ctx: Any) -> None:
        # The signature must cover the final bytes, so the signing happens in requests' auth hook
        # at send time; the case carries the auth object as Schemathesis's RequestsAuth sets it.
        case._auth = data


def _json_texts() -> Any:
    """JSON objects, as text: the values of a ``format: json`` string."""
    import json

    from hypothesis import strategies as st

    scalars = st.none() | st.booleans() | st.integers(-(2**31), 2**31) | st.text(max_size=12)
    return st.dictionaries(st.text(max_size=8), scalars, max_size=4).map(json.dumps)


def _register() -> None:
    try:
        import schemathesis
    except ImportError:
        return
    # once per process, however many times the module is imported under different names
    if getattr(schemathesis, "_jobfuzz_sigv4_registered", False):
        return
    # no caching: ``get`` is cheap, and signing names differ between schemas in one process
    schemathesis.auth(refresh_interval=None)(SigV4Provider)
    schemathesis.openapi.format("json", _json_texts())
    schemathesis._jobfuzz_sigv4_registered = True  # type: ignore[attr-defined]


_register()
