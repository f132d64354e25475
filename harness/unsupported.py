"""Whether the endpoint implements an operation at all: an answer that says it does not is reported
once (``RunResult.unsupported``) and never judged by the checks.

Emulators answer an operation they lack in their own ways; what is specific to moto_server (its
routing by signing name, its log) is asked of ``harness.moto_target``.
"""

from __future__ import annotations

import re
import threading
from typing import Any

from harness import moto_target
from harness.model import Exchange
from harness.results import RunResult
from harness.targets import Target
from specs.types import OperationSpec
from strategies.calls import Call

__all__ = ["UNSUPPORTED_CODES", "UnsupportedDetector"]

UNSUPPORTED_CODES = frozenset({"NotImplemented", "NotImplementedException", "NotImplementedError",
                               "InvalidAction", "UnknownOperationException", "UnsupportedOperation"})
#: what LocalStack and moto write when an operation is not emulated ("... has not been implemented",
#: "not yet implemented", "has not yet been emulated by LocalStack")
_NOT_IMPLEMENTED_TEXT = re.compile(r"\bnot (?:yet )?(?:been )?(?:implemented|emulated)\b", re.IGNORECASE)
_ROUTING_PROBE_PATH = "/__jobfuzz__/routing-probe"


class UnsupportedDetector:
    """Tells the answers of operations the endpoint does not implement, and notes them in ``result``."""

    def __init__(self, target: Target, result: RunResult, plan: list[OperationSpec],
                 lock: threading.RLock) -> None:
        self.target, self.result, self.plan, self._lock = target, result, plan, lock
        self._probes: dict[str, bool | None] = {}  # service -> routed by the endpoint (None: unknown)

    def __contains__(self, op: OperationSpec) -> bool:
        return op.qualified in self.result.unsupported

    def says_unsupported(self, ex: Exchange, op: OperationSpec) -> bool:
        """Whether ``ex`` says the endpoint does not implement ``op``; the first such answer is
        reported (``result.unsupported``), the rest are not checked.

        Three signals, from the most explicit:

        1. the answer says so: HTTP 501, a "not implemented" error code, or an error message that
           says it (LocalStack: 501; moto in decorator mode: ``NotImplementedError`` text);
        2. routing: a bare 5xx (no error code in the body) that a request signed for the same
           service on a path no operation uses gets as well. moto_server routes by the signing
           name and answers every request for a service it has no backend for (iot-jobs-data,
           amplifybackend, Import/Export) with Werkzeug's generic HTML 500, while a service it
           serves answers the probe 404. A bare 500 that the probe does not repeat is the
           operation's own and stays a failure;
        3. moto's log: moto_server answers an action its backend lacks (e.g. IoT UpdateJob) with
           the same generic HTML 500 as a crash in an implemented one, so the wire cannot tell them
           apart; when the run knows the server's log (``harness.moto_target``), the exception the
           server wrote for the request decides (``moto_target.unsupported_reason``).
        """
        if op.qualified in self.result.unsupported and _bare_5xx(ex):
            return True
        why = _says_unsupported(ex)
        if why is None and _bare_5xx(ex) and self.target.kind == "url":
            why = self._probe(ex, op)
        if why is None:
            return False
        with self._lock:
            self.result.unsupported.setdefault(op.qualified, why)
        return True

    def _probe(self, ex: Exchange, op: OperationSpec) -> str | None:
        with self._lock:
            routed = self._probes.get(op.service)
            if routed is None:
                routed = self._probes[op.service] = _routing_probe(self.target, ex.call)
        if routed is False:
            why = (f"HTTP {ex.status} with no error code, and a request signed for {op.service} on a path "
                   f"no operation uses is answered the same: the endpoint serves no {op.service}")
            with self._lock:  # the whole service: every operation of it in the plan
                for other in self.plan:
                    if other.service == op.service:
                        self.result.unsupported.setdefault(other.qualified, why)
            return why
        url = self.target.endpoint_for(op.service)
        return None if url is None else moto_target.unsupported_reason(url, ex)


def _says_unsupported(ex: Exchange) -> str | None:
    """The answer itself says the operation is not implemented (501, a code, or the message)."""
    if ex.status is None or ex.status < 400:
        return None
    if ex.status == 501 or ex.error_code in UNSUPPORTED_CODES or _NOT_IMPLEMENTED_TEXT.search(ex.error_message or ""):
        return f"HTTP {ex.status} {ex.error_code or ''}: {ex.error_message or ''}".strip()
    return None


def _bare_5xx(ex: Exchange) -> bool:
    """A 5xx whose body carried no error code (botocore then gives the status as the code)."""
    return ex.status is not None and ex.status >= 500 and (ex.error_code is None or ex.error_code.isdigit())


def _routing_probe(target: Target, call: Call) -> bool | None:
    """Send ``call`` signed as usual for its service but to a path no operation uses.

    False: the probe got a bare 5xx as well (the endpoint does not route the service at all);
    True: any other answer (the service is routed); None: nothing, or a transient answer, came back
    (asked again on the next bare 5xx).
    """
    from urllib.parse import urlsplit, urlunsplit

    import botocore.session
    from botocore.config import Config

    ak, sk, token = target.identities["primary"]
    client = botocore.session.get_session().create_client(
        call.service, region_name=target.region, endpoint_url=target.endpoint_for(call.service),
        aws_access_key_id=ak, aws_secret_access_key=sk, aws_session_token=token,
        config=Config(parameter_validation=False, retries={"total_max_attempts": 1}, connect_timeout=5,
                      read_timeout=min(15.0, target.limits.read_timeout)))
    seen: dict[str, Any] = {}

    def to_probe_path(request: Any, **_: Any) -> None:  # before signing: the signature covers it
        parts = urlsplit(request.url)
        request.url = urlunsplit((parts.scheme, parts.netloc, _ROUTING_PROBE_PATH, "", ""))
        request.method, request.data = "GET", b""
        for name in ("Content-Type", "Content-Length"):
            if name in request.headers:
                del request.headers[name]

    def keep(response_dict: dict[str, Any], **_: Any) -> None:
        seen["status"] = int(response_dict.get("status_code", 0))

    target._attach(client)  # bounded in time and size as the run's own calls
    client.meta.events.register("before-sign", to_probe_path)
    client.meta.events.register("before-parse", keep)
    try:
        from botocore import xform_name

        getattr(client, xform_name(call.operation))(**call.params)
        seen.setdefault("code", None)
    except Exception as exc:  # noqa: BLE001 - the probe's answer is all that matters
        seen["code"] = getattr(exc, "response", {}).get("Error", {}).get("Code")
    finally:
        client.close()
    status = seen.get("status")
    if status is None or status in (429, 502, 503, 504):
        return None  # nothing, or a transient answer: it tells nothing about routing
    code = seen.get("code")
    return not (status >= 500 and (code is None or str(code).isdigit()))
