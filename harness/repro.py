"""How to reproduce a call by hand: an ``aws`` CLI line and a runnable boto3 snippet.

``endpoint_url`` None means the embedded emulator: the line and the snippet then target
``jobfuzz emulator`` on its default address. ``real_aws=True`` means the service's own endpoint.

A recorded sequence keeps ``{placeholder}`` templates so that a replay can fill them (harness.resources):
``{uid}`` a fresh name for each call that makes a resource, ``{binding}`` a value an earlier call's
answer gave (its ``produces``). ``reproduce`` fills them across the whole sequence before it keeps
the last calls: each ``{uid}`` gets a name of its own, and a binding that an earlier call's answer
echoes from that call's own parameters (``CreateThing`` answers the ``thingName`` it was given) gets
that parameter's value. What only the service chooses (a ``JobId`` it makes up, an ARN) stays a
``{binding}``, with a note naming the call and the answer member it comes from.
"""

from __future__ import annotations

import base64
import datetime as _dt
import json
import pprint
import re
import secrets
import shlex
from dataclasses import dataclass, replace
from typing import Any

from botocore import xform_name

from harness.options import TargetOptions
from harness.results import FailureRecord
from harness.targets import PRIMARY_KEYS, SECOND_KEYS
from specs.loader import botocore_model
from specs.templates import fill, names
from strategies.calls import Call

__all__ = ["EMULATOR_URL", "Reproduction", "aws_cli_command", "boto3_snippet", "reproduce", "resolve_templates",
           "target_of", "wrap_command"]

EMULATOR_URL = "http://127.0.0.1:4566"
DEFAULT_REGION = "us-east-1"

#: botocore service name -> aws CLI command, where they differ
_CLI_NAMES = {"s3": "s3api"}


def _member_types(call: Call) -> dict[str, str]:
    try:
        shape = botocore_model(call.service).operation_model(call.operation).input_shape
    except Exception:  # noqa: BLE001 - an unknown operation still gets a line, with guessed types
        return {}
    return {} if shape is None else {k: v.type_name for k, v in shape.members.items()}


def _jsonable(value: Any) -> Any:
    if isinstance(value, _dt.datetime):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def _cli_value(value: Any) -> str:
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(_jsonable(value), separators=(",", ":"), ensure_ascii=False)
    if isinstance(value, (bytes, bytearray, _dt.datetime)):
        return str(_jsonable(value))
    if value is None:
        return "null"
    return str(value)


def aws_cli_command(call: Call, endpoint_url: str | None, region: str | None, *, real_aws: bool = False) -> str:
    """One ``aws SERVICE OPERATION --member value ...`` line, each value quoted for a POSIX shell."""
    types = _member_types(call)
    words = ["aws", _CLI_NAMES.get(call.service, call.service), xform_name(call.operation, "-")]
    if _has_control(call.params):  # keep it one line: JSON escapes what the shell would not
        words += ["--cli-input-json", shlex.quote(_cli_value(call.params))]
    for name, value in () if _has_control(call.params) else call.params.items():
        flag = "--" + xform_name(name, "-")
        if isinstance(value, bool) and types.get(name, "boolean") == "boolean":
            words.append(flag if value else "--no-" + flag[2:])
            continue
        words += [flag, shlex.quote(_cli_value(value))]
    if not real_aws:
        words += ["--endpoint-url", shlex.quote(endpoint_url or EMULATOR_URL)]
    words += ["--region", shlex.quote(region or DEFAULT_REGION)]
    return " ".join(words)


def wrap_command(line: str, width: int = 96) -> list[str]:
    """``line`` as shell lines of at most ``width`` characters where it can, joined by `` \\``.

    Breaks only before an ``--option``, so each option stays with its value.
    """
    words = [shlex.quote(w) for w in shlex.split(line)]
    groups = [" ".join(words[:3])]  # aws SERVICE OPERATION
    for word in words[3:]:
        if word.startswith("--"):
            groups.append(word)
        else:
            groups[-1] += " " + word
    out: list[str] = []
    for group in groups:
        if out and len(out[-1]) + 1 + len(group) + 2 <= width:
            out[-1] += " " + group
        else:
            out.append(group if not out else "    " + group)
    return [line + " \\" for line in out[:-1]] + out[-1:]


def _cli_notes(call: Call, endpoint_url: str | None, real_aws: bool) -> list[str]:
    notes = []
    if call.raw is not None:
        notes.append(f"the harness also replaced the serialised request ({call.raw.kind}); "
                     "the CLI cannot send that, the boto3 snippet can")
    elif call.mode == "invalid":
        notes.append("the aws CLI validates parameters and may refuse this call before sending it; "
                     "the boto3 snippet turns validation off")
    if "{access_key}" in json.dumps(_jsonable(call.params)):
        notes.append("{access_key} is the access key id of the caller")
    if endpoint_url is None and not real_aws:
        notes.append(f"start the emulator first: jobfuzz emulator --port 4566 (it serves {EMULATOR_URL})")
    return notes


def _has_control(value: Any) -> bool:
    if isinstance(value, str):
        return any(ord(ch) < 32 or ord(ch) == 127 for ch in value)
    if isinstance(value, dict):
        return any(_has_control(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_has_control(v) for v in value)
    return False


def _fill_key(value: Any, key: str) -> Any:
    if isinstance(value, str):
        return value.replace("{access_key}", key)
    if isinstance(value, dict):
        return {k: _fill_key(v, key) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_fill_key(v, key) for v in value]
    return value


def _needs_datetime(value: Any) -> bool:
    if isinstance(value, _dt.datetime):
        return True
    if isinstance(value, dict):
        return any(_needs_datetime(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_needs_datetime(v) for v in value)
    return False


def boto3_snippet(call: Call, endpoint_url: str | None, region: str | None, *, identity: str = "primary",
                  real_aws: bool = False) -> str:
    """A short Python program that sends ``call`` once with boto3 and prints the answer."""
    lines = ["import boto3", "from botocore.config import Config"]
    if _needs_datetime(call.params):
        lines.append("import datetime")
    if endpoint_url is None and not real_aws:
        lines.append("# start the emulator first: jobfuzz emulator --port 4566")
    args = [repr(call.service)]
    params: Any = call.params
    if real_aws:
        lines.append('key = boto3.Session().get_credentials().access_key')
        key_expr = None
    else:
        ak, sk = PRIMARY_KEYS if identity != "second" else SECOND_KEYS
        args.append(f"endpoint_url={endpoint_url or EMULATOR_URL!r}")
        args += [f"aws_access_key_id={ak!r}", f"aws_secret_access_key={sk!r}"]
        params = _fill_key(params, ak)
        key_expr = ak
    args += [f"region_name={region or DEFAULT_REGION!r}",
             "config=Config(parameter_validation=False, retries={'total_max_attempts': 1})"]
    lines.append("c = boto3.client(")
    line = "   "
    for arg in args:
        if len(line) + len(arg) + 2 > 90 and line.strip():
            lines.append(line.rstrip())
            line = "   "
        line += f" {arg},"
    lines.append(line.rstrip(",") + ")")
    raw = call.raw
    if raw is not None:
        lines.append("def _break(request, **_):  # what the harness did to the serialised request")
        if raw.body is not None:
            lines.append(f"    request.body = {_clipped(raw.body)}")
        elif raw.edits_body:
            lines.append("    body = request.body if isinstance(request.body, bytes) else request.body.encode()")
            if raw.drop:
                lines.append(f"    body = b'&'.join(p for p in body.split(b'&') if p.split(b'=', 1)[0] not in "
                             f"{sorted(n.encode() for n in raw.drop)!r})")
            if raw.extra is not None:
                lines.append(f"    body += {_clipped(raw.extra)}")
            lines.append("    request.body = body")
        if raw.edits_body:
            lines.append('    request.headers["Content-Length"] = str(len(request.body))')
        if raw.content_type is not None:
            lines.append(f'    request.headers["Content-Type"] = {raw.content_type!r}')
        lines.append('c.meta.events.register_first("before-send", _break)')
    lines.append("params = " + pprint.pformat(params, width=81, sort_dicts=False).replace("\n", "\n" + " " * 9))
    if key_expr is None and names(params):
        lines.append("params = json.loads(json.dumps(params).replace('{access_key}', key))")
        lines.insert(0, "import json")
    lines.append(f"print(c.{xform_name(call.operation)}(**params))")
    return "\n".join(lines)


def target_of(endpoint: str, service: str) -> tuple[str | None, str | None, bool]:
    """(endpoint URL, region, real AWS) for ``service`` from a RunResult's ``endpoint`` text.

    The text is ``embedded``, one URL, ``service=URL, *=URL`` pairs, or ``aws:REGION``.
    """
    options = TargetOptions.from_endpoint(endpoint)
    if options.target == "aws":
        return None, options.region, True
    urls = options.urls()
    return urls.get(service, urls.get(None)), None, False


def resolve_templates(calls: list[Call], *, prefix: str | None = None) -> tuple[list[Call], dict[str, str]]:
    """``calls`` with the templates the sequence itself settles filled (see the module docstring),
    and, for each binding left as a template, where its value comes from.

    ``prefix`` starts every ``{uid}`` name (default: ``jfr`` and four random hex digits, so that
    the lines can be run twice against the same endpoint)."""
    prefix = prefix or f"jfr{secrets.token_hex(2)}"
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    out: list[Call] = []
    for i, call in enumerate(calls, 1):
        params = fill(call.params, {**values, "uid": f"{prefix}{i:05d}"})
        out.append(call if params == call.params else replace(call, params=params))
        for binding, path in call.produces:
            echoed = params.get(path) if "." not in path else None
            if isinstance(echoed, (str, int)) and not names(echoed):
                values[binding] = echoed
                sources.pop(binding, None)
            else:
                values.pop(binding, None)
                sources[binding] = f"{path} in the answer of call {i} ({call.service} {call.operation})"
    return out, sources


@dataclass(frozen=True, slots=True)
class Reproduction:
    replay: str | None  # "jobfuzz replay CASE" when there is a case file
    cli: tuple[str, ...]  # one aws line a call
    boto3: tuple[str, ...]  # one snippet a call
    notes: tuple[str, ...]
    omitted: int = 0  # earlier calls left out (see the case file)


def reproduce(record: FailureRecord, endpoint: str, *, last: int | None = None) -> Reproduction:
    """Every way to rerun ``record``; ``last`` keeps only the last N calls of a long sequence."""
    calls, sources = resolve_templates(list(record.sequence))
    identities = list(record.identities) + ["primary"] * (len(calls) - len(record.identities))
    omitted = 0
    if last is not None and len(calls) > last:
        omitted = len(calls) - last
        calls, identities = calls[omitted:], identities[omitted:]
    cli, snippets, notes = [], [], []
    for call, identity in zip(calls, identities, strict=False):  # identities: padded, may run longer
        url, region, real = target_of(endpoint, call.service)
        cli.append(aws_cli_command(call, url, region, real_aws=real))
        snippets.append(boto3_snippet(call, url, region, identity=identity, real_aws=real))
        notes += [n for n in _cli_notes(call, url, real) if n not in notes]
    left = set().union(*(names(c.params) for c in calls)) - {"access_key"} if calls else set()
    notes += [f"{{{b}}} is {sources.get(b, 'a value a call before these returned')}" for b in sorted(left)]
    if record.scenario is not None:
        notes.append(f"found by a {record.scenario.get('kind', 'scenario')} run: "
                     "the calls alone may not show it, the replay does")
    replay = None
    if record.case_file:
        replay = f"jobfuzz replay {shlex.quote(record.case_file)}"
        for url in TargetOptions.from_endpoint(endpoint).endpoint_urls:
            replay += f" --endpoint-url {shlex.quote(url)}"
    return Reproduction(replay, tuple(cli), tuple(snippets), tuple(notes), omitted)


def _clipped(data: bytes) -> str:
    """``data`` as Python source; a long run of one byte (an oversize body's padding) as a repetition."""
    m = re.search(rb"(.)\1{63,}", data, re.DOTALL)
    if m is None:
        return repr(data)
    return f"{data[:m.start()]!r} + {m.group(1)!r} * {m.end() - m.start()} + {data[m.end():]!r}"
