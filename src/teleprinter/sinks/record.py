"""Write every stream event as one JSON line, so a run can be replayed or inspected later.

The objects are :mod:`teleprinter.codec`'s (the wire format the Redis relay shares), plus
``t``: seconds since the recording began. The first line also carries ``"version"``
(:data:`teleprinter.codec.FORMAT_VERSION`); recordings without one are format 1 and still replay.
``{"event": "start", "t": 0.0, "version": 2, "run_id": "...", "model": "...", "node": "agent"}``
``{"event": "token", "t": 0.12, "run_id": "...", "text": "Hel", "index": 0}``
``{"event": "reasoning", ...}`` ``{"event": "tool_call", ...}`` ``{"event": "tool_start", ...}``
``{"event": "custom", ...}`` ``{"event": "end", ...}`` ``{"event": "error", "message": "...", ...}``
"""

from __future__ import annotations

from collections.abc import Callable
from typing import IO

from teleprinter.codec import FORMAT_VERSION, dumps, encode
from teleprinter.events import Event


def _redact_nothing(text: str) -> str:
    return text


class Recorder:
    """A sink appending JSON lines to ``stream``; each line is flushed so a crash loses at most one.

    ``redact`` masks secrets in error messages before they are written.
    """

    def __init__(self, stream: IO[str], redact: Callable[[str], str] = _redact_nothing) -> None:
        self._stream = stream
        self._redact = redact
        self._origin: float | None = None

    def handle(self, event: Event) -> None:
        record = encode(event, self._redact)
        if self._origin is None:
            self._origin = event.time
            record = {"event": record.pop("event"), "version": FORMAT_VERSION, **record}
        record["t"] = round(event.time - self._origin, 6)
        self._stream.write(dumps(record) + "\n")
        self._stream.flush()
