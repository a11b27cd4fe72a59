"""Files the user names: read (prompts, replays, transcripts) or written (recordings), each failure one line."""

from __future__ import annotations

from pathlib import Path
from typing import IO

from teleprinter.errors import ConfigError


def read_user_text(
    path: str | Path, what: str, *, error: type[ConfigError] = ConfigError, newline: str | None = None
) -> str:
    """The file's UTF-8 text; ``what`` names it in messages ("replay file not found: x.txt").

    ``newline=""`` keeps ``\\r\\n`` as written (replays must come back byte for byte)."""
    try:
        with open(Path(path).expanduser(), encoding="utf-8", newline=newline) as handle:
            return handle.read()
    except FileNotFoundError as failure:
        raise error(f"{what} not found: {path}") from failure
    except UnicodeDecodeError as failure:
        raise error(f"{what} is not UTF-8 text: {path}") from failure
    except OSError as failure:
        raise error(f"cannot read {what} {path}: {failure.strerror}") from failure


def open_user_output(path: str | Path, what: str) -> IO[str]:
    """``path`` opened for writing UTF-8 text, created private (0600; see :mod:`teleprinter.private`).

    A folder that does not exist, a directory or no permission is a :class:`ConfigError` naming
    ``what`` ("cannot write the recording /x/y.jsonl: No such file or directory").
    """
    from teleprinter import private

    try:
        return private.open_text(Path(path).expanduser(), "w")
    except OSError as failure:
        reason = failure.strerror or type(failure).__name__
        raise ConfigError(
            f"cannot write {what} {path}: {reason}", "name a file in a folder you can write to"
        ) from failure


def decode_user_bytes(data: bytes, what: str, *, error: type[ConfigError] = ConfigError) -> str:
    """``data`` as UTF-8 (a BOM is dropped); bytes that are not UTF-8 are a usage error naming the first one.

    No guess at another encoding: a cp1252 "é" and a Latin-1 one are the same byte, and a
    wrong guess would send the model text the user never wrote.
    """
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as failure:
        byte = data[failure.start : failure.start + 1].hex()
        raise error(
            f"{what} is not UTF-8 text (byte 0x{byte} at offset {failure.start})",
            "convert it first, e.g. iconv -f cp1252 -t utf-8",
        ) from failure
