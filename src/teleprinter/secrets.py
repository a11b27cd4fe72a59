"""Keep secrets out of everything teleprinter writes: errors, ``doctor``, ``--debug``, recordings.

Configuration registers every secret-looking value it reads (``*_API_KEY``, ``*_TOKEN``, ...)
and the password of every URL setting that carries one (``redis://user:pass@host``);
:func:`redact` then replaces any registered value in a text with its mask, and masks the
password of any URL it finds (:func:`mask_url`), registered or not. A process-wide
registry is deliberate: an error message can be built deep inside a provider or an HTTP
client that never saw our settings, and the CLI must still be able to scrub it.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable, Mapping
from urllib.parse import unquote, urlsplit

VISIBLE = 4
"""How many trailing characters of a secret stay visible, so a user can tell keys apart."""
MIN_SECRET_LENGTH = 8
"""Shorter values are not scrubbed from text: replacing a common word everywhere would garble messages."""
SHORT_SECRET = 12
"""Secrets shorter than this are masked whole: four characters of an eight-character key is half of it."""

_SECRET_NAME = re.compile(r"(API_?KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIALS?)$", re.IGNORECASE)

# scheme://user:PASSWORD@host: the password runs to the last "@" of the authority (RFC 3986 userinfo).
_URL_PASSWORD = re.compile(r"(?P<head>\b[A-Za-z][A-Za-z0-9+.\-]*://[^\s/?#@:]*:)(?P<password>[^\s/?#]+)(?=@)")
URL_MASK = "****"
"""What a URL's password is shown as: ``redis://user:****@host``."""

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
    """Register the values of every secret-looking setting in ``values``, and every URL's password."""
    register(*(value for name, value in values.items() if is_secret_name(name)))
    for value in values.values():
        register_url(value)


def mask_url(text: str) -> str:
    """``text`` with the password of each URL in it masked: ``redis://user:****@host:6379/0``.

    The user name, host, port and path stay visible (they say which server and account);
    a URL without a password is unchanged. Works on a bare URL and on a message quoting one.
    """
    if "://" not in text:
        return text
    return _URL_PASSWORD.sub(lambda match: match["head"] + URL_MASK, text)


def url_password(url: str) -> str | None:
    """The password in ``url`` (``rediss://user:pass@host`` gives ``pass``), or None."""
    if "://" not in url or "@" not in url:
        return None
    try:
        return urlsplit(url.strip()).password or None
    except ValueError:  # not a URL after all (a bad port, a stray bracket)
        return None


def register_url(url: str | None) -> None:
    """Register the password of ``url`` (as written and percent-decoded) so :func:`redact` scrubs it anywhere."""
    password = url_password(url) if url else None
    if password:
        register(password, unquote(password))


def forget_all() -> None:
    """Drop every registered secret (tests start from a clean registry)."""
    with _lock:
        _known.clear()


def redact(text: str, extra: Iterable[str] = ()) -> str:
    """``text`` with every registered secret (and each of ``extra``) replaced by its mask.

    Longest secrets go first so a key that contains another is replaced whole. URL passwords
    are masked too (:func:`mask_url`), including short ones that were never registered.
    """
    text = mask_url(text)
    with _lock:
        secrets = sorted({*_known, *(value for value in extra if value)}, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, mask(secret))
    return text


def registered() -> frozenset[str]:
    """The secrets registered so far (for :class:`StreamRedactor`)."""
    with _lock:
        return frozenset(_known)


class StreamRedactor:
    """Masks secrets in text that arrives in pieces (a token stream), even when one spans pieces.

    :meth:`feed` returns the part of the text seen so far that is safe to write: it holds back
    the shortest tail that could still grow into a secret (a tail that is a prefix of one), so a
    key split over tokens never reaches the output whole or in parts. :meth:`flush` returns what
    is held back when the stream ends. With no secrets it passes text through untouched.
    Each secret is replaced by :func:`mask`, as :func:`redact` does.
    """

    def __init__(self, secrets: Iterable[str]) -> None:
        self._secrets = sorted({value for value in secrets if value}, key=len, reverse=True)
        self._held = ""

    def feed(self, text: str) -> str:
        if not self._secrets:
            return text
        text = self._held + text
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, mask(secret))
        keep = self._open_tail(text)
        self._held = text[len(text) - keep :] if keep else ""
        return text[: len(text) - keep]

    def flush(self) -> str:
        held, self._held = self._held, ""
        return held

    def _open_tail(self, text: str) -> int:
        """Length of the longest tail of ``text`` that is a proper prefix of a secret (0 if none)."""
        longest = 0
        for secret in self._secrets:
            for size in range(min(len(secret) - 1, len(text)), longest, -1):
                if secret.startswith(text[-size:]):
                    longest = size
                    break
        return longest


class RedactingFilter(logging.Filter):
    """A logging filter that masks registered secrets in each record (``--debug`` output)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
