"""botocore model -> frozen specs, before any overlay. The model is the only source of truth for shapes.

Besides the shapes, each operation gets the rules the model implies without stating
them as traits: the input members that take a page token (``page_token``, source ``inferred``),
from the paginator config or, for an operation it does not list, from a token-named input member
the output pairs with a member of the same name.
"""

from __future__ import annotations

import functools
from typing import Any

import botocore.session
from botocore import xform_name
from botocore.model import ListShape, MapShape, OperationModel, ServiceModel, Shape, StructureShape

from specs.roles import default_absences, derived_role
from specs.types import ErrorSpec, MemberSpec, OperationSpec, Pagination, Rule, ServiceSpec, ShapeSpec

__all__ = ["available_services", "botocore_model", "raw_service"]

_TYPES = {
    "structure", "list", "map", "string", "integer", "long", "float", "double", "boolean",
    "timestamp", "blob", "character", "byte", "short", "bigdecimal", "biginteger",
}


@functools.lru_cache(maxsize=1)
def _session() -> botocore.session.Session:
    return botocore.session.get_session()


def available_services() -> list[str]:
    return sorted(_session().get_available_services())


@functools.cache
def botocore_model(service: str) -> ServiceModel:
    try:
        return _session().get_service_model(service)
    except botocore.exceptions.UnknownServiceError:
        raise KeyError(f"botocore has no service {service!r}") from None


@functools.cache
def _paginators(service: str) -> dict[str, Any]:
    try:
        # botocore keeps the whole table private (the stubs do not declare it)
        return _session().get_paginator_model(service)._paginator_config  # type: ignore[attr-defined]
    except botocore.exceptions.DataNotFoundError:
        return {}


def _member(name: str, shape: Shape, required: bool) -> MemberSpec:
    ser = shape.serialization
    return MemberSpec(
        name=name,
        shape=shape.name,
        wire_name=ser.get("name", name),
        location=ser.get("location", "body"),
        required=required,
        idempotency_token=bool(shape.metadata.get("idempotencyToken")),
        json_value=bool(shape.metadata.get("jsonvalue")),
        flattened=bool(ser.get("flattened")),
        xml_member_name="member",
        timestamp_format=ser.get("timestampFormat") or shape.metadata.get("timestampFormat"),
    )


def _shape(shape: Shape, out: dict[str, ShapeSpec]) -> None:
    """Add ``shape`` and every shape it reaches to ``out`` (iteratively: models can be deep)."""
    stack = [shape]
    while stack:
        s = stack.pop()
        if s.name in out:
            continue
        meta = s.metadata
        kind = s.type_name if s.type_name in _TYPES else "string"
        members: tuple[MemberSpec, ...] = ()
        member = key = value = None
        if isinstance(s, StructureShape):
            req = set(meta.get("required", ()))
            members = tuple(_member(n, m, n in req) for n, m in s.members.items())
            stack.extend(s.members.values())
        elif isinstance(s, ListShape):
            member = _member("member", s.member, False)
            member = MemberSpec(**{**_asdict(member),
                                   "xml_member_name": s.member.serialization.get("name", "member"),
                                   "flattened": bool(s.serialization.get("flattened"))})
            stack.append(s.member)
        elif isinstance(s, MapShape):
            key = _member("key", s.key, True)
            value = _member("value", s.value, True)
            stack.extend((s.key, s.value))
        out[s.name] = ShapeSpec(
            name=s.name,
            type=kind,
            members=members,
            member=member,
            key=key,
            value=value,
            min=meta.get("min"),
            max=meta.get("max"),
            pattern=meta.get("pattern"),
            enum=tuple(getattr(s, "enum", ()) or ()),
            timestamp_format=s.serialization.get("timestampFormat"),  # a serialization trait
            document=bool(meta.get("document")),
            sensitive=bool(meta.get("sensitive")),
            exception=bool(meta.get("exception")),
            union=bool(meta.get("union")),
        )


def _asdict(m: MemberSpec) -> dict[str, Any]:
    return {f: getattr(m, f) for f in MemberSpec.__slots__}


def _errors(op: OperationModel) -> tuple[ErrorSpec, ...]:
    errs = []
    for e in op.error_shapes:
        err = e.metadata.get("error", {})
        errs.append(ErrorSpec(
            code=err.get("code", e.name),
            shape=e.name,
            status=err.get("httpStatusCode"),
            fault="server" if e.metadata.get("fault") else "client",
        ))
    return tuple(errs)


def _pagination(service: str, op: str) -> Pagination | None:
    cfg = _paginators(service).get(op)
    if not cfg:
        return None

    def tup(v: Any) -> tuple[str, ...]:
        return tuple(v) if isinstance(v, list) else (v,) if v else ()

    return Pagination(
        input_token=tup(cfg.get("input_token")),
        output_token=tup(cfg.get("output_token")),
        limit_key=cfg.get("limit_key"),
        result_keys=tup(cfg.get("result_key")),
        more_results=cfg.get("more_results"),
    )


#: input member names (lower case) that carry a page token when the output has a member of the same
#: name, or of that name with ``next`` in front (``marker`` -> ``nextMarker``)
_TOKEN_NAMES = frozenset({"nexttoken", "marker", "nextmarker", "pagetoken", "nextpagetoken", "paginationtoken",
                          "continuationtoken", "startingtoken"})


def _page_tokens(op: OperationModel, pagination: Pagination | None) -> tuple[Rule, ...]:
    """An inferred ``page_token`` rule for every input member that takes a token from an earlier page.

    The paginator config names them; an operation it does not list counts only when the model pairs
    a token-named input member with an output member of the same name (or ``next`` + that name).
    """
    shape = op.input_shape
    if shape is None:
        return ()
    members = shape.members
    required = set(shape.metadata.get("required", ()))
    if pagination is not None:
        given = " / ".join(pagination.output_token) or "an earlier page"
        return tuple(Rule(t, "page_token", given, "inferred", "the paginator's input token")
                     for t in pagination.input_token if t in members and t not in required)
    out_members = op.output_shape.members if op.output_shape is not None else {}
    by_lower = {n.lower(): n for n, m in out_members.items() if m.type_name == "string"}
    rules = []
    for n, m in members.items():
        if n.lower() not in _TOKEN_NAMES or m.type_name != "string" or n in required \
                or m.serialization.get("location") == "uri":
            continue
        paired = by_lower.get(n.lower()) or by_lower.get("next" + n.lower())
        if paired is not None:
            rules.append(Rule(n, "page_token", paired, "inferred", f"paired with the output member {paired}"))
    return tuple(rules)


def _operation(service: str, model: ServiceModel, name: str, shapes: dict[str, ShapeSpec]) -> OperationSpec:
    op = model.operation_model(name)
    for s in (op.input_shape, op.output_shape):
        if s is not None:
            _shape(s, shapes)
    for e in op.error_shapes:
        _shape(e, shapes)
    tokens = tuple(op.idempotent_members) if op.input_shape is not None else ()
    pagination = _pagination(service, name)
    role, role_source = derived_role(name, pagination)
    not_found, not_yours = default_absences(pagination, ())
    return OperationSpec(
        service=service,
        name=name,
        python_name=xform_name(name),
        protocol=model.protocol,
        method=op.http.get("method", "POST"),
        uri=op.http.get("requestUri", "/"),
        input=op.input_shape.name if op.input_shape is not None else None,
        output=op.output_shape.name if op.output_shape is not None else None,
        errors=_errors(op),
        response_code=int(op.http.get("responseCode", 200)),
        pagination=pagination,
        idempotency_tokens=tokens,
        deprecated=bool(op.deprecated),
        documentation=op.documentation or "",
        rules=_page_tokens(op, pagination),
        role=role,
        role_source=role_source,
        not_found=not_found,
        not_yours=not_yours,
    )


@functools.cache
def raw_service(service: str) -> ServiceSpec:
    """The spec of ``service`` from the botocore model alone, without an overlay."""
    model = botocore_model(service)
    shapes: dict[str, ShapeSpec] = {}
    ops = {n: _operation(service, model, n, shapes) for n in model.operation_names}
    meta = model.metadata
    return ServiceSpec(
        name=service,
        protocol=model.protocol,
        signing_name=model.signing_name or service,
        api_version=meta.get("apiVersion", ""),
        target_prefix=meta.get("targetPrefix"),
        xml_namespace=meta.get("xmlNamespace"),
        shapes=shapes,
        operations=ops,
    )
