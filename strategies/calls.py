"""What a strategy draws: one call to one operation, with what it is expected to show."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MODES = ("valid", "boundary", "invalid")

#: structural breaks applied to the serialised request, not to the params
RAW_KINDS = ("malformed_body", "content_type")


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
    #            one_of (path: the structure) | malformed_body | content_type | example (an overlay
    #            'invalid' value)
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
    """A break applied to the request after botocore serialises it."""

    kind: str  # one of RAW_KINDS
    body: bytes | None = None  # replacement body for malformed_body
    content_type: str | None = None  # replacement Content-Type for content_type


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
