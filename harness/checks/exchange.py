"""Checks that look at one exchange: status, error class, schema, acceptance and rejection."""

from __future__ import annotations

from harness.checks.registry import CheckContext, check
from harness.model import Cause, Exchange, Failure
from harness.targets import TRANSIENT_CODES
from harness.wire import BodyError

#: codes every AWS endpoint may answer whatever the operation (auth, signing, throttling)
COMMON_AWS_ERRORS = frozenset({
    "AccessDeniedException", "AccessDenied", "UnrecognizedClientException", "InvalidSignatureException",
    "SignatureDoesNotMatch", "IncompleteSignature", "MissingAuthenticationToken", "ExpiredToken",
    "ExpiredTokenException", "RequestExpired", "InvalidClientTokenId", "ThrottlingException", "Throttling",
    "TooManyRequestsException", "ServiceUnavailable", "ServiceUnavailableException", "InternalFailure",
    "InternalServerError", "RequestTimeout", "RequestTimeoutException",
})


def _fail(ex: Exchange, check_name: str, title: str, message: str, cause: Cause | None = None) -> Failure:
    """``cause`` says what makes two failures the same one; None: their title (which names no drawn value)."""
    return Failure(check=check_name, service=ex.service, operation=ex.operation, title=title,
                   message=f"{ex.operation}: {message}", cause=cause,
                   status_code=ex.status, error_code=ex.error_code)


def _declared(ctx: CheckContext) -> dict[str, int | None]:
    """The errors the operation may answer: modelled, named by the documentation, and the
    service's documented validation errors (overlay ``errors.validation``, e.g. Import/Export's
    InvalidParameterException and MissingParameterException for bad or missing parameters)."""
    out: dict[str, int | None] = {code: None for code in ctx.op.validation_errors}
    out.update({e.code: e.status for e in ctx.op.errors})
    # an inferred error is accepted, but with any status: its status is a guess
    out.update({e.code: e.status if e.source in ("model", "doc") else None for e in ctx.op.doc_errors})
    return out


@check("not_a_server_error")
def not_a_server_error(ex: Exchange, ctx: CheckContext) -> None:
    """A 5xx the operation does not model, or any 5xx on a well-formed call."""
    if ex.response is None and ex.transport_error is None and ex.parse_error is not None:
        # the request went out and no answer came back: the endpoint raised (the embedded emulator's
        # exception reaches the client as one), which is no answer any call may get
        raise _fail(ex, "not_a_server_error", "no answer: the endpoint raised",
                    f"the {ex.call.mode} call got no HTTP answer: {ex.parse_error}",
                    cause=Cause("raised", expected=ex.parse_error.split(":", 1)[0]))  # the exception's type
    status = ex.status
    if status is None or status < 500:
        return
    if ex.call.raw is not None and ex.error_code not in TRANSIENT_CODES:
        # a request no SDK sends is the client's fault: whatever the operation models, no 5xx answers it
        raise _fail(ex, "not_a_server_error", f"HTTP {status} on a malformed request ({ex.call.raw.kind})",
                    f"{ex.call.violation.describe() if ex.call.violation else ex.call.raw.kind}: got HTTP {status} "
                    f"({ex.error_code or 'no error code'}), where the request is wrong, not the server",
                    cause=Cause("wire", ex.call.raw.kind, str(status)))
    declared = _declared(ctx)
    modelled = ex.error_code in declared and (declared[ex.error_code] or 500) >= 500
    if not ex.call.expects_rejection:
        raise _fail(ex, "not_a_server_error", f"HTTP {status} on a well-formed call",
                    f"a well-formed {ex.call.mode} call got HTTP {status} ({ex.error_code or 'no error code'}: "
                    f"{ex.error_message or ''})", cause=Cause("status", str(status), ex.error_code or ""))
    if not modelled:
        raise _fail(ex, "not_a_server_error", f"unmodelled HTTP {status}",
                    f"got HTTP {status} with {ex.error_code or 'no error code'}, which the operation does not "
                    f"declare as a server error", cause=Cause("status", str(status), ex.error_code or ""))


@check("status_code_conformance")
def status_code_conformance(ex: Exchange, ctx: CheckContext) -> None:
    """The HTTP status differs from the one the returned error shape declares, or a success is not 2xx."""
    status = ex.status
    if status is None or ex.parse_error is not None:
        return
    if ex.error_code is None:
        if not 200 <= status < 300:
            raise _fail(ex, "status_code_conformance", f"success answered with HTTP {status}",
                        f"a success must be 2xx, got HTTP {status}")
        return
    declared = _declared(ctx)
    if ex.error_code in declared and declared[ex.error_code] is not None and declared[ex.error_code] != status:
        raise _fail(ex, "status_code_conformance", f"{ex.error_code} with HTTP {status}",
                    f"{ex.error_code} is declared with HTTP {declared[ex.error_code]}, got HTTP {status}")
    if status < 400:
        raise _fail(ex, "status_code_conformance", f"error {ex.error_code} with HTTP {status}",
                    f"an error answer must be 4xx or 5xx, got HTTP {status}")


@check("error_class_conformance")
def error_class_conformance(ex: Exchange, ctx: CheckContext) -> None:
    """The error code is neither declared by the operation nor a common AWS error."""
    code = ex.error_code
    if code is None or ex.status is None:
        return
    if code in _declared(ctx) or code in COMMON_AWS_ERRORS or code in ctx.service.common_errors:
        return
    if ex.call.violation is not None and code in ex.call.violation.expected_errors:
        return  # documented for this break (an overlay invalid value; a wire break's common error)
    if any(code in d.accepted for d in ctx.service.discrepancies):
        return
    if code.isdigit():  # botocore's stand-in when the body carried no code at all
        raise _fail(ex, "error_class_conformance", f"HTTP {ex.status} without an error code",
                    f"HTTP {ex.status} carried no error code botocore could read",
                    cause=Cause("no error code", str(ex.status)))
    raise _fail(ex, "error_class_conformance", f"undeclared error {code}",
                f"{code} is not declared by {ctx.op.name} ({', '.join(sorted(_declared(ctx))) or 'none'}) "
                f"nor a common AWS error", cause=Cause("error code", expected=code))


@check("response_schema_conformance")
def response_schema_conformance(ex: Exchange, ctx: CheckContext) -> None:
    """The raw success body breaks the output shape: type, enum, pattern, length, range, required member."""
    if ex.too_large is not None:  # whatever its status: no answer of the model is that large, none is read whole
        raise _fail(ex, "response_schema_conformance", "answer larger than the size cap",
                    f"HTTP {ex.status}: {ex.too_large}", cause=Cause("too large"))
    if ex.response is None or not 200 <= ex.response.status < 300:
        return
    if ex.parse_error is not None:
        raise _fail(ex, "response_schema_conformance", "botocore cannot parse the success body",
                    f"botocore failed on the HTTP {ex.response.status} body: {ex.parse_error}")
    if ctx.op.output is None:
        return
    from specs.schema_problems import shape_problems

    try:
        body = ctx.success_body(ex.response.body)
    except BodyError as exc:
        raise _fail(ex, "response_schema_conformance", "success body cannot be decoded", str(exc)) from None
    problems = shape_problems(ctx.op, ctx.service, body)
    if problems:
        first = problems[0]  # its place and what the model expects there, never the value that came
        raise _fail(ex, "response_schema_conformance", f"{first.place}: breaks the output shape",
                    "; ".join(map(str, problems[:5])) + (f" (+{len(problems) - 5} more)" if len(problems) > 5 else ""),
                    cause=Cause("schema", first.place, first.expected))


@check("negative_data_rejection")
def negative_data_rejection(ex: Exchange, ctx: CheckContext) -> None:
    """A call that breaks a documented input rule is accepted."""
    v = ex.call.violation
    if v is None or v.source not in ("model", "doc") or not ex.ok:
        return
    failure = _fail(ex, "negative_data_rejection", f"accepted: {v.path or '(body)'} {v.rule}",
                    f"the call breaks {v.describe()} and was accepted with HTTP {ex.status}",
                    cause=Cause("violation", v.path, v.rule))
    if v.source == "doc":  # the page of the rule it breaks, when the overlay names one
        failure.basis = "doc"
        failure.reference = next((r.doc for r in ctx.op.rules if r.path == v.path and r.source == "doc" and r.doc), "")
    raise failure


@check("positive_data_acceptance")
def positive_data_acceptance(ex: Exchange, ctx: CheckContext) -> None:
    """A valid call on an existing resource is rejected as invalid (a refusal with a code that also
    means not found, and that the operation's not-found description matches, is not judged here:
    Batch's ``ClientException`` says both, told apart by its message)."""
    if ex.call.expects_rejection or not ctx.bound or ex.error_code is None:
        return
    if ctx.op.not_found.refuses(ex.error_code, ex.error_message):
        return  # not found, not invalid: read_after_write_consistency judges what the run made
    if ex.error_code in ctx.op.validation_errors:
        raise _fail(ex, "positive_data_acceptance", f"valid call rejected with {ex.error_code}",
                    f"a {ex.call.mode} call that keeps every model and documented rule was rejected: "
                    f"{ex.error_code}: {ex.error_message}", cause=Cause("error code", expected=ex.error_code))
