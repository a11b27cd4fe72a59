"""Plain output for pipes and files: the text exactly as it arrived, no escape codes, no wrapping."""

from __future__ import annotations

from collections.abc import Callable
from typing import IO
from uuid import UUID

from teleprinter.events import Event, RunStarted, Token


class PlainRenderer:
    """Writes each token as it arrives, with ``prefix`` at the start of every line of the answer.

    Only answer text of visible runs is written: reasoning, tool calls and other event kinds,
    and the tokens of hidden (``nostream``) runs, are not the answer.

    With an empty prefix the output is byte-for-byte the streamed text. ``flush_each`` keeps
    the seed's behaviour (flush per token) so a reader on the other end of a pipe sees text live.
    ``sanitize`` (for a terminal that cannot move the cursor, ``TERM=dumb``) neutralises control
    characters in the text; pipes get the text untouched.
    """

    def __init__(
        self,
        stream: IO[str],
        prefix: str = "",
        *,
        flush_each: bool = True,
        sanitize: Callable[[str], str] | None = None,
    ) -> None:
        self.stream = stream
        self.prefix = prefix
        self.flush_each = flush_each
        self.sanitize = sanitize
        self._at_line_start = True
        self._wrote_any = False
        self._hidden: set[UUID] = set()
        self._last_run: UUID | None = None
        self._ends_newline = True

    def handle(self, event: Event) -> None:
        if type(event) is Token:
            if self._hidden and event.run_id in self._hidden:
                return
            if event.run_id is not self._last_run and event.run_id != self._last_run:
                self._switch_run(event.run_id)
            self.write(event.text)
        elif type(event) is RunStarted:
            if event.hidden:  # a ``nostream`` run (an internal classifier): not the answer
                self._hidden.add(event.run_id)
            elif self._wrote_any and not self._at_line_start and self.prefix:
                self.write("\n")

    def _switch_run(self, run_id: UUID) -> None:
        """Another run's text begins: it starts on a line of its own (parallel nodes, chained models)."""
        if self._last_run is not None and self._wrote_any and not self._ends_newline:
            self.write("\n")
        self._last_run = run_id

    def write(self, text: str) -> None:
        if self.sanitize is not None:
            text = self.sanitize(text)
        if not text:
            return
        if self.prefix:
            text = self._prefixed(text)
        self.stream.write(text)
        self._wrote_any = True
        self._ends_newline = text.endswith("\n")
        if self.flush_each:
            self.stream.flush()

    def _prefixed(self, text: str) -> str:
        lines = text.split("\n")
        out: list[str] = []
        for number, line in enumerate(lines):
            if number:
                out.append("\n")
                self._at_line_start = True
            if line:
                if self._at_line_start:
                    out.append(self.prefix)
                out.append(line)
                self._at_line_start = False
        return "".join(out)

    def close(self) -> None:
        """Flush what is buffered; a plain stream has no terminal state to restore."""
        self.stream.flush()
