"""The AmplifyBackend errors the backend raises (all four share the model's shapes)."""

from __future__ import annotations

from emulator.core import Context, ServiceError


def bad_request(ctx: Context, message: str) -> ServiceError:
    return ServiceError("BadRequestException", f"{ctx.operation}: {message}", status=400)


def not_found(ctx: Context, resource_type: str, message: str) -> ServiceError:
    """NotFoundException 404; ``resourceType`` is the wire name of the model's ResourceType member."""
    return ServiceError("NotFoundException", f"{ctx.operation}: {message}", status=404,
                        fields={"resourceType": resource_type})
