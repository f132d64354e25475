"""Operation roles: what each operation does to the resource it works on (``specs.types.Role``).

Checks ask ``op.role`` instead of reading verbs off operation names. This module holds the one
place where a role is derived when nothing states it: an operation the model paginates lists; the
others are told by the verb their name starts with.
"""

from __future__ import annotations

from specs.types import Pagination, Role

__all__ = ["default_role"]

_VERBS: tuple[tuple[tuple[str, ...], Role], ...] = (
    (("List",), Role.LIST),
    (("Get", "Describe"), Role.READ),
    (("Create", "Import", "Clone", "Generate"), Role.CREATE),
    (("Delete", "Remove"), Role.DELETE),
    (("Update", "Put", "Start"), Role.UPDATE),
)


def default_role(name: str, pagination: Pagination | None) -> Role:
    """The role of operation ``name`` when no overlay states one."""
    if pagination is not None:
        return Role.LIST
    for verbs, role in _VERBS:
        if name.startswith(verbs):
            return role
    return Role.ACTION
