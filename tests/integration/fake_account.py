"""A loopback stand-in for an AWS account's IoT things, jobs and commands, with their tags.

It answers what a sweep sends (``ListThings``, ``ListJobs``, ``ListCommands``,
``ListTagsForResource``, ``DeleteThing``, ``DeleteJob``, ``DeleteCommand``) as AWS's rest-json
protocol does, keeps every request (``loopback.Server.requests``), and answers anything else 400.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit

from loopback import Request, Server, serve

__all__ = ["Account", "account"]

ARN = "arn:aws:iot:us-east-1:123456789012"
WRITES = ("PUT", "POST", "DELETE", "PATCH")


@dataclass
class Account:
    things: dict[str, dict[str, str]] = field(default_factory=dict)  # name -> tags
    jobs: dict[str, dict[str, str]] = field(default_factory=dict)
    commands: dict[str, dict[str, str]] = field(default_factory=dict)
    server: Server | None = None

    def writes(self) -> list[Request]:
        assert self.server is not None
        return [r for r in self.server.requests if r.method in WRITES]

    def _kinds(self) -> dict[str, tuple[dict[str, dict[str, str]], str, str]]:
        return {"things": (self.things, "thing", "thingName"), "jobs": (self.jobs, "job", "jobId"),
                "commands": (self.commands, "command", "commandId")}

    def answer(self, req: Request) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(req.path)
        segments = [unquote(s) for s in parts.path.strip("/").split("/")]
        kinds = self._kinds()
        if req.method == "GET" and segments == ["tags"]:
            arn = parse_qs(parts.query).get("resourceArn", [""])[0]
            for store, noun, _ in kinds.values():
                for name, tags in store.items():
                    if arn == f"{ARN}:{noun}/{name}":
                        return _json(200, {"tags": [{"Key": k, "Value": v} for k, v in tags.items()]})
            return _json(404, {"message": f"no resource {arn}"}, "ResourceNotFoundException")
        if segments[0] in kinds:
            store, noun, id_name = kinds[segments[0]]
            if req.method == "GET" and len(segments) == 1:
                items = [{id_name: n, f"{noun}Arn": f"{ARN}:{noun}/{n}"} for n in store]
                if noun == "job":
                    for item in items:
                        item["status"] = "IN_PROGRESS"
                return _json(200, {segments[0]: items})
            if req.method == "DELETE" and len(segments) == 2:
                if store.pop(segments[1], None) is None:
                    return _json(404, {"message": f"no {noun} {segments[1]}"}, "ResourceNotFoundException")
                return _json(200, {})
        return _json(400, {"message": f"the fake account does not answer {req.method} {parts.path}"},
                     "InvalidRequestException")


def _json(status: int, body: dict, error: str | None = None) -> tuple[int, dict[str, str], bytes]:
    headers = {"Content-Type": "application/json"}
    if error:
        headers["x-amzn-ErrorType"] = error
    return status, headers, json.dumps(body).encode()


@contextlib.contextmanager
def account(acct: Account) -> Iterator[Account]:
    with serve(acct.answer) as server:
        acct.server = server
        yield acct
