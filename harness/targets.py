"""Targets: where calls go (the embedded emulator, any URL, a real account) and how they are sent.

Every call goes through a botocore client with parameter validation off (invalid calls must reach
the endpoint) and botocore's retries off (each error must be seen). Throttling and transient
faults (503, dropped connections) are retried here with backoff, counted, and never reported as
contract failures; a dropped connection is retried once, a timeout never (an endpoint that does
not answer is not waited for again). The raw request and response are captured around botocore's
parsing, with credentials and signatures redacted. A URL target's calls go through
``harness.transport.BoundedHttp``: timeouts bounded by the run's budget, answers read up to a cap.
"""

from __future__ import annotations

import dataclasses
import random
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import botocore.session
from botocore.config import Config
from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotocoreConnectionError

from harness.model import Exchange, RawRequest, RawResponse, clip
from harness.polling import DEFAULT as DEFAULT_POLLING
from harness.polling import Polling
from harness.transport import BoundedHttp, Limits, ResponseTooLarge
from strategies.calls import Call

__all__ = ["AwsTarget", "EmbeddedTarget", "Target", "TargetError", "UnsendableCall", "UrlTarget", "redact_headers"]

THROTTLING_CODES = frozenset({
    "ThrottlingException", "TooManyRequestsException", "Throttling", "ThrottledException",
    "RequestLimitExceeded", "SlowDown",
})
#: 5xx codes that say the service is briefly unavailable, whatever the call (retried on invalid calls too)
TRANSIENT_CODES = frozenset({"ServiceUnavailable", "ServiceUnavailableException", "GatewayTimeoutException",
                             "GatewayTimeout"})
_SECRET_HEADERS = ("authorization", "x-amz-security-token", "x-amz-signature", "x-amz-credential")

PRIMARY_KEYS = ("jobfuzz-primary-key-id", "jobfuzz-primary-secret-not-a-real-key-000")
SECOND_KEYS = ("jobfuzz-second-key-id", "jobfuzz-second-secret-not-a-real-key-0000")


class TargetError(RuntimeError):
    """The target cannot be used (unreachable, no credentials, refused): the run cannot go on."""


class UnsendableCall(ValueError):
    """botocore could not build a request from the call's parameters: nothing was sent."""


def redact_headers(headers: Any) -> dict[str, str]:
    out = {}
    for k, v in dict(headers).items():
        key = k.decode() if isinstance(k, bytes) else str(k)
        val = v.decode("latin-1") if isinstance(v, bytes) else str(v)
        out[key] = "<redacted>" if key.lower() in _SECRET_HEADERS else val
    return out


class _Capture(threading.local):
    call: Call | None = None
    request: RawRequest | None = None
    response: RawResponse | None = None


class Target:
    """Base: builds one client per (service, identity) and sends calls through it."""

    kind = "url"
    #: how reads are spaced while waiting for the endpoint to show something (harness.polling);
    #: None: never wait (the embedded emulator: its clock is moved instead)
    polling: Polling | None = DEFAULT_POLLING
    #: the longest one wait for a state may take here (seconds); a documented bound past it is not
    #: waited for (an endpoint nobody here wrote is not waited on long unless asked)
    max_wait: float = 3.0
    max_transient_retries = 6
    #: a dropped connection is tried once more (a stale kept-alive connection, a restarting server);
    #: a timeout is not: an endpoint that does not answer is not waited for twice
    max_connection_retries = 1

    def __init__(self, *, region: str = "us-east-1", identities: dict[str, tuple[str, str, str | None]] | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.region = region
        self.identities = identities or {"primary": (*PRIMARY_KEYS, None), "second": (*SECOND_KEYS, None)}
        self._clients: dict[tuple[str, str], Any] = {}
        self._session = botocore.session.get_session()
        self._capture = _Capture()
        self._sleep = sleep
        self._lock = threading.Lock()
        self.transient: dict[str, int] = {}
        #: caps on calls a second and in all (harness.safety.CallLimiter); None: no cap
        self.limiter: Any = None
        #: timeouts, the answer size cap and the run's deadline (the engine sets it from the budget)
        self.limits = Limits()
        #: seconds the endpoint's clock was moved by ``advance_clock`` (its times run that far ahead)
        self.clock_offset = 0.0

    # -- what subclasses decide ------------------------------------------------------------
    @property
    def endpoint(self) -> str:
        raise NotImplementedError

    def endpoint_for(self, service: str) -> str | None:
        raise NotImplementedError

    def _attach(self, client: Any) -> None:
        """Hook for transports that answer inside botocore (the embedded emulator)."""

    def access_key(self, identity: str = "primary") -> str:
        return self.identities[identity][0]

    def advance_clock(self, seconds: float) -> None:
        """Move the endpoint's clock (only an emulator has one the harness can move)."""
        raise TargetError(f"the clock of {self.endpoint} cannot be moved: wait for it instead")

    def account(self, identity: str = "primary") -> str | None:
        """The account id ``identity`` calls as, where the target knows it (None: unknown)."""
        return None

    def close(self) -> None:
        self._clients.clear()

    # -- clients ---------------------------------------------------------------------------
    def client(self, service: str, identity: str = "primary") -> Any:
        key = (service, identity)
        client = self._clients.get(key)
        if client is None:
            with self._lock:
                client = self._clients.get(key)
                if client is None:
                    client = self._clients[key] = self._make_client(service, identity)
        return client

    def _make_client(self, service: str, identity: str) -> Any:
        if identity not in self.identities:
            raise TargetError(f"no credentials for the {identity} identity")
        ak, sk, token = self.identities[identity]
        config = Config(parameter_validation=False, retries={"total_max_attempts": 1, "mode": "standard"},
                        connect_timeout=self.limits.connect_timeout, read_timeout=self.limits.read_timeout,
                        max_pool_connections=16,
                        user_agent_extra="jobfuzz")
        client = self._session.create_client(
            service, region_name=self.region, endpoint_url=self.endpoint_for(service),
            aws_access_key_id=ak, aws_secret_access_key=sk, aws_session_token=token, config=config)
        events = client.meta.events
        events.register_first("before-send", self._before_send)
        events.register("before-parse", self._before_parse)
        self._attach(client)
        return client

    def _before_send(self, request: Any, **_: Any) -> None:
        cap = self._capture
        call = cap.call
        if call is not None and call.raw is not None:
            raw = call.raw
            if raw.edits_body:
                sent = request.body
                request.body = raw.applied(sent.encode() if isinstance(sent, str) else sent or b"")
                request.headers["Content-Length"] = str(len(request.body))
            if raw.content_type is not None:
                request.headers["Content-Type"] = raw.content_type
        body = request.body
        if hasattr(body, "read"):
            body = b""
        elif isinstance(body, str):
            body = body.encode()
        cap.request = RawRequest(request.method, request.url, redact_headers(request.headers), body or b"")

    def _before_parse(self, response_dict: dict[str, Any], **_: Any) -> None:
        body = response_dict.get("body", b"")
        self._capture.response = RawResponse(int(response_dict.get("status_code", 0)),
                                             dict(response_dict.get("headers", {})),
                                             body if isinstance(body, bytes) else b"")

    # -- sending ---------------------------------------------------------------------------
    def send(self, call: Call, *, identity: str = "primary") -> Exchange:
        """Send ``call``; retry throttling and transient faults; return what came back."""
        client = self.client(call.service, identity)
        method = getattr(client, _python_name(client, call.operation))
        retries = 0
        delay = 0.05
        while True:
            ex = self._send_once(client, method, call, identity)
            kind = self._transient_kind(ex)
            limit = self.max_connection_retries if kind == "connection" else self.max_transient_retries
            out_of_time = (left := self.limits.left(grace=0.0)) is not None and left <= 0
            if kind is None or retries >= limit or out_of_time:
                if retries:
                    ex = _with_retries(ex, retries)
                if kind is not None and out_of_time and retries < limit and ex.transport_error is None:
                    # not retried past the budget: a transient answer is no verdict on the call
                    ex = dataclasses.replace(ex, transport_error=f"{kind} answer when the budget ran out "
                                                                 f"(HTTP {ex.status}, not retried further)")
                return ex
            retries += 1
            with self._lock:
                self.transient[kind] = self.transient.get(kind, 0) + 1
            self._sleep(delay * (1 + random.random()))
            delay = min(delay * 2, 2.0)

    def _transient_kind(self, ex: Exchange) -> str | None:
        if ex.transport_error is not None:
            timed_out = ex.transport_error.startswith(("ReadTimeoutError", "ConnectTimeoutError"))
            return None if timed_out else "connection"
        if ex.error_code in THROTTLING_CODES or ex.status == 429:
            return "throttling"
        if ex.status in (502, 503, 504) and (not ex.call.expects_rejection or ex.error_code in TRANSIENT_CODES):
            # a bare 5xx on an invalid call may be the endpoint failing on the input: not retried
            return f"http_{ex.status}"
        return None

    def _send_once(self, client: Any, method: Any, call: Call, identity: str) -> Exchange:
        if self.limiter is not None:
            self.limiter.acquire()
        cap = self._capture
        cap.call, cap.request, cap.response = call, None, None
        started = time.perf_counter()
        parsed = code = message = transport = parse_error = too_large = None
        try:
            parsed = method(**call.params)
        except ClientError as exc:
            err = exc.response.get("Error", {})
            code, message = err.get("Code"), err.get("Message")
            parsed = exc.response
        except ResponseTooLarge as exc:  # an answer, cut at the cap: a finding, not a dropped connection
            cap.response = RawResponse(exc.status, exc.headers, exc.head)
            too_large = parse_error = str(exc)
        except (BotocoreConnectionError, HTTPClientError) as exc:
            transport = clip(f"{type(exc).__name__}: {exc}")
        except Exception as exc:  # botocore could not parse the answer (ValueError, KeyError, ...)
            if cap.response is None and cap.request is None:
                raise UnsendableCall(f"{call.service}.{call.operation}: botocore could not build the request: "
                                     f"{type(exc).__name__}: {exc}") from exc
            parse_error = clip(f"{type(exc).__name__}: {exc}")
        finally:
            cap.call = None
        elapsed = time.perf_counter() - started
        if isinstance(parsed, dict):
            parsed = {k: v for k, v in parsed.items() if k != "ResponseMetadata"}
        return Exchange(call=call, request=cap.request, response=cap.response, parsed=parsed, error_code=code,
                        error_message=clip(message) if isinstance(message, str) else message,
                        transport_error=transport, parse_error=parse_error, too_large=too_large,
                        elapsed_s=elapsed, identity=identity)


def _with_retries(ex: Exchange, retries: int) -> Exchange:
    return dataclasses.replace(ex, throttled_retries=retries)


_PYNAMES: dict[tuple[str, str], str] = {}


def _python_name(client: Any, operation: str) -> str:
    key = (client.meta.service_model.service_name, operation)
    name = _PYNAMES.get(key)
    if name is None:
        from botocore import xform_name

        name = _PYNAMES[key] = xform_name(operation)
    return name


class EmbeddedTarget(Target):
    """The emulator in this process: botocore answers through it without a socket."""

    kind = "embedded"
    polling = None

    def __init__(self, emulator: Any = None, *, plant: Iterable[str] = (), **kwargs: Any) -> None:
        """``plant``: names of planted faults (emulator.planted) to break the emulator with."""
        super().__init__(**kwargs)
        if emulator is None:
            from emulator.app import Emulator

            emulator = Emulator()
        #: the planted faults it breaks the emulator with (none: the emulator as shipped)
        self.planted = tuple(plant)
        if self.planted:
            from emulator.planted import PlantedEmulator

            emulator = PlantedEmulator(emulator, self.planted)
        self.emulator = emulator

    @property
    def endpoint(self) -> str:
        return "embedded"

    def endpoint_for(self, service: str) -> str:
        return "https://embedded.jobfuzz"

    def _attach(self, client: Any) -> None:
        from emulator.inprocess import attach

        attach(client, self.emulator)

    def advance_clock(self, seconds: float) -> None:
        self.emulator.clock.advance(seconds)
        self.clock_offset += seconds

    def account(self, identity: str = "primary") -> str | None:
        """The emulator's account for the identity's key (``emulator.core.account_id``)."""
        from emulator.core import account_id

        return account_id(self.access_key(identity))


class UrlTarget(Target):
    """Any HTTP endpoint: one URL for every service, or one per service."""

    kind = "url"

    def __init__(self, urls: dict[str | None, str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.urls = urls

    def _attach(self, client: Any) -> None:
        """Calls to an endpoint nobody here wrote: bounded in time and size (harness.transport)."""
        client._endpoint.http_session = BoundedHttp(self.limits)

    @property
    def endpoint(self) -> str:
        if list(self.urls) == [None]:
            return self.urls[None]
        return ", ".join(f"{k or '*'}={v}" for k, v in self.urls.items())

    def endpoint_for(self, service: str) -> str | None:
        url = self.urls.get(service, self.urls.get(None))
        if url is None:  # botocore would pick the real AWS endpoint: never from a URL target
            raise TargetError(f"no --endpoint-url for {service}: give a default URL or {service}=URL "
                              f"(the calls that set up resources may need other services too)")
        return url

    def check_reachable(self) -> None:
        import socket
        from urllib.parse import urlsplit

        for url in set(self.urls.values()):
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise TargetError(f"--endpoint-url {url!r}: expected http://HOST:PORT or https://HOST")
            port = parts.port or (443 if parts.scheme == "https" else 80)
            try:
                socket.create_connection((parts.hostname, port), timeout=3).close()
            except OSError as exc:
                raise TargetError(f"endpoint {url} is unreachable ({exc.strerror or exc})") from None

    def advance_clock(self, seconds: float) -> None:
        """Move the clock of a jobfuzz emulator behind the URL (other endpoints have no such route)."""
        import urllib.request

        for url in set(self.urls.values()):
            req = urllib.request.Request(f"{url.rstrip('/')}/_jobfuzz/clock/advance?seconds={seconds}",
                                         method="POST", data=b"")
            urllib.request.urlopen(req, timeout=5).read()
        self.clock_offset += seconds


class AwsTarget(Target):
    """A real account. Only constructed after an explicit opt-in (harness.options.build_target).

    Every call passes the safety guard (``harness.safety.Guard``): it is sent only when its
    identifiers name what this run made or what carries the run prefix (``run_prefix``), and what
    it creates is tagged and recorded in the ledger. Calls are capped (``max_rate`` a second,
    ``max_calls`` in all). ``endpoint_url`` and ``credentials`` stand another endpoint in for the
    account (the emulator in tests); without them, botocore's standard chain (or ``profile``) and
    AWS's endpoints are used.
    """

    kind = "aws"
    #: a real account's timers run in real time: a documented bound of a few minutes is waited for
    max_wait = 600.0
    default_max_rate = 5.0
    default_max_calls = 2000

    def __init__(self, *, profile: str | None = None, region: str, prefix: str | None = None,
                 max_rate: float | None = default_max_rate, max_calls: int | None = default_max_calls,
                 ledger_dir: Path | str | None = None, endpoint_url: str | None = None,
                 credentials: tuple[str, str, str | None] | None = None, resolve_credentials: bool = True,
                 **kwargs: Any) -> None:
        from harness.safety import DEFAULT_LEDGER_DIR, CallLimiter, Guard, Ledger, new_prefix, prefix_problem

        session = botocore.session.Session(profile=profile) if profile else botocore.session.get_session()
        identities: dict[str, tuple[str, str, str | None]] = {}
        if credentials is not None:
            identities["primary"] = credentials
        elif resolve_credentials:
            creds = session.get_credentials()
            if creds is None:
                raise TargetError("--target aws: no AWS credentials found (standard chain or --profile)")
            frozen = creds.get_frozen_credentials()
            if not frozen.access_key or not frozen.secret_key:
                raise TargetError("--target aws: the AWS credentials found lack a key id or a secret key")
            identities["primary"] = (frozen.access_key, frozen.secret_key, frozen.token)
        super().__init__(region=region, identities=dict(identities), **kwargs)
        self.identities = identities  # never the dummy keys of the emulator targets
        self._session = session
        self.endpoint_url = endpoint_url
        self.run_prefix = prefix or new_prefix()
        problem = prefix_problem(self.run_prefix, "--run-prefix")
        if problem:
            raise TargetError(problem)
        folder = Path(ledger_dir) if ledger_dir is not None else DEFAULT_LEDGER_DIR
        self.guard = Guard(self.run_prefix, ledger=Ledger(folder / f"{self.run_prefix}.jsonl"))
        self.limiter = CallLimiter(max_rate, max_calls, sleep=self._sleep)

    @property
    def endpoint(self) -> str:
        return f"aws:{self.region}"

    def endpoint_for(self, service: str) -> str | None:
        return self.endpoint_url

    def access_key(self, identity: str = "primary") -> str:
        if identity not in self.identities:
            raise TargetError(f"no credentials for the {identity} identity")
        return self.identities[identity][0]

    def send(self, call: Call, *, identity: str = "primary") -> Exchange:
        """Send ``call`` if the guard lets it through; else answer what was refused, unsent."""
        from harness.safety import refused_exchange

        to_send, reason = self.guard.vet(call)
        if reason is not None:
            self.guard.refuse(call, reason)
            return refused_exchange(call, reason, identity)
        pending = self.guard.before_send(to_send, identity)
        ex = super().send(to_send, identity=identity)
        self.guard.observe(to_send, ex, identity, pending)
        return ex
