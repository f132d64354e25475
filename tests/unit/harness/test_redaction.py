"""The redactor every output passes through (harness.redaction)."""

from __future__ import annotations

import io
import json
import logging
import sys
import xml.etree.ElementTree as ET
from html import escape
from urllib.parse import quote

from harness import redaction
from harness.redaction import REDACTED, Redactor
from harness.targets import PRIMARY_KEYS

KEY = "AKIA" + "UNITTESTKEY00001"
SECRET = "uNiT/t3St+" + "sEcReTkEyThAtNeVeRlEaKs00000"
TOKEN = "IQoJb3JpZ2luX2Vj" + "UNITTESTTOKEN/with+slashes=" + "0123456789abcdef" * 4
SIG = "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
OTHER_TOKEN = "FwoGZXIvYXdz" + "EOTHERTOKEN"  # put together at run time, as the others
SIGNED = Redactor().with_identities([(KEY, SECRET, TOKEN)])


def test_the_identities_are_redacted_in_every_form_they_may_be_echoed_in():
    for text in (KEY, SECRET, TOKEN, quote(TOKEN, safe=""), json.dumps({"t": TOKEN}), escape(f"'{SECRET}'"),
                 f"x{TOKEN}y"):
        out = SIGNED(text)
        assert KEY not in out and SECRET not in out and TOKEN[:12] not in out and REDACTED in out, out


def test_what_is_left_of_a_cut_secret_is_redacted():
    out = SIGNED(f"body: token={TOKEN[:30]}...")
    assert TOKEN[:12] not in out and out.endswith("...")


def test_credential_shaped_tokens_are_redacted_whoever_they_belong_to():
    other = "AKIA" + "SOMEONEELSE00002"
    cases = {
        f"Authorization: AWS4-HMAC-SHA256 Credential={other}/20240101/us-east-1/iot/aws4_request, "
        f"SignedHeaders=host;x-amz-date, Signature={SIG}": (other, SIG),
        f"GET /x?X-Amz-Credential={other}%2F20240101%2Fus-east-1&X-Amz-Signature={SIG}&a=1": (other, SIG),
        f'{{"X-Amz-Security-Token": "{OTHER_TOKEN}==", "k": 1}}': (OTHER_TOKEN,),
        f"{{'X-Amz-Security-Token': b'{OTHER_TOKEN}=='}}": (OTHER_TOKEN,),
        f"Signature:\n{SIG}": (SIG,),  # botocore's debug log
        f"the key {other} is unknown": (other,),
    }
    for text, secrets in cases.items():
        out = Redactor()(text)
        assert REDACTED in out and not [s for s in secrets if s in out], out
    assert Redactor()(f"{{'X-Amz-Security-Token': b'{OTHER_TOKEN}=='}}").endswith("'}")
    assert "&a=1" in Redactor()(f"X-Amz-Signature={SIG}&a=1")


def test_ordinary_text_and_public_keys_stay():
    redactor = Redactor().with_identities([("test", "test", None), PRIMARY_KEYS + (None,)])
    text = f"test the thing jf1a2b3c00001; key {PRIMARY_KEYS[0]}; SignedHeaders=host; a Signature is needed"
    assert redactor(text) == text
    assert redactor.key_ids == frozenset()


def test_redacted_documents_stay_valid_json_xml_and_html():
    doc = {"message": f"echo Credential={KEY}/x, Signature={SIG} \"X-Amz-Security-Token\": \"{TOKEN}\""}
    assert TOKEN not in json.loads(SIGNED(json.dumps(doc)))["message"]
    el = ET.Element("failure", message=doc["message"])
    el.text = doc["message"]
    parsed = ET.fromstring(SIGNED(ET.tostring(el, encoding="unicode")))
    assert REDACTED in parsed.text and KEY not in parsed.get("message")
    page = SIGNED(f"<pre>{escape(doc['message'])}</pre>")
    assert page.startswith("<pre>") and page.count("<") == 2 and SIG not in page


def test_a_session_redacts_the_console_and_the_log_and_ends_cleanly(caplog):
    out = io.StringIO()
    real_stdout, before = sys.stdout, redaction.active()
    sys.stdout = out
    try:
        with redaction.session():
            redaction.protect([(KEY, SECRET, TOKEN)])
            print(f"echo {TOKEN} {SECRET}")
            with caplog.at_level(logging.DEBUG, logger="jobfuzz.test"):
                logging.getLogger("jobfuzz.test").debug("sent %s with %s", KEY, f"Signature={SIG}")
    finally:
        sys.stdout = real_stdout
    assert out.getvalue() == f"echo {REDACTED} {REDACTED}\n"
    assert KEY not in caplog.text and SIG not in caplog.text and REDACTED in caplog.text
    assert redaction.active() is before and sys.stdout is real_stdout
