"""``{name}`` templates in overlay values: finding them and filling them.

A value the overlay gives a call (a recipe step's params, an ``examples`` value, a sequence's
``expect``) may hold ``{name}`` placeholders. A string that is exactly ``{name}`` takes the bound
value with its type (an int stays an int); ``{name}`` inside a longer string is replaced by its
text; a name without a value is left as it is. ``{uid}`` is a fresh id, ``{access_key}`` the key id
of the identity making the call (``BUILT_IN``).
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["BUILT_IN", "PLACEHOLDER", "fill", "names", "whole"]

PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
#: the names every call's values hold without a recipe producing them
BUILT_IN = frozenset({"uid", "access_key"})


def whole(value: Any) -> str | None:
    """The name when ``value`` is exactly one ``{name}``, else None."""
    m = PLACEHOLDER.fullmatch(value) if isinstance(value, str) else None
    return m.group(1) if m else None


def names(value: Any) -> set[str]:
    """Every ``{name}`` ``value`` holds, in strings at any depth."""
    if isinstance(value, str):
        return set(PLACEHOLDER.findall(value)) if "{" in value else set()
    if isinstance(value, dict):
        return set().union(*(names(v) for v in value.values())) if value else set()
    if isinstance(value, (list, tuple)):
        return set().union(*(names(v) for v in value)) if value else set()
    return set()


def fill(value: Any, values: dict[str, Any]) -> Any:
    """``value`` with its templates filled from ``values`` (a dict or list is filled at any depth)."""
    if isinstance(value, str):
        name = whole(value)
        if name is not None and name in values:
            return values[name]
        if "{" not in value:
            return value
        return PLACEHOLDER.sub(lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0), value)
    if isinstance(value, dict):
        return {k: fill(v, values) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [fill(v, values) for v in value]
    return value
