"""Hypothesis strategies for calls to AWS operations, from their specs.

``from_operation(op, mode=...)`` draws calls (``valid``, ``boundary`` or ``invalid``);
``boundary_calls`` and ``invalid_calls`` are the deterministic lists behind the last two;
``has_calls`` tells whether a mode has anything to draw for an operation; ``from_shape`` draws
values of one shape.
"""

from strategies.calls import Call, RawMutation, Violation
from strategies.operations import (
    boundary_calls,
    from_operation,
    from_shape,
    has_calls,
    invalid_calls,
    valid_calls,
)

__all__ = [
    "Call", "RawMutation", "Violation", "boundary_calls", "from_operation", "from_shape", "has_calls",
    "invalid_calls", "valid_calls",
]
