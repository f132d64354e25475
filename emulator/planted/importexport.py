"""Planted faults of AWS Import/Export."""

from __future__ import annotations

import re
from typing import Any

from emulator.core import ServiceError
from emulator.planted.base import IE, Fault, Request
from emulator.planted.breakers import (
    _Accept,
    _After,
    _AnyAccount,
    _Before,
    _Body,
    _crash_if,
    _refuse_if,
    _Reword,
    _set,
    _Stale,
    _xml,
)


def _ie_success(req: Request, err: ServiceError | None = None) -> dict[str, Any]:
    return {"Success": True}


def _has_prefix(p: dict[str, Any]) -> bool:
    return re.search(r"(?m)^prefix:", str(p.get("Manifest") or "")) is not None


# -- the catalogue ----------------------------------------------------------------------------------
_F = Fault
FAULTS: tuple[Fault, ...] = (
    _F("ie-update-after-cancel", "state_transition_conformance", IE, "UpdateJob",
       "UpdateJob on a canceled job answers Success; documented: UpdateJob only before the data "
       "transfer starts, CanceledJobIdException once canceled",
       lambda: _Accept(f"{IE}.UpdateJob", ["CanceledJobIdException"], _ie_success), phases=("lifecycle",)),
    _F("ie-update-malformed-accepted", "negative_data_rejection", IE, "UpdateJob",
       "UpdateJob accepts a manifest that is not YAML (the old one stays); documented: "
       "MalformedManifestException", lambda: _Accept(f"{IE}.UpdateJob", ["MalformedManifestException"],
                                                     _ie_success), phases=("boundary",)),
    _F("ie-update-prefix-refused", "positive_data_acceptance", IE, "UpdateJob",
       "UpdateJob refuses a manifest with prefix: as InvalidManifestFieldException; documented: "
       "prefix is an optional import manifest field", lambda: _Before(f"{IE}.UpdateJob", _refuse_if(
           _has_prefix, "InvalidManifestFieldException", "UpdateJob: prefix: not allowed")),
       phases=("boundary",)),
    _F("ie-update-error-status", "status_code_conformance", IE, "UpdateJob",
       "CanceledJobIdException and UnableToUpdateJobIdException answer HTTP 409; documented: every "
       "Import/Export error but InvalidClientTokenId is HTTP 400",
       lambda: _Reword(f"{IE}.UpdateJob", ["CanceledJobIdException", "UnableToUpdateJobIdException"],
                       status=409), phases=("lifecycle",)),
    _F("ie-update-validate-only-crash", "not_a_server_error", IE, "UpdateJob",
       "UpdateJob with ValidateOnly=true answers HTTP 500; the model: ValidateOnly checks the "
       "manifest and changes nothing", lambda: _Before(f"{IE}.UpdateJob", _crash_if(
           lambda p: p.get("ValidateOnly") is True, "ValidateOnly")), phases=("boundary",)),
    _F("ie-cancel-undeclared-error", "error_class_conformance", IE, "CancelJob",
       "CancelJob of a canceled job answers JobAlreadyCanceledException; CancelJob declares "
       "CanceledJobIdException", lambda: _Reword(f"{IE}.CancelJob", ["CanceledJobIdException"],
                                                 code="JobAlreadyCanceledException"), phases=("lifecycle",)),
    _F("ie-get-status-stale", "read_after_write_consistency", IE, "GetStatus",
       "GetStatus keeps answering the first status it gave (Pending after CancelJob); documented: a "
       "canceled job reads ProgressCode Canceled", lambda: _Stale(f"{IE}.GetStatus", lambda p: p.get("JobId")),
       phases=("lifecycle",)),
    _F("ie-get-status-any-account", "namespace_isolation", IE, "GetStatus",
       "GetStatus answers for another account's job; documented: the job ids of your own jobs only "
       "(InvalidJobIdException)", lambda: _AnyAccount(
           f"{IE}.GetStatus", ["InvalidJobIdException"], lambda p: p.get("JobId"),
           {f"{IE}.CreateJob": lambda req, result: [(result.get("JobId"), req.account)]}),
       phases=("scenarios",)),
    _F("ie-get-status-error-count-type", "response_schema_conformance", IE, "GetStatus",
       "GetStatus answers ErrorCount 'none'; the model types ErrorCount as an integer",
       lambda: _Body(f"{IE}.GetStatus", _xml("ErrorCount", "none")), phases=("boundary",)),
    _F("ie-list-jobs-never-truncated", "pagination_conformance", IE, "ListJobs",
       "ListJobs answers IsTruncated=false on a full page, so the rest is never listed; documented: "
       "IsTruncated=true means call again with the last JobId",
       lambda: _After(f"{IE}.ListJobs", _set("IsTruncated", False)), phases=("scenarios",)),
)
