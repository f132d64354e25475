"""The check registry: every check, by its fixed name, complete once this package is imported.

Every module of this package registers the checks it holds (``@check`` of ``registry.py``);
importing the package imports them all (a new module is found without a line here) and refuses to
go on if a fixed check name has no check.
"""

import importlib
import pkgutil

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

__all__ = ["CHECKS", "KINDS", "CheckContext", "Registered", "check", "registered", "run_exchange_checks",
           "run_recipe_checks"]

for _module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    importlib.import_module(f"{__name__}.{_module}")

_MISSING = [name for name in CHECK_NAMES if name not in CHECKS]
if _MISSING:
    raise ImportError(f"harness.checks: no check registered under {', '.join(_MISSING)}")
_ORDERED = {name: CHECKS[name] for name in CHECK_NAMES}  # the fixed names' order, whatever the modules'
CHECKS.clear()
CHECKS.update(_ORDERED)
