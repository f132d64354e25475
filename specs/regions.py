"""Which strings are AWS region names: the forms botocore's partition table gives (``regionRegex``).

``us-east-1``, ``eu-central-2``, ``us-gov-west-1``, ``cn-north-1``, ``us-isob-east-1`` are; ``not a
region``, ``us-east`` and ``US-EAST-1`` are not. Both the harness (``--region``) and the emulator
(``jobfuzz emulator --region``) refuse anything else before they start.
"""

from __future__ import annotations

import argparse
import functools
import re

__all__ = ["partition_of", "region_argument", "region_problem"]


@functools.cache
def _forms() -> tuple[re.Pattern[str], ...]:
    import botocore.loaders

    data = botocore.loaders.create_loader().load_data("partitions")
    return tuple(re.compile(p["regionRegex"], re.ASCII) for p in data["partitions"])


@functools.cache
def partition_of(region: str) -> str | None:
    """The partition (``aws``, ``aws-cn``, ``aws-us-gov`` ...) whose regions ``region`` belongs to:
    listed by name in botocore's partition table, else of its form; None when no partition has it."""
    import botocore.loaders

    data = botocore.loaders.create_loader().load_data("partitions")
    for p in data["partitions"]:
        if region in p.get("regions", {}):
            return str(p["id"])
    for p in data["partitions"]:
        if re.fullmatch(p["regionRegex"], region, re.ASCII):
            return str(p["id"])
    return None


def region_problem(name: str) -> str | None:
    """None when ``name`` has the form of an AWS region, else what was expected and what came."""
    if any(form.fullmatch(name) for form in _forms()):
        return None
    return f"expected an AWS region such as us-east-1, eu-central-2, us-gov-west-1 or cn-north-1, got {name!r}"


def region_argument(text: str) -> str:
    """``--region`` as an argparse type (the harness's and the emulator's): the name, or the problem."""
    problem = region_problem(text)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return text
