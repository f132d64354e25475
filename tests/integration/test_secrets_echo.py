"""No secret in any output when the endpoint echoes the signed request back.

A loopback endpoint answers every call with the request it got: its headers (``Authorization``
with the credential scope and signature, ``X-Amz-Security-Token``) and its body, either as an
unparseable HTTP 200 body or as the message of an error. ``jobfuzz run`` against it, with a
session token on both identities, must leave none of the access key ids, secret keys, session
tokens or signatures in stdout, stderr, the log, the JSON, JUnit and HTML reports or any case file.
"""

from __future__ import annotations

import itertools
import json
import logging
import re
from xml.sax.saxutils import escape

import pytest
from loopback import Request, serve

from emulator.app import Emulator
from harness.cli import main

PRIMARY = ("AKIA" + "ECHOTESTPRIMAR1", "EchoPr1mArY/s3cReT+" + "kEyThAtMuStNeVeRlEaK01",
           "IQoJb3JpZ2luX2Vj" + "EPRIMARYECHOTOKEN/thatmustneverleak+0123456789abcdefXYZ==")
SECOND = ("ASIA" + "ECHOTESTSECOND2", "EchoS3c0Nd/s3cReT+" + "kEyThAtMuStNeVeRlEaK002",
          "IQoJb3JpZ2luX2Vj" + "ESECONDECHOTOKEN/thatmustneverleak+9876543210fedcbaXYZ==")
SIGNATURE = re.compile(r"Signature=([0-9a-f]{16,})")
OPERATIONS = ("iot.DescribeJob", "iot.ListJobs", "iot-jobs-data.UpdateJobExecution", "importexport.GetStatus",
              "importexport.ListJobs")


def _echo(req: Request, n: int, emulator: Emulator) -> tuple[int, dict[str, str], bytes]:
    """The emulator's answer when it accepts the call, three times in four (so that resources are
    made and the scenarios run, with the second identity too). Every other call is echoed: odd ones
    as HTTP 200 with the request as plain text, even ones as an error whose message is the request
    as JSON (rest-json) or as text (the query protocol's XML error)."""
    answer = emulator.handle(req.method, req.path, req.headers, req.body)
    if answer.status < 300 and n % 4:
        return answer.status, dict(answer.headers), answer.body
    text = "\n".join([f"{req.method} {req.path}", *(f"{k}: {v}" for k, v in req.headers.items()), "",
                      req.body.decode("utf-8", "replace")])
    if n % 2:
        return 200, {"Content-Type": "text/plain"}, text.encode()
    if "x-www-form-urlencoded" in req.headers.get("Content-Type", ""):
        xml = (f"<ErrorResponse><Error><Type>Sender</Type><Code>InvalidParameterException</Code>"
               f"<Message>{escape(text)}</Message></Error><RequestId>r-{n}</RequestId></ErrorResponse>")
        return 400, {"Content-Type": "text/xml"}, xml.encode()
    message = json.dumps({"headers": req.headers, "body": req.body.decode("utf-8", "replace")})
    return 400, {"Content-Type": "application/json", "x-amzn-ErrorType": "BadRequestException"}, \
        json.dumps({"__type": "BadRequestException", "message": message}).encode()


@pytest.fixture
def echo():
    counter = itertools.count(1)
    emulator = Emulator()
    with serve(lambda req: _echo(req, next(counter), emulator)) as server:
        yield server


@pytest.mark.parametrize("target", ["url", "aws"])
def test_an_echoing_endpoint_gets_no_secret_into_any_output(target, echo, tmp_path, monkeypatch, capsys, caplog):
    monkeypatch.chdir(tmp_path)
    for k in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", PRIMARY[0])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", PRIMARY[1])
    monkeypatch.setenv("AWS_SESSION_TOKEN", PRIMARY[2])
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    caplog.set_level(logging.DEBUG, logger="harness")
    out = tmp_path / "out"
    if target == "aws":
        monkeypatch.setenv("AWS_ENDPOINT_URL", echo.url)
        where = ["--target", "aws", "--i-accept-aws-charges", "--region", "us-east-1", "--run-prefix", "jfecho01",
                 "--ledger-dir", str(tmp_path / "runs"), "--max-rate", "1000"]
    else:
        where = ["--endpoint-url", echo.url, "--primary-identity", "env"]
    code = main(["run", *where, "--second-identity", ":".join(SECOND),
                 *(x for op in OPERATIONS for x in ("--operation", op)), "--max-examples", "2", "--seed", "11",
                 "--phases", "boundary,fuzz,scenarios", "--report-json", str(out / "report.json"),
                 "--junit-xml", str(out / "junit.xml"), "--html", str(out / "report.html"),
                 "--failures-dir", str(out / "failures")])
    captured = capsys.readouterr()
    assert code == 1, captured.err

    # the endpoint did see the secrets: the run signed with both identities and sent both tokens
    seen = "\n".join(f"{r.headers}" for r in echo.requests)
    for secret in (PRIMARY[0], PRIMARY[2], SECOND[0], SECOND[2]):
        assert secret in seen
    signatures = {m.group(1) for r in echo.requests for m in SIGNATURE.finditer(r.headers.get("Authorization", ""))}
    assert len(signatures) > 10

    written = {str(p): p.read_text(encoding="utf-8", errors="replace") for p in out.rglob("*") if p.is_file()}
    cases = [p for p in written if "/failures/" in p]
    assert len(cases) >= 2 and len(written) >= 5, sorted(written)
    texts = {**written, "stdout": captured.out, "stderr": captured.err, "log": caplog.text}
    secrets = {"primary key id": PRIMARY[0], "primary secret": PRIMARY[1], "primary token": PRIMARY[2],
               "second key id": SECOND[0], "second secret": SECOND[1], "second token": SECOND[2]}
    leaks = []
    for where_, text in texts.items():
        name = where_.rsplit("/out/", 1)[-1]
        leaks += [f"the {what} in {name}" for what, secret in secrets.items() if secret[:16] in text]
        if SIGNATURE.search(text) or any(sig[:16] in text for sig in signatures):
            leaks.append(f"a signature in {name}")
    assert not leaks, "; ".join(leaks)
    assert any("[redacted]" in t for t in texts.values()), "nothing was redacted: the echo reached no output"
