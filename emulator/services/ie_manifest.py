"""Import/Export manifests: YAML parsing and field-by-field validation (semantics sec. 3.2).

Each problem answers the error the developer guide gives it, HTTP 400, with a message that names
the operation, the manifest field path, what was expected and what came::

    CreateJob: Manifest.returnAddress.city: expected a non-empty string, got missing

Choices where the guide is silent [INF]:

- Only manifestVersion 2.0 (S3 import and export) is accepted; 3.0 is the EBS/Glacier format,
  which this emulator does not serve.
- returnAddress needs name, street1, city, stateOrProvince, postalCode, country and phoneNumber
  (the fields every documented example has).
- customs is required only for a return country clearly outside the US and the EU (a known list);
  an unknown country name does not make it required. When present it must be a mapping; the
  subfields below are required for a shipment that needs customs, and yes/no and value fields are
  checked whenever given.
- A YAML alias of a mapping or list is MalformedManifestException (the form of the document, not a
  field's value, is at fault): the guide's manifests are plain fields written out, and aliases of
  aliases make a manifest of a few hundred bytes stand for billions of values. Anchors, and aliases
  of a scalar, are plain values.
- Unknown top-level fields are ignored. A bucket name that is not DNS-compatible is a warning, as
  the model's WarningMessage documentation says ("use of an incompatible Amazon S3 bucket name").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

from emulator.core import ServiceError

__all__ = ["JOB_ID_LENGTH", "Manifest", "parse_manifest", "validate_manifest"]

JOB_ID_LENGTH = 5
LOG_NAME = "export-log-"
LOG_KEY_MAX_BYTES = 1024
ADDRESS_REQUIRED = ("name", "street1", "city", "stateOrProvince", "postalCode", "country", "phoneNumber")
ADDRESS_OPTIONAL = ("company", "street2", "street3")
ACLS = ("private", "public-read", "public-read-write", "authenticated-read")
FILE_SYSTEMS = ("NTFS", "EXT4")
SERVICE_LEVELS = ("standard", "expeditedShipping")
CUSTOMS_REQUIRED = ("dataDescription", "encryptedData", "deviceValue", "deviceCountryOfOrigin", "deviceType")
CUSTOMS_YES_NO = ("encryptedData", "requiresExportLicense")

US = {"us", "usa", "united states", "united states of america"}
EU = {
    "at", "austria", "be", "belgium", "bg", "bulgaria", "hr", "croatia", "cy", "cyprus", "cz",
    "czech republic", "czechia", "dk", "denmark", "ee", "estonia", "fi", "finland", "fr", "france",
    "de", "germany", "gr", "greece", "hu", "hungary", "ie", "ireland", "it", "italy", "lv", "latvia",
    "lt", "lithuania", "lu", "luxembourg", "mt", "malta", "nl", "netherlands", "pl", "poland", "pt",
    "portugal", "ro", "romania", "sk", "slovakia", "si", "slovenia", "es", "spain", "se", "sweden",
}
#: countries clearly outside the US and the EU: a return there needs customs
INTERNATIONAL = {
    "ca", "canada", "mx", "mexico", "br", "brazil", "ar", "argentina", "cl", "chile", "jp", "japan",
    "cn", "china", "in", "india", "au", "australia", "nz", "new zealand", "sg", "singapore", "kr",
    "south korea", "korea", "za", "south africa", "ch", "switzerland", "no", "norway", "il", "israel",
    "hk", "hong kong", "tw", "taiwan", "ru", "russia", "tr", "turkey", "ae", "united arab emirates",
}
_DNS_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


@dataclass(frozen=True, slots=True)
class Manifest:
    """A manifest that passed validation."""

    job_type: str
    doc: dict[str, Any]
    log_bucket: str
    log_prefix: str
    return_address: dict[str, str]
    buckets: tuple[str, ...]
    warnings: tuple[str, ...]


def _error(code: str, operation: str, message: str) -> ServiceError:
    return ServiceError(code, f"{operation}: {message}", status=400)


def _show(value: Any) -> str:
    return "missing" if value is None else repr(value)


def _text(value: Any) -> str | None:
    """A scalar as text (YAML reads `98101` as an int and `2.0` as a float); None for anything else."""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


#: libyaml's safe loader where PyYAML has it (eight times faster on a manifest), else the pure-Python one
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_manifest(text: str, operation: str) -> dict[str, Any]:
    """The manifest as a mapping, or MalformedManifestException."""
    try:
        doc = yaml.load(text, Loader=_YAML_LOADER)  # a safe loader (CSafeLoader or SafeLoader)
    except yaml.YAMLError as exc:
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise _error("MalformedManifestException", operation,
                     f"Your manifest is not well-formed: Manifest: expected YAML, got a syntax error "
                     f"({detail})") from None
    if not isinstance(doc, dict):
        raise _error("MalformedManifestException", operation,
                     f"Your manifest is not well-formed: Manifest: expected a YAML mapping of fields, "
                     f"got {type(doc).__name__}")
    shared = _shared_path(doc)
    if shared is not None:
        raise _error("MalformedManifestException", operation,
                     f"Your manifest is not well-formed: Manifest.{shared}: expected a value written out, "
                     f"got a YAML alias of a mapping or list (the manifest format has no aliases)")
    return doc


def _shared_path(doc: dict[str, Any]) -> str | None:
    """The path of the first mapping or list met twice in ``doc`` (a YAML alias of a collection,
    which the loader shares rather than copies), or None. One visit a collection: a manifest of
    aliases of aliases, a few hundred bytes, would otherwise be walked (or printed in an error
    message) as billions of values."""
    seen = {id(doc)}
    stack: list[tuple[str, Any]] = [("", doc)]
    while stack:
        path, value = stack.pop()
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            if not isinstance(item, (dict, list)):
                continue
            where = f"{path}.{key}" if isinstance(value, dict) else f"{path}[{key}]"
            if id(item) in seen:
                return where.lstrip(".")
            seen.add(id(item))
            stack.append((where, item))
    return None


class _Checker:
    def __init__(self, doc: dict[str, Any], operation: str) -> None:
        self.doc, self.op = doc, operation

    def missing(self, path: str, what: str = "a value") -> ServiceError:
        return _error("MissingManifestFieldException", self.op,
                      f"Manifest.{path}: required field missing, expected {what}")

    def invalid(self, path: str, expected: str, got: Any,
                code: str = "InvalidManifestFieldException") -> ServiceError:
        return _error(code, self.op, f"Manifest.{path}: expected {expected}, got {_show(got)}")

    def required_text(self, path: str, value: Any) -> str:
        if value is None:
            raise self.missing(path, "a non-empty string")
        text = _text(value)
        if text is None or not text.strip():
            raise self.invalid(path, "a non-empty string", value)
        return text

    def optional_text(self, path: str, value: Any) -> str | None:
        if value is None:
            return None
        text = _text(value)
        if text is None:
            raise self.invalid(path, "a string", value)
        return text

    def choice(self, path: str, value: Any, allowed: tuple[str, ...],
               code: str = "InvalidManifestFieldException") -> str:
        text = _text(value)
        if text not in allowed:
            raise self.invalid(path, f"one of {', '.join(allowed)}", value, code)
        return text


def _yes(value: Any) -> bool | None:
    """YAML 1.1 reads yes/no as booleans; accept the words too. None: neither."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("yes", "no", "true", "false"):
        return value.strip().lower() in ("yes", "true")
    return None


def _version_ok(value: Any) -> bool:
    text = _text(value)
    return text is not None and text.strip() in ("2.0", "2")


def validate_manifest(text: str, *, job_type: str, access_key: str, operation: str,
                      buckets: frozenset[str] | None) -> Manifest:
    """Parse and check a manifest for a job of ``job_type`` (Import or Export) signed by ``access_key``.

    ``buckets`` is the emulator's S3 bucket list; None means every bucket exists.
    """
    doc = parse_manifest(text, operation)
    c = _Checker(doc, operation)

    if doc.get("manifestVersion") is None:
        raise c.missing("manifestVersion", "2.0")
    if not _version_ok(doc["manifestVersion"]):
        raise c.invalid("manifestVersion", "2.0 (the Amazon S3 manifest version)", doc["manifestVersion"])

    key = c.required_text("accessKeyId", doc.get("accessKeyId"))
    if key.strip() != access_key:
        raise _error("InvalidAccessKeyIdException", operation,
                     f"Manifest.accessKeyId: expected the access key id that signs the request "
                     f"({access_key}), got {key!r}")
    c.required_text("deviceId", doc.get("deviceId"))
    address = _return_address(c, doc.get("returnAddress"))

    named: list[str] = []
    if job_type == "Import":
        bucket = c.required_text("bucket", doc.get("bucket"))
        named.append(bucket)
        if doc.get("eraseDevice") is None:
            raise c.missing("eraseDevice", "yes (the acknowledgement that the device will be erased)")
        if _yes(doc["eraseDevice"]) is not True:
            raise c.invalid("eraseDevice", "yes", doc["eraseDevice"])
        if doc.get("acl") is not None:
            c.choice("acl", doc["acl"], ACLS)
        for name in ("prefix", "cacheControl", "contentDisposition", "contentLanguage", "trueCryptPassword"):
            c.optional_text(name, doc.get(name))
        types = doc.get("contentTypes")
        if types is not None and not (isinstance(types, dict)
                                      and all(_text(v) is not None for v in types.values())):
            raise c.invalid("contentTypes", "a mapping of file extension to content type", types)
        log_bucket = c.optional_text("logBucket", doc.get("logBucket")) or bucket
    else:
        if doc.get("fileSystem") is None:
            raise c.missing("fileSystem", "NTFS or EXT4")
        c.choice("fileSystem", doc["fileSystem"], FILE_SYSTEMS, "InvalidFileSystemException")
        named += _export_operations(c, doc.get("operations"))
        c.optional_text("recoveryDirectory", doc.get("recoveryDirectory"))
        log_bucket = c.required_text("logBucket", doc.get("logBucket"))
    if log_bucket.strip() == "":
        raise c.invalid("logBucket", "a non-empty bucket name", log_bucket)
    named.append(log_bucket)

    c.optional_text("generator", doc.get("generator"))
    if doc.get("serviceLevel") is not None:
        c.choice("serviceLevel", doc["serviceLevel"], SERVICE_LEVELS)
    log_prefix = c.optional_text("logPrefix", doc.get("logPrefix")) or ""
    size = len((log_prefix + LOG_NAME).encode()) + JOB_ID_LENGTH
    if size > LOG_KEY_MAX_BYTES:
        raise c.invalid("logPrefix", f"logPrefix + '{LOG_NAME}JOBID' of at most {LOG_KEY_MAX_BYTES} bytes",
                        f"{size} bytes")
    emails = c.optional_text("notificationEmail", doc.get("notificationEmail"))
    if emails is not None:
        for address_ in emails.split(";"):
            if not re.fullmatch(r"[^@\s;]+@[^@\s;]+", address_.strip()):
                raise c.invalid("notificationEmail", "';'-separated email addresses", emails)
    _customs(c, doc.get("customs"), address["country"])

    for bucket in named:
        if buckets is not None and bucket not in buckets:
            raise _error("NoSuchBucketException", operation,
                         f"Manifest: bucket {bucket!r} does not exist (expected one of the emulator's "
                         f"buckets: {', '.join(sorted(buckets)) or 'none'})")
    warnings = tuple(f"bucket name {b!r} is not DNS-compatible" for b in dict.fromkeys(named)
                     if not _DNS_BUCKET.match(b))
    return Manifest(job_type=job_type, doc=doc, log_bucket=log_bucket, log_prefix=log_prefix,
                    return_address=address, buckets=tuple(dict.fromkeys(named)), warnings=warnings)


def _return_address(c: _Checker, value: Any) -> dict[str, str]:
    if value is None:
        raise c.missing("returnAddress", "a mapping with " + ", ".join(ADDRESS_REQUIRED))
    if not isinstance(value, dict):
        raise c.invalid("returnAddress", "a mapping with " + ", ".join(ADDRESS_REQUIRED), value,
                        "InvalidAddressException")
    out: dict[str, str] = {}
    for name in ADDRESS_REQUIRED + ADDRESS_OPTIONAL:
        got = value.get(name)
        text = _text(got)
        if name in ADDRESS_REQUIRED and (text is None or not text.strip()):
            raise c.invalid(f"returnAddress.{name}", "a non-empty string", got, "InvalidAddressException")
        if got is not None and text is None:
            raise c.invalid(f"returnAddress.{name}", "a string", got, "InvalidAddressException")
        if text is not None:
            out[name] = text
    return out


def _export_operations(c: _Checker, ops: Any) -> list[str]:
    if ops is None:
        raise c.missing("operations", "a list of export operations, each with an exportBucket")
    if not isinstance(ops, list) or not ops:
        raise c.invalid("operations", "a non-empty list of export operations", ops)
    named = []
    for i, op in enumerate(ops):
        if not isinstance(op, dict):
            raise c.invalid(f"operations[{i}]", "a mapping with exportBucket", op)
        named.append(c.required_text(f"operations[{i}].exportBucket", op.get("exportBucket")))
        for name in ("prefix", "beginMarker", "endMarker", "targetDirectory"):
            c.optional_text(f"operations[{i}].{name}", op.get(name))
    return named


def needs_customs(country: str) -> bool:
    return country.strip().lower() in INTERNATIONAL


def _customs(c: _Checker, customs: Any, country: str) -> None:
    if customs is None:
        if needs_customs(country):
            raise _error("MissingCustomsException", c.op,
                         f"Manifest.customs: required for a return to {country!r} (outside the US and "
                         f"the EU), got missing")
        return
    if not isinstance(customs, dict):
        raise c.invalid("customs", "a mapping of customs fields", customs, "InvalidCustomsException")
    if needs_customs(country):
        for name in CUSTOMS_REQUIRED:
            if customs.get(name) is None:
                raise _error("MissingCustomsException", c.op,
                             f"Manifest.customs.{name}: required for a return to {country!r}, got missing")
    for name in CUSTOMS_YES_NO:
        if customs.get(name) is not None and _yes(customs[name]) is None:
            raise c.invalid(f"customs.{name}", "yes or no", customs[name], "InvalidCustomsException")
    value = customs.get("deviceValue")
    if value is not None:
        try:
            ok = float(_text(value) or "x") >= 0
        except ValueError:
            ok = False
        if not ok:
            raise c.invalid("customs.deviceValue", "a non-negative amount", value, "InvalidCustomsException")
    for name in ("dataDescription", "encryptionClassification", "exportCertifierName",
                 "deviceCountryOfOrigin", "deviceType", "typeOfExport"):
        got = customs.get(name)
        text = _text(got) if got is not None else ""
        if got is not None and (text is None or not text.strip()):
            raise c.invalid(f"customs.{name}", "a non-empty string", got, "InvalidCustomsException")
