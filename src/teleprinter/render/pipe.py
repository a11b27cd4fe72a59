"""Agent runs on a pipe: stdout carries only answer text, one contiguous block per run.

One run writes through as its tokens arrive (the pipe still streams live). A run that
overlaps it is held and written, whole, when the live one ends; held runs are written in the
order they finished, each separated from the previous block by a blank line. A single run
therefore comes out byte for byte as streamed. Hidden (``nostream``) runs are never written.

Everything else goes to the status stream (stderr) and only when asked for
(:meth:`DisplayOptions.on_pipe`): reasoning with ``--reasoning show`` (held per run the same
way), tool calls and results with ``--tools``, finished nodes with ``--progress``; as plain
lines, no escape codes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import IO
from uuid import UUID

from teleprinter.events import (
    Event,
    NodeEnded,
    Reasoning,
    RunEnded,
    RunFailed,
    RunStarted,
    Token,
    ToolCallDelta,
    ToolEnded,
    ToolStarted,
)
from teleprinter.render.options import DisplayOptions
from teleprinter.render.plain import PlainRenderer
from teleprinter.render.sanitize import sanitize


class Blocks:
    """Per-run text written as contiguous blocks through ``write`` (see the module docstring)."""

    def __init__(self, write: Callable[[str], None]) -> None:
        self.write = write
        self.live: UUID | None = None
        self.held: dict[UUID, list[str]] = {}  # runs that overlap the live one, in the order they began
        self.done: list[str] = []  # held runs that finished, waiting for the live one to end
        self._wrote = False
        self._last = ""

    def feed(self, run_id: UUID, text: str) -> None:
        if run_id == self.live:
            self._put(text)
        elif self.live is None:
            self._open(run_id)
            self._put(text)
        else:
            self.held.setdefault(run_id, []).append(text)

    def end(self, run_id: UUID) -> None:
        if run_id == self.live:
            self.live = None
            for text in self.done:
                self._block(text)
            self.done.clear()
            if self.held:  # the oldest overlapping run goes on live, what it had first
                self._open(next(iter(self.held)))
            return
        pieces = self.held.pop(run_id, None)
        if pieces:
            self.done.append("".join(pieces))

    def flush(self) -> None:
        """Write everything held (the stream is ending): the live run first, then in finish order."""
        self.live = None
        for text in [*self.done, *("".join(pieces) for pieces in self.held.values())]:
            self._block(text)
        self.done.clear()
        self.held.clear()

    def _open(self, run_id: UUID) -> None:
        self.live = run_id
        pieces = self.held.pop(run_id, None)
        self._separate()
        if pieces:
            self._put("".join(pieces))

    def _block(self, text: str) -> None:
        if text:
            self._separate()
            self._put(text)

    def _separate(self) -> None:
        if self._wrote:
            self.write("\n\n" if not self._last.endswith("\n") else "\n")
            self._wrote = False  # one blank line, however many empty runs come between

    def _put(self, text: str) -> None:
        if text:
            self.write(text)
            self._wrote = True
            self._last = text


class PipeRenderer(PlainRenderer):
    """The renderer for a pipe or file (see the module docstring); ``sanitize`` for ``TERM=dumb``.

    A :class:`PlainRenderer` (its ``write`` puts the prefix and neutralises control characters)
    that keeps runs apart.
    """

    def __init__(
        self,
        stream: IO[str],
        prefix: str = "",
        *,
        options: DisplayOptions | None = None,
        side: IO[str] | None = None,
        sanitize: Callable[[str], str] | None = None,
    ) -> None:
        super().__init__(stream, prefix, sanitize=sanitize)
        self.options = options or DisplayOptions()
        self.side = side
        self.answers = Blocks(self.write)
        self.thoughts = Blocks(self._side_write)
        self.hidden: set[UUID] = set()
        self.calls: dict[UUID, dict[str, list[str]]] = {}  # run -> call id -> [name, args]
        self.shown_calls: set[str] = set()
        parts = ("reasoning", "tools", "progress")
        self._show = {name: side is not None and self.options.on_pipe(name) for name in parts}

    def handle(self, event: Event) -> None:
        kind = type(event)
        if kind is Token:
            if event.run_id not in self.hidden and event.text:  # type: ignore[union-attr]
                if self._show["reasoning"]:
                    self.thoughts.end(event.run_id)
                self.answers.feed(event.run_id, event.text)  # type: ignore[union-attr]
        elif kind is Reasoning:
            if self._show["reasoning"] and event.run_id not in self.hidden and event.text:  # type: ignore[union-attr]
                self.thoughts.feed(event.run_id, sanitize(event.text))  # type: ignore[union-attr]
        elif kind is RunStarted:
            if event.hidden:  # type: ignore[union-attr]
                self.hidden.add(event.run_id)
        elif kind is RunEnded or kind is RunFailed:
            self._end(event.run_id)
        else:
            self._activity(event)

    def _end(self, run_id: UUID) -> None:
        self.hidden.discard(run_id)
        self.answers.end(run_id)
        self.thoughts.end(run_id)
        for call_id, (name, args) in self.calls.pop(run_id, {}).items():
            self.shown_calls.add(call_id)
            self._line(self._call(name, args))

    def _activity(self, event: Event) -> None:
        if isinstance(event, ToolCallDelta):
            if self._show["tools"] and event.run_id not in self.hidden:
                call = self.calls.setdefault(event.run_id, {}).setdefault(event.call_id, [event.name, ""])
                call[1] += event.args
        elif isinstance(event, ToolStarted):
            if self._show["tools"] and event.call_id not in self.shown_calls:
                self._line(self._call(event.name, event.input))
        elif isinstance(event, ToolEnded):
            if self._show["tools"]:
                self._line(self._result(event))
        elif isinstance(event, NodeEnded) and self._show["progress"] and not event.node.startswith("__"):
            from teleprinter.render.agent import node_path

            self._line(f"▸ {node_path(event.node, event.namespace)} · {event.duration:.1f} s")

    def _call(self, name: str, args: object) -> str:
        """``⚙ name(key=value)``, or with ``--tools full`` the name and the arguments as indented JSON."""
        from teleprinter.render.tools import call_summary, parse_args

        value = parse_args(args) if isinstance(args, str) else args if args is not None else {}
        if self.options.tools != "full":
            return f"⚙ {call_summary(name, value)}"
        body = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, indent=2, default=str)
        return sanitize(f"⚙ {name}\n" + "\n".join("    " + line for line in body.splitlines()))

    def _result(self, event: ToolEnded) -> str:
        from teleprinter.render.tools import duration_text, output_text, result_summary

        text, failed = result_summary(event.output, event.error, event.duration)
        if failed or self.options.tools != "full":
            return ("  ✗ " if failed else "  ↳ ") + text
        lines = sanitize(output_text(event.output)).splitlines()
        return f"  ↳ {duration_text(event.duration)}" + "".join(f"\n    {line}" for line in lines)

    def _side_write(self, text: str) -> None:
        if self.side is not None:
            self.side.write(text)
            self.side.flush()

    def _line(self, text: str) -> None:
        if self.side is not None:
            self.thoughts.flush()  # a line never lands inside a run's reasoning
            self._side_write(text + "\n")

    def close(self) -> None:
        """Write what is still held (an interrupted run keeps its text), then flush."""
        self.answers.flush()
        if self._show["reasoning"]:
            self.thoughts.flush()
            if self.thoughts._last and not self.thoughts._last.endswith("\n"):
                self._side_write("\n")
        super().close()

