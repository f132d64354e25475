"""One redactor for everything that leaves the process: no credential or signature in any output.

An endpoint may echo the signed request back (in a body botocore cannot parse, in an error
message), and that text travels into failure messages, reports, case files and console lines.
Rather than cleaning each place that quotes an answer, every output sink passes its final text
through ``redact``: the console (``sys.stdout``/``sys.stderr`` inside ``session()``), log records,
the JSON, JUnit and HTML reports, case files (``write_document``) and the ledger.

What is redacted (replaced by ``[redacted]``, which is plain text in JSON, XML and HTML alike):

- the access key id, secret access key and session token of every identity the run uses
  (``protect``, called once the target's identities are known), also URL-, JSON- or HTML-escaped,
  and any text that starts with the first 12 characters of one (what is left of a cut excerpt);
- whole-token patterns, whoever's credentials they hold: the value of ``Signature=``,
  ``X-Amz-Signature=``, ``Credential=``/``X-Amz-Credential=`` (key id and scope), and
  ``X-Amz-Security-Token``, in header (``Name: value``), query (``name=value``), JSON
  (``"name": "value"``) and Python (``'name': b'value'``) form; AWS-shaped access key ids
  (``AKIA``/``ASIA`` and 16 letters or digits).

Values shorter than 8 characters (an emulator's ``test``) are too common to be replaced wherever
they occur; the patterns above still catch them where a request carries them. The harness's own
emulator keys (``PRIMARY_KEYS``, ``SECOND_KEYS``) are public and stay, so that the reproduction
snippets of an emulator run work as printed.
"""

from __future__ import annotations

import contextlib
import html
import json
import logging
import re
import sys
import threading
from collections.abc import Iterable, Iterator
from typing import Any, TextIO
from urllib.parse import quote, quote_plus

__all__ = ["REDACTED", "Redactor", "active", "protect", "redact", "session"]

REDACTED = "[redacted]"
MIN_SECRET = 8
_PREFIX = 12  # a text that starts with this much of a secret is (what is left of) the secret
_VALUE_END = r"\s,;&\"'<>\\"
_SEP = r"[\"']?\s*[:=]\s*b?[\"']?"
_PATTERNS = (
    re.compile(rf"(?i)((?:X-Amz-)?Signature{_SEP})[0-9a-f]{{8,}}"),
    re.compile(rf"(?i)((?:X-Amz-)?Credential{_SEP})[^{_VALUE_END}]+"),
    re.compile(rf"(?i)(X-Amz-Security-Token{_SEP})[^{_VALUE_END}]+"),
    re.compile(r"()(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])"),
)


def _public_keys() -> frozenset[str]:
    from harness.targets import PRIMARY_KEYS, SECOND_KEYS

    return frozenset((*PRIMARY_KEYS, *SECOND_KEYS))


class Redactor:
    """Replaces known secrets and credential-shaped tokens in a text. Immutable: ``with_identities``
    makes a new one."""

    def __init__(self, secrets: Iterable[str] = (), key_ids: Iterable[str] = ()) -> None:
        public = _public_keys()
        self.key_ids = frozenset(k for k in key_ids if len(k) >= MIN_SECRET and k not in public)  # case files
        self.secrets = frozenset(s for s in secrets if len(s) >= MIN_SECRET and s not in public) | self.key_ids
        forms = {form for s in self.secrets for form in _escaped_forms(s)}
        alternatives = [re.escape(f[:_PREFIX]) + r"[A-Za-z0-9/+=%_~-]*" if len(f) > _PREFIX + 3 else re.escape(f)
                        for f in sorted(forms, key=len, reverse=True)]
        self._literal = re.compile("|".join(alternatives)) if alternatives else None

    def with_identities(self, identities: Iterable[tuple[str, str, str | None] | None]) -> Redactor:
        """This redactor and the access key id, secret key and session token of each identity."""
        idents = [i for i in identities if i]
        return Redactor(self.secrets | {v for i in idents for v in i[1:] if v},
                        self.key_ids | {i[0] for i in idents if i[0]})

    def __call__(self, text: str) -> str:
        if self._literal is not None:
            text = self._literal.sub(REDACTED, text)
        for pattern in _PATTERNS:
            text = pattern.sub(lambda m: m.group(1) + REDACTED, text)
        return text


def _escaped_forms(secret: str) -> set[str]:
    """The secret as it may appear in a URL, a JSON string or an HTML page."""
    return {secret, quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1],
            html.escape(secret), html.escape(secret, quote=False)}


_lock = threading.Lock()
_active = Redactor()


def active() -> Redactor:
    return _active


def redact(text: str) -> str:
    """``text`` with every secret the run knows of and every credential-shaped token replaced."""
    return _active(text)


def protect(identities: Iterable[tuple[str, str, str | None] | None]) -> None:
    """Add the access key id, secret key and session token of each identity to the redactor."""
    global _active
    with _lock:
        _active = _active.with_identities(identities)


class _RedactingStream:
    """A text stream whose every ``write`` is redacted first; everything else is the stream's."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(redact(text))
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextlib.contextmanager
def session() -> Iterator[None]:
    """While inside: ``sys.stdout``, ``sys.stderr`` and every log record created are redacted, and
    ``protect`` adds to a redactor of this session's own (the one before comes back afterwards)."""
    global _active
    before = (_active, sys.stdout, sys.stderr, logging.getLogRecordFactory())
    make_record = before[3]

    def record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        rec = make_record(*args, **kwargs)
        with contextlib.suppress(Exception):  # a message that cannot be formatted is logging's to report
            rec.msg, rec.args = redact(rec.getMessage()), ()
        if rec.exc_info and not rec.exc_text:
            rec.exc_text = redact(logging.Formatter().formatException(rec.exc_info))
        return rec

    _active = Redactor()
    sys.stdout, sys.stderr = _RedactingStream(sys.stdout), _RedactingStream(sys.stderr)
    logging.setLogRecordFactory(record)
    try:
        yield
    finally:
        _active, sys.stdout, sys.stderr = before[0], before[1], before[2]
        logging.setLogRecordFactory(make_record)
