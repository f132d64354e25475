"""Operation roles: what each operation does to the resource it works on (``specs.types.Role``).

Checks ask ``op.role`` instead of reading verbs off operation names. An overlay states roles under
``roles``; where it does not, this module derives one, saying where it came from
(``OperationSpec.role_source``): an operation the model paginates lists (``paginator``); one an
overlay recipe makes or deletes a resource with creates or deletes (``recipe``); the others are told
by the verb their name starts with (``name``), the one place a name decides, and a guess that
``jobfuzz specs lint`` lists for the operations in scope.
"""

from __future__ import annotations

from collections.abc import Iterable

from specs.types import Absence, Pagination, Resource, Role

__all__ = ["default_absences", "derived_role", "recipe_roles"]

_VERBS: tuple[tuple[tuple[str, ...], Role], ...] = (
    (("List",), Role.LIST),
    (("Get", "Describe"), Role.READ),
    (("Create", "Import", "Clone", "Generate"), Role.CREATE),
    (("Delete", "Remove"), Role.DELETE),
    (("Update", "Put", "Start"), Role.UPDATE),
)


def derived_role(name: str, pagination: Pagination | None, recipe: Role | None = None) -> tuple[Role, str]:
    """The role of ``name`` and where it comes from (``paginator``, ``recipe`` or ``name``)."""
    if pagination is not None:
        return Role.LIST, "paginator"
    if recipe is not None:
        return recipe, "recipe"
    for verbs, role in _VERBS:
        if name.startswith(verbs):
            return role, "name"
    return Role.ACTION, "name"


def recipe_roles(service: str, resources: Iterable[Resource]) -> dict[str, Role]:
    """What the recipes say about ``service``'s operations: the first of its steps in a resource's
    create steps creates the resource (later ones read it back), and its delete steps delete it."""
    out: dict[str, Role] = {}
    for res in resources:
        first = next((s for s in res.create if s.service == service), None)
        if first is not None:
            out.setdefault(first.operation, Role.CREATE)
        for step in res.delete:
            if step.service == service:
                out.setdefault(step.operation, Role.DELETE)
    return out


def default_absences(pagination: Pagination | None, not_found_errors: tuple[str, ...],
                     not_found: Absence | None = None, not_yours: Absence | None = None) -> tuple[Absence, Absence]:
    """``(not_found, not_yours)`` where an overlay states either or neither: not found is a refusal
    with ``not_found_errors`` (the overlay's ``errors.not_found``); another account's resource looks
    as one that is not there, and a paginated list may also answer without it (its first result key
    does not hold it)."""
    found = not_found or Absence(errors=not_found_errors)
    if not_yours is not None:
        return found, not_yours
    if pagination is not None and pagination.result_keys and not found.answers_ok:
        return found, Absence(errors=found.errors, message=found.message, absent=pagination.result_keys[0],
                              source=found.source, doc=found.doc)
    return found, found
