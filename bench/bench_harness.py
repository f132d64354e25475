"""What the harness costs a call: a ``jobfuzz run`` against the HTTP emulator beside plain boto3
loops against the same server.

    python bench/bench_harness.py [--rounds 5] [--max-examples 25] [--seed 1] [--profile] [--ref COMMIT]
                                  [--operation NAME ... | --operation all --max-examples 0]

Every round, against one ``python -m emulator`` subprocess (= ``jobfuzz emulator``) on 127.0.0.1,
its state reset first (``POST /_jobfuzz/reset``), in alternating order:

run       ``jobfuzz run --endpoint-url URL --operation iot-jobs-data.UpdateJobExecution --quiet
          --max-examples N --seed S --report-json PATH`` (``python -m harness.cli`` in a
          subprocess, in a fresh folder); its rate is the report's ``summary.calls /
          summary.duration_s`` (the phases' time: the models and clients are loaded before it, as the
          loop's client is made before its loop). ``--operation all --max-examples 0`` runs the default
          ``jobfuzz run`` instead: every service and operation, every phase, the default examples.
ref       (with ``--ref COMMIT``) the same ``jobfuzz run`` from the files of COMMIT (``git archive``
          into a temporary folder, on ``PYTHONPATH``) against the same server, reset before and
          after: the harness side by side with an earlier commit of itself.
loop      plain boto3: ``update_job_execution`` (IN_PROGRESS with statusDetails) as many times as
          the run made calls, with the harness's client settings (retries and parameter
          validation off).
engine    the same run in this process (``harness.session.execute`` with a ``UrlTarget``), every
          call it sends recorded;
replay    those very calls (same operations, parameters and identities, same order, after a
          reset) sent by plain boto3 clients (the harness's overhead on its own mix of calls), and
          sent through a fresh ``UrlTarget`` whose clients exist already (its transport layer alone).

``--profile`` adds one engine run under cProfile and prints where its time goes: by package, and
the functions with the most own time. Every loop is bounded in calls and in time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from typing import Any

from _support import NO_RETRY_NO_VALIDATION, emulator_server, http_client, loop, machine, median

OPERATION = "iot-jobs-data.UpdateJobExecution"
THING, JOB = "bench-thing", "bench-job"
DETAILS = {"step": "download", "progress": "42"}
#: the plain loop's own account, apart from the run's identities
PLAIN_KEY = "jobfuzz-bench-0002"


def _reset(url: str) -> None:
    req = urllib.request.Request(f"{url}/_jobfuzz/reset", method="POST", data=b"")
    with urllib.request.urlopen(req, timeout=10) as resp:
        resp.read()


def _plain_update(url: str) -> Callable[[], Any]:
    iot = http_client("iot", url, NO_RETRY_NO_VALIDATION, access_key=PLAIN_KEY)
    data = http_client("iot-jobs-data", url, NO_RETRY_NO_VALIDATION, access_key=PLAIN_KEY)
    arn = iot.create_thing(thingName=THING)["thingArn"]
    iot.create_job(jobId=JOB, targets=[arn], document='{"operation":"install"}')

    def call() -> Any:
        return data.update_job_execution(thingName=THING, jobId=JOB, status="IN_PROGRESS", statusDetails=DETAILS)

    return call


def _cli_run(url: str, operations: list[str], max_examples: int | None, seed: int, timeout: float,
             code: str | None = None) -> tuple[int, float]:
    """(calls, duration_s) of one ``jobfuzz run`` from its JSON report; ``code``: the folder of
    another commit's checkout to run instead of this one."""
    env = dict(os.environ, PYTHONPATH=code) if code else None
    with tempfile.TemporaryDirectory(prefix="jobfuzz-bench-") as tmp:
        report = os.path.join(tmp, "report.json")
        cmd = [sys.executable, "-m", "harness.cli", "run", "--endpoint-url", url, "--quiet", "--seed", str(seed),
               "--report-json", report, "--failures-dir", os.path.join(tmp, "failures")]
        cmd += [arg for op in operations for arg in ("--operation", op)]
        cmd += ["--max-examples", str(max_examples)] if max_examples else []
        proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=timeout,
                              cwd=tmp, check=False, env=env)  # the run's example database: its own fresh folder
        if proc.returncode not in (0, 1, 3):  # 3: operations left untested (a budget cut the run)
            raise RuntimeError(f"jobfuzz run exited {proc.returncode}: {proc.stderr.strip()[-500:]}")
        with open(report) as f:
            summary = json.load(f)["summary"]
    return int(summary["calls"]), float(summary["duration_s"])


def _checkout(commit: str, folder: str) -> None:
    """The files of ``commit`` (of the repository this script is in) into ``folder``."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    archive = subprocess.run(["git", "-C", root, "archive", commit], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", folder], input=archive, check=True)


# -- the engine in this process, recorded -------------------------------------------------------
def _engine_run(url: str, operations: list[str], max_examples: int | None, seed: int,
                profile: cProfile.Profile | None = None
                ) -> tuple[int, float, float, list[tuple[Any, str]], dict[str, tuple[str, str, str | None]]]:
    """(calls, duration_s, seconds inside Target.send, [(call, identity)], identities) of one
    in-process run."""
    from harness.engine import RunConfig
    from harness.session import execute
    from harness.targets import UrlTarget

    sent: list[tuple[Any, str]] = []
    inside = [0.0]

    class Recording(UrlTarget):
        def send(self, call: Any, *, identity: str = "primary") -> Any:
            sent.append((call, identity))
            t = time.perf_counter()
            try:
                return super().send(call, identity=identity)
            finally:
                inside[0] += time.perf_counter() - t

    target = Recording({None: url})
    config = RunConfig(operations=tuple(operations), max_examples=max_examples or None, seed=seed,
                       example_db=":memory:")
    try:
        if profile is not None:
            profile.enable()
        result = execute(target, config)
    finally:
        if profile is not None:
            profile.disable()
        target.close()
    return result.calls, result.duration_s, inside[0], sent, dict(target.identities)


def _replayer(url: str, sent: list[tuple[Any, str]], identities: dict[str, tuple[str, str, str | None]]
              ) -> Callable[[], int]:
    """Sends the recorded calls with plain clients; returns the number sent."""
    import boto3
    from botocore import xform_name
    from botocore.exceptions import ClientError

    clients: dict[tuple[str, str], Any] = {}
    plan = []
    for call, identity in sent:
        key = (call.service, identity)
        if key not in clients:
            ak, sk, token = identities[identity]
            clients[key] = boto3.client(call.service, region_name="us-east-1", endpoint_url=url,
                                        aws_access_key_id=ak, aws_secret_access_key=sk, aws_session_token=token,
                                        config=NO_RETRY_NO_VALIDATION)
        plan.append((getattr(clients[key], xform_name(call.operation)), call.params))

    def replay() -> int:
        for method, params in plan:
            try:
                method(**params)
            except ClientError:  # an error answer is an answer
                continue
            except Exception:  # noqa: BLE001, S112 - a call the client cannot serialise counts as sent
                continue
        return len(plan)

    return replay


def _target_replayer(url: str, sent: list[tuple[Any, str]]) -> tuple[Callable[[], int], Any]:
    """Sends the recorded calls through a ``UrlTarget`` (clients made beforehand); returns the
    number sent. The harness's transport layer on its own: capture, redaction, exchanges."""
    from harness.targets import UrlTarget

    target = UrlTarget({None: url})
    for call, identity in sent:
        target.client(call.service, identity)

    def replay() -> int:
        for call, identity in sent:
            target.send(call, identity=identity)
        return len(sent)

    return replay, target


def _by_package(stats: pstats.Stats) -> list[tuple[str, float]]:
    """Own time grouped by where the code lives."""
    groups: dict[str, float] = {}
    for (filename, _, _), (_, _, tottime, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        f = filename.replace("\\", "/")
        if "/site-packages/" in f:
            name = f.split("/site-packages/", 1)[1].split("/", 1)[0]
        elif "/work/" in f or f.startswith(os.getcwd()):
            rel = os.path.relpath(f, os.getcwd())
            name = "/".join(rel.split("/")[:2]) if rel.startswith("harness/checks") else rel.split("/")[0]
            if name == "harness":
                name = rel
        elif f.startswith("<"):
            name = "builtins"
        else:
            name = "stdlib:" + os.path.basename(f)
        groups[name] = groups.get(name, 0.0) + tottime
    return sorted(groups.items(), key=lambda kv: -kv[1])


def _profile(url: str, operations: list[str], max_examples: int | None, seed: int) -> None:
    _reset(url)
    prof = cProfile.Profile()
    calls, duration, _, _, _ = _engine_run(url, operations, max_examples, seed, prof)
    stats = pstats.Stats(prof)
    total = sum(t for _, t in _by_package(stats))
    print(f"\n[profile] one in-process engine run under cProfile: {calls} calls in {duration:.1f} s "
          f"(profiled; {total:.1f} s of own time)")
    print("  own time by package / module:")
    for name, t in _by_package(stats)[:18]:
        print(f"    {t:7.2f} s  {t / total:5.1%}  {name}")
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(25)
    print("  functions by own time:")
    print("\n".join("    " + line for line in out.getvalue().splitlines() if line.strip())[:12000])
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(r"harness|strategies|specs", 30)
    print("  harness/strategies/specs functions by cumulative time:")
    print("\n".join("    " + line for line in out.getvalue().splitlines() if line.strip())[:12000])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--max-examples", type=int, default=25, help="0: the run's default")
    parser.add_argument("--operation", action="append", default=None, metavar="NAME",
                        help=f"the run's --operation (repeatable; default {OPERATION}; 'all': a default run "
                             "of every service and operation, as `jobfuzz run` with no --operation)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=600, help="seconds a run may take at most")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--skip-engine", action="store_true", help="leave out the engine/replay rounds")
    parser.add_argument("--ref", default=None, metavar="COMMIT",
                        help="also run the harness of COMMIT (git archive) in every round, side by side")
    args = parser.parse_args(argv)
    print(f"machine: {machine()}")
    print(f"command: python {' '.join(sys.argv)}")
    started = time.monotonic()
    operations = [] if args.operation == ["all"] else args.operation or [OPERATION]
    ref_dir = tempfile.TemporaryDirectory(prefix="jobfuzz-bench-ref-") if args.ref else None
    if ref_dir is not None:
        _checkout(args.ref, ref_dir.name)
    with emulator_server() as server:
        url = server.url
        cli_rates, loop_rates, ratios, ref_rates, ref_ratios = [], [], [], [], []
        cli_calls: list[int] = []
        ref_calls: list[int] = []
        steps = ("run", "ref", "loop") if ref_dir is not None else ("run", "loop")
        for r in range(args.rounds):
            _reset(url)
            plain = _plain_update(url)
            loop(plain, calls=50, seconds=30)
            got: dict[str, float] = {}
            for step in steps if r % 2 == 0 else steps[::-1]:
                if step == "run":
                    calls, duration = _cli_run(url, operations, args.max_examples, args.seed, args.timeout)
                    cli_calls.append(calls)
                    got["run"] = calls / duration
                elif step == "ref" and ref_dir is not None:
                    _reset(url)
                    calls, duration = _cli_run(url, operations, args.max_examples, args.seed, args.timeout,
                                               code=ref_dir.name)
                    ref_calls.append(calls)
                    got["ref"] = calls / duration
                    _reset(url)
                    plain = _plain_update(url)
                else:  # as many calls as the last run made (1,000 before the first)
                    got["loop"] = loop(plain, calls=cli_calls[-1] if cli_calls else 1000, seconds=120).rate
            cli_rates.append(got["run"])
            loop_rates.append(got["loop"])
            ratios.append(got["run"] / got["loop"])
            if "ref" in got:
                ref_rates.append(got["ref"])
                ref_ratios.append(got["run"] / got["ref"])
        print(f"\n[run vs loop] {args.rounds} rounds, --operation {' '.join(operations) or '(all)'} "
              f"--max-examples {args.max_examples or '(default)'} --seed {args.seed}; emulator {url}")
        print(f"  jobfuzz run          {median(cli_rates):7,.0f} calls/s   rounds: "
              f"{', '.join(f'{x:,.0f}' for x in cli_rates)}  (calls a run: {', '.join(map(str, cli_calls))})")
        print(f"  plain boto3 loop     {median(loop_rates):7,.0f} calls/s   rounds: "
              f"{', '.join(f'{x:,.0f}' for x in loop_rates)}")
        ratio = median(ratios)
        print(f"  run / loop: {ratio:.0%} (median of the rounds' ratios: {', '.join(f'{x:.0%}' for x in ratios)})")
        print(f"  target >= 60%: {'met' if ratio >= 0.6 else 'missed'}")
        if ref_rates:
            print(f"  jobfuzz run at {args.ref:<8}{median(ref_rates):7,.0f} calls/s   rounds: "
                  f"{', '.join(f'{x:,.0f}' for x in ref_rates)}  (calls a run: {', '.join(map(str, ref_calls))})")
            print(f"  this commit / {args.ref}: {median(ref_ratios):.0%} (median of the rounds' ratios: "
                  f"{', '.join(f'{x:.0%}' for x in ref_ratios)})")

        if not args.skip_engine:
            eng_rates, rep_rates, tgt_rates, outside_us, inside_share = [], [], [], [], []
            rep_ratios, cpu_ratios, tgt_ratios = [], [], []
            for r in range(args.rounds):
                _reset(url)
                cpu0, srv0 = time.thread_time(), server.cpu()
                calls, duration, inside, sent, identities = _engine_run(url, operations, args.max_examples, args.seed)
                engine_cpu = time.thread_time() - cpu0 + server.cpu() - srv0
                outside_us.append((duration - inside) / max(1, calls) * 1e6)
                inside_share.append(inside / duration)
                replays = {"plain": _replayer(url, sent, identities)}
                replays["target"], target = _target_replayer(url, sent)
                got: dict[str, tuple[float, float]] = {}
                for name in ("plain", "target") if r % 2 == 0 else ("target", "plain"):
                    _reset(url)
                    cpu0, srv0 = time.thread_time(), server.cpu()
                    t = time.perf_counter()
                    n = replays[name]()
                    got[name] = (n / (time.perf_counter() - t), n / (time.thread_time() - cpu0 + server.cpu() - srv0))
                target.close()
                eng_rates.append(calls / duration)
                rep_rates.append(got["plain"][0])
                tgt_rates.append(got["target"][0])
                rep_ratios.append(eng_rates[-1] / got["plain"][0])
                tgt_ratios.append(got["target"][0] / got["plain"][0])
                cpu_ratios.append((calls / engine_cpu) / got["plain"][1])
            print(f"\n[engine vs replay] {args.rounds} rounds; the engine in this process, then its own calls "
                  f"({len(sent)} in the last round) sent again by plain boto3 clients and by a UrlTarget")
            for label, rates in (("engine (in-process)", eng_rates), ("replay, plain boto3", rep_rates),
                                 ("replay, UrlTarget.send", tgt_rates)):
                print(f"  {label:<24} {median(rates):7,.0f} calls/s   rounds: {', '.join(f'{x:,.0f}' for x in rates)}")
            print(f"  engine / plain replay: {median(rep_ratios):.0%} "
                  f"(rounds: {', '.join(f'{x:.0%}' for x in rep_ratios)})"
                  f"; in CPU time (this process + the emulator's): {median(cpu_ratios):.0%} "
                  f"(rounds: {', '.join(f'{x:.0%}' for x in cpu_ratios)})")
            print(f"  UrlTarget.send replay / plain replay: {median(tgt_ratios):.0%} "
                  f"(rounds: {', '.join(f'{x:.0%}' for x in tgt_ratios)})")
            print(f"  the engine's time inside Target.send: {median(inside_share):.0%} of the run; outside it "
                  f"{median(outside_us):,.0f} us a call (rounds: {', '.join(f'{x:,.0f}' for x in outside_us)})")
        if args.profile:
            _profile(url, operations, args.max_examples, args.seed)
    if ref_dir is not None:
        ref_dir.cleanup()
    print(f"\n(total {time.monotonic() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
