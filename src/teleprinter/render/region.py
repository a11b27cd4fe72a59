"""The live region: rows printed once into scrollback above, a few rows redrawn in place below.

Each frame moves the cursor back to the top of what the previous frame left redrawable,
prints the rows that became final (they scroll up into history and are never touched again),
then redraws the live rows and the status line. Every row starts with an erase of the line,
so nothing of the previous frame survives, and the number of redrawable rows is kept below
the screen height, so moving up never hits the top of the screen (the cause of rich's
duplicated lines in scrollback).
"""

from __future__ import annotations

import re

from teleprinter.render.wrap import cell_width

ERASE_LINE = "\x1b[2K"
ERASE_BELOW = "\x1b[J"


class LiveRegion:
    """Turns ``(final rows, live rows, status)`` into the escape codes of one frame."""

    def __init__(self) -> None:
        self.drawn = 0  # rows of the last frame still redrawable; the cursor is on the last of them
        self._rows: list[str] = []  # those rows, to know how a resize reflowed them

    def frame(self, final: list[str], live: list[str], status: str | None = None) -> str:
        """The bytes of one frame; ``status`` (if any) is drawn as the last row."""
        parts = [self._home()]
        below = [*live, status] if status is not None else live
        if len(final) + len(below) < self.drawn:
            parts.append(ERASE_BELOW)
        for row in final:
            parts.append(ERASE_LINE)
            parts.append(row)
            parts.append("\r\n")
        for number, row in enumerate(below):
            if number:
                parts.append("\r\n")
            parts.append(ERASE_LINE)
            parts.append(row)
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
        home = self._home()
        self.drawn = 0
        self._rows = []
        return home + ERASE_BELOW if home else ""

    def _home(self) -> str:
        if self.drawn == 0:
            return ""
        return "\r" if self.drawn == 1 else f"\r\x1b[{self.drawn - 1}A"


_SGR = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _visible_cells(row: str) -> int:
    return cell_width(_SGR.sub("", row))
