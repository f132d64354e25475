"""Safety on a real account: the run prefix and tag, the guard, the call caps, the ledger, cleanup.

- Every resource a run makes is named with the run prefix (``{uid}`` is the prefix and a counter)
  and, where the create operation has a tags member in the model, tagged ``jobfuzz:run=<prefix>``.
- The guard (``Guard.vet``) looks at every call before it is sent. An identifier parameter (a
  member the overlay binds to a resource, or a member a recipe names a new resource by) must hold a
  value this run made or one that carries the prefix. A generated name of a new resource is given
  the prefix when the model's rules for the member still hold; anything else is refused, counted
  and reported, and never sent (it is not a contract failure).
- ``CallLimiter`` spaces calls to at most ``max_rate`` a second and stops the run (the engine's
  ``Stop``) after ``max_calls``; the cleanup at the end is not counted against the total.
- The ledger (``<ledger_dir>/<prefix>.jsonl``) records what each create made as it is made, so
  that resources whose ids the service chooses (Import/Export and AmplifyBackend job ids) can be
  found again after an interrupted run. ``harness.cleanup`` deletes what the ledger holds and
  what the list operations show with an id that starts with the prefix.
"""

from __future__ import annotations

from harness.safety.guard import Guard, refused_exchange
from harness.safety.index import (
           MIN_PREFIX,
           SpecIndex,
           id_member,
           new_prefix,
           prefix_problem,
)
from harness.safety.ledger import DEFAULT_LEDGER_DIR, Ledger
from harness.safety.limits import CallLimiter

__all__ = ["DEFAULT_LEDGER_DIR", "MIN_PREFIX", "CallLimiter", "Guard", "Ledger",
           "SpecIndex", "id_member", "new_prefix", "prefix_problem", "refused_exchange"]
