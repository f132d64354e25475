"""What a run and a replay do when their inputs were fine but the world changed under them: a report
folder gone at the end, an endpoint that will not make what a case needs. One line, exit 2, and
everything else still written."""

from __future__ import annotations

import http.server
import json
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

import harness.engine
from harness.cli import main

CASES = Path(__file__).resolve().parents[2] / "cases"
RUN = ["run", "--plant", "iotdata-update-crash-on-document", "--operation", "UpdateJobExecution",
       "--phases", "boundary", "--max-examples", "2", "--seed", "1", "--quiet"]


def _break_after_run(monkeypatch, break_it) -> None:
    """Call ``break_it`` once the engine's run is over, before the reports are written."""
    real = harness.engine.Engine.run

    def run(self):
        result = real(self)
        break_it()
        return result

    monkeypatch.setattr(harness.engine.Engine, "run", run)


def test_a_report_folder_turned_file_leaves_the_other_reports_and_exits_2(tmp_path, monkeypatch, capsys):
    gone = tmp_path / "gone"
    gone.mkdir()

    def replace_folder_by_a_file():
        shutil.rmtree(gone)
        gone.write_text("not a folder any more")

    _break_after_run(monkeypatch, replace_folder_by_a_file)
    code = main([*RUN, "--report-json", str(gone / "r.json"), "--junit-xml", str(tmp_path / "r.xml"),
                 "--html", str(tmp_path / "r.html"), "--failures-dir", str(tmp_path / "failures")])
    out, err = capsys.readouterr()
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"jobfuzz: --report-json {gone / 'r.json'}: cannot write"), err
    assert "not_a_server_error" in (tmp_path / "r.xml").read_text()
    assert "not_a_server_error" in (tmp_path / "r.html").read_text()
    assert list((tmp_path / "failures").glob("not_a_server_error-*.json"))
    assert "1 failure" in out  # the console report


def test_a_case_folder_gone_still_writes_the_reports(tmp_path, monkeypatch, capsys):
    cases = tmp_path / "cases"
    _break_after_run(monkeypatch, lambda: cases.write_text("a file where the folder was to be"))
    code = main([*RUN, "--report-json", str(tmp_path / "r.json"), "--failures-dir", str(cases)])
    err = capsys.readouterr().err
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"jobfuzz: --failures-dir {cases}: cannot write"), err
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["summary"]["failures"] == 1


def test_every_report_written_exits_as_before(tmp_path, capsys):
    code = main([*RUN, "--report-json", str(tmp_path / "new" / "r.json"), "--failures-dir", str(tmp_path / "f")])
    assert code == 1
    assert capsys.readouterr().err == ""
    assert json.loads((tmp_path / "new" / "r.json").read_text())["summary"]["interrupted"] is False


@pytest.fixture
def refusing_endpoint() -> Iterator[str]:
    """A loopback endpoint that answers every request with a 400: nothing can be made on it."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def answer(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            body = b'{"__type":"InvalidRequestException","message":"no"}'
            self.send_response(400)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = answer

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_replay_whose_setup_cannot_be_made_exits_2_naming_the_file(refusing_endpoint, capsys):
    case = CASES / "importexport-CancelJob-lifecycle-binds-its-own-JobId.json"
    code = main(["replay", str(case), "--endpoint-url", refusing_endpoint])
    out, err = capsys.readouterr()
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"{case}: cannot replay: could not make ie_job: importexport.CreateJob answered")
