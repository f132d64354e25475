"""JSON Schema (draft 2020-12) of the wire form of an operation's input and output, from the specs.

The schema describes what travels on the wire, not what boto3 shows:

- rest-json and json: the JSON body, keyed by wire name (``MemberSpec.wire_name``). For rest-json
  only body-located members are in it (URI, query-string, header and status-code members are not);
  a structure ``payload`` member is the whole body; a blob or string payload means the body is not
  JSON and there is no schema. Timestamps are epoch seconds (a number) unless the member or shape
  says ``iso8601`` or ``rfc822`` (a string in that format); blobs are base64 strings.
- query (Import/Export): the dict form of the parsed XML (``<OpResult>`` for an output, the form
  parameters for an input): structures are objects keyed by wire name, lists are arrays, maps are
  objects, and every scalar is the string that appears as the element text. Strings keep their
  length, pattern and enumeration; integers must be decimal digits, booleans ``true``/``false``,
  floats decimal numbers, timestamps ISO 8601 text unless the member or shape says otherwise
  (``unixTimestamp``: epoch seconds as decimal text). Numeric ranges cannot be checked on text and
  are left out.
- rest-xml and ec2 are not described (``None``).

Timestamps follow botocore's serializers: an explicit ``timestampFormat`` on the member or its shape
wins; otherwise a header carries ``rfc822``, a URI label or query string ``iso8601``, and a body
``unixTimestamp`` in json and rest-json, ``iso8601`` in query, ec2 and rest-xml. The text formats are
asserted by a ``pattern`` (ISO 8601 date-time with optional fractional seconds and ``Z`` or an
offset; RFC 822 as in ``Fri, 04 Dec 2026 21:12:33 GMT``), named for messages by ``x-timestamp-format``.

A model pattern becomes ``^(?:...)\\Z`` around its Python translation (``specs.javaregex.anchored``;
``x-java-pattern`` keeps the model's text): AWS matches a pattern against the whole value, and the
JSON Schema ``pattern`` keyword searches.

Structures never forbid unknown members: AWS adds fields as services evolve. A structure lists as
``required`` only what the model (or a ``model``/``doc`` overlay rule) marks required, and a
``one_of`` group as ``oneOf`` of one ``required`` member each. Shapes are
kept in ``$defs`` by shape name and referred to with ``$ref``, so recursive models are finite;
places an overlay rule constrains are written out inline with the rule added. Rules whose source is
``inferred`` are never added: the harness does not assert them. A ``relax`` rule (of any source)
lifts the model constraints it names from its output place (Batch's ``startedAt``, required by the
model, is absent until the job starts): the member is no longer ``required``, the pattern, enum,
range or length is left out.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from specs.javaregex import JavaRegexError, anchored
from specs.paths import join
from specs.types import MemberSpec, OperationSpec, Rule, ServiceSpec, ShapeSpec

__all__ = [
    "DIALECT", "SchemaBuilder", "body_members", "input_schema", "output_schema", "payload_member",
]

DIALECT = "https://json-schema.org/draft/2020-12/schema"
#: base64 alphabet with padding (blobs in JSON bodies and in XML text)
#: standard base64 with its padding, as botocore writes blobs and reads them back (``b64decode``
#: refuses a length that is not a multiple of four)
BASE64 = r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"
_INTEGER_TEXT = r"^[-+]?[0-9]+$"
_NUMBER_TEXT = r"^[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?$|^(NaN|Infinity|-Infinity)$"
#: ISO 8601 / RFC 3339 date-time, as botocore writes it (``2026-12-04T21:12:33Z``, with ``.%f`` when
#: there are microseconds) and AWS answers it (milliseconds, an offset); ``[0-9]``, not ``\d``, which
#: Python lets match any Unicode digit
ISO8601 = (r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[Tt]([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)"
           r"(\.[0-9]+)?([Zz]|[-+]([01][0-9]|2[0-3]):?[0-5][0-9])$")
#: RFC 822 (HTTP-date) as botocore writes it with ``formatdate(usegmt=True)``: ``Fri, 04 Dec 2026 21:12:33 GMT``
RFC822 = (r"^((Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?(0?[1-9]|[12][0-9]|3[01]) "
          r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} ([01][0-9]|2[0-3]):[0-5][0-9]"
          r"(:([0-5][0-9]|60)(\.[0-9]+)?)? (GMT|UTC|UT|[-+][0-9]{4})$")
#: epoch seconds written as text (a ``unixTimestamp`` in an XML body)
EPOCH_TEXT = r"^[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?$"
#: botocore's ``timestampFormat`` values (it compares them lowercased) -> their spelling here
_TIMESTAMP_FORMATS = {"iso8601": "iso8601", "unixtimestamp": "unixTimestamp", "rfc822": "rfc822"}
#: the protocols whose bodies carry ``iso8601`` by default (the others: ``unixTimestamp``)
_ISO8601_BODIES = ("query", "ec2", "rest-xml")
_JSON_PROTOCOLS = ("rest-json", "json")
_CONTAINERS = ("structure", "list", "map")
_ASSERTED = ("model", "doc")


def _string(b: SchemaBuilder, s: ShapeSpec, m: MemberSpec | None) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "string"}
    if s.enum:
        out["enum"] = list(s.enum)
    if s.min is not None:
        out["minLength"] = int(s.min)
    if s.max is not None:
        out["maxLength"] = int(s.max)
    if s.pattern:
        b.add_pattern(out, s.pattern)
    return out


def _integer(b: SchemaBuilder, s: ShapeSpec, m: MemberSpec | None) -> dict[str, Any]:
    if b.form == "query":
        return {"type": "string", "pattern": _INTEGER_TEXT}
    out: dict[str, Any] = {"type": "integer"}
    if s.min is not None:
        out["minimum"] = s.min
    if s.max is not None:
        out["maximum"] = s.max
    return out


def _number(b: SchemaBuilder, s: ShapeSpec, m: MemberSpec | None) -> dict[str, Any]:
    if b.form == "query":
        return {"type": "string", "pattern": _NUMBER_TEXT}
    out: dict[str, Any] = {"type": "number"}
    if s.min is not None:
        out["minimum"] = s.min
    if s.max is not None:
        out["maximum"] = s.max
    return out


def _boolean(b: SchemaBuilder, s: ShapeSpec, m: MemberSpec | None) -> dict[str, Any]:
    return {"type": "string", "enum": ["true", "false"]} if b.form == "query" else {"type": "boolean"}


def _timestamp_format(b: SchemaBuilder, s: ShapeSpec, m: MemberSpec | None) -> str:
    """The wire format of a timestamp, by botocore's rules: the member's or the shape's
    ``timestampFormat``, else the default of where it travels (header, URI or query string, body)."""
    explicit = (m.timestamp_format if m else None) or s.timestamp_format
    if explicit:
        return _TIMESTAMP_FORMATS.get(explicit.lower(), explicit)
    location = m.location if m else "body"
    if location == "header":
        return "rfc822"
    if location in ("uri", "querystring"):
        return "iso8601"
    protocol = b.service.protocol
    return "iso8601" if b.form == "query" or protocol in _ISO8601_BODIES else "unixTimestamp"


def _timestamp(b: SchemaBuilder, s: ShapeSpec, m: MemberSpec | None) -> dict[str, Any]:
    fmt = _timestamp_format(b, s, m)
    if fmt == "unixTimestamp":
        if b.form == "query":  # element text
            return {"type": "string", "pattern": EPOCH_TEXT, "x-timestamp-format": fmt}
        return {"type": "number", "description": "epoch seconds"}
    if fmt == "iso8601":
        return {"type": "string", "format": "date-time", "pattern": ISO8601, "x-timestamp-format": fmt}
    if fmt == "rfc822":
        return {"type": "string", "pattern": RFC822, "x-timestamp-format": fmt}
    return {"type": "string", "description": f"{fmt} timestamp"}  # a format botocore does not know


def _blob(b: SchemaBuilder, s: ShapeSpec, m: MemberSpec | None) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "string", "contentEncoding": "base64", "pattern": BASE64}
    # n bytes are 4 * ceil(n / 3) base64 characters: a length of bytes as a length of text
    # (exact for a minimum of 1, the models' only one: no empty blob)
    if s.min:
        out["minLength"] = 4 * -(-int(s.min) // 3)
    if s.max is not None:
        out["maxLength"] = 4 * -(-int(s.max) // 3)
    return out


#: shape type -> scalar schema; containers are built by SchemaBuilder itself
_SCALARS: dict[str, Callable[[SchemaBuilder, ShapeSpec, MemberSpec | None], dict[str, Any]]] = {
    "string": _string, "character": _string,
    "integer": _integer, "long": _integer, "short": _integer, "byte": _integer, "biginteger": _integer,
    "float": _number, "double": _number, "bigdecimal": _number,
    "boolean": _boolean, "timestamp": _timestamp, "blob": _blob,
}


class SchemaBuilder:
    """Builds schemas for one service; shared shapes land in ``defs`` (referred to at ``ref_base``).

    ``form`` is ``json`` (JSON bodies) or ``query`` (the dict form of query/XML). ``rules`` are the
    overlay rules of the operation being built (paths relative to its input or output shape).
    """

    def __init__(self, service: ServiceSpec, *, form: str = "json", ref_base: str = "#/$defs/") -> None:
        self.service, self.form, self.ref_base = service, form, ref_base
        self.defs: dict[str, dict[str, Any]] = {}

    # -- entry points -------------------------------------------------------------------------

    def body(self, shape_name: str, members: tuple[MemberSpec, ...], rules: tuple[Rule, ...] = (),
             root: str = "") -> dict[str, Any]:
        """An object schema of ``members`` of the structure ``shape_name`` (the body of a call)."""
        shape = self.service.shapes[shape_name]
        rules = _kept(rules)
        return self._structure(shape, members, root, rules)

    def member(self, m: MemberSpec, rules: tuple[Rule, ...] = (), path: str | None = None) -> dict[str, Any]:
        """The schema of one member's value (``path`` is where ``rules`` see it; default its name)."""
        rules = _kept(rules)
        return self.value(m.shape, m, m.name if path is None else path, rules)

    def ref(self, shape_name: str) -> dict[str, Any]:
        if shape_name not in self.defs:
            self.defs[shape_name] = {}  # placeholder: a recursive shape refers to itself while built
            self.defs[shape_name] = self._inline(self.service.shapes[shape_name], None, None, ())
        return {"$ref": self.ref_base + shape_name}

    # -- building -----------------------------------------------------------------------------

    def value(self, shape_name: str, m: MemberSpec | None, path: str, rules: tuple[Rule, ...]) -> dict[str, Any]:
        shape = self.service.shapes[shape_name]
        here = tuple(r for r in rules if r.path == path)
        below = any(_under(r.path, path) for r in rules)
        if shape.type in _CONTAINERS and not here and not below and not shape.document:
            return self.ref(shape_name)
        out = self._inline(shape, m, path, rules)
        return self._apply(out, shape, here)

    def _inline(self, shape: ShapeSpec, m: MemberSpec | None, path: str | None,
                rules: tuple[Rule, ...]) -> dict[str, Any]:
        if shape.document:
            return {"description": "a document: any JSON value"}
        if shape.type == "structure":
            return self._structure(shape, shape.members, path, rules)
        if shape.type == "list" and shape.member is not None:
            out: dict[str, Any] = {"type": "array", "items": self._child(shape.member, path, "[]", rules)}
            _bounds(out, shape, "minItems", "maxItems")
            return out
        if shape.type == "map" and shape.key is not None and shape.value is not None:
            out = {"type": "object",
                   "additionalProperties": self._child(shape.value, path, "{}", rules)}
            names = self._child(shape.key, path, "{key}", rules)
            if set(names) - {"type"}:
                out["propertyNames"] = names
            _bounds(out, shape, "minProperties", "maxProperties")
            return out
        return _SCALARS.get(shape.type, _string)(self, shape, m)

    def _child(self, m: MemberSpec, path: str | None, part: str, rules: tuple[Rule, ...]) -> dict[str, Any]:
        if path is None:  # inside a shared definition: no rules apply
            shape = self.service.shapes[m.shape]
            if shape.type in _CONTAINERS and not shape.document:
                return self.ref(m.shape)
            return self._inline(shape, m, None, ())
        return self.value(m.shape, m, join(path, part), rules)

    def _structure(self, shape: ShapeSpec, members: tuple[MemberSpec, ...], path: str | None,
                   rules: tuple[Rule, ...]) -> dict[str, Any]:
        props = {m.wire_name: self._child(m, path, m.name, rules) for m in members}
        required = [m.wire_name for m in members if (m.required or (
            path is not None and any(r.path == join(path, m.name) and r.kind == "required" and r.value
                                     for r in rules))) and not (
            path is not None and any(r.path == join(path, m.name) and r.kind == "relax" and "required" in r.value
                                     for r in rules))]
        out: dict[str, Any] = {"type": "object", "properties": props}
        if required:
            out["required"] = required
        wire = {m.name: m.wire_name for m in members}
        groups = [[{"required": [wire[n]]} for n in r.value] for r in rules
                  if path is not None and r.path == path and r.kind == "one_of" and all(n in wire for n in r.value)]
        if len(groups) == 1:
            out["oneOf"] = groups[0]
        elif groups:
            out["allOf"] = [{"oneOf": g} for g in groups]
        return out

    def add_pattern(self, out: dict[str, Any], java: str) -> None:
        try:
            python = anchored(java)  # the whole value must match, as AWS checks a model pattern
        except JavaRegexError:  # no faithful Python form, or Python's re refuses the translation
            out["x-java-pattern"] = java  # kept for readers; not checked
            return
        out["pattern"] = python
        out["x-java-pattern"] = java

    def _apply(self, out: dict[str, Any], shape: ShapeSpec, here: tuple[Rule, ...]) -> dict[str, Any]:
        numeric = "minimum" in out or out.get("type") in ("integer", "number")
        sized = {"string": ("minLength", "maxLength"), "list": ("minItems", "maxItems"),
                 "map": ("minProperties", "maxProperties")}.get(shape.type)
        also: list[Any] = []
        for r in here:
            if r.kind in ("min", "max") and numeric:
                out["minimum" if r.kind == "min" else "maximum"] = r.value
            elif r.kind in ("min_length", "max_length") and sized:
                out[sized[0] if r.kind == "min_length" else sized[1]] = r.value
            elif r.kind == "pattern" and out.get("type") == "string":
                self.add_pattern(out, str(r.value))
            elif r.kind == "allowed":
                out["enum"] = list(r.value)
            elif r.kind == "also":
                also.extend(r.value if isinstance(r.value, (list, tuple)) else [r.value])
            elif r.kind == "examples":
                out["examples"] = list(r.value) if isinstance(r.value, (list, tuple)) else [r.value]
            elif r.kind == "format" and out.get("type") == "string":
                out["format"] = r.value  # "json": a custom format (an annotation to a validator that lacks it)
        for r in here:
            if r.kind == "relax":  # documented not to hold here: lifted, after every rule that adds one
                for constraint in r.value:
                    for key in _LIFTED.get(constraint, ()):
                        out.pop(key, None)
        if also:
            return {"anyOf": [out, {"enum": also}]}
        return out


def _kept(rules: tuple[Rule, ...]) -> tuple[Rule, ...]:
    """The rules a schema carries: those asserted, and every ``relax`` (a doubt never makes a failure)."""
    return tuple(r for r in rules if r.source in _ASSERTED or r.kind == "relax")


#: what each constraint a ``relax`` rule lifts is in a schema, by the shape's kind
_LIFTED = {"pattern": ("pattern", "x-java-pattern"), "enum": ("enum",), "min": ("minimum",), "max": ("maximum",),
           "min_length": ("minLength", "minItems", "minProperties"),
           "max_length": ("maxLength", "maxItems", "maxProperties")}


def _under(rule_path: str, path: str) -> bool:
    if path == "":
        return rule_path != ""
    return rule_path != path and rule_path.startswith(path) and rule_path[len(path)] in ".[{"


def _bounds(out: dict[str, Any], shape: ShapeSpec, lo: str, hi: str) -> None:
    if shape.min is not None:
        out[lo] = int(shape.min)
    if shape.max is not None:
        out[hi] = int(shape.max)


# -- operation bodies ---------------------------------------------------------------------------

def payload_member(service: ServiceSpec, shape_name: str) -> MemberSpec | None:
    """The member a rest protocol sends as the whole body (the ``payload`` trait), if any."""
    from specs.loader import botocore_model

    try:
        name = botocore_model(service.name).shape_for(shape_name).serialization.get("payload")
    except Exception:  # noqa: BLE001 - a spec not backed by a botocore model has no payload trait
        return None
    return service.shapes[shape_name].member_named(name) if name else None


def body_members(service: ServiceSpec, shape_name: str) -> tuple[MemberSpec, ...]:
    """The members of ``shape_name`` that travel in the body (rest protocols filter by location)."""
    members = service.shapes[shape_name].members
    if service.protocol.startswith("rest-"):
        return tuple(m for m in members if m.location == "body")
    return members


def _form(protocol: str) -> str | None:
    return "json" if protocol in _JSON_PROTOCOLS else "query" if protocol == "query" else None


def _schema(op: OperationSpec, service: ServiceSpec, shape_name: str | None,
            rules: tuple[Rule, ...]) -> dict[str, Any] | None:
    form = _form(op.protocol)
    if form is None or shape_name is None:
        return None
    b = SchemaBuilder(service, form=form)
    payload = payload_member(service, shape_name) if op.protocol == "rest-json" else None
    if payload is not None:
        if service.shapes[payload.shape].type != "structure":
            return None  # a raw (blob or string) body
        root = b.member(payload, rules)
    else:
        root = b.body(shape_name, body_members(service, shape_name), rules)
    root = {"$schema": DIALECT, "title": f"{service.name}.{op.name} {shape_name}", **root}
    if b.defs:
        root["$defs"] = b.defs
    return root


def output_schema(op: OperationSpec, service: ServiceSpec) -> dict[str, Any] | None:
    """The schema a raw success body of ``op`` must satisfy; None when there is none to check."""
    return _schema(op, service, op.output, op.output_rules)


def input_schema(op: OperationSpec, service: ServiceSpec) -> dict[str, Any] | None:
    """The schema of ``op``'s request body (its ``model``/``doc`` rules included)."""
    return _schema(op, service, op.input, op.rules)
