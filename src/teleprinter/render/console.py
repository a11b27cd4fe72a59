"""The console renderer: a sink that shows an answer on a terminal in frames.

:func:`teleprinter.render.factory.make_renderer` picks the renderer for a stream; any terminal
that can move the cursor gets :class:`AgentRenderer` (a :class:`TerminalRenderer` drawing every
run apart: frames, wrapping by cells, Markdown, status line). Every renderer has ``close()``,
which must run on every exit path: it draws what was received and puts the terminal back as it was.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import IO, Protocol
from uuid import UUID

from teleprinter.events import Event, RunEnded, RunFailed, RunStarted, Token
from teleprinter.render.factory import make_renderer as make_renderer  # its home before
from teleprinter.render.layout import Layout, RawLayout
from teleprinter.render.markdown import MarkdownLayout
from teleprinter.render.region import LiveRegion
from teleprinter.render.sanitize import sanitize
from teleprinter.render.status import SPIN_INTERVAL, StatusLine
from teleprinter.render.style import encode
from teleprinter.render.terminal import Capabilities, query_size, watch_resize
from teleprinter.render.writer import FRAME_INTERVAL, FrameWriter
from teleprinter.sinks.stats import Stats, summary_line

HIDE_CURSOR, SHOW_CURSOR = "\x1b[?25l", "\x1b[?25h"
AUTOWRAP_OFF, AUTOWRAP_ON = "\x1b[?7l", "\x1b[?7h"
RESET = "\x1b[0m"
TAKE = HIDE_CURSOR + AUTOWRAP_OFF
RESTORE = RESET + AUTOWRAP_ON + SHOW_CURSOR


class Renderer(Protocol):
    """A sink that draws events and must be closed (flush what it holds, restore the terminal)."""

    def handle(self, event: Event) -> None: ...

    def close(self) -> None: ...


class TerminalRenderer:
    """Streams answers onto a terminal in frames; see the ``render`` modules for each part.

    While a run streams, the cursor is hidden and auto-wrap is off (rows are cut by us, so the
    terminal must not wrap them again); both come back when the run ends and in :meth:`close`.

    Resizes: on SIGWINCH the next frame redraws at the new size. Where there is no such signal
    (Windows) or it cannot be installed (not the main thread), every frame asks the terminal
    its size (``size``, by default one ``os.get_terminal_size`` call), so rows are never drawn
    wider than a terminal that shrank and cut at its margin.
    """

    def __init__(
        self,
        stream: IO[str],
        capabilities: Capabilities,
        *,
        prefix: str = "",
        markdown: bool = True,
        status_stream: IO[str] | None = None,
        model_name: str = "",
        clock: Callable[[], float] = time.monotonic,
        interval: float = FRAME_INTERVAL,
        background: bool = True,
        watch: bool = True,
        size: Callable[[], tuple[int, int] | None] | None = None,
    ) -> None:
        self.stream = stream
        self.capabilities = capabilities
        self.width, self.height = capabilities.width, capabilities.height
        prefix = sanitize(prefix)
        self.layout: Layout = (
            MarkdownLayout(prefix, capabilities.color) if markdown else RawLayout(prefix, capabilities.color)
        )
        self.region = LiveRegion()
        self.status_stream = status_stream
        self.status = StatusLine(model_name, clock) if status_stream is not None else None
        self.stats = Stats()
        self.summary_written = False
        self.writer = FrameWriter(
            stream,
            self._render,
            interval=interval,
            clock=clock,
            synchronized=capabilities.synchronized,
            background=background,
        )
        self._taken = False  # cursor hidden and auto-wrap off
        self._finishing = False
        self._closed = False
        self._resized: tuple[int, int] | None = None
        self._ends_line = True  # the text so far ends with a newline (or there is none)
        self._hidden: set[UUID] = set()
        self._fed = True  # an event reached the layout since it was last laid out
        self._laid_out: tuple[int, int, list[str]] = (0, 0, [])  # (width, cap, live rows) of that layout
        stop = watch_resize(stream, self._on_resize) if watch else _nothing
        self._stop_watching = stop or _nothing
        self._poll_size = None if stop is not None else (size or (lambda: query_size(stream)))

    def handle(self, event: Event) -> None:
        kind = type(event)
        with self.writer.lock:
            self._fed = True
            if kind is Token:
                text = event.text  # type: ignore[union-attr]
                if not text or (self._hidden and event.run_id in self._hidden):
                    return  # a hidden (``nostream``) run's text is not the answer
                self.stats.handle(event)
                if self.status is not None:
                    self.status.handle(event)
                text = sanitize(text)
                self.layout.feed(text)
                self._ends_line = text.endswith("\n")
                if self._closed:  # a straggler after close(): show it, and leave the terminal restored
                    self._finishing = True
                    self.writer.frame()
                else:
                    self.writer.request()
                return
            if self._closed:  # no status line or run bookkeeping once closed
                return
            self.stats.handle(event)
            if self.status is not None:
                self.status.handle(event)
            if kind is RunStarted:
                if event.hidden:  # type: ignore[union-attr]
                    self._hidden.add(event.run_id)
                    return
                self._start_run()
            elif kind is RunEnded or kind is RunFailed:
                self._end_run()

    def close(self) -> None:
        """Draw everything received, erase the status line, restore the terminal; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        self._stop_watching()
        self.writer.stop()
        try:
            with self.writer.lock:
                self._finishing = True
                self.writer.frame()
        except (OSError, ValueError):
            pass  # the terminal is gone (EPIPE, EIO, closed): nothing to show, and the first error must win
        finally:
            if self._taken:
                self._taken = False
                _quietly(self.stream, RESTORE)
        self._write_summary()

    def _start_run(self) -> None:
        if not self._ends_line:
            self.layout.feed("\n")
            self._ends_line = True
        self.writer.set_heartbeat(SPIN_INTERVAL if self.status is not None else None)
        self.writer.request()

    def _end_run(self) -> None:
        self.writer.set_heartbeat(None)
        self._finishing = True
        self.writer.frame()

    def _on_resize(self, columns: int, lines: int) -> None:
        self._resized = (columns, lines)  # applied by the next frame; a signal handler must not draw

    def _render(self) -> str:
        parts: list[str] = []
        if self._poll_size is not None:
            now = self._poll_size()
            if now is not None and now != (self.width, self.height):
                self._resized = now
        if self._resized is not None:
            (self.width, self.height), self._resized = self._resized, None
            parts.append(self.region.clear(self.width))
        if self._finishing:
            self._finishing = False
            parts.append(self.region.frame(self.layout.finish(self.width), []))
            if self._taken:
                self._taken = False
                parts.append(RESTORE)
            return "".join(parts)
        status = None
        if self.status is not None and self.status.active:
            status = encode(self.status.spans(self.width), self.capabilities.color)
        cap = self.height - 1 - (status is not None)
        final, live = self._layout(cap)
        frame = self.region.frame(final, live, status)
        if frame and not self._taken:
            self._taken = True
            parts.append(TAKE)
        parts.append(frame)
        return "".join(parts)

    def _layout(self, cap: int) -> tuple[list[str], list[str]]:
        """The layout's (final, live) rows; a frame with nothing new (the status line's heartbeat while the
        model is silent, ~10 a second) reuses the live rows instead of laying the open block out again."""
        width, height, live = self._laid_out
        if not self._fed and (width, height) == (self.width, cap):
            return [], live
        final, live = self.layout.update(self.width, cap)
        self._fed, self._laid_out = False, (self.width, cap, live)
        return final, live

    def _write_summary(self) -> None:
        if self.status_stream is None or not self.stats.runs:
            return
        _quietly(self.status_stream, summary_line(self.stats.last) + "\n")
        self.summary_written = True


def _nothing() -> None:
    return None


def _quietly(stream: IO[str], text: str) -> None:
    """Write on the way out; a terminal that is gone must not hide the original error."""
    try:
        stream.write(text)
        stream.flush()
    except (OSError, ValueError):
        pass
