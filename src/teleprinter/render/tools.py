"""Tool calls and tool runs as short lines: ``⚙ search(query="…")`` then ``↳ 391 · 3 B · 12 ms``.

The model streams a call's arguments as JSON text in pieces (``tool_call_chunks``); the line
is redrawn from the arguments so far, parsed leniently with LangChain's own
``parse_partial_json`` (an unfinished string shows what arrived of it). ``summary`` shows
``name(key=value, ...)`` on one row cut to the width and the result's first line, size and
duration; ``full`` shows the arguments as indented JSON and the whole result.
"""

from __future__ import annotations

import json
from typing import Any

from teleprinter.render.line import fit, one_line
from teleprinter.render.sanitize import sanitize
from teleprinter.render.style import Span, Style

GEAR = "⚙ "
RESULT = "  ↳ "
FAILED = "  ✗ "
NAME_STYLE = Style(bold=True, fg="36")
ARGS_STYLE = Style(dim=True)
RESULT_STYLE = Style(dim=True)
ERROR_STYLE = Style(fg="31")


def parse_args(args: str) -> Any:
    """The arguments streamed so far as a value, or the raw text when it is not JSON (yet)."""
    if not args.strip():
        return {}
    try:
        return json.loads(args)
    except ValueError:
        pass
    from langchain_core.utils.json import parse_partial_json

    try:
        return parse_partial_json(args)
    except ValueError:
        return args


def _value(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def call_summary(name: str, args: Any) -> str:
    """``name(key=value, ...)`` on one line; strings quoted, as the call would be written in Python."""
    if isinstance(args, dict):
        inner = ", ".join(f"{key}={_value(value)}" for key, value in args.items())
    elif isinstance(args, str):
        inner = args
    else:
        inner = _value(args)
    return sanitize(one_line(f"{name}({inner})"))


def call_rows(name: str, args: Any, width: int, color: bool, full: bool) -> list[str]:
    """The encoded rows of one call: one cut to ``width``, or (``full``) the name and indented JSON."""
    name = sanitize(one_line(name)) or "tool"
    if not full:
        text = call_summary(name, args)
        spans: list[Span] = [(GEAR, NAME_STYLE), (name, NAME_STYLE), (text[len(name) :], ARGS_STYLE)]
        return [fit(spans, width, color)]
    body = args if isinstance(args, str) else json.dumps(args, ensure_ascii=False, indent=2, default=str)
    rows = [fit([(GEAR, NAME_STYLE), (name, NAME_STYLE)], width, color)]
    rows += [fit([("    " + sanitize(line), ARGS_STYLE)], width, color) for line in body.splitlines()]
    return rows


def output_text(output: Any) -> str:
    """A tool's output as text: a string, a ``ToolMessage``'s content, or JSON of anything else."""
    content = getattr(output, "content", None)
    if content is None and isinstance(output, dict) and "content" in output:
        content = output["content"]
    if content is not None:
        output = content
    if isinstance(output, str):
        return output
    return json.dumps(output, ensure_ascii=False, default=str)


def size_text(text: str) -> str:
    size = len(text.encode("utf-8"))
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def duration_text(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.1f} s"


def result_summary(output: Any, error: str | None, duration: float) -> tuple[str, bool]:
    """One line for a finished tool run and whether it failed: first line, size, duration."""
    if error is not None:
        first = one_line(error.strip().splitlines()[0] if error.strip() else "failed")
        return sanitize(f"{first} · {duration_text(duration)}"), True
    text = output_text(output)
    lines = [line for line in text.splitlines() if line.strip()]
    first = one_line(lines[0]) if lines else "(empty)"
    more = f" (+{len(lines) - 1} lines)" if len(lines) > 1 else ""
    return sanitize(f"{first}{more} · {size_text(text)} · {duration_text(duration)}"), False


def result_rows(output: Any, error: str | None, duration: float, width: int, color: bool, full: bool) -> list[str]:
    """The encoded rows of a finished tool run: one summary row, or (``full``) the whole output."""
    line, failed = result_summary(output, error, duration)
    if failed or not full:
        marker, style = (FAILED, ERROR_STYLE) if failed else (RESULT, RESULT_STYLE)
        return [fit([(marker, style), (line, style)], width, color)]
    text = sanitize(output_text(output))
    rows = [fit([(RESULT, RESULT_STYLE), (duration_text(duration), RESULT_STYLE)], width, color)]
    rows += [fit([("    " + line, RESULT_STYLE)], width, color) for line in text.splitlines()]
    return rows


class ToolCallLines:
    """The tool calls one model run is streaming, assembled per call id, in the order they began.

    Calls stream one after the other, so when a new call begins the earlier ones are complete:
    their rows become final, and only the newest call is redrawn.
    """

    def __init__(self, color: bool, full: bool) -> None:
        self.color = color
        self.full = full
        self.calls: dict[str, list[str]] = {}  # call id -> [name, args text so far]
        self._final = 0  # calls whose rows were already given as final

    def feed(self, call_id: str, name: str, args: str) -> None:
        call = self.calls.get(call_id)
        if call is None:
            self.calls[call_id] = [name, args]
            return
        if name and not call[0]:
            call[0] = name
        call[1] += args

    def update(self, width: int, cap: int) -> tuple[list[str], list[str]]:
        ids = list(self.calls)
        final: list[str] = []
        for call_id in ids[self._final : len(ids) - 1]:
            final += self._rows(call_id, width)
        self._final = max(self._final, len(ids) - 1)
        live = self._rows(ids[-1], width) if ids else []
        return final, live[-max(cap, 1) :]

    def finish(self, width: int) -> list[str]:
        rows: list[str] = []
        for call_id in list(self.calls)[self._final :]:
            rows += self._rows(call_id, width)
        self._final = len(self.calls)
        return rows

    def _rows(self, call_id: str, width: int) -> list[str]:
        name, args = self.calls[call_id]
        return call_rows(name, parse_args(args), width, self.color, self.full)
