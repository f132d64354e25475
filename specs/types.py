"""Frozen values that describe a service: shapes, members, operations, errors, rules, lifecycles.

Nothing here knows Hypothesis or HTTP. Shapes are kept flat in ``ServiceSpec.shapes`` and members
refer to them by name, so recursive models need no special care.

Places (a rule's path, a binding's member) name where a value is inside an operation's input or
output, with botocore member names, in the internal form ``specs.paths`` maps an overlay's JMESPath
to: ``statusDetails`` (a member), ``timeoutConfig.inProgressTimeoutInMinutes`` (nested),
``targets[]`` (each list item, ``targets[*]``), ``statusDetails{}`` (each map value,
``statusDetails.*``), ``statusDetails{key}`` (each map key, ``keys(statusDetails)``). Paths into an
answer (``produces``, ``state_path``, a version ``field``) stay JMESPath, evaluated by
``specs.paths.search``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

SOURCES = ("model", "doc", "inferred")

#: rule kinds an overlay may state about an input or output place
RULE_KINDS = (
    "min",  # number >= value
    "max",  # number <= value
    "also",  # extra values allowed beyond min/max (e.g. -1 to cancel a timer)
    "min_length",  # string/blob length, list/map size
    "max_length",
    "pattern",  # Java-style regex the value must match (Smithy semantics: search)
    "allowed",  # the only values allowed (a subset of an enum, or values for a plain string)
    "required",  # the member must be present (value: true)
    "examples",  # valid values to draw from instead of the model's (e.g. a whole manifest)
    "invalid",  # a value that breaks a documented rule: {value, errors, rule}
    "one_of",  # at a structure ("" for the input): the members of which exactly one must be present
    "page_token",  # the member takes a token only from an earlier page (value: the output place that gives it)
    "format",  # the string is a document of a format (value: "json": a JSON text)
    "absent",  # the member must be absent (value: true)
    "exclusive",  # at a structure ("" for the input): the members of which at most one may be present
    "required_when",  # the member is required when a sibling is present ({member}) or has a value ({member, in})
    "relax",  # output only: model constraints documented not to hold here (value: [required, pattern, ...])
)
#: the model constraints a ``relax`` rule may lift from an output place
RELAXABLE = ("required", "pattern", "enum", "min", "max", "min_length", "max_length")


@dataclass(frozen=True, slots=True)
class Rule:
    """One constraint on one place, with where it comes from."""

    path: str
    kind: str
    value: Any
    source: str  # model | doc | inferred
    note: str = ""
    doc: str = ""  # the page a doc rule comes from (a documentation URL)

    def describe(self) -> str:
        return f"{self.path}: {self.kind} {self.value!r} ({self.source})"


@dataclass(frozen=True, slots=True)
class MemberSpec:
    name: str  # botocore member name (the boto3 parameter name)
    shape: str  # ShapeSpec name in ServiceSpec.shapes
    wire_name: str  # the name on the wire (locationName, or the member name)
    location: str = "body"  # uri | querystring | header | headers | statusCode | body
    required: bool = False
    idempotency_token: bool = False
    json_value: bool = False
    flattened: bool = False  # query/xml lists without <member> wrappers
    xml_member_name: str = "member"
    timestamp_format: str | None = None


@dataclass(frozen=True, slots=True)
class ShapeSpec:
    name: str
    type: str  # structure list map string integer long float double boolean timestamp blob
    members: tuple[MemberSpec, ...] = ()
    member: MemberSpec | None = None  # list item
    key: MemberSpec | None = None  # map key
    value: MemberSpec | None = None  # map value
    min: int | float | None = None
    max: int | float | None = None
    pattern: str | None = None
    enum: tuple[str, ...] = ()
    timestamp_format: str | None = None
    document: bool = False
    sensitive: bool = False
    exception: bool = False
    union: bool = False

    def member_named(self, name: str) -> MemberSpec | None:
        for m in self.members:
            if m.name == name:
                return m
        return None

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(m.name for m in self.members if m.required)


@dataclass(frozen=True, slots=True)
class ErrorSpec:
    code: str  # the error code on the wire (usually the shape name)
    shape: str
    status: int | None  # HTTP status the model declares, None when it declares none
    fault: str  # client | server
    source: str = "model"


class Role(StrEnum):
    """What an operation does to the resource it works on: how checks choose and judge its calls."""

    CREATE = "create"  # makes a resource (CreateJob, SubmitJob, StartJobRun)
    READ = "read"  # reads one resource, or several by id (DescribeJobExecution, DescribeJobs)
    LIST = "list"  # lists resources (ListJobs, GetJobRuns)
    UPDATE = "update"  # changes a resource's content or state (UpdateJobExecution, IoT's CancelJob)
    DELETE = "delete"  # removes a resource (DeleteJob)
    ACTION = "action"  # anything else (TerminateJob, BatchStopJobRun)

    @property
    def mutating(self) -> bool:
        return self not in (Role.READ, Role.LIST)


#: where an operation's role comes from: stated by the overlay (its ``source``: model, doc, inferred), or
#: derived: ``paginator`` (the model paginates it: list), ``recipe`` (an overlay recipe makes or deletes a
#: resource with it), ``name`` (only the verb its name starts with: ``jobfuzz specs lint`` lists these)
ROLE_SOURCES = ("model", "doc", "inferred", "paginator", "recipe", "name")


@dataclass(frozen=True, slots=True)
class Absence:
    """What an operation answers when the resource it names is not there (``not_found``) or is another
    account's (``not_yours``): a refusal with one of ``errors`` (whose message matches ``message``
    where one code also means "invalid", as Batch's ``ClientException`` does), or a success that does
    not hold it: the list at JMESPath ``empty`` is empty, no value at JMESPath ``absent`` is one of the
    resource's ids, or (``ok``) a success that says nothing about it."""

    errors: tuple[str, ...] = ()
    message: str = ""  # a Python regex searched in the error message; "" = the code alone decides
    empty: str = ""  # JMESPath of a list that is empty (or absent) in the answer
    absent: str = ""  # JMESPath of values (or items whose values) that never hold the resource's ids
    ok: bool = False  # a success is the documented answer, and shows nothing
    #: the overlay entry's source (model, doc, inferred: an inferred one never makes a failure), or
    #: ``derived`` (from ``errors.not_found`` and the model's paginator: asserted)
    source: str = "derived"
    doc: str = ""

    def refuses(self, code: str | None, message: str | None = None) -> bool:
        """Whether a refusal with ``code`` and ``message`` is this answer."""
        if code is None or code not in self.errors:
            return False
        return not self.message or re.search(self.message, message or "") is not None

    def describe(self) -> str:
        """In words: ``ResourceNotFoundException or a success without it in jobs``."""
        said = [", ".join(self.errors) + (f" (message ~ {self.message!r})" if self.message else "")] \
            if self.errors else []
        said += [f"a success with {self.empty} empty"] if self.empty else []
        said += [f"a success without it in {self.absent}"] if self.absent else []
        said += ["a success that shows nothing"] if self.ok else []
        return " or ".join(said) or "(not said)"

    @property
    def answers_ok(self) -> bool:
        """Whether a success may be this answer (``empty``, ``absent`` or ``ok``)."""
        return bool(self.empty or self.absent or self.ok)


@dataclass(frozen=True, slots=True)
class Pagination:
    input_token: tuple[str, ...]
    output_token: tuple[str, ...]
    limit_key: str | None
    result_keys: tuple[str, ...]
    more_results: str | None = None


@dataclass(frozen=True, slots=True)
class Observation:
    """An answer of the real service as a documentation page prints it (overlay ``observations``):
    what AWS was seen to do, which no page promises. ``form`` says what the page shows: ``cli``, the
    AWS CLI's rendering of the parsed answer (members present; botocore drops unmodelled members and
    nulls before the CLI prints), or ``wire``, the body as it came (also nulls and unmodelled members)."""

    doc: str  # the page (URL)
    answer: str  # the answer as the page gives it (JSON text, or the XML of a query answer)
    form: str = "cli"  # cli | wire
    note: str = ""


@dataclass(frozen=True, slots=True)
class OperationSpec:
    service: str  # botocore service name
    name: str  # model name, UpdateJobExecution
    python_name: str  # boto3 method name, update_job_execution
    protocol: str  # rest-json | query | json | rest-xml | ec2
    method: str
    uri: str  # request URI template
    input: str | None  # shape names in the service
    output: str | None
    errors: tuple[ErrorSpec, ...]
    response_code: int = 200
    pagination: Pagination | None = None
    idempotency_tokens: tuple[str, ...] = ()
    deprecated: bool = False
    documentation: str = ""
    #: rules on input places: the page tokens the loader finds (inferred), then the overlay's (doc and
    #: inferred); model rules live on the shapes
    rules: tuple[Rule, ...] = ()
    #: overlay rules on output places (e.g. a documented status set)
    output_rules: tuple[Rule, ...] = ()
    #: the codes the service answers an input that breaks a rule with (overlay; else all 4xx declared)
    validation_errors: tuple[str, ...] = ()
    #: the code for a missing or unknown resource (overlay)
    not_found_errors: tuple[str, ...] = ()
    #: errors the documentation names that the model does not declare: accepted, listed by lint
    doc_errors: tuple[ErrorSpec, ...] = ()
    #: input member -> binding name filled from a resource made by a recipe (overlay)
    bindings: tuple[tuple[str, str], ...] = ()
    #: what the operation does to its resource (specs.roles: the overlay's, else derived)
    role: Role = Role.ACTION
    role_source: str = "name"  # one of ROLE_SOURCES
    #: the answer for a resource that is not there (overlay ``roles``, else ``errors.not_found``)
    not_found: Absence = Absence()
    #: the answer for another account's resource (overlay ``roles``, else as ``not_found``; a list's
    #: default is that its result key does not hold the resource)
    not_yours: Absence = Absence()
    #: answers of the real service a documentation page prints (overlay ``observations``)
    observations: tuple[Observation, ...] = ()
    #: input every listing of it sends (overlay ``pagination`` ``params``: Batch ListJobs needs a status)
    list_params: tuple[tuple[str, Any], ...] = field(default=(), hash=False)

    @property
    def qualified(self) -> str:
        return f"{self.service}.{self.name}"

    def error(self, code: str) -> ErrorSpec | None:
        for e in self.errors + self.doc_errors:
            if e.code == code:
                return e
        return None

    def rules_at(self, path: str) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.path == path)


@dataclass(frozen=True, slots=True)
class Step:
    """One call in a recipe, a transition or a read, with its parameter template.

    Template values may contain ``{name}`` placeholders filled from the lifecycle's bindings
    (``{thingName}``, ``{to}``, ``{version}``); ``produces`` maps a binding name to the output
    path that carries it (``jobArn: jobArn``).
    """

    service: str
    operation: str
    params: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    produces: dict[str, str] = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True, slots=True)
class Resource:
    """How to make (and remove) a resource that operations need."""

    name: str
    service: str
    needs: tuple[str, ...]
    create: tuple[Step, ...]
    delete: tuple[Step, ...] = ()
    #: the delete steps remove it for good: afterwards it must not be read (doc)
    deletes: bool = False

    @property
    def produces(self) -> tuple[str, ...]:
        return tuple(b for s in self.create for b in s.produces)


@dataclass(frozen=True, slots=True)
class Expect:
    """What the answer to one step of a sequence must show. Paths are JMESPath over the parsed output;
    values are templates like a step's params (``"{jobId}"``); ``null`` means absent."""

    #: (path, value): the value at path
    equals: tuple[tuple[str, Any], ...] = field(default=(), hash=False)
    #: (path, value): the list at path holds the value
    includes: tuple[tuple[str, Any], ...] = field(default=(), hash=False)
    present: tuple[str, ...] = ()  # paths that must hold a value
    ok: bool = False  # the call must succeed (any expectation but ``error`` implies it)
    error: tuple[str, ...] = ()  # the call must be refused with one of these codes


@dataclass(frozen=True, slots=True)
class SequenceSpec:
    """A documented call sequence and what its answers must show (overlay ``sequences``).

    Steps without ``expect`` set the scene: one that is refused ends the sequence without a verdict
    (the exchange checks still judge its answer). A step with ``expect`` is the verdict."""

    name: str
    service: str
    operation: str  # the operation whose behaviour it checks: it runs when that one is tested
    check: str  # the check a broken expectation is reported under
    needs: tuple[str, ...]  # resources made first; their bindings fill the templates
    steps: tuple[tuple[Step, Expect | None], ...]
    source: str  # model | doc
    note: str = ""


@dataclass(frozen=True, slots=True)
class Transition:
    name: str
    step: Step
    sources: tuple[str, ...]  # states it is legal from ("*" any non-terminal)
    target: str | None  # the state it leads to; None keeps the state
    source: str  # model | doc | inferred
    #: states from which the documentation says the call is refused, with the accepted errors
    refused_from: tuple[str, ...] = ()
    refused_errors: tuple[str, ...] = ()
    bumps_version: bool = False
    consistency: str = "strong"  # strong | eventual (poll before asserting)


@dataclass(frozen=True, slots=True)
class ServiceTransition:
    """A change the service makes by itself (``by: service`` in an overlay): no call makes it."""

    name: str
    sources: tuple[str, ...]  # states it may leave ("*" any non-terminal)
    target: str | None  # the state it leads to; None: a self transition (the state stays)
    source: str  # model | doc | inferred
    #: what the documentation says sets it off: timer | executions_terminal | progress
    trigger: str = "progress"
    #: the caller transitions after which it may happen; empty: at any time from creation
    after: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Eventually:
    """After ``after`` (a caller transition; None: the resource's creation), a read shows one of
    ``reach`` within ``within`` seconds."""

    name: str
    after: str | None
    reach: tuple[str, ...]
    within: float
    source: str


@dataclass(frozen=True, slots=True)
class Polling:
    """How reads are spaced while waiting: ``interval`` seconds, times ``backoff`` each read, at most
    ``max_interval``."""

    interval: float = 0.1
    backoff: float = 2.0
    max_interval: float = 1.0


@dataclass(frozen=True, slots=True)
class VersionRule:
    field: str  # output path of the version in the read
    start: int | None  # the first value ([INF] when source is inferred)
    expected_param: str | None  # the input member carrying the expected version
    mismatch_errors: tuple[str, ...]  # every documented answer to a stale expected version
    mismatch_status: int | None
    source: str


@dataclass(frozen=True, slots=True)
class StateMachineSpec:
    name: str
    service: str
    resource: str
    states: tuple[str, ...]
    initial: tuple[str, ...]  # any of these may be read first
    terminal: tuple[str, ...]
    read: Step
    state_path: str  # a JMESPath expression: where the state is in the read's output
    transitions: tuple[Transition, ...]
    version: VersionRule | None = None
    #: states a transition may reach whose rule is undocumented: never asserted either way
    uncertain: tuple[tuple[str, str, str], ...] = ()  # (transition, from, to)
    delete: Step | None = None  # removes the resource (for use_after_delete)
    note: str = ""
    #: where the states, the initial and terminal ones and the delete come from: an inferred machine's
    #: set of states is never asserted (a state read outside it, or a terminal state changing, passes)
    source: str = "doc"
    #: the changes the service makes by itself, and the states it must reach within a bound
    service_transitions: tuple[ServiceTransition, ...] = ()
    eventually: tuple[Eventually, ...] = ()
    polling: Polling | None = None  # None: the harness's default spacing


@dataclass(frozen=True, slots=True)
class ListItems:
    """How to fill a paginated list: make ``resource`` N times, find ``binding`` under ``id`` in items."""

    operation: str
    resource: str
    id: str  # the member of a result item that identifies it
    binding: str  # the binding the resource produces with that id


@dataclass(frozen=True, slots=True)
class Flag:
    """A documented input flag and what it does to a call (overlay ``flags``): ``shows`` makes the
    answer carry ``path`` when true and leave it out when false; ``no_op`` (validate-only, dry-run)
    makes the call change nothing."""

    operation: str
    member: str
    kind: str  # shows | no_op
    path: str  # JMESPath of the output place a ``shows`` flag decides ("" for no_op)
    source: str  # model | doc | inferred (an inferred flag is never asserted)
    doc: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class Discrepancy:
    """A place where documentation and model (or two documents) disagree."""

    id: str
    service: str
    where: str
    says: str
    accepted: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ServiceSpec:
    name: str
    protocol: str
    signing_name: str
    api_version: str
    target_prefix: str | None
    xml_namespace: str | None
    shapes: dict[str, ShapeSpec] = field(hash=False, compare=False)
    operations: dict[str, OperationSpec] = field(hash=False, compare=False)
    resources: dict[str, Resource] = field(default_factory=dict, hash=False, compare=False)
    state_machines: tuple[StateMachineSpec, ...] = ()
    discrepancies: tuple[Discrepancy, ...] = ()
    #: error codes every operation may answer (throttling, auth...), accepted by error_class_conformance
    common_errors: tuple[str, ...] = ()
    #: operations the harness tests for this service (the overlay's scope); None means all
    scope: tuple[str, ...] | None = None
    #: paginated operations and how to fill them (overlay)
    lists: tuple[ListItems, ...] = ()
    #: operations documented as idempotent for the same configuration (overlay), beyond client tokens
    idempotent: tuple[str, ...] = ()
    #: documented call sequences and what their answers must show (overlay)
    sequences: tuple[SequenceSpec, ...] = ()
    #: documented flags that shape an answer or make a call change nothing (overlay)
    flags: tuple[Flag, ...] = ()

    def shape(self, name: str) -> ShapeSpec:
        return self.shapes[name]

    def operation(self, name: str) -> OperationSpec:
        try:
            return self.operations[name]
        except KeyError:
            raise KeyError(f"{self.name} has no operation {name!r}") from None

    def listed_by(self, operation: str) -> ListItems | None:
        """What the paginated listing ``operation`` lists (the overlay's ``lists``), or None."""
        return next((li for li in self.lists if li.operation == operation), None)

    def in_scope(self) -> tuple[OperationSpec, ...]:
        names = self.scope if self.scope is not None else tuple(self.operations)
        return tuple(self.operations[n] for n in names)
