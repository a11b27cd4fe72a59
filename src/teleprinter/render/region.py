"""The live region: rows printed once into scrollback above, a few rows redrawn in place below.

Each frame moves the cursor back to the top of what the previous frame left redrawable,
prints the rows that became final (they scroll up into history and are never touched again),
then redraws the live rows and the status line. Every row starts with an erase of the line,
so nothing of the previous frame survives, and the number of redrawable rows is kept below
the screen height, so moving up never hits the top of the screen (the cause of rich's
duplicated lines in scrollback).

Rows left over from a taller previous frame are erased one by one (``EL 2`` on each, moving
down with ``CUD``), never with "erase to the end of the screen": when the region starts in the
top-left corner (after ``clear``), ``ED 0`` there is a screen clear to tmux (``scroll-on-clear``,
its default) and GNU screen's history logic, which copy the whole screen into history and so
show the answer twice. ``CUD`` never scrolls, and the rows it crosses were drawn by us.
"""

from __future__ import annotations

import re

from teleprinter.render.wrap import cell_width

ERASE_LINE = "\x1b[2K"
DOWN = "\x1b[B"


class LiveRegion:
    """Turns ``(final rows, live rows, status)`` into the escape codes of one frame."""

    def __init__(self) -> None:
        self.drawn = 0  # rows of the last frame still redrawable; the cursor is on the last of them
        self._rows: list[str] = []  # those rows, to know how a resize reflowed them

    def frame(self, final: list[str], live: list[str], status: str | None = None) -> str:
        """The bytes of one frame; ``status`` (if any) is drawn as the last row."""
        parts = [self._home()]
        below = [*live, status] if status is not None else live
        leftover = self.drawn - len(final) - len(below)
        for row in final:
            parts.append(ERASE_LINE)
            parts.append(row)
            parts.append("\r\n")
        for number, row in enumerate(below):
            if number:
                parts.append("\r\n")
            parts.append(ERASE_LINE)
            parts.append(row)
        if leftover > 0:
            parts.append(erase_rows(leftover, below_cursor=bool(below)))
        self.drawn = len(below)
        self._rows = below
        return "".join(parts)

    def clear(self, width: int | None = None) -> str:
        """Erase the redrawable rows; ``width`` is the new width after a resize.

        Most terminals (tmux, kitty, VTE, iTerm2, Windows Terminal) reflow a row that no longer
        fits into several, so after a shrink the region is taller than we drew it: count the
        rows it now takes. Rows that already went to history are never touched.
        """
        if self.drawn and width:
            self.drawn = sum(max(1, -(-_visible_cells(row) // width)) for row in self._rows)
        drawn, home = self.drawn, self._home()
        self.drawn = 0
        self._rows = []
        return home + erase_rows(drawn, below_cursor=False) if drawn else ""

    def _home(self) -> str:
        if self.drawn == 0:
            return ""
        return "\r" if self.drawn == 1 else f"\r\x1b[{self.drawn - 1}A"


def erase_rows(count: int, *, below_cursor: bool) -> str:
    """Erase ``count`` rows line by line and come back: from the row under the cursor
    (``below_cursor``) or from the cursor's own row; the cursor ends where it started."""
    parts = []
    for number in range(count):
        if number or below_cursor:
            parts.append(DOWN)
        parts.append(ERASE_LINE)
    moved = count if below_cursor else count - 1
    if moved:
        parts.append(f"\x1b[{moved}A")
    return "".join(parts)


_SGR = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _visible_cells(row: str) -> int:
    return cell_width(_SGR.sub("", row))
