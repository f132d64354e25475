"""Every third-party package the code imports is declared in pyproject.toml, and bounded above.

An import at module level must be in ``dependencies`` (installing jobfuzz is enough to import the
module); one inside a function (loaded for one feature: moto, redis) may be in an extra instead.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("specs", "strategies", "harness", "emulator")


def _name(dist: str) -> str:
    return re.sub(r"[-_.]+", "-", dist).lower()


def _declared() -> tuple[dict[str, Requirement], set[str]]:
    """The core requirements by name, and the names of every extra's requirements."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    core = {_name(r.name): r for r in map(Requirement, project["dependencies"])}
    extras = {_name(Requirement(spec).name) for specs in project["optional-dependencies"].values() for spec in specs}
    return core, extras


def _imports(tree: ast.Module) -> list[tuple[str, bool]]:
    """(top-level module, imported at module level) for each absolute import in ``tree``."""
    found: list[tuple[str, bool]] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                found.extend((a.name.split(".")[0], not in_function) for a in child.names)
            elif isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
                found.append((child.module.split(".")[0], not in_function))
            visit(child, in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)))

    visit(tree, False)
    return found


def third_party_imports() -> dict[str, tuple[str, bool]]:
    """Distribution name -> (a file that imports it, whether some file imports it at module level)."""
    dists = importlib.metadata.packages_distributions()
    out: dict[str, tuple[str, bool]] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            for module, top in _imports(ast.parse(path.read_text(), str(path))):
                if module in sys.stdlib_module_names or module in PACKAGES:
                    continue
                dist = _name(dists.get(module, [module])[0])
                here = str(path.relative_to(ROOT))
                if dist not in out or (top and not out[dist][1]):  # a module-level import is the one to name
                    out[dist] = (here, top)
    return out


def undeclared(imports: dict[str, tuple[str, bool]], core: set[str], extras: set[str]) -> list[str]:
    """What ``imports`` needs that pyproject.toml does not give, one line each."""
    problems = []
    for dist, (where, top) in sorted(imports.items()):
        if top and dist not in core:
            problems.append(f"{dist} (imported at module level in {where}) is not in [project] dependencies")
        elif dist not in core and dist not in extras:
            problems.append(f"{dist} (imported in {where}) is in neither dependencies nor an extra")
    return problems


def test_every_import_is_declared():
    core, extras = _declared()
    imports = third_party_imports()
    assert {"botocore", "hypothesis", "jmespath", "jsonschema", "pyyaml", "urllib3"} <= set(imports)
    assert undeclared(imports, set(core), extras) == []


@pytest.mark.parametrize(("imports", "said"), [
    ({"jmespath": ("specs/overlay.py", True)}, "jmespath (imported at module level in specs/overlay.py) is not in"),
    ({"moto": ("harness/moto_target.py", False)}, "moto (imported in harness/moto_target.py) is in neither"),
])
def test_an_undeclared_import_is_named(imports, said):
    problems = undeclared(imports, core={"botocore"}, extras={"redis"})
    assert len(problems) == 1 and problems[0].startswith(said)


def test_a_lazy_import_may_come_from_an_extra():
    assert undeclared({"redis": ("harness/examples_db.py", False)}, core=set(), extras={"redis"}) == []


def test_every_dependency_is_bounded_above():
    core, _ = _declared()
    unbounded = [str(r) for r in core.values()
                 if not any(s.operator in ("<", "<=", "==", "~=") for s in r.specifier)]
    assert unbounded == []
