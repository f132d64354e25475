"""Run a command against a moto_server: one started on loopback for the command, configured, or one
already running.

    python -m harness.moto_target [OPTIONS] COMMAND [ARGS...]
    python -m harness.moto_target jobfuzz run --service iot
    python -m harness.moto_target --batch-without-docker --moto-env MOTO_SIMPLE_BATCH_FAIL_AFTER=0 \\
        jobfuzz run --service batch
    python -m harness.moto_target --state-transition support::case=manual:2 COMMAND ...
    python -m harness.moto_target --moto-url http://127.0.0.1:5000 --moto-log moto.log jobfuzz run

Options (before COMMAND):

``--moto-env KEY=VALUE`` (repeatable)
    environment of the started server: moto reads its settings from it (``MOTO_SIMPLE_BATCH_FAIL_AFTER``,
    ``MOTO_ACM_VALIDATION_WAIT``, ...). Not with ``--moto-url``.
``--batch-without-docker``
    moto's configuration ``{"batch": {"use_docker": false}}`` (``POST /moto-api/config``): Batch jobs
    are marked SUCCEEDED (or FAILED, see ``MOTO_SIMPLE_BATCH_FAIL_AFTER``) without a container.
``--state-transition MODEL=immediate|manual:N|time:SECONDS`` (repeatable)
    how moto advances the status of a model it manages (``ecs::task``, ``glue::job_run``,
    ``support::case``, ``batch::job`` with Docker, ...): at once, after N reads, or after SECONDS
    (``POST /moto-api/state-manager/set-transition``, read back to check; moto checks no name).
``--moto-url URL``
    a moto_server already running: checked (its ``/moto-api/config`` answers), not started, not
    stopped.
``--moto-log PATH``
    the server's log: where the started server writes it (default
    ``.jobfuzz/moto_server-TIME-PORT.log``), or, with ``--moto-url``, the file the running server
    writes (checked: it must log a request sent to the server).

Appended to the command: ``--endpoint-url URL`` and ``--second-identity AKID:SECRET`` (unless the
command gives one): credentials that moto takes for another account. ``namespace_isolation`` needs
the second identity to be another account; moto maps every access key it does not know to its
default account 123456789012. The helper asks the server's STS for ``AssumeRole`` into a role of
account ``SECOND_ACCOUNT``; moto serves that key's calls from that account's backends.

moto's log (a traceback for every 500) never reaches the console: it goes to the log file, named in
the last line of the output, ``moto_server log: PATH (N lines, M tracebacks)``. The command learns
the server and its log from ``JOBFUZZ_MOTO_URL`` and ``JOBFUZZ_MOTO_LOG``: the engine reads there
whether a bare 500 was moto's ``NotImplementedError`` (``unsupported_reason``).

moto must be installed with its server extra (``pip install 'jobfuzz[moto]'``) to start a server.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from harness.model import Exchange
from harness.moto_log import ServerLog, describe, not_implemented_action, read_from, request_target

__all__ = ["SECOND_ACCOUNT", "MotoServer", "MotoSettings", "UsageError", "attach", "configure", "is_moto",
           "main", "moto_server", "second_identity", "unsupported_reason"]

#: the account of the second identity (moto's default account is 123456789012)
SECOND_ACCOUNT = "210987654321"
URL_ENV, LOG_ENV = "JOBFUZZ_MOTO_URL", "JOBFUZZ_MOTO_LOG"
_PROG = "python -m harness.moto_target"
_ENV_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_MODEL = re.compile(r"^[a-z0-9-]+::[a-z0-9_-]+$")
_PROGRESSION = re.compile(r"^(immediate|manual:[1-9]\d*|time:\d+(?:\.\d+)?)$")


class UsageError(ValueError):
    """A bad option: one line, exit 2, before anything is started."""


@dataclass(frozen=True, slots=True)
class MotoSettings:
    """What is set on a moto_server before the command runs."""

    env: tuple[tuple[str, str], ...] = ()
    batch_without_docker: bool = False
    transitions: tuple[tuple[str, str], ...] = ()  # (model, "immediate" | "manual:N" | "time:S")

    def describe(self) -> str:
        parts = [f"env {k}={v}" for k, v in self.env]
        parts += ["batch without docker"] if self.batch_without_docker else []
        parts += [f"state transition {m}={p}" for m, p in self.transitions]
        return ", ".join(parts)


@dataclass(frozen=True, slots=True)
class MotoServer:
    url: str
    log: Path | None
    log_offset: int = 0  # where the command's part of the log begins
    started: bool = True

    def env(self) -> dict[str, str]:
        """What tells a command's engine the server and its log (``unsupported_reason``)."""
        if self.log is None:
            return {}
        return {URL_ENV: self.url, LOG_ENV: str(self.log.resolve()), f"{LOG_ENV}_OFFSET": str(self.log_offset)}


# -- the server -----------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _default_log(port: int) -> Path:
    return Path(".jobfuzz") / f"moto_server-{time.strftime('%Y%m%d-%H%M%S')}-{port}.log"


@contextlib.contextmanager
def moto_server(settings: MotoSettings = MotoSettings(), log: Path | None = None,
                timeout: float = 30) -> Iterator[MotoServer]:
    """A moto_server process bound to 127.0.0.1, with ``settings``, its output in ``log``."""
    try:
        import moto.server  # noqa: F401 - the server extra (flask) must be importable
    except ImportError:
        raise UsageError("moto with its server extra is not installed (pip install 'jobfuzz[moto]')") from None
    port = _free_port()
    log = log or _default_log(port)
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                                env={**os.environ, **dict(settings.env)}, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while not is_moto(url):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"moto_server did not start (exit code {proc.poll()}); its log: {describe(log)}")
            time.sleep(0.1)
        server = MotoServer(url, log)
        configure(server, settings)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def attach(url: str, log: Path | None = None) -> MotoServer:
    """A moto_server running at ``url`` (its log in ``log``, if given), checked; UsageError if not."""
    if not re.match(r"^https?://[^/\s]+/?$", url):
        raise UsageError(f"--moto-url {url!r}: expected http://HOST:PORT")
    url = url.rstrip("/")
    if log is not None and not log.is_file():
        raise UsageError(f"--moto-log {log}: no such file (with --moto-url it names the running server's log)")
    offset = log.stat().st_size if log is not None else 0
    why = _not_moto(url)
    if why:
        raise UsageError(f"--moto-url {url}: no moto_server answers there ({why})")
    if log is not None:  # the log must be this server's: a marked request must show up in it
        marker = f"jobfuzz-log-check-{time.monotonic_ns()}"
        is_moto(url, query=marker)
        deadline = time.monotonic() + 3
        while marker not in read_from(log, offset):
            if time.monotonic() > deadline:
                raise UsageError(f"--moto-log {log}: the server at {url} did not log a request sent to it "
                                 "(is it that server's log?)")
            time.sleep(0.05)
    return MotoServer(url, log, offset, started=False)


def is_moto(url: str, query: str = "") -> bool:
    """Whether ``url`` is a moto_server: its ``/moto-api/config`` answers with a JSON object."""
    return _not_moto(url, query) is None


def _not_moto(url: str, query: str = "") -> str | None:
    """Why ``url`` is not a moto_server, or None."""
    try:
        with urllib.request.urlopen(f"{url.rstrip('/')}/moto-api/config{'?' + query if query else ''}",
                                    timeout=5) as resp:
            if isinstance(json.loads(resp.read()), dict):
                return None
            return "GET /moto-api/config answered no JSON object"
    except urllib.error.HTTPError as exc:
        return f"GET /moto-api/config answered HTTP {exc.code}"
    except urllib.error.URLError as exc:
        return f"GET /moto-api/config: {exc.reason}"
    except (OSError, ValueError) as exc:
        return f"GET /moto-api/config: {exc}"


def _moto_api(url: str, path: str, body: dict[str, Any] | None = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"{url}/moto-api/{path}", data=data, method="POST" if data else "GET",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        text = resp.read()
    return json.loads(text) if text else None


def _transition(spec: str) -> dict[str, Any]:
    kind, _, n = spec.partition(":")
    if kind == "manual":
        return {"progression": "manual", "times": int(n)}
    if kind == "time":
        return {"progression": "time", "seconds": float(n) if "." in n else int(n)}
    return {"progression": "immediate"}


def configure(server: MotoServer, settings: MotoSettings) -> None:
    """Apply ``settings`` through moto's own API, and read each back: RuntimeError if the server
    does not keep it."""
    if settings.batch_without_docker:
        config = _moto_api(server.url, "config", {"batch": {"use_docker": False}})
        if config.get("batch", {}).get("use_docker") is not False:
            raise RuntimeError(f"moto_server at {server.url} kept batch.use_docker: {config.get('batch')}")
    for model, spec in settings.transitions:
        want = _transition(spec)
        _moto_api(server.url, "state-manager/set-transition", {"model_name": model, "transition": want})
        got = _moto_api(server.url, f"state-manager/get-transition?model_name={model}")
        if got != want:
            raise RuntimeError(f"moto_server at {server.url}: state transition of {model} is {got}, not {want}")


def second_identity(url: str, account: str = SECOND_ACCOUNT) -> tuple[str, str, str]:
    """Credentials of a role in ``account``, from the STS of the moto_server at ``url``."""
    import botocore.session

    from harness.targets import PRIMARY_KEYS

    sts: Any = botocore.session.get_session().create_client(  # its operation methods are made at run time
        "sts", region_name="us-east-1", endpoint_url=url, aws_access_key_id=PRIMARY_KEYS[0],
        aws_secret_access_key=PRIMARY_KEYS[1])
    creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/jobfuzz-second-identity",
                            RoleSessionName="jobfuzz")["Credentials"]
    return creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"]


# -- what the engine asks (unsupported-operation detection) ---------------------------------------
_logs: dict[tuple[str, str], ServerLog] = {}


def _server_log(url: str) -> ServerLog | None:
    """The log of the moto_server at ``url``, when this process was told it (JOBFUZZ_MOTO_URL/LOG)."""
    known, path = os.environ.get(URL_ENV, "").rstrip("/"), os.environ.get(LOG_ENV)
    if not path or known != url.rstrip("/"):
        return None
    key = (known, path)
    if key not in _logs:
        _logs[key] = ServerLog(Path(path), int(os.environ.get(f"{LOG_ENV}_OFFSET", "0")))
    return _logs[key]


def unsupported_reason(url: str, ex: Exchange) -> str | None:
    """Why the bare 5xx ``ex`` means the moto_server at ``url`` lacks the operation: the server's log
    shows moto's ``NotImplementedError`` for this request, naming the operation's action. None when
    it shows another exception (a crash: the 500 is a failure) or the log is not known."""
    log = _server_log(url)
    if log is None or ex.request is None:
        return None
    exception = log.exception_for(ex.request.method, request_target(ex.request.url))
    action = not_implemented_action(exception or "")
    if action is None or action.replace("_", "") != ex.call.operation.lower():
        return None
    return f"HTTP {ex.status} with no error code, and the moto_server's log says: {exception}"


# -- the command wrapper --------------------------------------------------------------------------
class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def _key_value(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not _ENV_KEY.match(key):
        raise argparse.ArgumentTypeError(f"{text!r}: expected KEY=VALUE with KEY a variable name")
    return key, value


def _model_progression(text: str) -> tuple[str, str]:
    model, sep, spec = text.partition("=")
    if not sep or not _MODEL.match(model) or not _PROGRESSION.match(spec):
        raise argparse.ArgumentTypeError(
            f"{text!r}: expected MODEL=immediate|manual:N|time:SECONDS, MODEL as moto names it (batch::job)")
    return model, spec


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = _Parser(prog=_PROG, description="Run COMMAND against a moto_server (see the module's documentation).")
    p.add_argument("--moto-env", type=_key_value, action="append", default=[], metavar="KEY=VALUE",
                   help="environment of the started server (moto's settings); repeatable")
    p.add_argument("--batch-without-docker", action="store_true",
                   help="moto's Batch without containers (/moto-api/config batch.use_docker false)")
    p.add_argument("--state-transition", type=_model_progression, action="append", default=[],
                   metavar="MODEL=immediate|manual:N|time:SECONDS",
                   help="how moto advances a model's status (batch::job, support::case, ...); repeatable")
    p.add_argument("--moto-url", metavar="URL", help="a moto_server running already: not started, not stopped")
    p.add_argument("--moto-log", type=Path, metavar="PATH",
                   help="the server's log: where the started one writes it (default .jobfuzz/moto_server-*.log), "
                        "or the file the --moto-url one writes")
    p.add_argument("command", nargs=argparse.REMAINDER, help="the command, with its arguments")
    args = p.parse_args(argv)
    if args.command[:1] == ["--"]:
        args.command = args.command[1:]
    if not args.command or args.command[0].startswith("-"):
        raise UsageError(f"expected COMMAND [ARGS...] after the options, got {' '.join(args.command) or 'nothing'}")
    if shutil.which(args.command[0]) is None:
        raise UsageError(f"COMMAND {args.command[0]!r}: not found on PATH")
    if args.moto_url and args.moto_env:
        raise UsageError("--moto-env sets the environment of a server this command starts; the one at "
                         "--moto-url runs already")
    return args


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = parse_args(argv)
        settings = MotoSettings(tuple(args.moto_env), args.batch_without_docker, tuple(args.state_transition))
        if args.moto_url:
            server = attach(args.moto_url, args.moto_log)
            configure(server, settings)
            return _run(server, settings, args.command)
        with moto_server(settings, args.moto_log) as server:
            return _run(server, settings, args.command)
    except (UsageError, RuntimeError, OSError) as exc:  # UsageError: before anything started
        print(f"{_PROG}: {exc}", file=sys.stderr)
        return 2


def _run(server: MotoServer, settings: MotoSettings, command: list[str]) -> int:
    extra = ["--endpoint-url", server.url]
    if "--second-identity" not in command and not any(a.startswith("--second-identity=") for a in command):
        key, secret, _token = second_identity(server.url)
        extra += ["--second-identity", f"{key}:{secret}"]
    how = "started here" if server.started else "running already"
    if server.log is None:
        how += ", its log not given: moto's not-implemented 500s count as failures"
    print(f"moto_server at {server.url} ({how}; second identity: account {SECOND_ACCOUNT}"
          f"{'; ' + settings.describe() if settings.describe() else ''})", flush=True)
    try:
        return subprocess.call([*command, *extra], env={**os.environ, **server.env()})
    finally:
        if server.log is not None:
            print(f"moto_server log: {describe(server.log, server.log_offset)}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
