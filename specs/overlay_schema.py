"""The JSON Schema an overlay file must satisfy before its meaning is checked against the model."""

from __future__ import annotations

from typing import Any

import jsonschema

from specs.types import RELAXABLE, Role

_SOURCE = {"enum": ["model", "doc", "inferred"]}
_NAMES = {"type": "array", "items": {"type": "string"}}
#: the page a ``doc`` piece comes from: a documentation URL (``#anchor`` names the member or section)
_PAGE = {"type": "string", "pattern": r"^https?://\S+$"}
#: the formats a ``format`` rule may name
FORMATS = ("json",)

_STEP: dict[str, Any] = {
    "type": "object",
    "required": ["service", "operation"],
    "additionalProperties": False,
    "properties": {
        "service": {"type": "string"},
        "operation": {"type": "string"},
        "params": {"type": "object"},
        "produces": {"type": "object", "additionalProperties": {"type": "string"}},
    },
}

def _when(kind: str, then: dict[str, Any], otherwise: dict[str, Any] | None = None) -> dict[str, Any]:
    out = {"if": {"required": ["kind"], "properties": {"kind": {"const": kind}}}, "then": {"properties": then}}
    if otherwise is not None:
        out["else"] = {"properties": otherwise}
    return out


_NUMBER = {"type": "number"}  # jsonschema counts neither true nor false as a number
_SCALAR = {"type": ["string", "number", "boolean"]}

#: the type of ``value`` for each rule kind
VALUE_TYPES: dict[str, dict[str, Any]] = {
    "min": _NUMBER,
    "max": _NUMBER,
    "also": {"type": "array", "items": _NUMBER, "minItems": 1},
    "min_length": {"type": "integer", "minimum": 0},
    "max_length": {"type": "integer", "minimum": 0},
    "pattern": {"type": "string", "minLength": 1},
    "allowed": {"type": "array", "items": _SCALAR, "minItems": 1},
    "required": {"type": "boolean"},
    "examples": {"type": "array", "minItems": 1},
    "invalid": {
        "type": "object",
        "required": ["value", "errors"],
        "additionalProperties": False,
        "properties": {"value": {}, "errors": {**_NAMES, "minItems": 1}, "rule": {"type": "string"}},
    },
    "one_of": {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 2, "uniqueItems": True},
    # the output place that gives the token (documentation for readers)
    "page_token": {"type": "string", "minLength": 1},
    "format": {"enum": list(FORMATS)},
    "absent": {"const": True},
    "exclusive": {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 2, "uniqueItems": True},
    "required_when": {
        "type": "object",
        "required": ["member"],
        "additionalProperties": False,
        "properties": {"member": {"type": "string", "minLength": 1}, "in": {"type": "array", "items": _SCALAR,
                                                                            "minItems": 1}},
    },
    "relax": {"type": "array", "items": {"enum": list(RELAXABLE)}, "minItems": 1, "uniqueItems": True},
}
#: kinds whose path names a structure, ``""`` for the input itself
GROUP_KINDS = ("one_of", "exclusive")
#: what each kind's value is, in words (the error of a value of the wrong type says it)
VALUE_WORDS: dict[str, str] = {
    "min": "a number", "max": "a number", "also": "a list of numbers",
    "min_length": "a whole number, 0 or more", "max_length": "a whole number, 0 or more",
    "pattern": "a regular expression (a non-empty string)", "allowed": "a list of strings, numbers or booleans",
    "required": "true or false", "examples": "a list of values",
    "invalid": "a mapping {value, errors: [code, ...], rule}", "one_of": "a list of two or more member names",
    "page_token": "the output place that gives the token (a string)", "format": f"one of {list(FORMATS)}",
    "absent": "true", "exclusive": "a list of two or more member names",
    "required_when": "a mapping {member: SIBLING, in: [value, ...]} ('in' optional: the sibling is set)",
    "relax": f"a list of the model constraints {list(RELAXABLE)}",
}

_RULE: dict[str, Any] = {
    "type": "object",
    "required": ["path", "kind", "value", "source"],
    "additionalProperties": False,
    "properties": {
        # "" (the input itself) only for one_of and exclusive, whose path names the structure holding the members
        "path": {"type": "string"},
        "kind": {"enum": list(VALUE_TYPES)},
        "value": {},
        "source": _SOURCE,
        "doc": _PAGE,
        "note": {"type": "string"},
    },
    "allOf": [
        *(_when(kind, {"value": schema}) for kind, schema in VALUE_TYPES.items()),
        {"if": {"required": ["kind"], "properties": {"kind": {"enum": list(GROUP_KINDS)}}},
         "else": {"properties": {"path": {"minLength": 1}}}},
    ],
}

_ERRORS: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {"validation": _NAMES, "not_found": _NAMES},
}

#: what sets off a transition the service makes by itself
TRIGGERS = ("timer", "executions_terminal", "progress")

_TRANSITION: dict[str, Any] = {
    "type": "object",
    "required": ["name", "from", "source"],
    "additionalProperties": False,
    # a caller's transition is a call (step); the service's has none, and may say what sets it off
    "if": {"properties": {"by": {"const": "service"}}, "required": ["by"]},
    "then": {"not": {"anyOf": [{"required": [k]} for k in
                               ("step", "refused_from", "refused_errors", "bumps_version", "consistency")]}},
    "else": {"required": ["step"], "not": {"anyOf": [{"required": ["trigger"]}, {"required": ["after"]}]}},
    "properties": {
        "name": {"type": "string"},
        "by": {"enum": ["caller", "service"]},
        "trigger": {"enum": list(TRIGGERS)},
        "after": _NAMES,
        "step": _STEP,
        "from": _NAMES,
        "to": {"type": ["string", "null"]},
        "source": _SOURCE,
        "doc": _PAGE,
        "refused_from": _NAMES,
        "refused_errors": _NAMES,
        "bumps_version": {"type": "boolean"},
        "consistency": {"enum": ["strong", "eventual"]},
    },
}

#: what "not found" or "not yours" looks like for an operation (``specs.types.Absence``)
_ABSENCE: dict[str, Any] = {
    "type": "object",
    "minProperties": 1,
    "additionalProperties": False,
    "properties": {
        "error": {**_NAMES, "minItems": 1},  # refused with one of these codes...
        "message": {"type": "string", "minLength": 1},  # ...whose message matches this regex
        "empty": {"type": "string", "minLength": 1},  # a success whose list at this JMESPath is empty
        "absent": {"type": "string", "minLength": 1},  # a success whose values at this JMESPath lack it
        "ok": {"const": True},  # a success that says nothing about it
    },
    "dependentRequired": {"message": ["error"]},
}

#: an operation's role and how "not found" and "not yours" look for it
_ROLE: dict[str, Any] = {
    "type": "object",
    "required": ["source"],
    "additionalProperties": False,
    "anyOf": [{"required": ["role"]}, {"required": ["not_found"]}, {"required": ["not_yours"]}],
    "properties": {
        "role": {"enum": [r.value for r in Role]},
        "not_found": _ABSENCE,
        "not_yours": _ABSENCE,
        "source": _SOURCE,
        "doc": _PAGE,
        "note": {"type": "string"},
    },
}

_SECONDS = {"type": "number", "exclusiveMinimum": 0}

def _closed(required: list[str], **properties: Any) -> dict[str, Any]:
    """An object with these members only, ``required`` among them."""
    return {"type": "object", "required": required, "additionalProperties": False, "properties": properties}


_EVENTUALLY = _closed(
    ["name", "reach", "within", "source"], name={"type": "string"},
    after={"type": "string"},  # a caller transition; absent: the resource's creation
    reach={**_NAMES, "minItems": 1}, within=_SECONDS, source=_SOURCE, doc=_PAGE, note={"type": "string"})

#: the checks a sequence may report under
SEQUENCE_CHECKS = ("read_after_write_consistency", "state_transition_conformance", "positive_data_acceptance")

_PATH_VALUES = {"type": "object", "minProperties": 1}

_SEQUENCE: dict[str, Any] = {
    "type": "object",
    "required": ["name", "operation", "steps", "source"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "pattern": "^[A-Za-z0-9_-]+$"},
        "operation": {"type": "string"},
        "check": {"enum": list(SEQUENCE_CHECKS)},
        "needs": _NAMES,
        # an inferred sequence would assert what nothing documents
        "source": {"enum": ["model", "doc"]},
        "doc": _PAGE,
        "note": {"type": "string"},
        "steps": {
            "type": "array",
            "minItems": 1,
            "items": {
                **_STEP,
                "properties": {
                    **_STEP["properties"],
                    "expect": {
                        "type": "object",
                        "minProperties": 1,
                        "additionalProperties": False,
                        "properties": {
                            "equals": _PATH_VALUES,
                            "includes": _PATH_VALUES,
                            "present": {**_NAMES, "minItems": 1},
                            "ok": {"const": True},
                            "error": {**_NAMES, "minItems": 1},
                        },
                    },
                },
            },
        },
    },
}

OVERLAY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["service"],
    "additionalProperties": False,
    "properties": {
        "service": {"type": "string"},
        "scope": _NAMES,
        "common_errors": _NAMES,
        "errors": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "validation": _NAMES,
                "not_found": _NAMES,
                "operations": {"type": "object", "additionalProperties": _ERRORS},
            },
        },
        "error_status": {"type": "object", "additionalProperties": {"type": "integer"}},
        "doc_errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["operation", "code", "source"],
                "additionalProperties": False,
                "properties": {
                    "operation": {"type": "string"},
                    "code": {"type": "string"},
                    "status": {"type": "integer"},
                    "source": _SOURCE,
                    "doc": _PAGE,
                    "note": {"type": "string"},
                },
            },
        },
        "rules": {"type": "object", "additionalProperties": {"type": "array", "items": _RULE}},
        "output_rules": {"type": "object", "additionalProperties": {"type": "array", "items": _RULE}},
        "resources": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "required": ["create"],
                "additionalProperties": False,
                "properties": {
                    "needs": _NAMES,
                    "create": {"type": "array", "items": _STEP, "minItems": 1},
                    "delete": {"type": "array", "items": _STEP},
                    "deletes": {"type": "boolean"},
                },
            },
        },
        "idempotent": _NAMES,
        # answers of the real service printed by a documentation page, by operation (warnings only)
        "observations": {
            "type": "object",
            "additionalProperties": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["source", "doc", "form", "answer"],
                    "additionalProperties": False,
                    "properties": {"source": {"const": "doc"}, "doc": _PAGE, "form": {"enum": ["cli", "wire"]},
                                   "answer": {"type": "string", "minLength": 1}, "note": {"type": "string"}},
                },
            },
        },
        "pagination": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "required": ["resource", "id", "binding"],
                "additionalProperties": False,
                "properties": {"resource": {"type": "string"}, "id": {"type": "string"},
                               "binding": {"type": "string"},
                               # input every listing sends (Batch ListJobs: a jobStatus or filters)
                               "params": {"type": "object"}},
            },
        },
        "bindings": {
            "type": "object",
            "additionalProperties": {"type": "object", "additionalProperties": {"type": "string"}},
        },
        "roles": {"type": "object", "additionalProperties": _ROLE},
        "state_machines": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "resource", "states", "initial", "terminal", "read", "state_path",
                             "transitions", "source"],
                "additionalProperties": False,
                "properties": {
                    "name": {"type": "string"},
                    "resource": {"type": "string"},
                    "states": _NAMES,
                    "initial": {"anyOf": [{"type": "string"}, {**_NAMES, "minItems": 1}]},
                    "terminal": _NAMES,
                    "read": _STEP,
                    "state_path": {"type": "string"},
                    "delete": _STEP,
                    # of the states, the initial and terminal ones and the delete
                    "source": _SOURCE,
                    "doc": _PAGE,
                    "note": {"type": "string"},
                    "uncertain": {
                        "type": "array",
                        "items": {"type": "array", "items": {"type": "string"}, "minItems": 3,
                                  "maxItems": 3},
                    },
                    "version": {
                        "type": "object",
                        "required": ["field", "source"],
                        "additionalProperties": False,
                        "properties": {
                            "field": {"type": "string"},
                            "start": {"type": ["integer", "null"]},
                            "expected_param": {"type": ["string", "null"]},
                            "mismatch_errors": _NAMES,
                            "mismatch_status": {"type": ["integer", "null"]},
                            "source": _SOURCE,
                            "doc": _PAGE,
                        },
                    },
                    "transitions": {"type": "array", "items": _TRANSITION, "minItems": 1},
                    "eventually": {"type": "array", "items": _EVENTUALLY},
                    "polling": {
                        "type": "object",
                        "additionalProperties": False,
                        "properties": {"interval": _SECONDS, "backoff": {"type": "number", "minimum": 1},
                                       "max_interval": _SECONDS},
                    },
                },
            },
        },
        "sequences": {"type": "array", "items": _SEQUENCE},
        "flags": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["operation", "member", "kind", "source", "doc"],
                "additionalProperties": False,
                "properties": {
                    "operation": {"type": "string"},
                    "member": {"type": "string"},
                    "kind": {"enum": ["shows", "no_op"]},
                    "path": {"type": "string"},
                    "source": _SOURCE,
                    "doc": _PAGE,
                    "note": {"type": "string"},
                },
            },
        },
        "discrepancies": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "where", "says"],
                "additionalProperties": False,
                "properties": {
                    "id": {"type": "string"},
                    "where": {"type": "string"},
                    "says": {"type": "string"},
                    "accepted": _NAMES,
                },
            },
        },
    },
}


def schema_problem(data: dict[str, Any], e: jsonschema.ValidationError) -> str:
    """The schema error in words: for a rule's value, what its kind expects and what came."""
    where = list(e.absolute_path)
    if len(where) == 2 and where[0] == "roles" and e.validator == "anyOf":
        return "states nothing: give role, not_found or not_yours"
    if e.validator == "dependentRequired":
        return "'message' tells a not-found refusal by its message, so it needs 'error' (the codes)"
    if len(where) >= 4 and where[0] in ("rules", "output_rules") and where[3] == "value":
        rule = data[where[0]][where[1]][where[2]]
        kind, value = rule.get("kind"), rule.get("value")
        if kind in VALUE_WORDS:
            got = e.instance if len(where) > 4 else value
            why = _kind_of(got) if e.validator == "type" else e.message
            return f"{kind}: expected {VALUE_WORDS[kind]}, got {got!r} ({why})"
    if e.validator == "not" and len(where) == 4 and where[0] == "state_machines" and where[2] == "transitions":
        if isinstance(e.instance, dict) and e.instance.get("by") == "service":
            return ("a transition by: service is made by no call: it takes no step, refused_from, refused_errors, "
                    "bumps_version or consistency")
        return "trigger and after belong to a transition by: service"
    return e.message


def _kind_of(value: Any) -> str:
    for t, word in ((bool, "a boolean"), (int, "an integer"), (float, "a number"), (str, "a string"),
                    (list, "a list"), (dict, "a mapping"), (type(None), "null")):
        if isinstance(value, t):
            return word
    return type(value).__name__
