"""Throughput and memory of the jobfuzz emulator, and how it compares with moto.

    python bench/bench_emulator.py [--rounds 5] [--seconds 2] [--http-calls 500]
                                   [--memory-calls 100000] [--only inprocess,memory,http,moto]

Sections (each prints medians over ``--rounds`` rounds; the variants of a section run side by side
in every round, in a rotating order, so the load of a shared machine falls on all of them alike):

inprocess  IoT Jobs data plane ``update_job_execution`` (status IN_PROGRESS with statusDetails,
           legal again and again) through a boto3 client answered by the embedded emulator
           (``emulator.inprocess``), one thread. Beside it: the same client with the harness's
           settings (parameter validation off), the same client answered by a fixed reply (what
           botocore alone costs: the ceiling of any in-process emulator), and ``Emulator.handle``
           called directly with the captured request (the emulator alone).
memory     100,000 in-process ``update_job_execution`` calls; RSS and the number of objects the
           garbage collector tracks at 10k, 50k and 100k calls; once plain, once with
           ``stepTimeoutInMinutes`` on every call (a new timer each time).
http       IoT control plane ``describe_job_execution`` over HTTP on 127.0.0.1 against
           ``python -m emulator`` (= ``jobfuzz emulator``) and ``python -m moto.server``
           (= ``moto_server``), both subprocesses, the same boto3 client settings (retries off), the
           same number of calls a round, alternating which goes first.
http-raw   what each server sustains on its own: the very request a boto3 client signed for
           ``describe_job_execution`` (captured once from botocore, then sent as is), replayed over one
           ``http.client`` connection (kept alive where the server keeps it; a new one for each call
           where it closes) against both servers, the same calls a round, alternating which goes
           first. The client's own cost here is a few tens of microseconds, against about a
           millisecond for a boto3 call, so the ratio is the servers' and not botocore's.
moto       ``describe_job_execution`` in-process: the embedded emulator against ``moto.mock_aws``
           (started and stopped around its turn with its data kept, so both run in every round).

Every loop is bounded in calls and in time. Needs moto with its server extra for http and moto.
"""

from __future__ import annotations

import argparse
import gc
import http.client
import sys
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from _support import (
    ACCESS_KEY,
    NO_RETRY,
    NO_RETRY_NO_VALIDATION,
    REGION,
    SECRET_KEY,
    Timing,
    emulator_server,
    http_client,
    loop,
    machine,
    median,
    moto_server,
    rss_mib,
)

THING, JOB = "bench-thing", "bench-job"
DETAILS = {"step": "download", "progress": "42"}
SECTIONS = ("inprocess", "memory", "http", "http-raw", "moto")


def _fmt(rates: list[float], unit: str = "calls/s") -> str:
    return f"{median(rates):8,.0f} {unit}   rounds: {', '.join(f'{r:,.0f}' for r in rates)}"


def _rates(timings: list[Timing]) -> list[float]:
    return [t.rate for t in timings]


def _cpu_rates(timings: list[Timing]) -> list[float]:
    return [t.cpu_rate for t in timings]


def _setup(iot: Any) -> None:
    arn = iot.create_thing(thingName=THING)["thingArn"]
    iot.create_job(jobId=JOB, targets=[arn], document='{"operation":"install"}')


def _update(data: Any, **extra: Any) -> Callable[[], Any]:
    def call() -> Any:
        return data.update_job_execution(thingName=THING, jobId=JOB, status="IN_PROGRESS",
                                         statusDetails=DETAILS, **extra)
    return call


def _describe(iot: Any) -> Callable[[], Any]:
    return lambda: iot.describe_job_execution(thingName=THING, jobId=JOB)


def _embedded(emu: Any, service: str, config: Any = NO_RETRY) -> Any:
    from emulator.inprocess import embedded_client

    return embedded_client(service, emu, access_key=ACCESS_KEY, region=REGION, config=config)


def _rounds(variants: dict[str, Callable[[], Timing]], rounds: int) -> dict[str, list[Timing]]:
    """Run every variant once a round, the order rotating; their results by name."""
    names = list(variants)
    out: dict[str, list[Timing]] = {n: [] for n in names}
    for r in range(rounds):
        k = r % len(names)
        for name in names[k:] + names[:k]:
            out[name].append(variants[name]())
    return out


# -- in-process -------------------------------------------------------------------------------
class _Recorder:
    """Answers through ``emu`` and keeps the last request it was given."""

    def __init__(self, emu: Any) -> None:
        self.emu = emu
        self.last: tuple[str, str, dict[str, str], bytes] | None = None
        self.answer: Any = None

    def handle(self, method: str, target: str, headers: Any, body: bytes) -> Any:
        self.last = (method, target, dict(headers), body)
        self.answer = self.emu.handle(method, target, headers, body)
        return self.answer


class _Fixed:
    """Answers every request with one recorded answer: botocore's own cost, no emulator."""

    def __init__(self, answer: Any) -> None:
        self.answer = answer

    def handle(self, method: str, target: str, headers: Any, body: bytes) -> Any:
        return self.answer


def bench_inprocess(rounds: int, seconds: float) -> None:
    from emulator.app import Emulator

    emu = Emulator()
    _setup(_embedded(emu, "iot"))
    data = _embedded(emu, "iot-jobs-data")
    data_nv = _embedded(emu, "iot-jobs-data", NO_RETRY_NO_VALIDATION)
    recorder = _Recorder(emu)
    _update(_embedded(recorder, "iot-jobs-data"))()
    assert recorder.last is not None and recorder.answer.status == 200, recorder.answer
    fixed = _embedded(_Fixed(recorder.answer), "iot-jobs-data")
    method, target, headers, body = recorder.last

    def direct() -> Any:
        return emu.handle(method, target, headers, body)

    calls = {"emulator": _update(data), "emulator, harness client settings": _update(data_nv),
             "botocore alone (fixed answer)": _update(fixed), "Emulator.handle alone": direct}
    for fn in calls.values():  # warm up: codecs, validators, botocore's caches
        loop(fn, calls=200, seconds=5)
    cap = 200_000

    def measure(fn: Callable[[], Any]) -> Callable[[], Timing]:
        return lambda: loop(fn, calls=cap, seconds=seconds)

    results = _rounds({name: measure(fn) for name, fn in calls.items()}, rounds)
    print(f"\n[inprocess] iot-jobs-data update_job_execution, boto3 client -> embedded emulator, one thread; "
          f"{rounds} rounds x {seconds:g} s a variant")
    print("  calls a second of wall-clock time:")
    for name, timings in results.items():
        print(f"    {name:<36} {_fmt(_rates(timings))}")
    print("  calls a second of this thread's CPU time (what one core gives, whatever else the machine runs):")
    for name, timings in results.items():
        print(f"    {name:<36} {_fmt(_cpu_rates(timings))}")
    names = list(calls)
    for label, pick in (("wall", _rates), ("cpu", _cpu_rates)):
        emu_rate, settings_rate, floor, handle = (median(pick(results[n])) for n in names)
        share = (1 / emu_rate - 1 / floor) * emu_rate
        print(f"  {label}: {1e6 / emu_rate:.0f} us a call with the emulator, {1e6 / floor:.0f} us botocore alone, "
              f"Emulator.handle {1e6 / handle:.0f} us: {share:.0%} of a call is the emulator's; "
              f"target >= 1,500 calls/s {'met' if emu_rate >= 1500 else 'missed'} ({emu_rate / 1500:.0%}; "
              f"harness settings {settings_rate / 1500:.0%}; botocore alone {floor / 1500:.0%})")


# -- memory -----------------------------------------------------------------------------------
def bench_memory(total: int) -> None:
    from emulator.app import Emulator

    marks = sorted({m for m in (total // 10, total // 2, total) if m > 0})
    variants = {"plain": {}, "stepTimeoutInMinutes=5 on every call": {"stepTimeoutInMinutes": 5}}
    print(f"\n[memory] {total:,} in-process update_job_execution calls a variant (RSS of this process; "
          f"objects tracked by the garbage collector, after a collection)")
    for name, extra in variants.items():
        emu = Emulator()
        _setup(_embedded(emu, "iot"))
        call = _update(_embedded(emu, "iot-jobs-data"), **extra)
        store = emu.backends["iot-jobs-data"].store
        loop(call, calls=1000, seconds=60)
        done, rows = 0, []
        started = time.perf_counter()
        for mark in marks:
            wanted = mark - done
            n = loop(call, calls=wanted, seconds=600).calls
            done += n
            gc.collect()
            timers = sum(len(a.timers) for a in store.accounts.values())
            rows.append((done, rss_mib(), len(gc.get_objects()), timers))
            if n < wanted:  # the time bound cut the loop short
                break
        elapsed = time.perf_counter() - started
        print(f"  {name} ({done / elapsed:,.0f} calls/s)")
        for calls, rss, objects, timers in rows:
            print(f"    {calls:>8,} calls: RSS {rss:7.1f} MiB, {objects:>8,} objects, {timers:>6,} timer entries")
        (c0, r0, o0, _), (c1, r1, o1, _) = rows[0], rows[-1]
        per_call = (r1 - r0) * 2**20 / max(1, c1 - c0)
        flat = r1 - r0 < 2.0 and o1 - o0 < 1000
        print(f"    {c0:,} -> {c1:,} calls: RSS {r1 - r0:+.2f} MiB ({per_call:+.1f} bytes a call), "
              f"objects {o1 - o0:+,}: {'flat' if flat else 'GROWS'}")


# -- HTTP: emulator vs moto_server --------------------------------------------------------------
def bench_http(rounds: int, calls: int) -> None:
    with emulator_server() as emu_srv, moto_server() as moto_srv:
        servers = {"jobfuzz emulator": emu_srv, "moto_server": moto_srv}
        clients = {name: http_client("iot", srv.url) for name, srv in servers.items()}
        for client in clients.values():
            _setup(client)
            loop(_describe(client), calls=50, seconds=30)
        names = list(clients)
        wall: dict[str, list[float]] = {n: [] for n in names}
        cpu: dict[str, list[float]] = {n: [] for n in names}
        split: dict[str, list[tuple[float, float]]] = {n: [] for n in names}  # (client, server) us a call
        for r in range(rounds):
            for name in names if r % 2 == 0 else names[::-1]:
                before = servers[name].cpu()
                t = loop(_describe(clients[name]), calls=calls, seconds=120)
                server_cpu = servers[name].cpu() - before
                wall[name].append(t.rate)
                cpu[name].append(t.calls / (t.cpu_s + server_cpu))
                split[name].append((t.cpu_s / t.calls * 1e6, server_cpu / t.calls * 1e6))
    ratios = [a / b for a, b in zip(*wall.values(), strict=True)]
    cpu_ratios = [a / b for a, b in zip(*cpu.values(), strict=True)]
    print(f"\n[http] iot describe_job_execution over HTTP on 127.0.0.1, {calls} calls a server a round, "
          f"{rounds} rounds, alternating order; boto3, retries off")
    print(f"  emulator: {emu_srv.url}  moto_server: {moto_srv.url}")
    print("  calls a second of wall-clock time:")
    for name in names:
        print(f"    {name:<20} {_fmt(wall[name])}")
    print("  calls a second of CPU time (client thread + server process):")
    for name in names:
        client_us = median([c for c, _ in split[name]])
        server_us = median([v for _, v in split[name]])
        print(f"    {name:<20} {_fmt(cpu[name])}   (CPU a call: client {client_us:,.0f} us, "
              f"server {server_us:,.0f} us)")
    ratio = median(ratios)
    print(f"  emulator / moto_server, wall: {ratio:.2f}x (median of the rounds' ratios: "
          f"{', '.join(f'{x:.2f}' for x in ratios)}); CPU: {median(cpu_ratios):.2f}x "
          f"({', '.join(f'{x:.2f}' for x in cpu_ratios)})")
    print(f"  target >= 4x: {'met' if ratio >= 4 else 'missed'} (wall), "
          f"{'met' if median(cpu_ratios) >= 4 else 'missed'} (CPU)")


# -- HTTP, the servers alone: one signed request replayed by a thin client -------------------------
def _signed_request(client: Any, call: Callable[[], Any]) -> tuple[str, str, dict[str, str], bytes]:
    """The method, path, headers and body botocore sends for ``call`` (sent once, for real)."""
    seen: list[Any] = []
    client.meta.events.register("before-send", lambda request, **_: seen.append(request))
    call()
    req = seen[-1]
    parts = urlsplit(req.url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return req.method, path, {k: v.decode() if isinstance(v, bytes) else v for k, v in req.headers.items()}, \
        req.body or b""


def _raw_loop(url: str, request: tuple[str, str, dict[str, str], bytes], calls: int) -> Timing:
    """``calls`` sends of one captured request over ``http.client``; every answer must be a 200."""
    host, port = urlsplit(url).hostname, urlsplit(url).port
    method, path, headers, body = request
    conn = http.client.HTTPConnection(host, port, timeout=30)
    cpu = time.thread_time()
    start = time.perf_counter()
    for _ in range(calls):
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        resp.read()
        if resp.status != 200:
            raise RuntimeError(f"{url}: {method} {path} answered {resp.status}")
        if resp.will_close:
            conn.close()
            conn = http.client.HTTPConnection(host, port, timeout=30)
    wall = time.perf_counter() - start
    conn.close()
    return Timing(calls, wall, time.thread_time() - cpu)


def raw_requests(servers: dict[str, Any]) -> dict[str, tuple[str, str, dict[str, str], bytes]]:
    """For each server: the thing and job made, the signed describe_job_execution request captured,
    and 50 warm-up sends of it."""
    requests = {}
    for name, srv in servers.items():
        client = http_client("iot", srv.url)
        _setup(client)
        requests[name] = _signed_request(client, _describe(client))
        _raw_loop(srv.url, requests[name], 50)
    return requests


def bench_http_raw(rounds: int, calls: int) -> None:
    with emulator_server() as emu_srv, moto_server() as moto_srv:
        servers = {"jobfuzz emulator": emu_srv, "moto_server": moto_srv}
        requests = raw_requests(servers)
        names = list(servers)
        wall: dict[str, list[float]] = {n: [] for n in names}
        split: dict[str, list[tuple[float, float]]] = {n: [] for n in names}
        for r in range(rounds):
            for name in names if r % 2 == 0 else names[::-1]:
                before = servers[name].cpu()
                t = _raw_loop(servers[name].url, requests[name], calls)
                server_cpu = servers[name].cpu() - before
                wall[name].append(t.rate)
                split[name].append((t.cpu_s / t.calls * 1e6, server_cpu / t.calls * 1e6))
    ratios = [a / b for a, b in zip(*wall.values(), strict=True)]
    print(f"\n[http-raw] one signed iot describe_job_execution request replayed over http.client on 127.0.0.1, "
          f"{calls} calls a server a round, {rounds} rounds, alternating order")
    print(f"  emulator: {emu_srv.url}  moto_server: {moto_srv.url}")
    for name in names:
        client_us = median([c for c, _ in split[name]])
        server_us = median([v for _, v in split[name]])
        print(f"    {name:<20} {_fmt(wall[name])}   (CPU a call: client {client_us:,.0f} us, "
              f"server {server_us:,.0f} us)")
    ratio = median(ratios)
    server_ratios = [b[1] / a[1] for a, b in zip(*split.values(), strict=True)]
    print(f"  emulator / moto_server, wall: {ratio:.2f}x (median of the rounds' ratios: "
          f"{', '.join(f'{x:.2f}' for x in ratios)}); server CPU a call: {median(server_ratios):.2f}x "
          f"({', '.join(f'{x:.2f}' for x in server_ratios)})")
    print(f"  target >= 10x: {'met' if ratio >= 10 else 'missed'} (wall), "
          f"{'met' if median(server_ratios) >= 10 else 'missed'} (server CPU)")


# -- in-process: emulator vs moto.mock_aws ------------------------------------------------------
def bench_moto_inprocess(rounds: int, seconds: float) -> None:
    import boto3

    from emulator.app import Emulator

    emu = Emulator()
    emu_iot = _embedded(emu, "iot")  # made before moto is imported: moto adds itself to later clients
    _setup(emu_iot)
    from moto import mock_aws

    mock = mock_aws()
    mock.start()
    moto_iot = boto3.client("iot", region_name=REGION, aws_access_key_id=ACCESS_KEY,
                            aws_secret_access_key=SECRET_KEY, config=NO_RETRY)
    _setup(moto_iot)
    loop(_describe(moto_iot), calls=200, seconds=10)
    mock.stop(remove_data=False)
    loop(_describe(emu_iot), calls=200, seconds=10)

    def run_emulator() -> Timing:
        return loop(_describe(emu_iot), calls=200_000, seconds=seconds)

    def run_moto() -> Timing:
        mock.start(reset=False)
        try:
            return loop(_describe(moto_iot), calls=200_000, seconds=seconds)
        finally:
            mock.stop(remove_data=False)

    names = ("embedded emulator", "moto.mock_aws")
    results: dict[str, list[Timing]] = {n: [] for n in names}
    for r in range(rounds):
        pair = [(names[0], run_emulator), (names[1], run_moto)]
        for name, fn in pair if r % 2 == 0 else pair[::-1]:
            results[name].append(fn())
    ratios = [a.rate / b.rate for a, b in zip(*results.values(), strict=True)]
    cpu_ratios = [a.cpu_rate / b.cpu_rate for a, b in zip(*results.values(), strict=True)]
    print(f"\n[moto] iot describe_job_execution in-process, {rounds} rounds x {seconds:g} s, alternating order; "
          f"boto3, retries off")
    for name in names:
        print(f"  {name:<20} {_fmt(_rates(results[name]))}; CPU: {_fmt(_cpu_rates(results[name]))}")
    ratio = median(ratios)
    print(f"  emulator / moto.mock_aws, wall: {ratio:.2f}x (median of the rounds' ratios: "
          f"{', '.join(f'{x:.2f}' for x in ratios)}); CPU: {median(cpu_ratios):.2f}x "
          f"({', '.join(f'{x:.2f}' for x in cpu_ratios)})")
    print(f"  target >= 2x: {'met' if ratio >= 2 else 'missed'} (wall), "
          f"{'met' if median(cpu_ratios) >= 2 else 'missed'} (CPU)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=2.0, help="seconds a variant a round (in-process)")
    parser.add_argument("--http-calls", type=int, default=500, help="calls a server a round (http)")
    parser.add_argument("--memory-calls", type=int, default=100_000)
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"sections, of {','.join(SECTIONS)}")
    args = parser.parse_args(argv)
    only = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = sorted(set(only) - set(SECTIONS))
    if unknown:
        parser.error(f"--only: unknown section {unknown[0]!r}")
    print(f"machine: {machine()}")
    print(f"command: python {' '.join(sys.argv)}")
    started = time.monotonic()
    # moto last: importing moto adds its request hook to every boto3 client made afterwards
    if "inprocess" in only:
        bench_inprocess(args.rounds, args.seconds)
    if "memory" in only:
        bench_memory(args.memory_calls)
    if "http" in only:
        bench_http(args.rounds, args.http_calls)
    if "http-raw" in only:
        bench_http_raw(args.rounds, args.http_calls * 4)
    if "moto" in only:
        bench_moto_inprocess(args.rounds, args.seconds)
    print(f"\n(total {time.monotonic() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
