"""Run a command against a ``moto_server`` started on loopback for the duration of the command.

    python -m harness.moto_target jobfuzz run --service iot
    python -m harness.moto_target jobfuzz replay tests/cases/moto/CASE.json
    python -m harness.moto_target pytest tests/contract -k "iot."

Appended to the command: ``--endpoint-url URL`` (the server), and ``--second-identity AKID:SECRET``
(unless the command gives one): credentials that moto takes for another account.
``namespace_isolation`` needs the second identity to be another account; moto maps every access
key it does not know to its default account 123456789012, so the harness's dummy keys would be one
account. The helper asks the server's STS for ``AssumeRole`` into a role of account
``SECOND_ACCOUNT``: moto records the access key it returns under that account and serves its calls
from that account's backends. moto checks no session token, so none is passed.

moto must be installed with its server extra (``pip install 'jobfuzz[moto]'``).

The module also answers, for the engine's unsupported-operation detection, whether an endpoint is
a moto_server and whether the moto installed here implements an operation (``is_moto``,
``moto_implements``): moto_server answers an action it lacks with the same generic HTML 500 as a
crash, so the wire alone cannot tell.
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import logging
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

__all__ = ["SECOND_ACCOUNT", "is_moto", "main", "moto_implements", "moto_server", "moto_version",
           "second_identity"]

#: the account of the second identity (moto's default account is 123456789012)
SECOND_ACCOUNT = "210987654321"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def moto_server(port: int | None = None) -> Iterator[str]:
    """A moto server in a thread of this process, bound to 127.0.0.1; yields its URL."""
    try:
        from moto.server import ThreadedMotoServer
    except ImportError:
        raise RuntimeError("moto with its server extra is not installed (pip install 'jobfuzz[moto]')") from None
    port = port or _free_port()
    # the request lines are noise; tracebacks of the server's own errors (level ERROR) stay on stderr
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    try:
        yield url
    finally:
        server.stop()


def second_identity(url: str, account: str = SECOND_ACCOUNT) -> tuple[str, str, str]:
    """Credentials of a role in ``account``, from the STS of the moto_server at ``url``."""
    import botocore.session

    from harness.targets import PRIMARY_KEYS

    sts = botocore.session.get_session().create_client(
        "sts", region_name="us-east-1", endpoint_url=url, aws_access_key_id=PRIMARY_KEYS[0],
        aws_secret_access_key=PRIMARY_KEYS[1])
    creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/jobfuzz-second-identity",
                            RoleSessionName="jobfuzz")["Credentials"]
    return creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"]


# -- what the engine asks (unsupported-operation detection) ---------------------------------------
@functools.lru_cache(maxsize=32)
def is_moto(url: str) -> bool:
    """Whether ``url`` is a moto_server: its ``/moto-api/config`` answers with a JSON object."""
    try:
        with urllib.request.urlopen(f"{url.rstrip('/')}/moto-api/config", timeout=5) as resp:
            return 200 <= resp.status < 300 and isinstance(json.loads(resp.read()), dict)
    except (OSError, ValueError, urllib.error.URLError):
        return False


def moto_version() -> str:
    try:
        import moto
    except ImportError:
        return "(not installed)"
    return str(getattr(moto, "__version__", "?"))


@functools.lru_cache(maxsize=256)
def moto_implements(service: str, operation: str) -> bool | None:
    """Whether the moto installed here serves ``service.operation``, found the way moto_server
    routes and dispatches a request: the SigV4 signing name picks the backend
    (``DomainDispatcherApplication``), and the backend's response class must have a method named
    after the action (``BaseResponse.call_action``; else ``NotImplementedError``, a bare 500).

    None when that cannot be told (moto not installed, a backend whose handlers are not response
    classes). The answer is the local moto's: a moto_server of another version may differ.
    """
    try:
        import importlib
        import inspect

        import botocore.session
        from moto.core.utils import camelcase_to_underscores, method_names_from_class
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    except ImportError:
        return None
    try:
        signing = botocore.session.get_session().get_service_model(service).signing_name
        environ = {"HTTP_AUTHORIZATION": f"AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/{signing}/"
                                         "aws4_request, SignedHeaders=host, Signature=0",
                   "PATH_INFO": "/", "HTTP_HOST": "localhost"}
        app = DomainDispatcherApplication(create_backend_app)
        with contextlib.redirect_stdout(io.StringIO()):  # moto prints "Unable to find appropriate backend"
            backend = app.get_backend_for_host(app.infer_service_region_host(environ, "/"))
        if not backend:
            return False
        urls = importlib.import_module(f"moto.{backend}.urls")
        classes, custom = set(), False
        for handler in getattr(urls, "url_paths", {}).values():
            owner = getattr(handler, "__self__", None)
            if owner is None or getattr(handler, "__name__", "") != "dispatch":
                custom = True  # a handler of its own (S3's bucket_dispatch, ...): not call_action
            else:
                classes.add(owner if inspect.isclass(owner) else type(owner))
        action = camelcase_to_underscores(operation)
        if any(action in method_names_from_class(cls) for cls in classes):
            return True
        return None if custom or not classes else False
    except Exception:  # noqa: BLE001 - moto's internals moved: we cannot tell
        return None


# -- the command wrapper ------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv:
        print("usage: python -m harness.moto_target COMMAND [ARGS...]", file=sys.stderr)
        return 2
    with moto_server() as url:
        extra = ["--endpoint-url", url]
        if "--second-identity" not in argv and not any(a.startswith("--second-identity=") for a in argv):
            key, secret, _token = second_identity(url)
            extra += ["--second-identity", f"{key}:{secret}"]
        print(f"moto_server {moto_version()} at {url} (second identity: account {SECOND_ACCOUNT})", flush=True)
        # moto prints "Unable to find appropriate backend for ..." for each request of a service it
        # does not serve; the command's own output (its own file descriptors) is not affected
        with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull):
            return subprocess.call([*argv, *extra])


if __name__ == "__main__":
    sys.exit(main())
