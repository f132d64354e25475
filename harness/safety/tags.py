"""The run tag on a real account: does a listed resource carry ``jobfuzz:run=<prefix>``?

A run tags what it makes where the create operation has a tags member in the model (IoT jobs and
commands; IoT things, Import/Export jobs and Amplify backends take no tags). A list operation's
items show no tags, so the tags of one item are read with its service's ``ListTagsForResource``
(found in the model: an operation of that name whose input takes a resource ARN and whose output
has a tags member), on the ARN the item carries. A resource whose tags cannot be read is not
the run's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from harness.resources import RUN_TAG_KEY
from specs.paths import search
from specs.types import OperationSpec, ServiceSpec
from strategies.calls import Call

__all__ = ["TagReader", "has_run_tag"]

_MAX_PAGES = 20


def has_run_tag(tags: Any, prefix: str) -> bool:
    """``tags`` (a list of ``{Key, Value}`` in any case, or a map) holds ``jobfuzz:run=<prefix>``."""
    if isinstance(tags, dict):
        return tags.get(RUN_TAG_KEY) == prefix
    if isinstance(tags, list):
        for tag in tags:
            if isinstance(tag, dict):
                low = {str(k).lower(): v for k, v in tag.items()}
                if low.get("key") == RUN_TAG_KEY and low.get("value") == prefix:
                    return True
    return False


def _tags_member(service: ServiceSpec, shape: str | None) -> str | None:
    if shape is None:
        return None
    return next((m.name for m in service.shapes[shape].members if m.name.lower() == "tags"), None)


class TagReader:
    """Reads the tags of listed items of one service through its ``ListTagsForResource``."""

    def __init__(self, service: ServiceSpec, send: Callable[[Call], Any]) -> None:
        self.send = send
        self.op: OperationSpec | None = None
        self.arn_member = self.tags_member = ""
        try:
            op = service.operation("ListTagsForResource")
        except (KeyError, ValueError):
            return
        arn = next((m.name for m in service.shapes[op.input].members if m.name.lower() == "resourcearn"),
                   None) if op.input else None
        tags = _tags_member(service, op.output)
        if arn and tags:
            self.op, self.arn_member, self.tags_member = op, arn, tags

    def says_ours(self, item: dict[str, Any], prefix: str) -> tuple[bool, str]:
        """Whether ``item`` carries the run tag, and if not, why it is not known to."""
        for key, value in item.items():
            if key.lower() == "tags":
                return has_run_tag(value, prefix), "its tags do not hold the run tag"
        arn = next((v for k, v in item.items() if k.lower().endswith("arn") and isinstance(v, str)), None)
        if self.op is None or arn is None:
            return False, "its service cannot show its tags" if self.op is None else "it shows no ARN"
        params: dict[str, Any] = {self.arn_member: arn}
        pag = self.op.pagination
        for _ in range(_MAX_PAGES):
            ex = self.send(Call(self.op.service, self.op.name, dict(params)))
            if not ex.ok or not isinstance(ex.parsed, dict):
                return False, f"{self.op.qualified} answered {ex.error_code or ex.status}"
            if has_run_tag(ex.parsed.get(self.tags_member), prefix):
                return True, ""
            token = search(pag.output_token[0], ex.parsed) if pag and pag.output_token else None
            if not token or not pag:
                break
            params[pag.input_token[0]] = token
        return False, "its tags do not hold the run tag"
