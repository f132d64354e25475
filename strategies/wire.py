"""What botocore makes of a call's params on the wire, with parameter validation off.

Invalid values are only worth generating when botocore can send them: a client built with
``Config(parameter_validation=False)`` hands params straight to its serializer, which crashes on
many wrong types (a string where a structure is expected, a missing URI label, a date it cannot
parse) and silently converts others (a number for a URI label becomes its digits, which is no
longer a wrong type on the wire). ``serialise`` runs the protocol's serializer as such a client
does, without the network; ``carries`` tells whether a marker survives into the request.
"""

from __future__ import annotations

import functools
from typing import Any

from botocore.model import OperationModel
from botocore.serialize import create_serializer

from specs.loader import botocore_model
from specs.types import OperationSpec

__all__ = ["carries", "operation_model", "serialise"]


@functools.cache
def operation_model(service: str, operation: str) -> OperationModel:
    return botocore_model(service).operation_model(operation)


@functools.cache
def _serializer(protocol: str) -> Any:
    return create_serializer(protocol, include_validation=False)


def serialise(op: OperationSpec, params: dict[str, Any]) -> dict[str, Any] | None:
    """The request dict botocore builds for ``params``, or None when its serializer fails."""
    model = operation_model(op.service, op.name)
    try:
        return _serializer(model.metadata["protocol"]).serialize_to_request(params, model)
    except Exception:  # noqa: BLE001 - any crash means botocore cannot send these params
        return None


def carries(request: dict[str, Any], marker: str) -> bool:
    """Whether ``marker`` appears in the URL, query string, headers or body of ``request``."""
    body = request.get("body")
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
    return any(marker in part for part in (
        str(request.get("url_path", "")), str(request.get("query_string", "")), str(request.get("headers", {})), text))
