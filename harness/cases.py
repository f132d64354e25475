"""Case files: one saved failure as JSON, free of anything tied to one machine or one credential.

A case file holds the check that failed, the seed, the harness version and every call of the
sequence that led to the failure (service, operation, parameters, identity, mode, the rule an
invalid call breaks, the raw break applied after serialisation). Parameters are made JSON-safe:
a datetime becomes ``{"$datetime": ISO}`` and bytes ``{"$bytes": BASE64}``.

Access key ids (the run's identities', ``AKIA…``/``ASIA…``, and the harness's own default ones)
become the template ``{access_key}``, which replay fills with the key of the identity that sends
the call; a string that looks like a secret access key, and any value under a member named like a
secret, becomes ``"<redacted>"``. The scheme and host of a URL in the failure's title or message
become ``<endpoint>``. What is left passes the run's redactor (``harness.redaction``) as it is
written, like every report.
"""

from __future__ import annotations

import base64
import datetime as _dt
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema

from harness.model import CHECK_NAMES
from harness.redaction import active
from harness.reporting.json_report import write_document
from harness.results import FailureRecord
from harness.targets import PRIMARY_KEYS, SECOND_KEYS
from strategies.calls import MODES, RAW_KINDS, Call, RawMutation, Violation

__all__ = ["FORMAT", "Case", "CaseFileError", "iter_cases", "load_case", "save_case"]

FORMAT = "jobfuzz-case/1"
REDACTED = "<redacted>"
ACCESS_KEY_TEMPLATE = "{access_key}"

#: AWS access key ids, and the key ids of the harness's built-in identities (not shaped like AWS's)
_KEY_ID = re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{12,}(?![A-Z0-9])|(?<![\w-])(?:"
                     + "|".join(re.escape(k) for k in (PRIMARY_KEYS[0], SECOND_KEYS[0])) + r")(?![\w-])")
_SECRET = re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")
_URL_HOST = re.compile(r"\bhttps?://[^\s/'\"<>]+")
_SECRET_MEMBER = re.compile(r"secret|password|passwd|session_?token|signature|credential", re.IGNORECASE)


class CaseFileError(Exception):
    """A case file that cannot be used: which file, where inside it, and what is wrong."""

    def __init__(self, path: Path | str, where: str, problem: str) -> None:
        self.path, self.where, self.problem = str(path), where, problem
        super().__init__(f"{self.path}: {where}: {problem}")


@dataclass(frozen=True, slots=True)
class Case:
    format: str
    harness_version: str
    check: str
    service: str
    operation: str
    title: str
    message: str
    seed: int
    flaky: bool
    calls: tuple[Call, ...]
    identities: tuple[str, ...]  # one per call
    scenario: dict[str, Any] | None = None
    endpoint_kind: str | None = None  # embedded | url | aws: where it was found
    redacted: tuple[str, ...] = ()  # places whose values were replaced when saved


# -- JSON-safe values ------------------------------------------------------------------------

def _encode(value: Any) -> Any:
    if isinstance(value, _dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, _dt.date):
        return {"$datetime": _dt.datetime(value.year, value.month, value.day).isoformat()}
    if isinstance(value, (bytes, bytearray)):
        return {"$bytes": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value):
            return {k: _encode(v) for k, v in value.items()}
        return {"$map": [[_encode(k), _encode(v)] for k, v in value.items()]}  # keys of other types
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_encode(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def _decode(value: Any, where: str, path: Path | str) -> Any:
    if isinstance(value, dict):
        if len(value) == 1 and "$datetime" in value:
            try:
                return _dt.datetime.fromisoformat(value["$datetime"])
            except (TypeError, ValueError):
                got = value["$datetime"]
                raise CaseFileError(path, where, f"expected an ISO 8601 $datetime, got {got!r}") from None
        if len(value) == 1 and "$bytes" in value:
            try:
                return base64.b64decode(value["$bytes"], validate=True)
            except (TypeError, ValueError):
                raise CaseFileError(path, where, f"expected base64 in $bytes, got {value['$bytes']!r}") from None
        if len(value) == 1 and "$map" in value:
            pairs = value["$map"]
            if not isinstance(pairs, list) or not all(isinstance(p, list) and len(p) == 2 for p in pairs):
                raise CaseFileError(path, where, "expected [key, value] pairs in $map")
            return {_hashable(_decode(k, f"{where}/$map/{i}/0", path)): _decode(v, f"{where}/$map/{i}/1", path)
                    for i, (k, v) in enumerate(pairs)}
        return {k: _decode(v, f"{where}/{k}", path) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v, f"{where}/{i}", path) for i, v in enumerate(value)]
    return value


def _hashable(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    return value


def _looks_secret(text: str) -> bool:
    """40 base64 characters with the mix a generated secret has (not a word or a plain number)."""
    return (any(c.isupper() for c in text) and any(c.islower() for c in text)
            and (any(c.isdigit() for c in text) or "/" in text or "+" in text))


def _scrub(value: Any, where: str, redacted: list[str], member: str = "") -> Any:
    if isinstance(value, dict):
        return {k: _scrub(v, f"{where}/{k}", redacted, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, f"{where}/{i}", redacted, member) for i, v in enumerate(value)]
    if not isinstance(value, str):
        return value
    if member and _SECRET_MEMBER.search(member) and value and value != ACCESS_KEY_TEMPLATE:
        redacted.append(where)
        return REDACTED
    out = value
    for key_id in active().key_ids:  # the run's own key ids, whatever their shape
        out = out.replace(key_id, ACCESS_KEY_TEMPLATE)
    out = _KEY_ID.sub(ACCESS_KEY_TEMPLATE, out)
    out = _SECRET.sub(lambda m: REDACTED if _looks_secret(m.group(0)) else m.group(0), out)
    if out != value:
        redacted.append(where)
    return out


# -- saving ----------------------------------------------------------------------------------

def case_name(record: FailureRecord) -> str:
    """``check-service-Operation-hash6.json``: the same failure always gets the same name."""
    f = record.failure
    cause = f.cause or f.title
    digest = hashlib.sha256(f"{f.check}\n{f.service}\n{f.operation}\n{cause}".encode()).hexdigest()[:6]
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", f"{f.check}-{f.service}-{f.operation}")
    return f"{safe}-{digest}.json"


def _violation(v: Violation | None) -> dict[str, Any] | None:
    if v is None:
        return None
    return {"path": v.path, "rule": v.rule, "source": v.source, "detail": v.detail,
            "expected_errors": list(v.expected_errors)}


def _raw(raw: RawMutation | None) -> dict[str, Any] | None:
    if raw is None:
        return None
    return {"kind": raw.kind, "body": _encode(raw.body) if raw.body is not None else None,
            "content_type": raw.content_type, "drop": list(raw.drop),
            "extra": _encode(raw.extra) if raw.extra is not None else None}


def case_document(record: FailureRecord, *, endpoint_kind: str, harness_version: str) -> dict[str, Any]:
    """The JSON document ``save_case`` writes."""
    f = record.failure
    redacted: list[str] = []
    calls = []
    for i, call in enumerate(record.sequence):
        identity = record.identities[i] if i < len(record.identities) else "primary"
        calls.append({
            "service": call.service,
            "operation": call.operation,
            "params": _scrub(_encode(call.params), f"calls/{i}/params", redacted),
            "identity": identity,
            "mode": call.mode,
            "violation": _violation(call.violation),
            "raw": _raw(call.raw),
            "produces": [list(p) for p in call.produces],
        })
    scenario = _scrub(_encode(record.scenario), "scenario", redacted) if record.scenario is not None else None
    doc: dict[str, Any] = {
        "format": FORMAT,
        "harness_version": harness_version,
        "check": f.check,
        "service": f.service,
        "operation": f.operation,
        "title": _scrub(_URL_HOST.sub("<endpoint>", f.title), "title", redacted),
        "message": _scrub(_URL_HOST.sub("<endpoint>", f.message), "message", redacted),
        "seed": record.seed,
        "flaky": record.flaky,
        "endpoint_kind": endpoint_kind,
        "calls": calls,
        "scenario": scenario,
    }
    if redacted:
        doc["redacted"] = redacted
    return doc


def save_case(record: FailureRecord, *, directory: Path | str, endpoint_kind: str, harness_version: str) -> Path:
    """Write ``record`` as one case file in ``directory`` (made if missing) and return its path."""
    doc = case_document(record, endpoint_kind=endpoint_kind, harness_version=harness_version)
    return write_document(doc, Path(directory) / case_name(record))


# -- loading ---------------------------------------------------------------------------------

_CALL_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["service", "operation", "params"],
    "properties": {
        "service": {"type": "string", "minLength": 1},
        "operation": {"type": "string", "minLength": 1},
        "params": {"type": "object"},
        "identity": {"enum": ["primary", "second"]},
        "mode": {"enum": list(MODES)},
        "violation": {  # "required" and "properties" apply to an object only, so null passes
            "type": ["object", "null"],
            "required": ["path", "rule", "source", "detail"],
            "properties": {"path": {"type": "string"}, "rule": {"type": "string"},
                           "source": {"type": "string"}, "detail": {"type": "string"},
                           "expected_errors": {"type": "array", "items": {"type": "string"}}},
        },
        "raw": {
            "type": ["object", "null"],
            "required": ["kind"],
            "properties": {"kind": {"enum": list(RAW_KINDS)},
                           "body": {"type": ["object", "null"], "required": ["$bytes"],
                                    "properties": {"$bytes": {"type": "string"}}},
                           "content_type": {"type": ["string", "null"]},
                           "drop": {"type": "array", "items": {"type": "string"}},
                           "extra": {"type": ["object", "null"], "required": ["$bytes"],
                                     "properties": {"$bytes": {"type": "string"}}}},
        },
        "produces": {"type": "array", "items": {"type": "array", "minItems": 2, "maxItems": 2,
                                                "items": {"type": "string"}}},
    },
}

SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["format", "harness_version", "check", "service", "operation", "title", "message",
                 "seed", "flaky", "calls"],
    "properties": {
        "format": {"type": "string"},
        "harness_version": {"type": "string"},
        "check": {"type": "string"},
        "service": {"type": "string", "minLength": 1},
        "operation": {"type": "string", "minLength": 1},
        "title": {"type": "string"},
        "message": {"type": "string"},
        "seed": {"type": "integer"},
        "flaky": {"type": "boolean"},
        "endpoint_kind": {"type": ["string", "null"]},
        "calls": {"type": "array", "items": _CALL_SCHEMA},
        "scenario": {"type": ["object", "null"]},
        "redacted": {"type": "array", "items": {"type": "string"}},
    },
}


def _where(parts: Any) -> str:
    return "/".join(str(p) for p in parts) or "(top level)"


def _schema_problem(error: jsonschema.ValidationError) -> tuple[str, str]:
    where = _where(error.absolute_path)
    # the keyword's JSON value and the value it failed on (unset only on an error made by hand)
    value: Any = error.validator_value
    instance: Any = error.instance
    if error.validator == "required":
        missing = next((m for m in value if m not in (instance or {})), "?")
        return where, f"missing field {missing!r}"
    if error.validator == "type":
        expected = value
        expected = " or ".join(expected) if isinstance(expected, list) else expected
        return where, f"expected {expected}, got {_json_type(instance)}"
    if error.validator == "enum":
        return where, f"expected one of {', '.join(map(repr, value))}, got {instance!r}"
    return where, error.message if len(error.message) <= 200 else error.message[:197] + "..."


def _json_type(value: Any) -> str:
    for name, kind in (("null", type(None)), ("boolean", bool), ("integer", int), ("number", float),
                       ("string", str), ("array", list), ("object", dict)):
        if isinstance(value, kind):
            return name
    return type(value).__name__


def _check_names(doc: dict[str, Any], path: Path | str) -> None:
    from specs.loader import raw_service

    if doc["check"] not in CHECK_NAMES:
        raise CaseFileError(path, "check", f"unknown check {doc['check']!r} (known: {', '.join(CHECK_NAMES)})")
    places = [("", doc["service"], doc["operation"])]
    places += [(f"calls/{i}/", c["service"], c["operation"]) for i, c in enumerate(doc["calls"])]
    for prefix, service, operation in places:
        try:
            spec = raw_service(service)
        except Exception:  # noqa: BLE001 - botocore's UnknownServiceError and kin
            raise CaseFileError(path, f"{prefix}service", f"unknown service {service!r}") from None
        if operation not in spec.operations:
            raise CaseFileError(path, f"{prefix}operation", f"{service} has no operation {operation!r}")


def _call(raw: dict[str, Any], i: int, path: Path | str) -> Call:
    v = raw.get("violation")
    violation = None if v is None else Violation(v["path"], v["rule"], v["source"], v["detail"],
                                                 tuple(v.get("expected_errors", ())))
    r = raw.get("raw")
    mutation = None
    if r is not None:
        body = _decode(r["body"], f"calls/{i}/raw/body", path) if r.get("body") is not None else None
        extra = _decode(r["extra"], f"calls/{i}/raw/extra", path) if r.get("extra") is not None else None
        mutation = RawMutation(r["kind"], body, r.get("content_type"), tuple(r.get("drop", ())), extra)
    params = _decode(raw["params"], f"calls/{i}/params", path)
    return Call(raw["service"], raw["operation"], params, raw.get("mode", "valid"), violation, mutation,
                tuple((a, b) for a, b in raw.get("produces", ())))


def load_case(path: Path | str) -> Case:
    """Read and validate one case file; any problem raises ``CaseFileError``."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise CaseFileError(path, "(file)", f"cannot read it: {reason}") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CaseFileError(path, f"line {exc.lineno}, column {exc.colno}", f"invalid JSON: {exc.msg}") from None
    if isinstance(doc, dict) and "format" in doc and doc["format"] != FORMAT:
        raise CaseFileError(path, "format", f"expected {FORMAT!r}, got {doc['format']!r}")
    errors = sorted(jsonschema.Draft202012Validator(SCHEMA).iter_errors(doc),
                    key=lambda e: (list(map(str, e.absolute_path)), e.validator != "required"))
    if errors:
        where, problem = _schema_problem(errors[0])
        raise CaseFileError(path, where, problem)
    _check_names(doc, path)
    calls = tuple(_call(c, i, path) for i, c in enumerate(doc["calls"]))
    scenario = doc.get("scenario")
    return Case(
        format=doc["format"], harness_version=doc["harness_version"], check=doc["check"],
        service=doc["service"], operation=doc["operation"], title=doc["title"], message=doc["message"],
        seed=doc["seed"], flaky=doc["flaky"], calls=calls,
        identities=tuple(c.get("identity", "primary") for c in doc["calls"]),
        scenario=_decode(scenario, "scenario", path) if scenario is not None else None,
        endpoint_kind=doc.get("endpoint_kind"), redacted=tuple(doc.get("redacted", ())),
    )


def iter_cases(directory: Path | str) -> list[Path]:
    """The case files in ``directory`` (not its subfolders), sorted by name."""
    return sorted(p for p in Path(directory).glob("*.json") if p.is_file())
