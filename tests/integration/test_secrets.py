"""No secret key, session token or signature in anything a run writes or prints.

``jobfuzz run`` against the embedded emulator with known fake credentials as both identities (the
primary from the AWS_* environment variables, the second on the command line, each with a session
token), every report, case files, and a failure planted in the emulator so that case files are
written. Every file written, stdout, stderr and the log are then searched.
"""

from __future__ import annotations

import json
import logging
import re
import uuid

import pytest

from emulator.app import Emulator
from emulator.protocol.query import QueryProtocol
from harness.cli import main

# shaped like real AWS credentials, which is what the scrubbing must catch; put together here so
# that no credential-shaped literal sits in the source
PRIMARY = ("AKIA" + "SECRETSTESTPRIM1", "Pr1mArYs3cReT/kEy+" + "ThAtMuStNeVeRlEaKxYz01",
           "FwoGZXIvYXdz" + "EPRIMARYSESSIONTOKENthatmustneverleak/+0123456789abcdefXYZ==")
SECOND = ("AKIA" + "SECRETSTESTSEC02", "S3c0NdS3cReT/kEy+" + "ThAtMuStNeVeRlEaKxYz0002",
          "FwoGZXIvYXdz" + "ESECONDSESSIONTOKENthatmustneverleak/+9876543210fedcbaXYZ==")
SIGNATURE = re.compile(r"Signature=([0-9a-f]{16,})")
CREDENTIAL = re.compile(r"Credential=([A-Z0-9]{16,})/")


@pytest.fixture
def planted(monkeypatch):
    """Import/Export GetStatus answers an unmodelled HTTP 500: a failure, with its case file."""
    real = Emulator.handle
    seen = {"auth": []}

    def handle(self, method, path_and_query, headers, body=b""):
        auth = headers.get("Authorization") or headers.get("authorization")
        if auth:
            seen["auth"].append(auth)
        if b"Action=GetStatus" in (body or b""):
            return QueryProtocol.error("PlantedInternalError", "planted", 500, str(uuid.uuid4()), "Receiver")
        return real(self, method, path_and_query, headers, body)

    monkeypatch.setattr(Emulator, "handle", handle)
    return seen


def test_nothing_written_or_printed_holds_a_credential(tmp_path, monkeypatch, capsys, caplog, planted):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", PRIMARY[0])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", PRIMARY[1])
    monkeypatch.setenv("AWS_SESSION_TOKEN", PRIMARY[2])
    caplog.set_level(logging.INFO)
    out_dir = tmp_path / "out"
    code = main([
        "run", "--primary-identity", "env", "--second-identity", ":".join(SECOND),
        "--operation", "importexport.GetStatus", "--operation", "importexport.UpdateJob",
        "--operation", "iot-jobs-data.UpdateJobExecution", "--operation", "iot.DescribeJob",
        "--max-examples", "3", "--seed", "7",
        "--report-json", str(out_dir / "report.json"), "--junit-xml", str(out_dir / "junit.xml"),
        "--html", str(out_dir / "report.html"), "--failures-dir", str(out_dir / "failures"),
    ])
    captured = capsys.readouterr()
    assert code == 1, captured.err
    report = json.loads((out_dir / "report.json").read_text())
    assert any(f["check"] == "not_a_server_error" and f["operation"] == "GetStatus" for f in report["failures"])
    cases = list((out_dir / "failures").glob("*.json"))
    assert cases, "no case file was written"

    # the identities were used: both signed requests (their key ids are in the scopes the emulator saw)
    scopes = {m.group(1) for a in planted["auth"] for m in [CREDENTIAL.search(a)] if m}
    assert {PRIMARY[0], SECOND[0]} <= scopes
    signatures = {m.group(1) for a in planted["auth"] for m in [SIGNATURE.search(a)] if m}
    assert signatures

    written = {p: p.read_text(encoding="utf-8", errors="replace") for p in tmp_path.rglob("*") if p.is_file()}
    assert len(written) >= 4  # the three reports and at least one case file
    texts = {**{str(p): t for p, t in written.items()}, "stdout": captured.out, "stderr": captured.err,
             "log": caplog.text}
    secrets = {"primary secret": PRIMARY[1], "second secret": SECOND[1], "primary token": PRIMARY[2],
               "second token": SECOND[2]}
    for where, text in texts.items():
        for what, secret in secrets.items():
            assert secret not in text, f"the {what} is in {where}"
        assert not SIGNATURE.search(text), f"a signature is in {where}"
        assert not CREDENTIAL.search(text), f"a credential scope is in {where}"
        for sig in signatures:
            assert sig not in text, f"a request signature is in {where}"
