"""A reader that stops early (``jobfuzz specs list | head -1``) ends every command quietly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from harness.cli import BROKEN_PIPE_STATUS

ROOT = Path(__file__).resolve().parents[2]

COMMANDS = [
    ["specs", "list"],
    ["specs", "openapi", "iot"],
    ["run", "--plant", "list"],
    ["emulator", "--plant", "list"],
    ["run", "--service", "iot", "--operation", "DescribeThing", "--phases", "boundary", "--max-examples", "2"],
]


def _closed_reader(args: list[str]) -> tuple[int, str]:
    """Run ``jobfuzz args`` with its stdout a pipe whose reader is gone before the first write."""
    proc = subprocess.Popen([sys.executable, "-m", "harness.cli", *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    err = proc.stderr.read().decode()
    return proc.wait(timeout=120), err


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_a_closed_pipe_ends_the_command_quietly(args):
    code, err = _closed_reader(args)
    assert "Traceback" not in err and "BrokenPipeError" not in err, err
    assert err == "", err
    assert code == BROKEN_PIPE_STATUS


def test_the_first_line_still_reaches_a_reader_that_stops_after_it():
    proc = subprocess.Popen([sys.executable, "-m", "harness.cli", "specs", "list"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read()
    code = proc.wait(timeout=120)
    assert first.startswith("iot-jobs-data.") and "Traceback" not in err
    assert code in (0, BROKEN_PIPE_STATUS)  # 0 when everything was written before the reader left
