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

from collections.abc import Callable, Iterable
from typing import IO
from uuid import UUID

from teleprinter.codec import FORMAT_VERSION, dumps, encode
from teleprinter.events import Event, Reasoning, RunEnded, RunFailed, Token
from teleprinter.secrets import StreamRedactor

_STREAMED_TEXT = (Token, Reasoning)
"""Events whose ``text`` arrives in pieces: where a repeated key could be split."""


def _redact_nothing(text: str) -> str:
    return text


class Recorder:
    """A sink appending JSON lines to ``stream``; each line is flushed so a crash loses at most one.

    ``redact`` masks secrets in error messages before they are written. With ``secrets``, they
    are masked in the answer's and the reasoning's text too: a piece that ends in what could be
    the start of a secret is held back until the next one shows it is not
    (:class:`~teleprinter.secrets.StreamRedactor`), so a key the model repeats never reaches the
    file, even split over tokens; what is held is written before the run's end or error line.
    """

    def __init__(
        self, stream: IO[str], redact: Callable[[str], str] = _redact_nothing, secrets: Iterable[str] = ()
    ) -> None:
        self._stream = stream
        self._redact = redact
        self._secrets = frozenset(secrets)
        self._redactors: dict[tuple[UUID, type], StreamRedactor] = {}
        self._origin: float | None = None

    def handle(self, event: Event) -> None:
        if self._secrets:
            if isinstance(event, _STREAMED_TEXT):
                text = self._redactor(event.run_id, type(event)).feed(event.text)
                if not text:
                    return
                event = event._replace(text=text)
            elif isinstance(event, (RunEnded, RunFailed)):
                self._write_held(event)
        self._write(event)

    def _redactor(self, run_id: UUID, kind: type) -> StreamRedactor:
        redactor = self._redactors.get((run_id, kind))
        if redactor is None:
            redactor = self._redactors[(run_id, kind)] = StreamRedactor(self._secrets)
        return redactor

    def _write_held(self, ended: RunEnded | RunFailed) -> None:
        for kind in _STREAMED_TEXT:
            redactor = self._redactors.pop((ended.run_id, kind), None)
            held = redactor.flush() if redactor is not None else ""
            if held:
                self._write(kind(ended.run_id, held, time=ended.time))

    def _write(self, event: Event) -> None:
        record = encode(event, self._redact)
        if self._origin is None:
            self._origin = event.time
            record = {"event": record.pop("event"), "version": FORMAT_VERSION, **record}
        record["t"] = round(event.time - self._origin, 6)
        self._stream.write(dumps(record) + "\n")
        self._stream.flush()
