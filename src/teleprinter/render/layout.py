"""Layouts turn streamed text into rows: final rows (printed once) and live rows (redrawn).

A layout is fed text per token (a cheap append) and asked for rows once per frame, so the
work of wrapping and styling runs at frame rate and only on text that is not final yet.
"""

from __future__ import annotations

from typing import Protocol

from teleprinter.render.style import PLAIN, Span, Style, encode
from teleprinter.render.wrap import break_rows, cell_width, clusters, row_spans


class Layout(Protocol):
    def feed(self, text: str) -> None: ...

    def update(self, width: int, cap: int) -> tuple[list[str], list[str]]:
        """Rows that became final since the last call, and the live rows (at most ``cap``)."""
        ...

    def finish(self, width: int) -> list[str]:
        """Every row not yet final, as final rows; the layout starts over empty."""
        ...


class Spill:
    """Rows of the open block already pushed to history because the block outgrew the screen.

    Those rows are gone from the redrawable region; the block's later renderings skip them,
    so they are never printed twice. Skipping by count is only right if the block's head lays
    out the same way later, so :class:`~teleprinter.render.markdown.MarkdownLayout` uses this
    only as a last resort (no cut point at all, e.g. an ``<html>`` block taller than the
    screen); it commits the head of a tall block instead.
    """

    def __init__(self) -> None:
        self.count = 0

    def live(self, rows: list[str], cap: int) -> tuple[list[str], list[str]]:
        rows = rows[self.count :]
        excess = len(rows) - max(cap, 1)
        if excess <= 0:
            return [], rows
        self.count += excess
        return rows[:excess], rows[excess:]

    def close(self, rows: list[str]) -> list[str]:
        """A block became final: the rows of it not spilled yet (the spill may run into the next block)."""
        skip = min(self.count, len(rows))
        self.count -= skip
        return rows[skip:]


def indents(prefix: str) -> tuple[list[Span], list[Span]]:
    """The prefix for a line's first row, and blanks of its width for the rows it wraps onto."""
    if not prefix:
        return [], []
    return [(prefix, PLAIN)], [(" " * cell_width(prefix), PLAIN)]


class RawLayout:
    """Plain text soft-wrapped by cells: only the row being typed is live.

    Every row above the current one is final (greedy wrapping never changes it), and its
    source text is dropped, so a frame costs the same at the end of a long answer as at
    its start.
    """

    def __init__(self, prefix: str = "", color: bool = False, style: Style = PLAIN) -> None:
        self.first, self.rest = indents(prefix)
        self.color = color
        self.style = style
        self._pending: list[str] = []
        self._open = ""  # source of the live row (and of what follows it on the same line)
        self._continued = False  # the live row is a continuation of a wrapped line

    def feed(self, text: str) -> None:
        self._pending.append(text)

    def update(self, width: int, cap: int = 1) -> tuple[list[str], list[str]]:
        text = self._open + "".join(self._pending)
        self._pending.clear()
        *lines, last = text.split("\n")
        final: list[str] = []
        for line in lines:
            final.extend(self._rows(line, width)[0])
            self._continued = False
        rows, tail_start, items = self._rows(last, width)
        final.extend(rows[:-1])
        if len(rows) > 1:
            self._continued = True
        self._open = "".join(item[0] for item in items[tail_start:])
        live = rows[-1:] if last else []
        return final, live

    def finish(self, width: int) -> list[str]:
        final, live = self.update(width)
        self._open = ""
        self._continued = False
        return final + live

    def _rows(self, line: str, width: int) -> tuple[list[str], int, list[tuple[str, int, Style, int]]]:
        items = clusters(line, self.style)
        if not items:
            return [""], 0, items
        first = self.rest if self._continued else self.first
        bounds = break_rows(items, width - _cells(first), width - _cells(self.rest))
        rows = [
            encode([*(first if number == 0 else self.rest), *row_spans(items, start, end)], self.color)
            for number, (start, end) in enumerate(bounds)
        ]
        return rows, bounds[-1][0], items


def _cells(spans: list[Span]) -> int:
    return sum(cell_width(text) for text, _ in spans)
