"""A green run means the endpoint was tested: what went untested shows in the exit status, never as a pass.

- exit 0 only when every operation asked for was judged; 3 when some went untested and nothing
  failed (0 with --allow-untested); 2 when nothing was judged;
- a sequence whose read-back goes through an operation the endpoint does not implement gives no
  verdict (it was reported as a read_after_write_consistency failure);
- the pytest contract suite shows untested operations as skipped, with the reason.
"""

from __future__ import annotations

import re
import subprocess
import sys
from typing import Any

from hostile import hostile
from processes import ROOT

from emulator.app import Emulator
from emulator.protocol import RawResponse
from harness.cli import main
from harness.engine import Engine, RunConfig
from harness.targets import EmbeddedTarget


def _main(tmp_path, *argv: str) -> int:
    return main(["run", "--max-examples", "2", "--seed", "1", "--quiet", "--failures-dir", str(tmp_path / "f"),
                 "--example-db", str(tmp_path / "db"), *argv])


def test_a_service_with_nothing_implemented_exits_2(tmp_path, capsys):
    """``--service s3``: the embedded emulator implements none of it; it was exit 0."""
    assert _main(tmp_path, "--service", "s3", "--operation", "ListBuckets") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "answered nothing judgeable" in err[0] and "s3.ListBuckets" in err[0]


def test_untested_operations_without_failures_exit_3_unless_allowed(tmp_path, capsys):
    ops = ("--service", "iot-jobs-data", "--service", "s3", "--operation", "ListBuckets",
           "--operation", "iot-jobs-data.DescribeJobExecution")
    assert _main(tmp_path, *ops) == 3
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "1 of the 2 operations asked for went untested" in err[0]
    assert _main(tmp_path, *ops, "--allow-untested") == 0
    assert capsys.readouterr().err == ""


class _Without:
    """The emulator, answering 501 to IoT DescribeJob (``GET /jobs/{jobId}``) as an endpoint that
    does not implement it does."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def handle(self, method: str, path: str, headers: Any, body: bytes) -> Any:
        if method == "GET" and re.fullmatch(r"/jobs/[^/?]+(\?.*)?", path):
            return RawResponse(501, {"Content-Type": "application/json"}, b'{"message": "not implemented"}')
        return self.inner.handle(method, path, headers, body)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def test_a_read_back_through_an_unimplemented_operation_is_no_failure():
    """UpdateJob's sequence reads the description back with DescribeJob: without DescribeJob the
    sequence gives no verdict, and DescribeJob is reported unsupported."""
    target = EmbeddedTarget(emulator=_Without(Emulator()))
    config = RunConfig(services=("iot",), operations=("iot.UpdateJob",), phases=("scenarios",), max_examples=2,
                       seed=1, checks=("read_after_write_consistency",))
    result = Engine(target, config).run()
    assert "iot.DescribeJob" in result.unsupported
    assert not result.real_failures, [str(r.failure) for r in result.real_failures]


def test_the_contract_suite_skips_what_it_could_not_test(tmp_path):
    """tests/contract against http.server: every iot-jobs-data operation skipped with the reason
    (it was passed: its calls were counted, though none was judged)."""
    with hostile("http_server") as url:
        proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
                               "tests/contract/test_operations.py", "-k", "iot-jobs-data", "--endpoint-url", url,
                               "--jobfuzz-max-examples", "2"],
                              check=False, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert "5 skipped" in proc.stdout and "passed" not in proc.stdout.splitlines()[-1], proc.stdout[-2000:]
    assert "could not make thing" in proc.stdout
