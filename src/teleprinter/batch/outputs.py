"""Where answers go: files in a folder (``<id>.txt``, written as ``.part`` and renamed when whole)
or whole ``[id] line`` lines on one shared stream, so concurrent answers never mix inside a line.

Every file a batch writes is opened by :func:`open_output`: one place to decide how.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO, Protocol

from teleprinter import private
from teleprinter.batch.items import BatchItem
from teleprinter.events import Event, Token

PART_SUFFIX = ".part"


def open_output(path: Path) -> IO[str]:
    """``path`` opened for writing an answer, line-buffered (a crash loses at most the line being written)."""
    return private.open_text(path, "w", buffering=1)  # 0600 when new: answers hold conversation content


class Output(Protocol):
    """Where one attempt's answer goes: a sink, then ``commit`` (complete) or ``abort``."""

    def handle(self, event: Event) -> None: ...

    def commit(self) -> None: ...

    def abort(self) -> None: ...


class FileOutput:
    """``<id>.txt.part`` while streaming, renamed to ``<id>.txt`` once complete."""

    def __init__(self, folder: Path, item_id: str) -> None:
        self.final = folder / f"{item_id}.txt"
        self.partial = folder / f"{item_id}.txt{PART_SUFFIX}"
        self._file: IO[str] | None = open_output(self.partial)

    def handle(self, event: Event) -> None:
        if type(event) is Token and event.text and self._file is not None:
            self._file.write(event.text)

    def commit(self) -> None:
        self._close()
        private.replace(self.partial, self.final)

    def abort(self) -> None:
        """Keep what arrived in the ``.part`` file; it never passes for a complete answer."""
        self._close()

    def _close(self) -> None:
        if self._file is not None:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            self._file = None


def is_complete(folder: Path, item: BatchItem) -> bool:
    return (folder / f"{item.id}.txt").is_file()


class LineWriter:
    """One shared stream; every write is whole lines, so answers never mix inside a line."""

    def __init__(
        self,
        stream: IO[str],
        printer: Callable[[str], None] | None = None,
        clean: Callable[[str], str] | None = None,
    ) -> None:
        self.stream = stream
        self._printer = printer
        self._clean = clean  # on a terminal: neutralise control characters from the model
        self._lock = threading.Lock()

    def write_lines(self, text: str) -> None:
        if self._clean is not None:
            text = self._clean(text)
        with self._lock:
            if self._printer is not None:
                self._printer(text)
            else:
                self.stream.write(text)
                self.stream.flush()


class PrefixedLines:
    """An answer as ``[id] line`` lines on a :class:`LineWriter`; a partial line waits for its end."""

    def __init__(self, writer: LineWriter, item_id: str) -> None:
        self.writer = writer
        self.prefix = f"[{item_id}] "
        self._pending = ""

    def handle(self, event: Event) -> None:
        if type(event) is not Token or not event.text:
            return
        text = self._pending + event.text
        head, newline, self._pending = text.rpartition("\n")
        if newline:
            self.writer.write_lines("".join(f"{self.prefix}{line}\n" for line in head.split("\n")))

    def commit(self) -> None:
        if self._pending:
            self.writer.write_lines(f"{self.prefix}{self._pending}\n")
            self._pending = ""

    def abort(self) -> None:
        self.commit()


def write_answer(folder: Path, item_id: str, text: str) -> None:
    """A whole answer written as :class:`FileOutput` does: ``.part`` first, renamed when complete."""
    from uuid import UUID

    output = FileOutput(folder, item_id)
    output.handle(Token(UUID(int=0), text))
    output.commit()
