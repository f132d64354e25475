"""The emulator of this tree against another copy of it (say, the previous commit's), side by side.

    git archive HEAD~1 emulator | tar -x -C /tmp/base      # any folder holding an emulator/ package
    python bench/bench_emulator_ab.py --baseline /tmp/base [--rounds 8] [--calls 500]

Two figures, each median over the rounds, the two emulators alternating:

handle  CPU time of one ``Emulator.handle`` call for the captured request of IoT Jobs
        ``update_job_execution`` and of IoT ``describe_job_execution`` (each emulator in its own
        subprocess, ``--rounds`` subprocesses each, alternating; each one's best and median of 40
        batches of 300 calls);
http    CPU time the server process spends on one ``describe_job_execution`` over HTTP on 127.0.0.1
        (``python -m emulator`` of each tree in a subprocess, the same boto3 client settings), and
        the wall-clock time of the call.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from _support import NO_RETRY, Server, http_client, loop, machine, median

HERE = Path(__file__).resolve().parent

_HANDLE = r"""
import statistics, time
from botocore.config import Config
from emulator.app import Emulator
import emulator.inprocess as ip
emu = Emulator()
cfg = Config(retries={"total_max_attempts": 1})
iot = ip.embedded_client("iot", emu, config=cfg)
arn = iot.create_thing(thingName="t1")["thingArn"]
iot.create_job(jobId="j1", targets=[arn], document='{"a":1}')
cap = {}
class Spy:
    def __init__(self, name): self.name = name
    def handle(self, m, p, h, b):
        cap[self.name] = (m, p, dict(h), b)
        return emu.handle(m, p, h, b)
ip.embedded_client("iot-jobs-data", Spy("update"), config=cfg).update_job_execution(
    thingName="t1", jobId="j1", status="IN_PROGRESS", statusDetails={"step": "1"})
ip.embedded_client("iot", Spy("describe"), config=cfg).describe_job_execution(thingName="t1", jobId="j1")
out = {}
for name, (m, p, h, b) in cap.items():
    def one(): emu.handle(m, p, h, b)
    for _ in range(500): one()
    times = []
    for _ in range(40):
        t = time.thread_time()
        for _ in range(300): one()
        times.append((time.thread_time() - t) / 300 * 1e6)
    out[name] = (min(times), statistics.median(times))
print(repr(out))
"""


def _env(root: str | None) -> dict[str, str]:
    env = dict(os.environ)
    if root is not None:
        env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def _handle_once(root: str | None) -> dict[str, tuple[float, float]]:
    out = subprocess.run([sys.executable, "-c", _HANDLE], env=_env(root), cwd="/", capture_output=True,
                         text=True, timeout=300, check=True)
    return ast.literal_eval(out.stdout.strip().splitlines()[-1])


@contextlib.contextmanager
def _server(root: str | None) -> Iterator[Server]:
    proc = subprocess.Popen([sys.executable, "-m", "emulator", "--host", "127.0.0.1", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=_env(root), cwd="/")
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if "http://" not in line:
            raise RuntimeError(f"the emulator did not print its URL: {line!r}")
        yield Server("http://" + line.split("http://", 1)[1].split()[0], proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", required=True, help="a folder holding the other emulator/ package")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--calls", type=int, default=500, help="HTTP calls a server a round")
    args = parser.parse_args(argv)
    if not (Path(args.baseline) / "emulator" / "app.py").is_file():
        parser.error(f"--baseline: no emulator/app.py under {args.baseline}")
    trees = {"this tree": None, "baseline": str(Path(args.baseline).resolve())}
    print(f"machine: {machine()}")
    print(f"command: python {' '.join(sys.argv)}")

    handle: dict[str, dict[str, list[float]]] = {t: {} for t in trees}
    for r in range(args.rounds):
        for tree in trees if r % 2 == 0 else list(trees)[::-1]:
            for op, (best, mid) in _handle_once(trees[tree]).items():
                handle[tree].setdefault(f"{op} best", []).append(best)
                handle[tree].setdefault(f"{op} median", []).append(mid)
    print("\n[handle] CPU us a call of Emulator.handle (median over the subprocess runs)")
    for tree, figures in handle.items():
        print(f"  {tree:<10} " + ", ".join(f"{k} {median(v):.0f}" for k, v in figures.items()))

    import bench_emulator as be

    server_us: dict[str, list[float]] = {t: [] for t in trees}
    wall_us: dict[str, list[float]] = {t: [] for t in trees}
    with _server(None) as mine, _server(trees["baseline"]) as base:
        servers = {"this tree": mine, "baseline": base}
        clients = {t: http_client("iot", s.url, NO_RETRY) for t, s in servers.items()}
        for client in clients.values():
            be._setup(client)
            loop(be._describe(client), calls=50, seconds=30)
        for r in range(args.rounds):
            for tree in trees if r % 2 == 0 else list(trees)[::-1]:
                before = servers[tree].cpu()
                t = loop(be._describe(clients[tree]), calls=args.calls, seconds=120)
                server_us[tree].append((servers[tree].cpu() - before) / t.calls * 1e6)
                wall_us[tree].append(t.wall_s / t.calls * 1e6)
    print(f"\n[http] describe_job_execution over HTTP, {args.calls} calls a server a round, {args.rounds} rounds")
    for tree in trees:
        print(f"  {tree:<10} server CPU {median(server_us[tree]):5.0f} us a request "
              f"(rounds: {', '.join(f'{x:.0f}' for x in server_us[tree])}); "
              f"wall {median(wall_us[tree]):5.0f} us a call")
    return 0


if __name__ == "__main__":
    sys.exit(main())
