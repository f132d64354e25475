"""What the benchmark scripts share: the machine line, medians, boto3 clients with the settings
every figure uses, and the HTTP servers (the jobfuzz emulator, moto_server) as subprocesses bound
to 127.0.0.1.

Imported by the scripts beside it (``python bench/bench_emulator.py`` puts ``bench/`` on the path).
"""

from __future__ import annotations

import contextlib
import os
import platform
import selectors
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from botocore.config import Config

__all__ = [
    "ACCESS_KEY",
    "NO_RETRY",
    "NO_RETRY_NO_VALIDATION",
    "REGION",
    "SECRET_KEY",
    "Server",
    "Timing",
    "emulator_server",
    "http_client",
    "loop",
    "machine",
    "median",
    "moto_server",
    "process_cpu",
    "rss_mib",
    "stop",
]

#: the benchmarks' own account (the emulator takes any access key id as the account)
ACCESS_KEY = "jobfuzz-bench-0001"
SECRET_KEY = "jobfuzz-bench-secret-not-a-real-key-000"
REGION = "us-east-1"
#: botocore retries off, as the harness's targets have them (every error is seen once)
NO_RETRY = Config(retries={"total_max_attempts": 1, "mode": "standard"})
#: the harness's client settings: retries off and botocore's parameter validation off
NO_RETRY_NO_VALIDATION = Config(parameter_validation=False, retries={"total_max_attempts": 1, "mode": "standard"})


def machine() -> str:
    """One line: cores, Python, platform, the library versions the figures depend on, load."""
    import boto3
    import botocore

    parts = [
        f"{os.cpu_count()} cores (nproc {len(os.sched_getaffinity(0))})",
        f"Python {platform.python_version()} ({platform.python_implementation()})",
        platform.platform(terse=True),
        f"boto3 {boto3.__version__}, botocore {botocore.__version__}",
    ]
    try:
        from importlib.metadata import version

        parts.append(f"moto {version('moto')}")
    except Exception:  # noqa: BLE001, S110 - moto is optional for some figures
        pass
    load = os.getloadavg()
    parts.append(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    return "; ".join(parts)


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


@dataclass(frozen=True, slots=True)
class Timing:
    calls: int
    wall_s: float
    #: CPU time of this thread (the loop's own work, whatever else the machine runs)
    cpu_s: float

    @property
    def rate(self) -> float:
        """Calls a second of wall-clock time."""
        return self.calls / self.wall_s

    @property
    def cpu_rate(self) -> float:
        """Calls a second of this thread's CPU time."""
        return self.calls / self.cpu_s if self.cpu_s > 0 else float("nan")


def loop(fn: Callable[[], Any], *, calls: int, seconds: float) -> Timing:
    """Call ``fn`` until ``calls`` calls or ``seconds`` seconds, whichever comes first."""
    n = 0
    cpu = time.thread_time()
    start = time.perf_counter()
    end = start + seconds
    while n < calls:
        fn()
        n += 1
        if not n % 16 and time.perf_counter() >= end:
            break
    return Timing(n, time.perf_counter() - start, time.thread_time() - cpu)


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system, all threads) process ``pid`` has used so far (Linux)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib() -> float:
    """Resident set size of this process now (Linux), in MiB."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def http_client(service: str, url: str, config: Config = NO_RETRY, *, access_key: str = ACCESS_KEY) -> Any:
    import boto3

    return boto3.client(service, region_name=REGION, endpoint_url=url, aws_access_key_id=access_key,
                        aws_secret_access_key=SECRET_KEY, config=config)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_port(port: int, proc: subprocess.Popen[Any], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with status {proc.returncode} before it listened")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listened on 127.0.0.1:{port} within {timeout:.0f} s")


def stop(proc: subprocess.Popen[Any]) -> None:
    """Terminate ``proc``; kill it if it has not ended within 10 s."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def printed_url(proc: subprocess.Popen[str], timeout: float) -> str | None:
    """The ``http://`` URL a server started with ``stdout=PIPE`` prints within ``timeout`` seconds;
    None when it does not, or ends first."""
    assert proc.stdout is not None
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not sel.select(timeout=0.5):
                if proc.poll() is not None:
                    return None
                continue
            line = proc.stdout.readline()
            if not line:
                return None
            if "http://" in line:
                return "http://" + line.split("http://", 1)[1].split()[0]
    return None


@dataclass(frozen=True, slots=True)
class Server:
    url: str
    pid: int

    def cpu(self) -> float:
        return process_cpu(self.pid)


@contextlib.contextmanager
def emulator_server(*extra: str, timeout: float = 30) -> Iterator[Server]:
    """``python -m emulator --host 127.0.0.1 --port 0`` (what ``jobfuzz emulator`` runs) in a
    subprocess; yields its URL (the one it prints) and pid."""
    cmd = [sys.executable, "-m", "emulator", "--host", "127.0.0.1", "--port", "0", *extra]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        url = printed_url(proc, timeout)
        if url is None:
            raise RuntimeError("the jobfuzz emulator did not print its URL")
        yield Server(url, proc.pid)
    finally:
        stop(proc)


@contextlib.contextmanager
def moto_server(timeout: float = 60) -> Iterator[Server]:
    """``python -m moto.server -H 127.0.0.1 -p PORT`` (what ``moto_server`` runs) in a subprocess."""
    port = _free_port()
    cmd = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_port(port, proc, timeout)
        yield Server(f"http://127.0.0.1:{port}", proc.pid)
    finally:
        stop(proc)
