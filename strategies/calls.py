"""What a strategy draws: one call to one operation, with what it is expected to show."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_plus

MODES = ("valid", "boundary", "invalid")

#: wire-level breaks applied to the serialised request, not to the params (``strategies.wire``)
RAW_KINDS = ("malformed_body", "content_type", "unexpected_body", "oversize_body", "duplicate_parameter",
             "missing_parameter")


def splice(base: str, where: str, char: str) -> str:
    """``base`` with ``char`` put at its ``end``, its ``start`` or its ``middle``."""
    if where == "end":
        return base + char
    if where == "start":
        return char + base
    k = max(1, len(base) // 2)
    return base[:k] + char + base[k:]


@dataclass(frozen=True, slots=True)
class Violation:
    """The one rule an invalid call breaks."""

    path: str  # the member path, e.g. "statusDetails{}" or "stepTimeoutInMinutes" ("" for the body)
    rule: str  # required | type | enum | allowed | min | max | min_length | max_length | pattern |
    #            one_of | exclusive (path: the structure) | absent | required_when | example (an overlay
    #            'invalid' value) | a wire-level break: one of RAW_KINDS
    source: str  # model | doc (an inferred rule is never broken on purpose)
    detail: str  # human words: "expected at most 1024 characters, got 1025"
    #: codes the documentation names for this break (from an overlay 'invalid' value); empty: any 4xx
    expected_errors: tuple[str, ...] = ()
    #: a pattern break made of a valid value: ``(where, char)``, the one character outside the
    #: pattern put at its ``end``, ``start`` or ``middle``; the harness may put it into the id of a
    #: resource it made (``rebased``), so that only the pattern stands between the call and success
    spliced: tuple[str, str] | None = None

    def rebased(self, valid: str) -> str | None:
        """This break made again on another valid value ``valid`` (an end or start splice only:
        a case file records it as a template around the resource's id)."""
        if self.spliced is None or self.spliced[0] not in ("end", "start"):
            return None
        return splice(valid, *self.spliced)

    def describe(self) -> str:
        return f"{self.path or '(body)'}: {self.rule} ({self.source}): {self.detail}"


@dataclass(frozen=True, slots=True)
class RawMutation:
    """A break applied to the request after botocore serialises it: the body replaced, or a form
    body edited (parameters dropped, bytes appended: what botocore signed with SigV2 stays), and
    the Content-Type replaced."""

    kind: str  # one of RAW_KINDS
    body: bytes | None = None  # replacement body
    content_type: str | None = None  # replacement Content-Type
    drop: tuple[str, ...] = ()  # form parameters removed from the serialised body
    extra: bytes | None = None  # appended to the serialised form body (``&Name=value``)

    @property
    def edits_body(self) -> bool:
        return self.body is not None or bool(self.drop) or self.extra is not None

    def applied(self, body: bytes) -> bytes:
        """The body sent instead of ``body``, the one botocore serialised."""
        if self.body is not None:
            return self.body
        out = body
        if self.drop:
            names = {quote_plus(n).encode() for n in self.drop}
            out = b"&".join(p for p in out.split(b"&") if p.split(b"=", 1)[0] not in names)
        return out + (self.extra or b"")


@dataclass(frozen=True, slots=True)
class Call:
    service: str  # botocore service name
    operation: str  # model operation name
    params: dict[str, Any] = field(hash=False, compare=False)  # boto3 parameters (member names)
    mode: str = "valid"  # valid | boundary | invalid
    violation: Violation | None = None
    raw: RawMutation | None = None
    #: binding name -> output path, for a call in a recorded sequence whose answer later calls use
    produces: tuple[tuple[str, str], ...] = ()

    @property
    def qualified(self) -> str:
        return f"{self.service}.{self.operation}"

    @property
    def expects_rejection(self) -> bool:
        return self.violation is not None
