"""Whether an answer shows that the resource an operation names is not there, or not the caller's:
the operation's ``not_found`` and ``not_yours`` descriptions (``specs.types.Absence``, stated in the
overlays' ``roles`` or derived by ``specs.roles``), judged on one exchange."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from harness.model import Exchange
from specs.paths import search
from specs.types import Absence

__all__ = ["not_there"]


def _values(found: Any) -> list[Any]:
    """The values at a JMESPath result: a list's items, and each item's member values where an item
    is a structure (a listed job's ``jobId``, ``jobArn`` ...)."""
    items = found if isinstance(found, list) else [] if found is None else [found]
    out: list[Any] = []
    for item in items:
        out.extend(item.values() if isinstance(item, dict) else [item])
    return out


def not_there(absence: Absence, ex: Exchange, ids: Iterable[Any]) -> bool | None:
    """Whether ``ex`` says, as ``absence`` describes, that the resource (known by ``ids``) is not there
    for the caller: True for a refusal with its codes (and message), or a success whose list at
    ``empty`` is empty, or whose values at ``absent`` hold none of ``ids``; False for a success that
    does not look so (it reached the resource); None when the answer cannot tell (another refusal,
    or a success the description calls ``ok``)."""
    if not ex.ok:
        return True if absence.refuses(ex.error_code, ex.error_message) else None
    if absence.empty:
        return not search(absence.empty, ex.parsed)
    if absence.absent:
        listed = _values(search(absence.absent, ex.parsed))
        return not any(i in listed for i in ids if isinstance(i, (str, int)))
    return None if absence.ok else False
