"""Wire protocols: turn a request into ``(operation, params)`` and results back into bytes.

Each protocol object is built once for a service from its botocore model and then only read, so
one object serves every thread and every emulator in the process.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from emulator.core import Problem

__all__ = ["MAX_BODY", "ProtocolProblem", "RawResponse"]

#: the largest request body accepted (bytes); larger ones are answered as a validation error
MAX_BODY = 1024 * 1024


@dataclass(frozen=True, slots=True)
class RawResponse:
    """An HTTP answer: what goes on the wire."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


class ProtocolProblem(Exception):
    """The request cannot be read as the operation's input: answered as the service's validation
    error for ``problem``."""

    def __init__(self, problem: Problem, operation: str | None = None) -> None:
        super().__init__(f"{problem.path}: {problem.message}")
        self.problem = problem
        self.operation = operation
