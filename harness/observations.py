"""What the service was observed to answer, summed up by output shape.

Two sources, both answers the real service gave (or, for a recording, the endpoint it was made
against): the overlays' ``observations`` (an example output the AWS CLI command reference prints,
with its page) and a recording (``jobfuzz record``: an endpoint's answers saved to a file, read
back with ``--observations FILE``). From them, for each structure shape of an output:

- the members present in every observed instance (``always``), once it was seen ``MIN_ALWAYS``
  times: one or two examples say too little about a member that may be optional;
- the members the model lacks that answers carried (``unmodelled``), and the members seen with a
  JSON ``null`` (``nulls``): from answers as they came on the wire only (a recording, a page that
  prints the body), since the CLI prints botocore's parse, which has dropped both.

``observed_conformance`` (``harness/checks/observed.py``) compares each answer with them; what it
finds rests on observations, not on a promise of a page: a warning.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.wire import BodyError, decode_success_body
from specs.overlay import observed_answer
from specs.types import OperationSpec, ServiceSpec

__all__ = ["FORMAT", "MIN_ALWAYS", "Answer", "Observed", "ObservationsError", "ShapeSeen", "gather",
           "read_recording", "structures"]

#: the format of a recording (``jobfuzz record``)
FORMAT = "jobfuzz-observations/1"
#: instances of a shape to have been seen, every one with a member, before it counts as always returned
MIN_ALWAYS = 3
#: places named in a warning's reference
_WHERE_SHOWN = 3


class ObservationsError(ValueError):
    """A recording that cannot be read: one line naming the file, the place and what is wrong."""


@dataclass(frozen=True, slots=True)
class Answer:
    """One observed success answer: decoded as the output schema sees it (wire names), or, in the
    ``cli`` form, as the AWS CLI prints botocore's parse (member names)."""

    service: str
    operation: str
    body: Any
    form: str  # cli | wire
    where: str  # a page's URL, or "recording FILE"


@dataclass
class ShapeSeen:
    """What the observed instances of one structure shape carried."""

    instances: int = 0
    wire: int = 0  # instances seen as they came on the wire
    present: Counter[str] = field(default_factory=Counter)  # member name -> instances with a value
    nulls: set[str] = field(default_factory=set)  # members seen null on the wire
    unmodelled: set[str] = field(default_factory=set)  # keys the model lacks, seen on the wire
    where: list[str] = field(default_factory=list)  # distinct places, in the order seen
    wire_where: list[str] = field(default_factory=list)  # those of the answers seen as they came

    def always(self) -> set[str]:
        if self.instances < MIN_ALWAYS:
            return set()
        return {m for m, n in self.present.items() if n == self.instances}

    def places(self, *, wire: bool = False) -> str:
        """Where it was seen (``wire``: as the answers came), the first few."""
        where = self.wire_where if wire else self.where
        more = len(where) - _WHERE_SHOWN
        return ", ".join(where[:_WHERE_SHOWN]) + (f" (+{more} more)" if more > 0 else "")


@dataclass
class Observed:
    """``ShapeSeen`` by (service, shape name)."""

    shapes: dict[tuple[str, str], ShapeSeen] = field(default_factory=dict)
    answers: int = 0

    def seen(self, service: str, shape: str) -> ShapeSeen | None:
        return self.shapes.get((service, shape))

    def add(self, spec: ServiceSpec, op: OperationSpec, answer: Answer) -> None:
        if op.output is None:
            return
        self.answers += 1
        for shape, value, _ in structures(spec, op.output, answer.body, "", cli=answer.form == "cli"):
            seen = self.shapes.setdefault((spec.name, shape), ShapeSeen())
            seen.instances += 1
            if answer.where not in seen.where:
                seen.where.append(answer.where)
            known = _members(spec, shape, cli=answer.form == "cli")
            if answer.form == "wire":
                seen.wire += 1
                if answer.where not in seen.wire_where:
                    seen.wire_where.append(answer.where)
                seen.unmodelled.update(k for k in value if k not in known)
                seen.nulls.update(known[k] for k, v in value.items() if v is None and k in known)
            seen.present.update(known[k] for k, v in value.items() if v is not None and k in known)


def _members(spec: ServiceSpec, shape: str, *, cli: bool) -> dict[str, str]:
    """The body members of ``shape`` by the key an answer carries them under -> member name."""
    return {(m.name if cli else m.wire_name): m.name for m in spec.shapes[shape].members if m.location == "body"}


def structures(spec: ServiceSpec, shape_name: str, value: Any, path: str, *,
               cli: bool = False) -> Iterator[tuple[str, dict[str, Any], str]]:
    """Every structure instance in ``value`` (of ``shape_name``): (shape name, the instance, its
    path: ``execution``, ``executionSummaries[].jobExecutionSummary``)."""
    shape = spec.shapes[shape_name]
    if shape.document:
        return
    if shape.type == "structure" and isinstance(value, dict):
        yield shape_name, value, path
        keyed = {(m.name if cli else m.wire_name): m for m in shape.members if m.location == "body"}
        for key, item in value.items():
            m = keyed.get(key)
            if m is not None and item is not None:
                yield from structures(spec, m.shape, item, f"{path}.{m.name}" if path else m.name, cli=cli)
    elif shape.type == "list" and shape.member is not None and isinstance(value, list):
        for item in value:
            yield from structures(spec, shape.member.shape, item, f"{path}[]", cli=cli)
    elif shape.type == "map" and shape.value is not None and isinstance(value, dict):
        for item in value.values():
            yield from structures(spec, shape.value.shape, item, f"{path}{{}}", cli=cli)


def _overlay_answers(spec: ServiceSpec) -> Iterator[tuple[OperationSpec, Answer]]:
    for op in spec.operations.values():
        for obs in op.observations:
            body = observed_answer(obs.answer, obs.form, op.protocol)  # checked when the overlay loaded
            if isinstance(body, str):  # a query answer's XML, as the wire carried it
                body = decode_success_body(op, spec, body.encode("utf-8"))
            yield op, Answer(spec.name, op.name, body, obs.form, obs.doc)


def gather(services: Mapping[str, ServiceSpec], recording: Path | None = None) -> Observed:
    """What the overlays of ``services`` and the recording (if any) show the service answering."""
    observed = Observed()
    for spec in services.values():
        for op, answer in _overlay_answers(spec):
            observed.add(spec, op, answer)
    if recording is not None:
        for spec, op, answer in read_recording(recording, services):
            observed.add(spec, op, answer)
    return observed


def _fail(path: Path, where: str, problem: str) -> ObservationsError:
    return ObservationsError(f"--observations {path}: {where}: {problem}")


def read_recording(path: Path, services: Mapping[str, ServiceSpec] | None = None
                   ) -> list[tuple[ServiceSpec, OperationSpec, Answer]]:
    """The answers of a recording, checked: format, services, operations, bodies."""
    from specs.loader import available_services, load_service

    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ObservationsError(f"--observations {path}: cannot read: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise _fail(path, "the file", f"not JSON ({exc})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        got = doc.get("format") if isinstance(doc, dict) else type(doc).__name__
        raise _fail(path, "format", f"expected {FORMAT!r} (a file of `jobfuzz record`), got {got!r}")
    items = doc.get("answers")
    if not isinstance(items, list):
        raise _fail(path, "answers", "expected a list of answers")
    known = set(available_services())
    where = f"recording {path.name}" + (f" of {doc['endpoint']}" if isinstance(doc.get("endpoint"), str) else "")
    out = []
    for i, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("service"), str) or "body" not in item:
            raise _fail(path, f"answers/{i}", "expected {service, operation, body}")
        if item["service"] not in known:
            raise _fail(path, f"answers/{i}/service", f"botocore has no service {item['service']!r}")
        spec = (services or {}).get(item["service"]) or load_service(item["service"])
        op = spec.operations.get(str(item.get("operation")))
        if op is None:
            raise _fail(path, f"answers/{i}/operation", f"{spec.name} has no operation {item.get('operation')!r}")
        body = item["body"]
        if op.protocol == "query":
            if not isinstance(body, str):
                raise _fail(path, f"answers/{i}/body", "expected the XML text of a query answer")
            try:
                body = decode_success_body(op, spec, body.encode("utf-8"))
            except BodyError as exc:
                raise _fail(path, f"answers/{i}/body", str(exc)) from None
        elif not isinstance(body, dict):
            raise _fail(path, f"answers/{i}/body", "expected the JSON object of the answer")
        out.append((spec, op, Answer(spec.name, op.name, body, "wire", where)))
    return out

