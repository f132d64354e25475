"""One finding of ``jobfuzz specs lint``: a place where documentation and model disagree (``specs.lint``
makes them, ``specs.lint_prose`` the ones read from member documentation)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Finding"]


@dataclass(frozen=True, slots=True)
class Finding:
    service: str
    operation: str  # "" when the finding is about the service as a whole
    where: str  # a member path, an error code or a discrepancy's place
    kind: str  # one of specs.lint.KINDS
    message: str
    source: str  # model | doc | inferred

    def line(self) -> str:
        op = f"{self.operation}: " if self.operation else ""
        return f"{self.service}: {op}[{self.kind}] {self.where}: {self.message} ({self.source})"
