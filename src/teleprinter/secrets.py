"""Keep secrets out of everything teleprinter writes: errors, ``doctor``, ``--debug``, recordings.

Configuration registers every secret-looking value it reads (``*_API_KEY``, ``*_TOKEN``, ...);
:func:`redact` then replaces any registered value in a text with its mask. A process-wide
registry is deliberate: an error message can be built deep inside a provider or an HTTP
client that never saw our settings, and the CLI must still be able to scrub it.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable, Mapping

VISIBLE = 4
"""How many trailing characters of a secret stay visible, so a user can tell keys apart."""
MIN_SECRET_LENGTH = 8
"""Shorter values are not scrubbed from text: replacing a common word everywhere would garble messages."""
SHORT_SECRET = 12
"""Secrets shorter than this are masked whole: four characters of an eight-character key is half of it."""

_SECRET_NAME = re.compile(r"(API_?KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIALS?)$", re.IGNORECASE)

_known: set[str] = set()
_lock = threading.Lock()


def is_secret_name(name: str) -> bool:
    """True for setting names that hold credentials (``AZURE_OPENAI_API_KEY``, ``HF_TOKEN``...)."""
    return bool(_SECRET_NAME.search(name))


def mask(value: str | None) -> str:
    """All but the last four characters replaced: ``****wxyz``; short or empty values fully hidden."""
    if not value:
        return "(empty)"
    if len(value) < SHORT_SECRET:
        return "****"
    return "****" + value[-VISIBLE:]


def register(*values: str | None) -> None:
    """Remember secret values so :func:`redact` scrubs them from any text."""
    with _lock:
        for value in values:
            if value and len(value.strip()) >= MIN_SECRET_LENGTH:
                _known.add(value)
                if value.strip() != value:
                    _known.add(value.strip())


def register_settings(values: Mapping[str, str]) -> None:
    """Register the values of every secret-looking setting in ``values``."""
    register(*(value for name, value in values.items() if is_secret_name(name)))


def forget_all() -> None:
    """Drop every registered secret (tests start from a clean registry)."""
    with _lock:
        _known.clear()


def redact(text: str, extra: Iterable[str] = ()) -> str:
    """``text`` with every registered secret (and each of ``extra``) replaced by its mask.

    Longest secrets go first so a key that contains another is replaced whole.
    """
    with _lock:
        secrets = sorted({*_known, *(value for value in extra if value)}, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, mask(secret))
    return text


def mask_url(url: str) -> str:
    """``url`` with its password (``redis://user:pw@host``) replaced by ``****``; other parts kept."""
    return _URL_PASSWORD.sub(r"\1****@", url)


_URL_PASSWORD = re.compile(r"^([a-z][a-z0-9+.-]*://[^:/@]*:)[^/]*@", re.IGNORECASE)


class RedactingFilter(logging.Filter):
    """A logging filter that masks registered secrets in each record (``--debug`` output)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
