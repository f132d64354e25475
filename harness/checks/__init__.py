"""The check registry: every check, by its fixed name, complete once this package is imported.

Each module below registers the checks it holds (``@check``); importing the package imports them
all and refuses to go on if a fixed check name has no check.
"""

from harness.checks import exchange as _exchange  # noqa: F401  (registers the exchange checks)
from harness.checks import lifecycle as _lifecycle  # noqa: F401  (the lifecycle checks)
from harness.checks import recipes as _recipes  # noqa: F401  (read after write on the recipes' steps)
from harness.checks import scenarios as _scenarios  # noqa: F401  (the scenario checks)
from harness.checks.registry import (
    CHECKS,
    KINDS,
    CheckContext,
    Registered,
    check,
    registered,
    run_exchange_checks,
    run_recipe_checks,
)
from harness.model import CHECK_NAMES

_MISSING = [name for name in CHECK_NAMES if name not in CHECKS]
if _MISSING:
    raise ImportError(f"harness.checks: no check registered under {', '.join(_MISSING)}")
_ORDERED = {name: CHECKS[name] for name in CHECK_NAMES}  # the fixed names' order, whatever the imports'
CHECKS.clear()
CHECKS.update(_ORDERED)

__all__ = ["CHECKS", "KINDS", "CheckContext", "Registered", "check", "registered", "run_exchange_checks",
           "run_recipe_checks"]
