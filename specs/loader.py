"""The specs the project works from: a service's botocore model (``specs.models``) with its overlay
(``specs.overlay``) applied.

The raw model specs live in ``specs.models``, which the overlay reads too; this module puts the two
together and is where the rest of the project loads services from.
"""

from __future__ import annotations

from specs.models import available_services, botocore_model, raw_service
from specs.overlay import apply_overlay
from specs.types import ServiceSpec

__all__ = ["available_services", "botocore_model", "load_service", "raw_service"]


def load_service(service: str) -> ServiceSpec:
    """The spec of ``service``: the model plus its overlay, when one exists."""
    return apply_overlay(raw_service(service))
