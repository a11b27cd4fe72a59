"""The live status line: a spinner while waiting, then tokens, tokens/s and elapsed time.

It is drawn by the same frame writer as the answer (as the last row of the live region), so it
can never interleave with streamed text, and only on a terminal. At the end it is erased and
replaced by :func:`teleprinter.sinks.stats.summary_line`.

For agent runs it also counts reasoning apart from answer tokens (``12 tokens · 380 reasoning``,
or ``thinking · 380 reasoning tokens`` before the answer), never says "waiting" once anything
streams (reasoning or tool-call arguments too), names the running graph nodes (``▸ answer,
summary``) and shows the latest custom progress data. It stays active while any model run,
tool run or node is open; hidden (``nostream``) runs are not counted.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from uuid import UUID

from teleprinter.events import (
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
        self.reasoning = 0
        self.progress = True  # name the running graph nodes
        self._started = 0.0
        self._first: float | None = None
        self._last: float | None = None
        self._runs: set[UUID] = set()  # open visible model runs
        self._tools: dict[UUID, str] = {}  # open tool runs -> tool name
        self._nodes: dict[UUID, str] = {}  # open graph nodes -> node name
        self._hidden: set[UUID] = set()
        self.note = ""

    def handle(self, event: Event) -> None:
        kind = type(event)
        if kind is Token:
            if event.text and event.run_id not in self._hidden:  # type: ignore[union-attr]
                self._token()
                self.tokens += 1
        elif kind is Reasoning:
            if event.text and event.run_id not in self._hidden:  # type: ignore[union-attr]
                self._token()
                self.reasoning += 1
        elif kind is ToolCallDelta:
            if event.run_id not in self._hidden:
                self._token()
        elif kind is RunStarted:
            self._run_started(event)  # type: ignore[arg-type]
        elif kind is RunEnded or kind is RunFailed:
            self._runs.discard(event.run_id)
            self._hidden.discard(event.run_id)
            self._settle()
        elif kind is Custom:  # dispatch_custom_event / get_stream_writer: progress shown beside the counters
            from teleprinter.sinks.status import describe

            note = describe(event.name, event.data)  # type: ignore[union-attr]
            self.note = note if event.name else note.removeprefix(": ")  # type: ignore[union-attr]
        else:
            self._progress(event)

    def _run_started(self, event: RunStarted) -> None:
        if event.hidden:
            self._hidden.add(event.run_id)
            return
        if not self._runs:  # a fresh start; runs that overlap one another share the counters
            self.start(event.model)
        elif event.model and not self.model:
            self.model = sanitize(event.model)
        self._runs.add(event.run_id)

    def _progress(self, event: Event) -> None:
        if isinstance(event, ToolStarted):
            self._tools[event.run_id] = sanitize(event.name)
            self._wake()
        elif isinstance(event, ToolEnded):
            self._tools.pop(event.run_id, None)
            self._settle()
        elif isinstance(event, NodeStarted) and not event.node.startswith("__"):
            self._nodes[event.run_id] = sanitize(event.node)
            self._wake()
        elif isinstance(event, NodeEnded):
            self._nodes.pop(event.run_id, None)
            self._settle()

    def _wake(self) -> None:
        if not self.active:
            self.start()

    def _settle(self) -> None:
        self.active = bool(self._runs or self._tools or self._nodes)

    def start(self, model: str = "") -> None:
        self.model = sanitize(model) if model else self.model
        self.active = True
        self.tokens = 0
        self.reasoning = 0
        self._started = self.clock()
        self._first = self._last = None

    def _token(self) -> None:
        now = self.clock()
        if not self.active and self._first is None:
            self.start()
        if self._first is None:
            self._first = now
        self._last = now

    def _extras(self) -> tuple[str, str]:
        """What runs (nodes, tools) led by ``▸``/``⚙``, and the latest custom note, each with its `` · ``."""
        running = []
        if self.progress and self._nodes:
            running.append("▸ " + ", ".join(dict.fromkeys(self._nodes.values())))
        if self._tools:
            running.append("⚙ " + ", ".join(dict.fromkeys(self._tools.values())))
        return "".join(f"{item} · " for item in running), f" · {self.note}" if self.note else ""

    def text(self) -> str:
        now = self.clock()
        elapsed = now - self._started
        spinner = SPINNER[int(elapsed / SPIN_INTERVAL) % len(SPINNER)]
        running, note = self._extras()
        if self._first is None:
            if self._tools or (self._nodes and not self._runs):
                return f"{spinner} {running}{elapsed:.1f} s{note}"
            waiting = f"waiting for {self.model}" if self.model else "waiting for the model"
            return f"{spinner} {running}{waiting} · {elapsed:.1f} s{note}"
        count = self.tokens + self.reasoning
        rate = ""
        if self._last is not None and count > 1 and self._last > self._first:
            rate = f" · {(count - 1) / (self._last - self._first):.1f} tok/s"
        if self.tokens:
            counts = f"{self.tokens} tokens" + (f" · {self.reasoning} reasoning" if self.reasoning else "")
        elif self.reasoning:
            counts = f"thinking · {self.reasoning} reasoning tokens"
        else:
            counts = "calling a tool"
        return f"{spinner} {running}{counts}{rate} · {elapsed:.1f} s{note}"

    def spans(self, width: int) -> list[Span]:
        """The status row cut to ``width - 1`` cells (never the last column: no pending wrap)."""
        items = clusters(self.text(), STATUS_STYLE)
        start, end = break_rows(items, max(width - 1, 1))[0]
        return row_spans(items, start, end)
