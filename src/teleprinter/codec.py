"""Events as JSON objects: the wire format shared by recordings (JSONL) and the Redis relay.

One object per event, ``{"event": KIND, "run_id": "...", ...fields}``; ``t`` (time) is left to
the writer (a recording stores seconds since it began, the relay the producer's clock).
:data:`FORMAT_VERSION` is written by producers in their first object; objects without a
version are format 1 (recordings from before agent events) and decode the same way, since
format 2 only added kinds and optional fields.

``encode`` never raises for odd payloads: values JSON cannot hold (LangChain messages,
pydantic models, dataclasses, exceptions) become their ``model_dump()``/fields/``str``.
``decode`` raises :class:`CodecError` (a ``ValueError``) for an object it cannot read.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping
from typing import Any
from uuid import UUID

from teleprinter.events import (
    ContentPart,
    Custom,
    Event,
    NodeEnded,
    NodeStarted,
    Reasoning,
    RunEnded,
    RunFailed,
    RunStarted,
    Token,
    ToolCallDelta,
    ToolEnded,
    ToolStarted,
)

FORMAT_VERSION = 2

KINDS: dict[type, str] = {
    RunStarted: "start",
    Token: "token",
    Reasoning: "reasoning",
    ToolCallDelta: "tool_call",
    ContentPart: "part",
    Custom: "custom",
    RunEnded: "end",
    RunFailed: "error",
    ToolStarted: "tool_start",
    ToolEnded: "tool_end",
    NodeStarted: "node_start",
    NodeEnded: "node_end",
}


class CodecError(ValueError):
    """An object that is not a teleprinter event (unknown kind, missing or malformed field)."""


class RecordedError(Exception):
    """The error of a :class:`RunFailed` read back from a recording or a relay (only its message)."""


def _identity(text: str) -> str:
    return text


def encode(event: Event, redact: Callable[[str], str] = _identity) -> dict[str, Any]:
    """``event`` as a JSON-ready dict (without ``t``); error messages pass through ``redact``."""
    kind = KINDS[type(event)]
    if isinstance(event, RunFailed):
        message = redact(str(event.error) or type(event.error).__name__)
        return {"event": kind, "run_id": str(event.run_id), "message": message, "interrupted": event.interrupted}
    fields = event._asdict() if isinstance(event, tuple) else _dataclass_fields(event)
    record: dict[str, Any] = {"event": kind}
    for name, value in fields.items():
        if name == "time" or value is None or value == () or (name == "hidden" and not value):
            continue
        record[name] = _plain(value)
    return record


def dumps(record: Mapping[str, Any]) -> str:
    """One JSON line (no newline), non-ASCII kept, unknown objects made plain."""
    return json.dumps(record, ensure_ascii=False, default=_fallback)


def decode(record: Mapping[str, Any], time: float = 0.0) -> Event:
    """The event ``record`` describes (``time`` fills its ``time``); raises :class:`CodecError`."""
    kind = record.get("event")
    decoder = _DECODERS.get(kind) if isinstance(kind, str) else None
    if decoder is None:
        raise CodecError(f"unknown event kind {kind!r}")
    try:
        return decoder(record, _run_id(record.get("run_id")), time)
    except (TypeError, ValueError, KeyError) as error:
        raise CodecError(f"malformed {kind!r} event: {error}") from error


def _dataclass_fields(event: Any) -> dict[str, Any]:
    return {f.name: getattr(event, f.name) for f in dataclasses.fields(event)}


def _plain(value: Any) -> Any:
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, tuple):
        return [_plain(item) for item in value]
    return value


def _fallback(value: Any) -> Any:
    if isinstance(value, (UUID, BaseException)):
        return str(value)
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        return dump()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    return str(value)


def _run_id(value: Any) -> UUID:
    return UUID(str(value)) if value else UUID(int=0)


def _optional_uuid(value: Any) -> UUID | None:
    return UUID(str(value)) if value else None


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(str(item) for item in value or ())


def _text(record: Mapping[str, Any], name: str = "text") -> str:
    value = record.get(name, "")
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string")
    return value


def _start(r: Mapping[str, Any], run_id: UUID, t: float) -> Event:
    return RunStarted(
        run_id,
        str(r.get("model") or ""),
        _optional_uuid(r.get("parent_run_id")),
        _strings(r.get("tags")),
        t,
        r.get("node"),
        _strings(r.get("namespace")),
        bool(r.get("hidden", False)),
    )


def _end(r: Mapping[str, Any], run_id: UUID, t: float) -> Event:
    return RunEnded(run_id, r.get("usage"), r.get("finish_reason"), t)


def _error(r: Mapping[str, Any], run_id: UUID, t: float) -> Event:
    message = str(r.get("message") or "recorded error")
    return RunFailed(run_id, RecordedError(message), bool(r.get("interrupted", False)), t)


_DECODERS: dict[str, Callable[[Mapping[str, Any], UUID, float], Event]] = {
    "start": _start,
    "token": lambda r, i, t: Token(i, _text(r), int(r.get("index", 0)), t, tuple(r.get("parts") or ())),
    "reasoning": lambda r, i, t: Reasoning(i, _text(r), int(r.get("index", 0)), t),
    "tool_call": lambda r, i, t: ToolCallDelta(
        i, str(r.get("call_id", "")), str(r.get("name", "")), _text(r, "args"), int(r.get("index", 0)), t
    ),
    "part": lambda r, i, t: ContentPart(i, r.get("block"), t),
    "custom": lambda r, i, t: Custom(
        i, str(r.get("name", "")), r.get("data"), t, r.get("node"), _strings(r.get("namespace"))
    ),
    "end": _end,
    "error": _error,
    "tool_start": lambda r, i, t: ToolStarted(
        i,
        str(r["name"]),
        r.get("input"),
        _optional_uuid(r.get("parent_run_id")),
        r.get("call_id"),
        t,
        r.get("node"),
        _strings(r.get("namespace")),
    ),
    "tool_end": lambda r, i, t: ToolEnded(i, r.get("output"), r.get("error"), float(r.get("duration", 0.0)), t),
    "node_start": lambda r, i, t: NodeStarted(
        i, str(r["node"]), _strings(r.get("namespace")), _optional_uuid(r.get("parent_run_id")), t
    ),
    "node_end": lambda r, i, t: NodeEnded(
        i,
        str(r["node"]),
        _strings(r.get("namespace")),
        r.get("update"),
        r.get("error"),
        float(r.get("duration", 0.0)),
        t,
    ),
}
