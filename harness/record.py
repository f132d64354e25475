"""``jobfuzz record``: an endpoint's answers saved for later runs to compare with (``--observations``).

Meant for a sandbox account (``--target aws``, with its caps and cleanup): the run is the engine's,
as for ``jobfuzz run``, and every success answer to a call meant to succeed is kept as it came
(the JSON body; a query answer's XML text), at most ``PER_OPERATION`` an operation, passed through
the redactor. The file judges nothing; a later ``jobfuzz run --observations FILE`` compares an
endpoint's answers with it (``harness.observations``).
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.config import RunConfig
from harness.model import Exchange
from harness.observations import FORMAT
from harness.results import Reporter
from harness.targets import Target
from strategies.calls import Call

__all__ = ["PER_OPERATION", "Recording", "record"]

#: answers kept for each operation (the first ones)
PER_OPERATION = 50


@dataclass
class Recording:
    endpoint: str
    answers: list[dict[str, Any]] = field(default_factory=list)
    per_operation: Counter[str] = field(default_factory=Counter)
    calls: int = 0

    def keep(self, call: Call, ex: Exchange) -> None:
        """Keep ``ex`` if it is a success answer to a call meant to succeed, and room is left."""
        from specs.loader import load_service

        qualified = f"{call.service}.{call.operation}"
        if call.expects_rejection or not ex.ok or ex.response is None or self.per_operation[qualified] >= PER_OPERATION:
            return
        op = load_service(call.service).operation(call.operation)
        if op.output is None:
            return
        text = ex.response.body.decode("utf-8", "replace")
        if op.protocol == "query":
            body: Any = text
        else:
            try:
                body = json.loads(text) if text.strip() else {}
            except ValueError:
                return  # not an answer to keep: response_schema_conformance says what it is
            if not isinstance(body, dict):
                return
        self.per_operation[qualified] += 1
        self.answers.append({"service": call.service, "operation": call.operation, "body": body})

    def write(self, path: Path, version: str) -> None:
        from harness.redaction import redact

        doc = {"format": FORMAT, "harness_version": version, "endpoint": self.endpoint,
               "recorded": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "calls": self.calls,
               "answers": self.answers}
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(redact(json.dumps(doc, indent=1, sort_keys=True)) + "\n", encoding="utf-8")


def record(target: Target, config: RunConfig, reporter: Reporter | None = None) -> Recording:
    """Run the engine on ``target`` and keep its answers (the target's ``send`` is wrapped for the run)."""
    from harness.session import execute

    recording = Recording(endpoint=target.endpoint)
    send = target.send

    def keeping(call: Call, *, identity: str = "primary") -> Exchange:
        ex = send(call, identity=identity)
        recording.keep(call, ex)
        return ex

    setattr(target, "send", keeping)  # noqa: B010 - the instance's own, for this run only
    try:
        result = execute(target, config, reporter)
    finally:
        delattr(target, "send")
    recording.calls = result.calls
    return recording
