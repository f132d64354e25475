"""Public AWS answers against the harness's input validator (docs/evidence.md).

Every entry of ``tests/data/aws_validation_evidence.yaml`` is one value AWS refused or accepted for
one member, seen in a public source. For each one the test

- checks that the member and the constraint the entry names are still in the botocore model, so
  evidence about a constraint the model dropped or changed fails here instead of passing silently;
- puts the value at the member of the operation's smallest valid call (the strategies' own), so
  every other member is valid and the verdict is about this one;
- asks ``specs.validator`` (model and doc rules: the ones the checks assert; an ``inferred`` rule is
  never asserted) and requires it to agree with AWS: refused -> a problem of the constraint's kind
  at the member, accepted -> no problem at the member.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from specs.javaregex import to_python
from specs.loader import load_service, raw_service
from specs.paths import PathError, resolve
from specs.types import ShapeSpec
from specs.validator import validate
from strategies.places import put
from strategies.values import Compiler, Rand

EVIDENCE = Path(__file__).resolve().parents[2] / "data" / "aws_validation_evidence.yaml"
ASSERTED = ("model", "doc")
KINDS = {"pattern", "length", "range", "enum"}
#: the validator's rule for a bound of each kind
RULE_OF = {("length", "min"): "min_length", ("length", "max"): "max_length",
           ("range", "min"): "min", ("range", "max"): "max"}

DATA = yaml.safe_load(EVIDENCE.read_text(encoding="utf-8"))
ENTRIES: list[dict[str, Any]] = DATA["entries"]


def value_of(entry: dict[str, Any], shape: ShapeSpec) -> Any:
    value = entry["value"]
    if isinstance(value, dict):  # {repeat: "a", times: 129}: a long string; {repeat: {...}, times: 501}: a list
        item, times = value["repeat"], value["times"]
        value = item * times if isinstance(item, str) else [dict(item) for _ in range(times)]
    if shape.type == "blob" and isinstance(value, str):
        value = value.encode()
    return value


def model_shape(entry: dict[str, Any]) -> ShapeSpec:
    """The model's shape at the entry's member; fails when the operation or the member is gone."""
    service = raw_service(entry["service"])
    op = service.operations.get(entry["operation"])
    if op is None:
        pytest.fail(f"{entry['id']}: botocore's {entry['service']} has no operation {entry['operation']}")
    try:
        return resolve(service, op.input, entry["member"])
    except PathError as e:
        pytest.fail(f"{entry['id']}: {entry['operation']}.{entry['member']} is not in the model: {e}")


def stale(entry: dict[str, Any], shape: ShapeSpec) -> str | None:
    """What of the entry's constraint the model no longer has, or None."""
    c = entry["constraint"]
    kind = c["kind"]
    if kind == "pattern":
        return None if shape.pattern == c["pattern"] else f"pattern {c['pattern']!r}, the model has {shape.pattern!r}"
    if kind == "enum":
        missing = [v for v in c["values"] if v not in shape.enum]
        return f"enum values {missing} (the model's: {list(shape.enum)})" if missing else None
    for bound in ("min", "max"):
        if bound in c and getattr(shape, bound) != c[bound]:
            return f"{kind} {bound} {c[bound]}, the model has {getattr(shape, bound)}"
    return None


def test_the_evidence_file_is_well_formed():
    problems = []
    ids = [e.get("id") for e in ENTRIES]
    problems += [f"id {i!r} appears twice" for i in {i for i in ids if ids.count(i) > 1}]
    for e in ENTRIES:
        where = e.get("id", "an entry without id")
        missing = [f for f in ("id", "service", "operation", "member", "value", "constraint", "aws", "source")
                   if f not in e]
        if missing:
            problems.append(f"{where}: missing {', '.join(missing)}")
            continue
        c, aws, source = e["constraint"], e["aws"], e["source"]
        if c.get("kind") not in KINDS:
            problems.append(f"{where}: constraint kind {c.get('kind')!r} is not one of {sorted(KINDS)}")
        elif c["kind"] in ("length", "range") and not ({"min", "max"} & set(c)):
            problems.append(f"{where}: a {c['kind']} constraint names min or max")
        elif c["kind"] == "pattern" and not c.get("pattern") or c["kind"] == "enum" and not c.get("values"):
            problems.append(f"{where}: a {c['kind']} constraint names its model value")
        if aws.get("answer") not in ("refused", "accepted"):
            problems.append(f"{where}: aws.answer is {aws.get('answer')!r}, not refused or accepted")
        elif aws["answer"] == "refused" and not aws.get("message"):
            problems.append(f"{where}: a refusal quotes AWS's message")
        if not str(source.get("url", "")).startswith("https://") or not str(source.get("quote", "")).strip():
            problems.append(f"{where}: the source needs an https url and a quote")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["id"] for e in ENTRIES])
def test_the_validator_agrees_with_aws(entry):
    shape = model_shape(entry)
    gone = stale(entry, shape)
    if gone is not None:
        pytest.fail(f"{entry['id']}: stale evidence: the botocore model no longer has the {gone} "
                    f"at {entry['operation']}.{entry['member']}")

    member = entry["member"]
    service = load_service(entry["service"])
    op = service.operation(entry["operation"])
    compiler = Compiler(service, op)
    smallest = compiler.program(service.shapes[op.input])(Rand(0, 0))
    value = value_of(entry, shape)
    params = put(compiler, op, smallest, member, value)
    assert params is not None, f"{entry['id']}: no call has a value at {member}"

    problems = validate(op, service, params, sources=ASSERTED)
    # a problem inside the value (a list item) was in what AWS was sent; one outside it was not
    elsewhere = [p.message for p in problems
                 if p.path != member and not p.path.startswith((member + ".", member + "[", member + "{"))]
    assert not elsewhere, f"{entry['id']}: the call around the member is not valid: {elsewhere}"
    here = {p.rule: p.message for p in problems if p.path == member}
    c = entry["constraint"]
    if entry["aws"]["answer"] == "accepted":
        assert not here, (f"{entry['id']}: AWS accepted {value!r:.80} at {entry['operation']}.{member}; "
                          f"the validator refuses it: {list(here.values())}")
        return
    wanted = {RULE_OF[(c["kind"], b)] for b in ("min", "max") if b in c} or {c["kind"]}
    assert wanted & set(here), (
        f"{entry['id']}: AWS refused {value!r:.80} at {entry['operation']}.{member} "
        f"({entry['aws']['message']}); the validator finds no {' or '.join(sorted(wanted))} problem there"
        f"{': only ' + str(list(here.values())) if here else ''}")


WHOLE = [e for e in ENTRIES if e.get("whole_value")]


@pytest.mark.parametrize("entry", WHOLE, ids=[e["id"] for e in WHOLE])
def test_whole_value_evidence_has_a_matching_part(entry):
    """An entry marked whole_value is one only a whole-value match refuses: some part of it matches."""
    c = entry["constraint"]
    assert c["kind"] == "pattern" and entry["aws"]["answer"] == "refused", entry["id"]
    found = re.search(to_python(c["pattern"]), entry["value"])
    assert found is not None, f"{entry['id']}: no part of {entry['value']!r} matches {c['pattern']!r}"
