"""The check registry: every check, by its fixed name."""

from harness.checks import exchange as _exchange  # noqa: F401  (registers the exchange checks)
from harness.checks.registry import CHECKS, CheckContext, check, run_exchange_checks

__all__ = ["CHECKS", "CheckContext", "check", "run_exchange_checks"]
