"""Abusive clients over raw sockets against EmulatorServer on 127.0.0.1: every one is answered 4xx (or
505) or its connection closed within the server's (short, test-set) timeouts, and none of them
keeps a normal request from being answered."""

from __future__ import annotations

import contextlib
import socket

import pytest

from emulator.app import Emulator
from emulator.server import EmulatorServer, Limits, main

#: the server's limits in these tests; every socket read below gives up after WAIT seconds, so a
#: server that neither answers nor closes fails the test instead of hanging it
LIMITS = Limits(read_timeout=0.3, idle_timeout=0.6, max_connections=64, max_body=4096)
WAIT = 2.0
HEALTH = b"GET /_jobfuzz/health HTTP/1.1\r\nHost: x\r\n\r\n"


@pytest.fixture(scope="module")
def server():
    with EmulatorServer(Emulator(), limits=LIMITS) as srv:
        yield srv


def connect(srv: EmulatorServer, timeout: float = WAIT) -> socket.socket:
    return socket.create_connection((srv.host, srv.port), timeout=timeout)


def until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection; fails if it does neither
    within WAIT seconds."""
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except TimeoutError:
        pytest.fail(f"the server neither answered nor closed within {WAIT} s (got {data[:80]!r})")
    except ConnectionResetError:
        pass
    return data


def refused(srv: EmulatorServer, request: bytes) -> tuple[int, bytes]:
    """Status and body of the answer to ``request``, which must close the connection."""
    with connect(srv) as sock:
        sock.sendall(request)
        data = until_closed(sock)
    assert data.startswith(b"HTTP/1.1 "), data[:80]
    head, _, body = data.partition(b"\r\n\r\n")
    assert b"connection: close" in head.lower()
    return int(head.split()[1]), body


def one_answer(sock: socket.socket) -> bytes:
    """One whole answer (head and Content-Length bytes of body) from a kept-alive connection."""
    data = b""
    while b"\r\n\r\n" not in data or len(data.partition(b"\r\n\r\n")[2]) < _length(data):
        chunk = sock.recv(65536)
        assert chunk, f"the connection closed mid-answer: {data[:80]!r}"
        data += chunk
    return data


def _length(data: bytes) -> int:
    for line in data.partition(b"\r\n\r\n")[0].split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return 0


def answered(srv: EmulatorServer, timeout: float = WAIT) -> int:
    """The status of a plain health request on a new connection."""
    with connect(srv, timeout) as sock:
        sock.sendall(HEALTH)
        return int(one_answer(sock).split()[1])


def chunked(*chunks: bytes) -> bytes:
    head = (b"POST /jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n")
    return head + b"".join(chunks)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"-5\r\nabcde\r\n0\r\n\r\n", id="negative-size"),
        pytest.param(b"zz\r\nabc\r\n0\r\n\r\n", id="size-not-hex"),
        pytest.param(b"3\r\nabcdef\r\n0\r\n\r\n", id="data-longer-than-size"),
        pytest.param(b"3 3\r\nabc\r\n0\r\n\r\n", id="space-in-size"),
    ],
)
def test_malformed_chunked_body_is_400(server, body) -> None:
    status, message = refused(server, chunked(body))
    assert status == 400 and b"not valid HTTP/1.1" in message
    assert answered(server) == 200


def test_body_shorter_than_content_length_is_408_after_the_read_timeout(server) -> None:
    status, message = refused(server, b"POST /jobs HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{}")
    assert status == 408 and b"did not arrive whole" in message


def test_a_request_sent_a_byte_at_a_time_is_cut_at_the_read_timeout(server) -> None:
    """The read timeout runs from a request's first byte: trickling keeps nothing alive."""
    with connect(server) as sock:
        data = b""
        with contextlib.suppress(OSError):
            for byte in HEALTH[:-2]:
                sock.sendall(bytes([byte]))
                sock.settimeout(0.05)
                with contextlib.suppress(TimeoutError):
                    data += sock.recv(65536)
                if data:
                    break
        sock.settimeout(WAIT)
        data += until_closed(sock)
    assert data.startswith(b"HTTP/1.1 408")


def test_oversize_body_is_413(server) -> None:
    request = b"POST /jobs HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % (LIMITS.max_body + 1)
    status, message = refused(server, request)  # answered before a byte of the body is sent
    assert status == 413 and b"exceeds 4096 bytes" in message
    status, _ = refused(server, chunked((b"800\r\n" + b"x" * 0x800 + b"\r\n") * 3))
    assert status == 413


def test_header_block_too_large_is_431(server) -> None:
    big = b"GET /_jobfuzz/health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * LIMITS.max_head + b"\r\n\r\n"
    assert refused(server, big)[0] == 431
    many = b"GET /_jobfuzz/health HTTP/1.1\r\n" + b"".join(b"X-%d: a\r\n" % i for i in range(200)) + b"\r\n"
    assert refused(server, many)[0] == 431
    endless = b"GET /_jobfuzz/health HTTP/1.1\r\nX-Never-Ends: " + b"a" * (LIMITS.max_head + 1)
    assert refused(server, endless)[0] == 431


@pytest.mark.parametrize(
    "request_line",
    [
        pytest.param(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", id="http2-preface"),
        pytest.param(b"GET /_jobfuzz/health HTTP/3.0\r\nHost: x\r\n\r\n", id="http3"),
        pytest.param(b"GET /_jobfuzz/health HTTP/2.0\r\nHost: x\r\n\r\n", id="http2-request-line"),
    ],
)
def test_other_http_versions_are_505(server, request_line) -> None:
    assert refused(server, request_line)[0] == 505


def test_http_1_0_is_served_and_closed(server) -> None:
    with connect(server) as sock:
        sock.sendall(b"GET /_jobfuzz/health HTTP/1.0\r\n\r\n")
        data = until_closed(sock)
    assert data.startswith(b"HTTP/1.1 200") and b'"status": "ok"' in data


def test_idle_connections_are_closed_after_the_idle_timeout(server) -> None:
    with connect(server) as fresh, connect(server) as used:
        used.sendall(HEALTH)
        assert one_answer(used).startswith(b"HTTP/1.1 200")  # kept alive, then idle
        assert until_closed(fresh) == b""
        assert until_closed(used) == b""


def test_300_idle_connections_hold_nothing_and_close_at_the_idle_timeout() -> None:
    """300 idle connections under the cap: a normal request is still answered at once (within one
    second) while all of them are open, and every one of them is closed at the idle timeout."""
    limits = Limits(read_timeout=0.3, idle_timeout=1.0, max_connections=400)
    with EmulatorServer(Emulator(), limits=limits) as srv, contextlib.ExitStack() as stack:
        idle = [stack.enter_context(connect(srv)) for _ in range(300)]
        assert answered(srv, timeout=1.0) == 200
        for sock in idle:
            sock.setblocking(False)
            with pytest.raises(BlockingIOError):  # still open: nothing to read, no end of stream
                sock.recv(1)
            sock.settimeout(WAIT)
        for sock in idle:
            assert until_closed(sock) == b""


def test_idle_connections_over_the_cap_close_the_oldest_first() -> None:
    """300 idle connections against a cap of 100: the 200 oldest are closed as the others arrive,
    and a normal request is answered at once."""
    limits = Limits(read_timeout=0.3, idle_timeout=30.0, max_connections=100)
    with EmulatorServer(Emulator(), limits=limits) as srv, contextlib.ExitStack() as stack:
        idle = [stack.enter_context(connect(srv)) for _ in range(300)]
        assert answered(srv, timeout=1.0) == 200
        for sock in idle[:200]:
            assert until_closed(sock) == b""
        for sock in idle[201:]:  # the newest (one more went for the request above): open
            sock.setblocking(False)
            with pytest.raises(BlockingIOError):
                sock.recv(1)


def test_a_connection_over_the_cap_with_no_idle_one_to_close_is_closed() -> None:
    limits = Limits(read_timeout=5.0, idle_timeout=5.0, max_connections=2)
    with EmulatorServer(Emulator(), limits=limits) as srv, connect(srv) as a, connect(srv) as b:
        for sock in (a, b):  # two requests under way (the body not sent yet): neither is idle
            sock.sendall(b"POST /jobs HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n")
            assert sock.recv(65536).startswith(b"HTTP/1.1 100")  # the server has the head
        with connect(srv) as third:
            assert until_closed(third) == b""
        for sock in (a, b):
            sock.sendall(b"{}")
            assert one_answer(sock).startswith(b"HTTP/1.1 403")  # answered: unsigned, so refused


@pytest.mark.parametrize(
    "option, value, expected",
    [("--read-timeout", "0", "a positive number"), ("--idle-timeout", "-1", "a positive number"),
     ("--read-timeout", "nan", "a positive number"), ("--max-connections", "0", "a positive whole number"),
     ("--max-body", "1.5", "a positive whole number")],
)
def test_cli_rejects_a_limit_that_is_not_positive(option, value, expected, capsys) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--port", "0", option, value])
    assert info.value.code == 2
    assert capsys.readouterr().err == f"jobfuzz emulator: argument {option}: expected {expected}, got {value!r}\n"


def test_a_manifest_of_nested_yaml_aliases_is_malformed_over_http(server) -> None:
    """A 700-byte manifest whose returnAddress expands to 387 million values: answered with the
    modelled MalformedManifestException, the server free for the next request."""
    import boto3
    from botocore.config import Config
    from botocore.exceptions import ClientError

    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]" for i in range(1, 9)]
    manifest = "\n".join([*lines, "manifestVersion: 2.0\naccessKeyId: test-limits-key\nreturnAddress: *l8\n"])
    client = boto3.client(
        "importexport", region_name="us-east-1", endpoint_url=server.url, aws_access_key_id="test-limits-key",
        aws_secret_access_key="secret-not-real",
        config=Config(retries={"total_max_attempts": 1}, read_timeout=WAIT, connect_timeout=WAIT),
    )
    with pytest.raises(ClientError) as info:
        client.create_job(JobType="Import", Manifest=manifest, ValidateOnly=True)
    assert info.value.response["Error"]["Code"] == "MalformedManifestException"
    assert "Manifest.returnAddress" in info.value.response["Error"]["Message"]
    assert answered(server) == 200
