"""The ledger: what a run made, on disk while anything of it may be left."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from harness.redaction import redact

__all__ = ["DEFAULT_LEDGER_DIR", "Ledger"]

DEFAULT_LEDGER_DIR = Path(".jobfuzz/runs")


class Ledger:
    """What a run made, one JSON line a resource, kept on disk while anything of it may be left.

    Lines: ``{"n": 3, "made": "thing", "service": "iot", "identity": "primary", "values": {...}}``
    and ``{"deleted": 3}``. Values are ids and names only (never a credential).
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._entries: list[dict[str, Any]] = []
        self._index: dict[str, int] = {}  # resource and values -> the open entry
        self._out: Any = None
        self._lock = threading.Lock()

    @classmethod
    def load(cls, path: Path) -> Ledger:
        ledger = cls(path)
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                rec = json.loads(line)
            except ValueError:
                continue  # a line cut short when the run was killed
            if not isinstance(rec, dict):
                continue
            if "made" in rec and isinstance(rec.get("values"), dict):
                ledger._entries.append({"resource": rec["made"], "service": rec.get("service"),
                                        "identity": rec.get("identity", "primary"), "values": rec["values"],
                                        "deleted": False})
            elif isinstance(rec.get("deleted"), int) and 0 <= rec["deleted"] < len(ledger._entries):
                ledger._entries[rec["deleted"]]["deleted"] = True
        return ledger

    def _write(self, rec: dict[str, Any]) -> None:
        if self.path is None:
            return
        if self._out is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            cut = self.path.exists() and self.path.stat().st_size > 0 and \
                not self.path.read_bytes().endswith(b"\n")
            self._out = self.path.open("a", encoding="utf-8")
            if cut:  # the last line was cut short (a killed run): start on a line of its own
                self._out.write("\n")
        self._out.write(redact(json.dumps(rec, sort_keys=True)) + "\n")
        self._out.flush()  # on disk before the next call: a killed run leaves a usable ledger

    def add(self, resource: str, service: str, values: dict[str, Any], identity: str, *,
            pending: bool = False) -> int:
        """Record a resource; ``pending``: one a create may be making (always an entry of its own)."""
        key = json.dumps([resource, values], sort_keys=True, default=str)
        with self._lock:
            idx = self._index.get(key)
            if idx is not None and not self._entries[idx]["deleted"] and not pending:
                return idx  # the same resource made again (an idempotent create)
            idx = len(self._entries)
            if not pending:
                self._index[key] = idx
            self._entries.append({"resource": resource, "service": service, "identity": identity,
                                  "values": dict(values), "deleted": False})
            self._write({"n": idx, "made": resource, "service": service, "identity": identity, "values": values})
            return idx

    def mark_deleted(self, idx: int) -> None:
        with self._lock:
            if not self._entries[idx]["deleted"]:
                self._entries[idx]["deleted"] = True
                self._write({"deleted": idx})

    def open_entries(self) -> list[tuple[int, dict[str, Any]]]:
        with self._lock:
            return [(i, e) for i, e in enumerate(self._entries) if not e["deleted"]]

    def __len__(self) -> int:
        return len(self._entries)

    def close(self) -> None:
        """Close the file; remove it once nothing it records is left."""
        with self._lock:
            if self._out is not None:
                self._out.close()
                self._out = None
        if self.path is not None and not self.open_entries() and self.path.exists():
            self.path.unlink()
