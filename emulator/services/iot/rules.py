"""Errors, the input rules stated only in the documentation, times, ARNs and page tokens."""

from __future__ import annotations

import base64
import binascii
import math
import re
from datetime import UTC, datetime
from typing import Any

from emulator.core import Context, ServiceError, account_id
from emulator.validate import aws_failure

#: stepTimeoutInMinutes and inProgressTimeoutInMinutes bounds (model member docs)
TIMEOUT_MIN, TIMEOUT_MAX = 1, 10080
#: statusDetails: value length (model doc) and number of pairs ([INF] documented only on
#: CancelJobExecution; applied to the data plane too)
DETAIL_VALUE_MAX, DETAIL_PAIRS_MAX = 1024, 10
DEVICE_STATUSES = ("IN_PROGRESS", "FAILED", "SUCCEEDED", "REJECTED")

_THING_ARN = re.compile(r"arn:aws[a-z-]*:iot:([a-z0-9-]+):(\d{12}):thing/([a-zA-Z0-9:_-]+)")
_GROUP_ARN = re.compile(r"arn:aws[a-z-]*:iot:([a-z0-9-]+):(\d{12}):thinggroup/([a-zA-Z0-9:_-]+)")
_COMMAND_ARN = re.compile(r"arn:aws[a-z-]*:iot:([a-z0-9-]+):(\d{12}):command/([a-zA-Z0-9_-]+)")


# -- errors ----------------------------------------------------------------------------------
def invalid(ctx: Context, path: str, message: str) -> ServiceError:
    return ServiceError("InvalidRequestException", f"{ctx.operation}.{path}: {message}", status=400)


def broken(value: Any, at: str, constraint: str) -> ServiceError:
    """A documented constraint broken, answered in AWS's words (emulator.validate)."""
    return ServiceError("InvalidRequestException", aws_failure(value, at, constraint), status=400)


def not_found(ctx: Context, path: str, message: str) -> ServiceError:
    return ServiceError("ResourceNotFoundException", f"{ctx.operation}.{path}: {message}",
                        status=404)


def bad_transition(ctx: Context, path: str, message: str,
                   fields: dict[str, Any] | None = None) -> ServiceError:
    return ServiceError("InvalidStateTransitionException", f"{ctx.operation}.{path}: {message}",
                        status=409, fields=fields)


def already_exists(ctx: Context, path: str, message: str, resource_id: str,
                   resource_arn: str) -> ServiceError:
    return ServiceError("ResourceAlreadyExistsException", f"{ctx.operation}.{path}: {message}",
                        status=409, fields={"resourceId": resource_id, "resourceArn": resource_arn})


# -- doc-only input rules --------------------------------------------------------------------
def check_status_details(ctx: Context, details: dict[str, str] | None,
                         path: str = "statusDetails") -> None:
    if details is None:
        return
    if len(details) > DETAIL_PAIRS_MAX:
        raise broken(details, path, f"Member must have length less than or equal to {DETAIL_PAIRS_MAX}")
    if any(isinstance(value, str) and len(value) > DETAIL_VALUE_MAX for value in details.values()):
        raise broken(details, path, "Map value must satisfy constraint: [Member must have length less than or "
                                    f"equal to {DETAIL_VALUE_MAX}]")


def check_timeout(ctx: Context, path: str, value: int | None, *, cancel_allowed: bool = False) -> None:
    if value is None or TIMEOUT_MIN <= value <= TIMEOUT_MAX or (cancel_allowed and value == -1):
        return
    if value > TIMEOUT_MAX:
        raise broken(value, path, f"Member must have value less than or equal to {TIMEOUT_MAX}")
    raise broken(value, path, f"Member must have value greater than or equal to {TIMEOUT_MIN}")


# -- times -----------------------------------------------------------------------------------
def epoch(t: float | None) -> int | None:
    """A data-plane time: whole epoch seconds."""
    return None if t is None else int(t)


def stamp(t: float | None) -> datetime | None:
    """A control-plane time: a timezone-aware UTC datetime, whole seconds."""
    return None if t is None else datetime.fromtimestamp(int(t), tz=UTC)


def seconds_left(deadline: float | None, now: float) -> int | None:
    return None if deadline is None else max(0, math.ceil(deadline - now))


def compact(d: dict[str, Any]) -> dict[str, Any]:
    """Drop absent members: botocore output shapes have no nulls."""
    return {k: v for k, v in d.items() if v is not None}


# -- ARNs ------------------------------------------------------------------------------------
def arn(ctx: Context, resource: str) -> str:
    return f"arn:aws:iot:{ctx.region}:{account_id(ctx.account)}:{resource}"


def parse_arn(value: str) -> tuple[str, str, str, str] | None:
    """(kind, region, account id, name) of a thing, thing group or command ARN, else None."""
    for kind, pattern in (("thing", _THING_ARN), ("thinggroup", _GROUP_ARN),
                          ("command", _COMMAND_ARN)):
        m = pattern.fullmatch(value)
        if m:
            return kind, m.group(1), m.group(2), m.group(3)
    return None


# -- page tokens -----------------------------------------------------------------------------
# A token names the creation sequence number of the last item handed out, so a page starts after
# it whatever was added or removed in between: pages never overlap and never skip survivors.
_TOKEN_PREFIX = "iot-page:"


def make_token(last_seq: int) -> str:
    return base64.urlsafe_b64encode(f"{_TOKEN_PREFIX}{last_seq}".encode()).decode()


def read_token(ctx: Context, token: str | None) -> int:
    if token is None:
        return 0
    try:
        text = base64.urlsafe_b64decode(token.encode()).decode()
        if text.startswith(_TOKEN_PREFIX):
            return int(text[len(_TOKEN_PREFIX):])
    except (binascii.Error, UnicodeError, ValueError):
        pass
    raise invalid(ctx, "nextToken", f"expected a token from a previous page, got {token!r}")


def page(ctx: Context, items: list[Any], p: dict[str, Any], default_size: int,
         seq: Any) -> tuple[list[Any], str | None]:
    """One page of ``items`` (sorted by ``seq(item)``) after ``nextToken``, at most maxResults."""
    after = read_token(ctx, p.get("nextToken"))
    size = p.get("maxResults") or default_size
    rest = [item for item in items if seq(item) > after]
    chosen = rest[:size]
    token = make_token(seq(chosen[-1])) if len(rest) > size else None
    return chosen, token
