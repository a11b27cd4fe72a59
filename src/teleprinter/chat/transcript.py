"""Transcripts: crash-safe JSONL appended turn by turn, Markdown for people, and --resume.

JSONL format, one object per line (the same for ``--transcript``, ``/save x.jsonl`` and ``--resume``)::

    {"type": "system", "text": "Be brief.", "time": "..."}
    {"type": "turn", "index": 0, "user": "...", "assistant": "...", "status": "complete", "model": "...",
     "time": "...", "tokens": 12}
    {"type": "reset", "time": "..."}

``status`` is ``complete`` or ``interrupted`` (the answer was stopped with Ctrl-C and is partial).
A turn line whose ``index`` is already taken replaces that turn and those after it (``/retry``).
Each line is written with one ``write`` on an ``O_APPEND`` descriptor and fsynced, so a
``kill -9`` loses at most the turn in progress and never leaves a torn line behind.
New transcripts and ``/save`` files are created 0600 (:mod:`teleprinter.private`); an existing
file keeps its mode. Registered secrets (API keys, URL passwords) are masked in every line.
"""

from __future__ import annotations

import contextlib
import html
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

from teleprinter import private
from teleprinter.chat.session import INTERRUPTED_MARK, ChatSession, Turn, now_iso
from teleprinter.errors import ConfigError
from teleprinter.secrets import redact
from teleprinter.textfile import read_user_text

RECORD_TYPES = ("system", "turn", "reset")
_TURN_FIELDS = (
    "user", "assistant", "status", "error", "model", "time", "tokens", "reasoning", "tools", "finish_reason"
)


def turn_record(index: int, turn: Turn) -> dict[str, Any]:
    record: dict[str, Any] = {"type": "turn", "index": index}
    record.update({key: value for key, value in asdict(turn).items() if value is not None})
    for key in ("reasoning", "tools"):  # written only when the turn had them
        if not record.get(key):
            record.pop(key, None)
    return record


def system_record(text: str | None) -> dict[str, Any]:
    return {"type": "system", "text": text, "time": now_iso()}


def reset_record() -> dict[str, Any]:
    return {"type": "reset", "time": now_iso()}


def _line(record: dict[str, Any]) -> bytes:
    """One JSONL line; registered secrets (API keys in an error message) are masked."""
    return (redact(json.dumps(record, ensure_ascii=False)) + "\n").encode("utf-8")


class TranscriptWriter:
    """Appends records to a JSONL file, each one durable before :meth:`write` returns."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self._fd: int | None = private.open_fd(self.path, os.O_WRONLY | os.O_APPEND)
        except OSError as error:
            raise ConfigError(f"cannot open transcript {self.path}: {error.strerror}") from error
        if self.path.stat().st_size and not self.path.read_bytes().endswith(b"\n"):
            os.write(self._fd, b"\n")  # a line torn by an older crash must not swallow ours

    def write(self, record: dict[str, Any]) -> None:
        if self._fd is None:
            return
        os.write(self._fd, _line(record))
        os.fsync(self._fd)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def session_records(session: ChatSession) -> Iterator[dict[str, Any]]:
    """The records that rebuild ``session`` from nothing."""
    if session.system:
        yield system_record(session.system)
    for index, turn in enumerate(session.turns):
        yield turn_record(index, turn)


def save_jsonl(session: ChatSession, path: str | Path) -> None:
    private.write_bytes(path, b"".join(_line(record) for record in session_records(session)))


def markdown(session: ChatSession) -> str:
    """The conversation for people: one heading per speaker, interrupted answers marked."""
    parts = ["# Chat transcript\n"]
    if session.system:
        parts.append(f"**System:** {session.system}\n")
    for turn in session.turns:
        parts.append(f"## You\n\n{turn.user}\n")
        title = f"## Assistant ({turn.model})" if turn.model else "## Assistant"
        body = turn.assistant.strip() or ("" if turn.tools else "(no text)")
        parts.append(f"{title}\n")
        if turn.reasoning.strip():
            parts.append(details("Reasoning", turn.reasoning.strip()))
        parts.extend(details(f"Tool call: {call.get('name', 'tool')}", tool_section(call)) for call in turn.tools)
        if body:
            parts.append(f"{body}\n")
        if turn.status == "interrupted":
            parts.append(f"*{INTERRUPTED_MARK}*\n")
    return "\n".join(parts) + "\n"


def details(summary: str, body: str) -> str:
    """A collapsible HTML ``<details>`` section (GitHub, GitLab and most Markdown viewers fold it)."""
    return f"<details>\n<summary>{html.escape(summary)}</summary>\n\n{body}\n\n</details>\n"


def _fenced(text: str, info: str = "") -> str:
    fence = "```"
    while fence in text:
        fence += "`"
    return f"{fence}{info}\n{text}\n{fence}"


def tool_section(call: dict[str, Any]) -> str:
    """A tool call's arguments and its output (or error), each in a code block."""
    args = call.get("args", "")
    if not isinstance(args, str):
        args = json.dumps(args, ensure_ascii=False, indent=2, default=str)
    else:
        with contextlib.suppress(ValueError):
            args = json.dumps(json.loads(args), ensure_ascii=False, indent=2)
    parts = ["Arguments:\n\n" + _fenced(args or "{}", "json")]
    if "error" in call:
        parts.append("Error:\n\n" + _fenced(str(call["error"])))
    elif "output" in call:
        parts.append("Result:\n\n" + _fenced(str(call["output"])))
    return "\n\n".join(parts)


def save(session: ChatSession, path: str | Path) -> str:
    """Write the conversation to ``path``: JSONL when it ends in ``.jsonl``, else Markdown."""
    target = Path(path).expanduser()
    if target.suffix.lower() == ".jsonl":
        save_jsonl(session, target)
        return "jsonl"
    private.write_text(target, redact(markdown(session)))
    return "markdown"


def read_records(path: str | Path) -> list[dict[str, Any]]:
    """Records of a JSONL transcript; torn lines (a crash mid-write) are skipped."""
    lines = read_user_text(path, "transcript").splitlines()
    records = [record for record in map(_record, lines) if record is not None]
    if any(line.strip() for line in lines) and not records:
        raise ConfigError(f"{path} is not a chat transcript", "resume a JSONL file from --transcript or /save x.jsonl")
    return records


def _record(line: str) -> dict[str, Any] | None:
    try:
        record = json.loads(line)
    except ValueError:
        return None
    return record if isinstance(record, dict) and record.get("type") in RECORD_TYPES else None


def apply_records(session: ChatSession, records: Iterable[dict[str, Any]]) -> ChatSession:
    """Replay records onto ``session``: the conversation as it stood when the file was last written."""
    for record in records:
        kind = record.get("type")
        if kind == "system":
            session.system = record.get("text") or None
        elif kind == "reset":
            session.reset()
        elif kind == "turn":
            index = int(record.get("index", len(session.turns)))
            session.place(min(index, len(session.turns)), _turn(record))
    return session


def _turn(record: dict[str, Any]) -> Turn:
    values = {key: record[key] for key in _TURN_FIELDS if key in record}
    values["user"] = str(values.get("user", ""))
    values["assistant"] = str(values.get("assistant", ""))
    if values.get("status") not in ("complete", "interrupted"):
        values["status"] = "complete"
    return Turn(**values)


def load(path: str | Path, system: str | None = None) -> ChatSession:
    """The conversation saved in ``path``; ``system`` (from --system) overrides the saved one."""
    session = apply_records(ChatSession(), read_records(path))
    if system:
        session.system = system
    return session
