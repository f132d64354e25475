"""docs/overlays.md's worked example is the shipped Batch overlay: every YAML block of the section
is in `specs/overlays/batch.yaml` line for line (a `# ...` line marks what the excerpt leaves out),
and the file loads."""

from __future__ import annotations

import re
from pathlib import Path

from specs.loader import load_service

ROOT = Path(__file__).resolve().parents[3]
DOC = ROOT / "docs" / "overlays.md"
OVERLAY = ROOT / "specs" / "overlays" / "batch.yaml"
ELISION = re.compile(r"^\s*# \.\.\.\s*$")


def _section() -> str:
    text = DOC.read_text(encoding="utf-8")
    start = text.index("## Worked example: AWS Batch jobs")
    end = text.find("\n## ", start + 1)
    return text[start:] if end < 0 else text[start:end]


def _chunks() -> list[str]:
    chunks: list[str] = []
    for block in re.findall(r"```yaml\n(.*?)```", _section(), flags=re.DOTALL):
        part: list[str] = []
        for line in [*block.splitlines(), "# ..."]:
            if ELISION.match(line):
                if any(x.strip() for x in part):
                    chunks.append("\n".join(part).strip("\n"))
                part = []
            else:
                part.append(line)
    return chunks


def test_the_worked_example_is_an_excerpt_of_the_shipped_overlay() -> None:
    chunks = _chunks()
    assert len(chunks) >= 4, "the worked example shows the overlay's parts"
    shipped = OVERLAY.read_text(encoding="utf-8")
    missing = [c for c in chunks if c not in shipped]
    assert not missing, f"in docs/overlays.md, not in {OVERLAY.name}:\n" + "\n---\n".join(missing)


def test_the_shipped_batch_overlay_loads() -> None:
    spec = load_service("batch")
    assert {"SubmitJob", "DescribeJobs", "ListJobs", "CancelJob", "TerminateJob"} <= {o.name for o in spec.in_scope()}
    assert "batch_job" in spec.resources
