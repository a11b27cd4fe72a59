"""Write every stream event as one JSON line, so a run can be replayed or inspected later.

Format (one object per line, ``t`` is seconds since the recording began):
``{"event": "start", "t": 0.0, "model": "...", "run_id": "..."}``
``{"event": "token", "t": 0.12, "text": "Hel", "run_id": "..."}``
``{"event": "custom", "t": 0.2, "name": "...", "data": ..., "run_id": "..."}``
``{"event": "end", "t": 0.9, "usage": {...}, "finish_reason": "stop", "run_id": "..."}``
``{"event": "error", "t": 0.5, "message": "...", "interrupted": false, "run_id": "..."}``
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import IO, Any
from uuid import UUID

from teleprinter.events import Custom, Event, RunEnded, RunFailed, RunStarted, Token
from teleprinter.secrets import StreamRedactor


def _redact_nothing(text: str) -> str:
    return text


class Recorder:
    """A sink appending JSON lines to ``stream``; each line is flushed so a crash loses at most one."""

    def __init__(
        self, stream: IO[str], redact: Callable[[str], str] = _redact_nothing, secrets: Iterable[str] = ()
    ) -> None:
        """``redact`` cleans error messages; ``secrets`` are masked in the answer's tokens too.

        With ``secrets``, a token that ends in what could be the start of a secret is held back
        until the next one shows it is not (:class:`~teleprinter.secrets.StreamRedactor`), so a
        key the model repeats never reaches the file, even split over tokens.
        """
        self._stream = stream
        self._redact = redact
        self._secrets = frozenset(secrets)
        self._redactors: dict[UUID, StreamRedactor] = {}
        self._origin: float | None = None

    def handle(self, event: Event) -> None:
        if self._origin is None:
            self._origin = event.time
        if self._secrets:
            if isinstance(event, Token):
                event = event._replace(text=self._redactor(event.run_id).feed(event.text))
                if not event.text:
                    return
            elif isinstance(event, (RunEnded, RunFailed)) and event.run_id in self._redactors:
                held = self._redactors.pop(event.run_id).flush()
                if held:
                    self._write(Token(event.run_id, held, time=event.time))
        self._write(event)

    def _redactor(self, run_id: UUID) -> StreamRedactor:
        redactor = self._redactors.get(run_id)
        if redactor is None:
            redactor = self._redactors[run_id] = StreamRedactor(self._secrets)
        return redactor

    def _write(self, event: Event) -> None:
        assert self._origin is not None
        record = self._record(event)
        record["t"] = round(event.time - self._origin, 6)
        record["run_id"] = str(event.run_id)
        self._stream.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
        self._stream.flush()

    def _record(self, event: Event) -> dict[str, Any]:
        if isinstance(event, Token):
            return {"event": "token", "text": event.text}
        if isinstance(event, RunStarted):
            return {"event": "start", "model": event.model}
        if isinstance(event, RunEnded):
            return {"event": "end", "usage": event.usage, "finish_reason": event.finish_reason}
        if isinstance(event, Custom):
            return {"event": "custom", "name": event.name, "data": event.data}
        assert isinstance(event, RunFailed)
        message = self._redact(str(event.error) or type(event.error).__name__)
        return {"event": "error", "message": message, "interrupted": event.interrupted}
