"""The harness's values: what was sent and received, what failed, what a run saw."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from harness.wire import BodyError, decode_success_body
from specs.types import OperationSpec, ServiceSpec
from strategies.calls import Call

__all__ = ["BASES", "CHECK_BASIS", "CHECK_NAMES", "KEPT_CHARS", "Cause", "CheckContext", "Exchange", "Failure",
           "RawRequest", "RawResponse", "clip"]

#: the most of any text from an answer a message keeps (a body quoted by a parser's error, say)
KEPT_CHARS = 2048


def clip(text: str, keep: int = KEPT_CHARS) -> str:
    """``text`` cut to ``keep`` characters, with a marker saying how many were cut."""
    if len(text) <= keep:
        return text
    return f"{text[:keep]}... [{len(text) - keep} more characters cut]"

#: the fixed check names (docs/checks.md); every failure names one of them
CHECK_NAMES = (
    "not_a_server_error",
    "status_code_conformance",
    "error_class_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "positive_data_acceptance",
    "state_transition_conformance",
    "read_after_write_consistency",
    "use_after_delete",
    "resource_hierarchy",
    "namespace_isolation",
    "pagination_conformance",
    "idempotency_conformance",
    "observed_conformance",
)

#: what a finding can rest on, surest first: the botocore model, a documentation page, or what the
#: service was observed to answer (an example a page prints, a recording). A contradiction of the
#: first two is a failure; of an observation, a warning (a failure only under ``--strict``)
BASES = ("model", "doc", "observation")

#: what each check's findings rest on unless a finding says otherwise (docs/checks.md)
CHECK_BASIS: dict[str, str] = {
    **dict.fromkeys(CHECK_NAMES, "model"),
    **dict.fromkeys(("state_transition_conformance", "read_after_write_consistency", "use_after_delete",
                     "resource_hierarchy", "namespace_isolation"), "doc"),
    "observed_conformance": "observation",
}


@dataclass(frozen=True, slots=True)
class RawRequest:
    method: str
    url: str
    headers: dict[str, str] = field(hash=False, compare=False)  # credentials and signatures redacted
    body: bytes = b""


@dataclass(frozen=True, slots=True)
class RawResponse:
    status: int
    headers: dict[str, str] = field(hash=False, compare=False)
    body: bytes = b""


@dataclass(frozen=True, slots=True)
class Exchange:
    """One call and what came back: the raw bytes before botocore's lenient parsing, and the parse."""

    call: Call
    request: RawRequest | None
    response: RawResponse | None  # None when nothing came back (connection error)
    parsed: dict[str, Any] | None = field(default=None, hash=False, compare=False)
    error_code: str | None = None  # the code botocore extracted, for an error answer
    error_message: str | None = None
    transport_error: str | None = None  # connection dropped, timed out, ...
    parse_error: str | None = None  # botocore could not parse the answer at all
    #: the answer was larger than the target's cap: what is known of its size (its body is cut)
    too_large: str | None = None
    elapsed_s: float = 0.0
    throttled_retries: int = 0  # throttling answers absorbed (retried) before this one
    identity: str = "primary"  # which identity sent it: primary | second

    @property
    def status(self) -> int | None:
        return self.response.status if self.response is not None else None

    @property
    def ok(self) -> bool:
        return self.response is not None and 200 <= self.response.status < 300 and self.parse_error is None

    @property
    def operation(self) -> str:
        return self.call.operation

    @property
    def service(self) -> str:
        return self.call.service


@dataclass(slots=True)
class CheckContext:
    """What an exchange check may know besides the exchange."""

    service: ServiceSpec
    op: OperationSpec
    #: every input binding of the call was filled from a resource that exists
    bound: bool = False
    #: the call is one a scenario expects to be refused for reasons the spec knows (not a bug)
    expected_refusal: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    #: the last success body decoded (``success_body``): the bytes, and what they decoded to or why not
    _decoded: tuple[bytes, Any, BodyError | None] | None = None

    def success_body(self, body: bytes) -> Any:
        """``body``, a success body of this operation, decoded for its protocol once for every check of
        the exchange that reads it; raises ``BodyError`` when it cannot be decoded."""
        if self._decoded is None or self._decoded[0] is not body:
            try:
                self._decoded = (body, decode_success_body(self.op, self.service, body), None)
            except BodyError as exc:
                self._decoded = (body, None, exc)
        _, value, error = self._decoded
        if error is not None:
            raise error
        return value


@dataclass(frozen=True, slots=True)
class Cause:
    """What makes two failures of one check on one operation the same failure (deduplication,
    case file names): the kind of cause (``status``, ``schema``, ``lifecycle``, ...), the member
    path, machine or step it concerns, and what was expected there. Never a drawn value."""

    kind: str
    path: str = ""
    expected: str = ""

    def __str__(self) -> str:
        return ":".join(part for part in (self.kind, self.path, self.expected) if part)


@dataclass(eq=False)
class Failure(Exception):
    """A contract failure found by one check. ``cause`` identifies it for deduplication.

    Not frozen: it is raised, and Python and Hypothesis set attributes on exceptions.
    """

    check: str
    service: str
    operation: str
    title: str  # short, stable across examples of the same cause
    message: str  # full explanation: what was expected, what came
    #: what makes it the same failure as another of its check and operation; None: its title
    cause: Cause | None = None
    status_code: int | None = None
    error_code: str | None = None
    #: what it rests on (one of BASES; None: its check's, CHECK_BASIS)
    basis: str | None = None
    #: where: the documentation page (a URL) of a ``doc`` finding, where the answers were observed
    #: (pages, a recording) of an ``observation``; empty when the model says it
    reference: str = ""

    def __post_init__(self) -> None:
        if self.check not in CHECK_NAMES:
            raise ValueError(f"unknown check name {self.check!r}")
        self.basis = self.basis or CHECK_BASIS[self.check]
        if self.basis not in BASES:
            raise ValueError(f"unknown basis {self.basis!r} (known: {', '.join(BASES)})")
        if isinstance(self.cause, str):  # a cause given as words (a test, an old caller): one of kind "text"
            self.cause = Cause("text", expected=self.cause) if self.cause else None
        # what an endpoint sent may be quoted in a message: reports and case files keep a few KB of it
        self.message = clip(self.message, 2 * KEPT_CHARS)
        self.title = clip(self.title, 200)

    def __reduce__(self) -> tuple[Any, ...]:  # picklable across worker processes
        return (Failure, (self.check, self.service, self.operation, self.title, self.message, self.cause,
                          self.status_code, self.error_code, self.basis, self.reference))

    @property
    def warning(self) -> bool:
        """What AWS was observed to do, which no page promises: shown, failing a run only under --strict."""
        return self.basis == "observation"

    @property
    def key(self) -> tuple[str, str, str, Cause]:
        return (self.check, self.service, self.operation, self.cause or Cause("title", expected=self.title))

    def __str__(self) -> str:
        return f"[{self.check}] {self.service}.{self.operation}: {self.title}"
