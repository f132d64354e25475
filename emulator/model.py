"""The botocore models the emulator serves, loaded once, and what it derives from them.

The model is the only source of truth for shapes, routes and error statuses; nothing here is
copied by hand except how a SigV4 signing name maps to a botocore service name.
"""

from __future__ import annotations

import functools

from botocore.model import OperationModel, ServiceModel

from specs.loader import botocore_model

__all__ = [
    "DEFAULT_ACCOUNT",
    "SERVICES",
    "error_status",
    "operation_model",
    "service_for_signing_name",
    "service_model",
]

#: the services the emulator serves (``Emulator.service_for`` tries them in this order for a request
#: without a credential scope)
SERVICES: tuple[str, ...] = ("iot-jobs-data", "iot", "amplifybackend", "importexport")

#: the account of a SigV2 query request without an ``AWSAccessKeyId`` field
DEFAULT_ACCOUNT = "000000000000"

#: SigV4 credential-scope service -> botocore service name. botocore signs Import/Export with the
#: scope ``IngestionService`` (its endpoint ruleset's authSchemes), not the model's endpoint prefix.
_SIGNING_NAMES = {
    "iot-jobs-data": "iot-jobs-data",
    "iot": "iot",
    "amplifybackend": "amplifybackend",
    "ingestionservice": "importexport",
    "importexport": "importexport",
}


def service_for_signing_name(name: str) -> str | None:
    return _SIGNING_NAMES.get(name.lower())


@functools.cache
def service_model(service: str) -> ServiceModel:
    return botocore_model(service)


@functools.cache
def operation_model(service: str, operation: str) -> OperationModel:
    return service_model(service).operation_model(operation)


@functools.cache
def _error_statuses(service: str) -> dict[str, int]:
    model = service_model(service)
    out: dict[str, int] = {}
    for shape in model.error_shapes:
        err = shape.metadata.get("error") or {}
        status = err.get("httpStatusCode")
        if status:
            out[shape.name] = int(status)
            if err.get("code"):
                out[err["code"]] = int(status)
    return out


def error_status(service: str, code: str, default: int = 400) -> int:
    """The HTTP status the model gives the error ``code`` of ``service``, else ``default``."""
    return _error_statuses(service).get(code, default)
