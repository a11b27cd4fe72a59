"""The live status line: a spinner while waiting, then tokens, tokens/s and elapsed time.

It is drawn by the same frame writer as the answer (as the last row of the live region), so it
can never interleave with streamed text, and only on a terminal. At the end it is erased and
replaced by :func:`teleprinter.sinks.stats.summary_line`.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from teleprinter.events import Custom, Event, RunEnded, RunFailed, RunStarted, Token
from teleprinter.render.sanitize import sanitize
from teleprinter.render.style import Span, Style
from teleprinter.render.wrap import break_rows, clusters, row_spans

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
SPIN_INTERVAL = 0.1
STATUS_STYLE = Style(dim=True)


class StatusLine:
    """State of the status line, fed by events; :meth:`spans` gives the row for "now"."""

    def __init__(self, model: str = "", clock: Callable[[], float] = time.monotonic) -> None:
        self.model = sanitize(model)
        self.clock = clock
        self.active = False
        self.tokens = 0
        self._started = 0.0
        self._first: float | None = None
        self._last: float | None = None
        self.note = ""

    def handle(self, event: Event) -> None:
        kind = type(event)
        if kind is Token:
            if event.text:  # type: ignore[union-attr]
                self._token()
        elif kind is RunStarted:
            self.start(event.model)  # type: ignore[union-attr]
        elif kind is RunEnded or kind is RunFailed:
            self.active = False
        elif kind is Custom:  # dispatch_custom_event: progress shown beside the counters
            from teleprinter.sinks.status import describe

            self.note = describe(event.name, event.data)  # type: ignore[union-attr]

    def start(self, model: str = "") -> None:
        self.model = sanitize(model) if model else self.model
        self.active = True
        self.tokens = 0
        self._started = self.clock()
        self._first = self._last = None

    def _token(self) -> None:
        now = self.clock()
        if not self.active and self._first is None:
            self.start()
        if self._first is None:
            self._first = now
        self._last = now
        self.tokens += 1

    def text(self) -> str:
        now = self.clock()
        elapsed = now - self._started
        spinner = SPINNER[int(elapsed / SPIN_INTERVAL) % len(SPINNER)]
        if self._first is None:
            waiting = f"waiting for {self.model}" if self.model else "waiting for the model"
            return f"{spinner} {waiting} · {elapsed:.1f} s" + (f" · {self.note}" if self.note else "")
        rate = ""
        if self._last is not None and self.tokens > 1 and self._last > self._first:
            rate = f" · {(self.tokens - 1) / (self._last - self._first):.1f} tok/s"
        return f"{spinner} {self.tokens} tokens{rate} · {elapsed:.1f} s" + (f" · {self.note}" if self.note else "")

    def spans(self, width: int) -> list[Span]:
        """The status row cut to ``width - 1`` cells (never the last column: no pending wrap)."""
        items = clusters(self.text(), STATUS_STYLE)
        start, end = break_rows(items, max(width - 1, 1))[0]
        return row_spans(items, start, end)
